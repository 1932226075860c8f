# programs.panther: the user's ~/.config/panther/config.json and the niri
# key bindings. When Home Manager runs as a NixOS module, every option
# defaults to the value of services.panther, so this file only needs what
# differs for this user.
{
  config,
  lib,
  pkgs,
  options,
  ...
}@args:
let
  cfg = config.programs.panther;
  # Home Manager passes osConfig (as a special argument) only when it runs
  # as a NixOS module; a default in the argument list would not be used.
  osConfig = args.osConfig or null;
  configLib = import ./lib/config.nix;
  bindsLib = import ./lib/binds.nix;

  system =
    if osConfig != null && (osConfig.services.panther.enable or false) then
      osConfig.services.panther
    else
      null;

  shared = import ./options.nix {
    inherit lib cfg;
    cfgText = "config.programs.panther";
    inherited = system;
  };

  configFile = import ./config-file.nix {
    inherit (pkgs) runCommand;
    inherit (cfg) package;
  } (configLib.toSettings cfg);

  binds = bindsLib.binds {
    pantherctl = lib.getExe' cfg.package "pantherctl";
    inherit (cfg.keybinds) cycle auto fanKey;
  };

  # niri-flake's Home Manager module declares programs.niri.settings.
  hasNiriFlake = options ? programs.niri.settings;

  dms = config.programs.dank-material-shell or { };
  dmsUnitHere = (dms.enable or false) && (dms.systemd.enable or false);
in
{
  options.programs.panther = shared.options // {
    enable = lib.mkEnableOption "panther's configuration and niri key bindings";

    package = lib.mkOption {
      type = lib.types.package;
      default = if system != null then system.package else pkgs.callPackage ./package.nix { };
      defaultText = lib.literalExpression "osConfig.services.panther.package, or pkgs.callPackage ./nix/package.nix { }";
      description = "The panther package (its pantherctl checks config.json and serves the key bindings).";
    };

    keybinds = {
      enable = lib.mkOption {
        type = lib.types.bool;
        default = true;
        description = ''
          Whether to add the power-profile key bindings to niri: through
          niri-flake's `programs.niri.settings.binds` when that module is
          imported, else as `~/.config/niri/panther-binds.kdl`, for
          `include "panther-binds.kdl"` in niri's config.kdl.
        '';
      };
      cycle = lib.mkOption {
        type = lib.types.nullOr lib.types.str;
        default = "Mod+Shift+P";
        description = "Key that runs `pantherctl power cycle`; `null` for none.";
      };
      fanKey = lib.mkOption {
        type = lib.types.nullOr lib.types.str;
        default = bindsLib.fanKeyFor cfg.host;
        defaultText = lib.literalExpression ''if config.programs.panther.host == "zephyrus" then "XF86Launch4" else null'';
        description = "A second key for `pantherctl power cycle` (the Zephyrus fan key, Fn+F5).";
      };
      auto = lib.mkOption {
        type = lib.types.nullOr lib.types.str;
        default = "Mod+Shift+Alt+P";
        description = "Key that runs `pantherctl power auto` (back to the automatic policy).";
      };
    };
  };

  config = lib.mkIf cfg.enable (
    lib.mkMerge [
      {
        assertions = shared.assertions;
        home.packages = [ cfg.package ];
        xdg.configFile."panther/config.json".source = configFile;
      }

      (lib.optionalAttrs hasNiriFlake {
        programs.niri.settings.binds = lib.mkIf cfg.keybinds.enable (bindsLib.toNiriFlake binds);
      })

      (lib.mkIf (cfg.keybinds.enable && !hasNiriFlake) {
        xdg.configFile."niri/panther-binds.kdl".text = bindsLib.toKdl binds;
      })

      # DMS registers its own polkit agent unless told not to (DESIGN.md 5.3).
      (lib.mkIf (cfg.polkitAgent.enable && dmsUnitHere) {
        systemd.user.services.dms.Service.Environment = [ "DMS_DISABLE_POLKIT=1" ];
      })
    ]
  );
}
