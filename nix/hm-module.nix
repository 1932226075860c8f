# programs.panther: the user's ~/.config/panther/config.json, the systemd
# user units (when the NixOS module does not provide them) and the niri key
# bindings. When Home Manager runs as a NixOS module, every option defaults
# to the value of services.panther, so this file only needs what differs
# for this user.
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
    inherit (cfg.keybinds) cycle auto extraKey;
  };

  # niri-flake (programs.niri.settings) renders config.kdl from its settings;
  # ./hm-niri-flake.nix adds the binds there, but only to settings the user
  # already has: a null `settings` writes no config.kdl, and a raw
  # `programs.niri.config` replaces whatever settings hold.
  niri = config.programs.niri or { };
  rawNiriConfig =
    options ? programs.niri.config
    && options.programs.niri.config.highestPrio < (lib.mkOptionDefault null).priority;
  bindsInSettings = cfg.keybinds.niriSettings && (niri.settings or null) != null && !rawNiriConfig;
  writeInclude = cfg.keybinds.enable && !bindsInSettings;
  includeLine = ''include "panther-binds.kdl"'';
  # The config.kdl Home Manager writes, when it does.
  managedNiriConfig =
    let
      final = niri.finalConfig or null;
      file = config.xdg.configFile."niri/config.kdl" or { };
    in
    if builtins.isString final then
      final
    else if (file.enable or false) && builtins.isString (file.text or null) then
      file.text
    else
      "";

  dms = config.programs.dank-material-shell or { };
  dmsUnitHere = (dms.enable or false) && (dms.systemd.enable or false);
  # DMS's own AC/battery profile switching (its settings.json).
  dmsPowerKeys = builtins.filter (key: (dms.settings or { }) ? ${key}) [
    "acProfileName"
    "batteryProfileName"
    "batteryAutoPowerSaver"
  ];

  # Other polkit agents Home Manager can run; polkitd takes one per session.
  otherAgents = builtins.filter (name: options ? services.${name}.enable) [
    "polkit-gnome"
    "hyprpolkitagent"
    "lxqt-policykit-agent"
  ];

  # The units from the package, enabled the way `systemctl --user enable`
  # would: their [Install] sections, as symlinks in ~/.config/systemd/user.
  unitFile = name: "${cfg.package}/lib/systemd/user/${name}";
  units =
    lib.optional cfg.session.enable "panther-session.service"
    ++ lib.optional cfg.power.enable "panther-powerd.service"
    ++ lib.optional cfg.polkitAgent.enable "panther-polkit-agent.service";
  tokenFile = cfg.polkitAgent.onePassword.tokenFile;
in
{
  imports = [
    (lib.mkRenamedOptionModule
      [ "programs" "panther" "keybinds" "fanKey" ]
      [ "programs" "panther" "keybinds" "extraKey" ]
    )
  ];

  options.programs.panther = shared.options // {
    enable = lib.mkEnableOption "panther's configuration and niri key bindings";

    package = lib.mkOption {
      type = lib.types.package;
      default = if system != null then system.package else pkgs.callPackage ./package.nix { };
      defaultText = lib.literalExpression "osConfig.services.panther.package, or pkgs.callPackage ./nix/package.nix { }";
      description = "The panther package (its pantherctl checks config.json and serves the key bindings).";
    };

    units = lib.mkOption {
      type = lib.types.bool;
      default = system == null;
      defaultText = lib.literalExpression "osConfig.services.panther.enable is not true";
      description = ''
        Whether to link the package's systemd user units into
        ~/.config/systemd/user and enable them. The NixOS module installs
        the same units system-wide, so this is on only without it.
      '';
    };

    keybinds = {
      enable = lib.mkOption {
        type = lib.types.bool;
        default = true;
        description = ''
          Whether to add the power-profile key bindings to niri: into
          `programs.niri.settings.binds` when niri-flake's settings are in
          use (each at `mkDefault`: a bind of your own on the same key wins),
          else as `~/.config/niri/panther-binds.kdl`, for
          `include "panther-binds.kdl"` in niri's config.kdl.
        '';
      };
      included = lib.mkOption {
        type = lib.types.bool;
        default = false;
        description = ''
          Set when your own config.kdl already has
          `include "panther-binds.kdl"`: silences the warning that asks for it.
        '';
      };
      niriSettings = lib.mkOption {
        type = lib.types.bool;
        default = false;
        internal = true;
        description = "Set by ./hm-niri-flake.nix: the binds go into programs.niri.settings when it is used.";
      };
      cycle = lib.mkOption {
        type = lib.types.nullOr lib.types.str;
        default = "Mod+Shift+P";
        description = "Key that runs `pantherctl power cycle`; `null` for none.";
      };
      extraKey = lib.mkOption {
        type = lib.types.nullOr lib.types.str;
        default = bindsLib.extraKeyFor cfg.host;
        defaultText = lib.literalExpression ''if config.programs.panther.host == "zephyrus" then "XF86Launch3" else null'';
        description = ''
          A second key for `pantherctl power cycle`: on the Zephyrus the
          Armoury Crate key (XF86Launch3). Its Fn+F5 sends no key: the kernel
          switches the profile itself, which panther-powerd takes as a
          manual choice.
        '';
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

      (lib.mkIf writeInclude {
        xdg.configFile."niri/panther-binds.kdl".text = bindsLib.toKdl binds;
        warnings =
          lib.optional (!cfg.keybinds.included && !lib.hasInfix includeLine managedNiriConfig)
            ''
              programs.panther: the niri key bindings are in ~/.config/niri/panther-binds.kdl
              (${
                if rawNiriConfig then
                  "programs.niri.config replaces programs.niri.settings"
                else
                  "programs.niri.settings is not used, so no config.kdl is generated"
              }). Add the line
                ${includeLine}
              to niri's config.kdl, then set programs.panther.keybinds.included = true.
            '';
      })

      (lib.mkIf cfg.units {
        xdg.configFile = lib.mkMerge (
          [
            { "systemd/user/panther-session.target".source = unitFile "panther-session.target"; }
            # The target starts with the graphical session (niri-session's
            # niri.service and UWSM both reach it) and with niri.service.
            {
              "systemd/user/graphical-session.target.wants/panther-session.target".source =
                unitFile "panther-session.target";
              "systemd/user/niri.service.wants/panther-session.target".source = unitFile "panther-session.target";
            }
          ]
          ++ map (unit: {
            "systemd/user/${unit}".source = unitFile unit;
            "systemd/user/panther-session.target.wants/${unit}".source = unitFile unit;
          }) units
          ++ lib.optional (cfg.polkitAgent.enable && tokenFile != null) {
            "systemd/user/panther-polkit-agent.service.d/op-token.conf".text = ''
              [Service]
              LoadCredential=${configLib.tokenCredential}:${tokenFile}
            '';
          }
        );
      })

      # Only one polkit agent per session.
      (lib.mkIf cfg.polkitAgent.enable {
        systemd.user.services.dms = lib.mkIf dmsUnitHere {
          Service.Environment = [ "DMS_DISABLE_POLKIT=1" ];
        };
      })
      (lib.mkIf cfg.polkitAgent.enable {
        services = lib.genAttrs otherAgents (name: {
          enable = lib.mkForce false;
        });
      })

      {
        warnings = lib.optional (cfg.power.enable && dmsPowerKeys != [ ]) ''
          programs.dank-material-shell.settings sets ${lib.concatStringsSep ", " dmsPowerKeys}:
          DMS then switches power profiles on AC/battery itself, against
          panther-powerd. Remove them (panther's power.onAc, power.onBattery and
          power.lowBattery do this), or set programs.panther.power.enable = false.
        '';
      }
    ]
  );
}
