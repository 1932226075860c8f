# For Home Manager configurations with niri-flake's module: adds panther's
# part of niri's config (./lib/binds.nix: the key bindings, each at
# `mkDefault` so your own bind on the same key wins; the polkit card's
# layer rule; DMS_DISABLE_POLKIT=1 in the environment of what niri spawns,
# so a DMS started by `spawn-at-startup` runs no polkit agent of its own).
#
# - With `programs.niri.settings`: into those settings. This module extends
#   the option's type instead of defining a value, so a null
#   `programs.niri.settings` stays null and niri-flake writes no config.kdl.
# - With raw KDL in `programs.niri.config`: an `include` of the same KDL as
#   a store file goes first (includes are positional: your own bind on the
#   same key, later in the file, wins; an `include "panther-binds.kdl"`
#   already there is pointed at the store file instead), so the file is there where niri-flake runs
#   `niri validate` and where niri reads it. `include` needs niri 25.11: an
#   older niri package, or a KDL document instead of a string, fails an
#   assertion that says what to do.
#
# The NixOS module adds this to home-manager.sharedModules when niri-flake's
# NixOS module is there; with Home Manager alone, import it next to
# niri-flake's Home Manager module (flake output homeModules.niri-flake).
{
  config,
  lib,
  pkgs,
  options,
  ...
}:
let
  cfg = config.programs.panther;
  bindsLib = import ./lib/binds.nix;
  niri = config.programs.niri;

  raw = options.programs.niri.config.highestPrio < (lib.mkOptionDefault null).priority;
  # Your KDL holds panther's part already (keybinds.included).
  wanted = cfg.enable && raw && cfg.keybinds.kdl != "" && !cfg.keybinds.included;
  version = niri.package.version or "unknown";
  canInclude = bindsLib.niriHasInclude version;
  kdlFile = pkgs.writeText "panther.kdl" cfg.keybinds.kdl;
  include = ''include "${kdlFile}"'';
  relativeInclude = ''include "panther-binds.kdl"'';
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
          layer-rules = lib.mkIf cfg.polkitAgent.enable [ bindsLib.cardLayerRule ];
          environment = lib.mkIf cfg.polkitAgent.enable bindsLib.dmsEnvironment;
        };
      }
    );
  };

  options.programs.niri.config = lib.mkOption {
    apply =
      kdl:
      if wanted && builtins.isString kdl && canInclude then
        if lib.hasInfix relativeInclude kdl then
          builtins.replaceStrings [ relativeInclude ] [ include ] kdl
        else
          # First: what comes later overrides an include, so your own
          # bind on the same key wins, as with settings.
          include + "\n" + kdl
      else
        kdl;
  };

  config = {
    programs.panther.keybinds.niriSettings = true;

    assertions = [
      {
        assertion = !wanted || (builtins.isString niri.config && canInclude);
        message = ''
          programs.panther: programs.niri.config (raw KDL) replaces programs.niri.settings,
          so panther's part of niri's config (key bindings, the polkit card's layer rule,
          DMS_DISABLE_POLKIT) can only join it through `include`, ${
            if builtins.isString niri.config then
              "which niri ${version} (programs.niri.package) does not read: it came with niri 25.11"
            else
              "and programs.niri.config is a KDL document, not a string panther can append to"
          }. Do one of:
          - use niri 25.11 or newer: programs.niri.package = pkgs.niri (nixpkgs), or
            niri-flake's niri-unstable;
          - write your niri config as programs.niri.settings instead;
          - put the contents of programs.panther.keybinds.kdl into your KDL yourself and
            set programs.panther.keybinds.included = true.
        '';
      }
    ];
  };
}
