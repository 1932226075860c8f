# For Home Manager configurations with niri-flake's module: adds panther's
# key bindings to `programs.niri.settings.binds`, each at `mkDefault` (your
# own bind on the same key wins), and `DMS_DISABLE_POLKIT=1` to niri's
# environment when DMS's niri module starts DMS (`enableSpawn`). Both go
# into settings only when they are in use: this module extends the option's
# type instead of defining a value, so a null `programs.niri.settings`
# stays null and niri-flake writes no config.kdl.
#
# The NixOS module adds this to home-manager.sharedModules when niri-flake's
# NixOS module is there; with Home Manager alone, import it next to
# niri-flake's Home Manager module (flake output homeModules.niri-flake).
{ config, lib, ... }:
let
  cfg = config.programs.panther;
  bindsLib = import ./lib/binds.nix;
  dms = config.programs.dank-material-shell or { };
in
{
  imports = [ ./hm-module.nix ];

  options.programs.niri.settings = lib.mkOption {
    type = lib.types.nullOr (
      lib.types.submodule {
        config = lib.mkIf cfg.enable {
          binds = lib.mkIf cfg.keybinds.enable (
            lib.mapAttrs (key: bind: lib.mkDefault bind) (
              bindsLib.toNiriFlake (
                bindsLib.binds {
                  pantherctl = lib.getExe' cfg.package "pantherctl";
                  inherit (cfg.keybinds) cycle auto extraKey;
                }
              )
            )
          );
          # DMS registers its own polkit agent unless told not to.
          environment.DMS_DISABLE_POLKIT = lib.mkIf (
            cfg.polkitAgent.enable && (dms.enable or false) && (dms.niri.enableSpawn or false)
          ) "1";
        };
      }
    );
  };

  config.programs.panther.keybinds.niriSettings = true;
}
