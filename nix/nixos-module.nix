# services.panther: the daemons as systemd user units of the Niri session,
# and the system services they talk to (polkit, power-profiles-daemon,
# UPower, 1Password, asusd on the Zephyrus).
{
  config,
  lib,
  pkgs,
  options,
  ...
}:
let
  cfg = config.services.panther;
  configLib = import ./lib/config.nix;
  shared = import ./options.nix {
    inherit lib cfg;
    cfgText = "config.services.panther";
  };

  configFile = import ./config-file.nix {
    inherit (pkgs) runCommand;
    inherit (cfg) package;
  } (configLib.toSettings cfg);

  useOnePassword = cfg.polkitAgent.enable && cfg.polkitAgent.onePassword.enable;

  # A user's own config.json (Home Manager writes one) comes first, like
  # XDG_CONFIG_HOME before XDG_CONFIG_DIRS; else the one built here.
  start =
    name:
    pkgs.writeShellScript "${name}-start" ''
      conf="''${XDG_CONFIG_HOME:-$HOME/.config}/panther/config.json"
      [ -e "$conf" ] || conf=/etc/panther/config.json
      exec ${cfg.package}/bin/${name} --config "$conf"
    '';

  daemonUnit =
    {
      name,
      description,
      busName,
    }:
    {
      inherit description;
      wantedBy = [ "panther-session.target" ];
      partOf = [ "panther-session.target" ];
      after = [
        "graphical-session.target"
        "panther-session.service"
      ];
      # PATH comes from the user manager (it has /run/wrappers/bin for the
      # setuid polkit helper and the op wrapper, and the prompt command).
      path = lib.mkForce [ ];
      serviceConfig = {
        Type = "dbus";
        BusName = busName;
        ExecStart = start name;
        ExecReload = "${pkgs.coreutils}/bin/kill -HUP $MAINPID";
        Restart = "on-failure";
        RestartSec = 1;
        # 78 is a bad config.json: restarting cannot fix it.
        RestartPreventExitStatus = 78;
      };
    };

  # asusd switches platform profiles on AC/battery by itself unless told
  # not to; panther-powerd must be the only one that does (DESIGN.md 5.2).
  asusdRon = ''
    (
        charge_control_end_threshold: ${toString cfg.asusd.chargeLimit},
        base_charge_control_end_threshold: ${toString cfg.asusd.chargeLimit},
        disable_nvidia_powerd_on_battery: true,
        ac_command: "",
        bat_command: "",
        platform_profile_linked_epp: true,
        platform_profile_on_battery: Quiet,
        change_platform_profile_on_battery: false,
        platform_profile_on_ac: Performance,
        change_platform_profile_on_ac: false,
        profile_quiet_epp: Power,
        profile_balanced_epp: BalancePower,
        profile_custom_epp: Performance,
        profile_performance_epp: Performance,
        ac_profile_tunings: {},
        dc_profile_tunings: {},
        armoury_settings: {},
    )
  '';
  # nixpkgs' option was a string, and is now a { text, source } submodule.
  asusdConfigOption = options.services.asusd.asusdConfig or null;
  asusdConfigValue =
    if asusdConfigOption != null && asusdConfigOption.type.check asusdRon then
      asusdRon
    else
      { text = asusdRon; };
  asusdText =
    let
      value = config.services.asusd.asusdConfig or null;
    in
    if value == null then
      ""
    else if builtins.isString value then
      value
    else
      value.text or "";
  asusdSwitchesItself = lib.hasInfix "change_platform_profile_on_ac: true" asusdText
    || lib.hasInfix "change_platform_profile_on_battery: true" asusdText;

  # DMS registers its own polkit agent unless told not to (DESIGN.md 5.3).
  dmsUnitHere =
    let
      enabled = module: (module.enable or false) && (module.systemd.enable or false);
    in
    enabled (config.programs.dms-shell or { }) || enabled (config.programs.dank-material-shell or { });
in
{
  options.services.panther = shared.options // {
    enable = lib.mkEnableOption "panther, the Niri session's power, polkit and session daemons";

    package = lib.mkOption {
      type = lib.types.package;
      default = pkgs.callPackage ./package.nix { };
      defaultText = lib.literalExpression "pkgs.callPackage ./nix/package.nix { }";
      description = "The panther package.";
    };

    polkitAgent = shared.options.polkitAgent // {
      onePassword = shared.options.polkitAgent.onePassword // {
        enablePrograms = lib.mkOption {
          type = lib.types.bool;
          default = true;
          description = ''
            Whether to enable `programs._1password` (the setgid `op` wrapper)
            and `programs._1password-gui` (with the users of `references` as
            polkit policy owners) when 1Password is used.
          '';
        };
      };
    };

    asusd = {
      enable = lib.mkOption {
        type = lib.types.bool;
        default = cfg.host == "zephyrus";
        defaultText = lib.literalExpression ''config.services.panther.host == "zephyrus"'';
        description = ''
          Whether to run asusd, with a configuration in which it does not
          switch platform profiles on AC/battery itself.
        '';
      };
      chargeLimit = lib.mkOption {
        type = lib.types.ints.between 20 100;
        default = 100;
        example = 80;
        description = "Battery charge limit (percent) written to asusd.ron.";
      };
    };
  };

  config = lib.mkIf cfg.enable (
    lib.mkMerge [
      {
        assertions = shared.assertions;
        environment.systemPackages = [ cfg.package ];
        environment.etc."panther/config.json".source = configFile;

        systemd.user.targets.panther-session = {
          description = "panther: the services of the Niri session";
          wantedBy = [ "niri.service" ];
          partOf = [ "graphical-session.target" ];
          after = [ "graphical-session.target" ];
          wants = lib.optional cfg.session.enable "panther-session.service";
        };
      }

      (lib.mkIf cfg.session.enable {
        systemd.user.services.panther-session = {
          description = "panther session supervisor";
          partOf = [ "graphical-session.target" ];
          after = [ "graphical-session.target" ];
          before = [ "panther-session.target" ];
          path = lib.mkForce [ ];
          serviceConfig = {
            Type = "notify";
            NotifyAccess = "main";
            ExecStart = start "panther-session";
            ExecReload = "${pkgs.coreutils}/bin/kill -HUP $MAINPID";
            Restart = "on-failure";
            RestartSec = 1;
            RestartPreventExitStatus = 78;
          };
        };
      })

      (lib.mkIf cfg.power.enable {
        services.power-profiles-daemon.enable = true;
        services.upower.enable = true;
        systemd.user.services.panther-powerd = daemonUnit {
          name = "panther-powerd";
          description = "panther power-profile policy";
          busName = "org.pantheros.Power1";
        };
      })

      (lib.mkIf cfg.polkitAgent.enable {
        security.polkit.enable = true;
        systemd.user.services.panther-polkit-agent = daemonUnit {
          name = "panther-polkit-agent";
          description = "panther polkit authentication agent";
          busName = "org.pantheros.PolkitAgent1";
        };
        # polkitd takes one agent per session. niri-flake starts its own;
        # disabling a unit nobody defines only masks a name, so this is
        # harmless without niri-flake.
        systemd.user.services.niri-flake-polkit.enable = false;
        systemd.user.services.dms = lib.mkIf dmsUnitHere {
          environment.DMS_DISABLE_POLKIT = "1";
        };
      })

      (lib.mkIf (useOnePassword && cfg.polkitAgent.onePassword.enablePrograms) {
        programs._1password.enable = true;
        programs._1password-gui = {
          enable = true;
          polkitPolicyOwners = builtins.attrNames cfg.polkitAgent.onePassword.references;
        };
      })

      (lib.mkIf cfg.asusd.enable {
        services.asusd.enable = true;
        services.asusd.asusdConfig = lib.mkDefault asusdConfigValue;
        warnings = lib.optional asusdSwitchesItself ''
          services.asusd.asusdConfig lets asusd switch platform profiles on
          AC/battery itself; set change_platform_profile_on_ac and
          change_platform_profile_on_battery to false so that panther-powerd
          is the only one switching.
        '';
      })
    ]
  );
}
