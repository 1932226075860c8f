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

  # What panther adds to niri: the binds, and with the agent the card's
  # layer rule and DMS_DISABLE_POLKIT (./lib/binds.nix).
  niriKdl = bindsLib.toKdlFile {
    binds = lib.optionals cfg.keybinds.enable binds;
    agent = cfg.polkitAgent.enable;
  };

  # niri-flake (programs.niri.settings) renders config.kdl from its settings;
  # ./hm-niri-flake.nix adds panther's part there, but only to settings the
  # user already has (a null `settings` writes no config.kdl), and puts an
  # include into a raw `programs.niri.config` (or asserts why it cannot).
  niri = config.programs.niri or { };
  rawNiriConfig =
    options ? programs.niri.config
    && options.programs.niri.config.highestPrio < (lib.mkOptionDefault null).priority;
  niriFlakeHere = cfg.keybinds.niriSettings;
  # The niri package of niri-flake's module, when it is here.
  niriVersion = if options ? programs.niri.package then niri.package.version or null else null;
  inNiriFlake = niriFlakeHere && (rawNiriConfig || (niri.settings or null) != null);
  writeInclude = !inNiriFlake && niriKdl != "";
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

  # One power OSD: panther's bubble (it says why the profile changed and
  # keeps holds quiet), so DMS's own (osdPowerProfileEnabled) goes off.
  dmsHere =
    (dms.enable or false)
    || (
      osConfig != null
      && (
        (osConfig.programs.dank-material-shell.enable or false) || (osConfig.programs.dms-shell.enable or false)
      )
    );
  dmsOsdOff = cfg.power.enable && cfg.power.notify && dmsHere;
  # Marks panther's own definition of DMS's settings among the others.
  dmsOsdFile = "panther: DMS's power profile OSD";
in
{
  imports = [
    (lib.mkRenamedOptionModule
      [ "programs" "panther" "keybinds" "fanKey" ]
      [ "programs" "panther" "keybinds" "extraKey" ]
    )
    # DMS's settings.json is written by Home Manager only when
    # programs.dank-material-shell.settings holds something: the key joins
    # settings given elsewhere, and never makes a file of its own (that
    # file would be read-only for DMS). Its keys are fixed and its value
    # lazy, so looking at the other definitions does not recurse.
    (
      { options, ... }:
      {
        _file = dmsOsdFile;
        config = lib.optionalAttrs (options ? programs.dank-material-shell.settings) {
          programs.dank-material-shell.settings.osdPowerProfileEnabled =
            let
              others = builtins.filter (
                def: def.file != dmsOsdFile && def.value != { }
              ) options.programs.dank-material-shell.settings.definitionsWithLocations;
            in
            lib.mkIf (cfg.enable && dmsOsdOff && others != [ ]) (lib.mkDefault false);
        };
      }
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
      kdl = lib.mkOption {
        type = lib.types.str;
        default = niriKdl;
        readOnly = true;
        internal = true;
        description = "What panther adds to niri's config.kdl, as KDL (./lib/binds.nix).";
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
        xdg.configFile."niri/panther-binds.kdl".text = niriKdl;
        warnings =
          lib.optional (!cfg.keybinds.included && !lib.hasInfix includeLine managedNiriConfig)
            ''
              programs.panther: panther's niri settings (key bindings, the polkit card's
              layer rule, DMS_DISABLE_POLKIT) are in ~/.config/niri/panther-binds.kdl
              (${
                if niriFlakeHere then
                  "programs.niri.settings is not used, so no config.kdl is generated"
                else if options ? programs.niri.settings then
                  "import panther's homeModules.niri-flake next to niri-flake's module to have them in its settings"
                else
                  "niri-flake's settings are not here"
              }). Add the line
                ${includeLine}
              at the top of niri's config.kdl, so your own binds below it win (niri 25.11
              or newer reads `include`${
                lib.optionalString (niriVersion != null && !bindsLib.niriHasInclude niriVersion)
                  "; programs.niri.package is niri ${niriVersion}, which does not"
              }), then set
              programs.panther.keybinds.included = true.
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
          # The PATH of a NixOS login shell, however niri was started.
          ++ map (unit: {
            "systemd/user/${unit}.d/path.conf".text = ''
              [Service]
              Environment="PATH=${configLib.unitPath}"
            '';
          }) units
          ++ lib.optional (cfg.polkitAgent.enable && tokenFile != null) {
            "systemd/user/panther-polkit-agent.service.d/op-token.conf".text = ''
              [Service]
              LoadCredential=${configLib.tokenCredential}:${tokenFile}
            '';
          }
        );
      })

      # Only one polkit agent per session: DMS's is off wherever DMS starts,
      # in its unit, and through the user manager's environment (environment.d)
      # for DMS started by niri.service or by another unit.
      (lib.mkIf cfg.polkitAgent.enable {
        systemd.user.services.dms = lib.mkIf dmsUnitHere {
          Service.Environment = [ "DMS_DISABLE_POLKIT=1" ];
        };
        systemd.user.sessionVariables = bindsLib.dmsEnvironment;
      })
      (lib.mkIf cfg.polkitAgent.enable {
        services = lib.genAttrs otherAgents (name: {
          enable = lib.mkForce false;
        });
      })

      # DMS's settings.json when Home Manager does not write it (DMS's own
      # Settings wrote it, or DMS has not run yet): the key is set in place,
      # atomically (DMS watches the file and reloads it).
      (lib.mkIf dmsOsdOff {
        home.activation.pantherDmsOsd = lib.hm.dag.entryAfter [ "writeBoundary" ] ''
          settings="${config.xdg.configHome}/DankMaterialShell/settings.json"
          if [ ! -L "$settings" ] && [ -z "''${DRY_RUN:-}" ]; then
            mkdir -p "$(dirname "$settings")"
            [ -s "$settings" ] || echo '{}' >"$settings"
            ${lib.getExe pkgs.jq} '.osdPowerProfileEnabled = false' "$settings" >"$settings.panther" &&
              mv "$settings.panther" "$settings" ||
              rm -f "$settings.panther"
          fi
        '';
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
