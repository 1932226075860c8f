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

  # The package's units (lib/systemd/user, through systemd.packages), as
  # they are: Type=notify, restart policy, hardening. NixOS only adds a
  # drop-in that enables them and starts them with the config.json above.
  packageUnit = name: {
    wantedBy = [ "panther-session.target" ];
    # PATH comes from the user manager (it has /run/wrappers/bin for the
    # setuid polkit helper and the op wrapper, and the prompt command).
    path = lib.mkForce [ ];
    serviceConfig.ExecStart = [
      ""
      (start name)
    ];
  };

  tokenFile = cfg.polkitAgent.onePassword.tokenFile;

  # asusd switches platform profiles on AC/battery by itself unless told
  # not to; panther-powerd must be the only one that does (DESIGN.md 5.2).
  # With platform_profile_linked_epp asusd also writes the CPU's energy
  # preference on each profile change, which power-profiles-daemon does
  # too: one writer only.
  ppd = config.services.power-profiles-daemon.enable or false;
  asusdRon = ''
    (
        charge_control_end_threshold: ${toString cfg.asusd.chargeLimit},
        base_charge_control_end_threshold: ${toString cfg.asusd.chargeLimit},
        disable_nvidia_powerd_on_battery: true,
        ac_command: "",
        bat_command: "",
        platform_profile_linked_epp: ${lib.boolToString (!ppd)},
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
  # nixpkgs' option was a string, and is now null or a { text, source }
  # submodule (services.asusd.asusdConfig).
  asusdConfigOption = options.services.asusd.asusdConfig or null;
  asusdConfigValue =
    if asusdConfigOption != null && asusdConfigOption.type.check asusdRon then
      asusdRon
    else
      { text = asusdRon; };
  # The asusd.ron in effect, or null when it is a file not readable here.
  asusdText =
    let
      value = config.services.asusd.asusdConfig or null;
    in
    if value == null || builtins.isString value then
      value
    else if value.text or null != null then
      value.text
    else if builtins.isPath (value.source or null) then
      builtins.readFile value.source
    else
      null;
  asusdSays = setting: asusdText != null && lib.hasInfix "${setting}: true" asusdText;
  asusdWarnings =
    if asusdText == null then
      [
        ''
          services.asusd.asusdConfig.source is not a file panther can read while
          evaluating: make sure change_platform_profile_on_ac and
          change_platform_profile_on_battery are false in it (panther-powerd
          switches profiles)${lib.optionalString ppd ", and platform_profile_linked_epp too (power-profiles-daemon sets the energy preference)"}.
        ''
      ]
    else
      lib.optional (asusdSays "change_platform_profile_on_ac" || asusdSays "change_platform_profile_on_battery") ''
        services.asusd.asusdConfig lets asusd switch platform profiles on
        AC/battery itself; set change_platform_profile_on_ac and
        change_platform_profile_on_battery to false so that panther-powerd
        is the only one switching.
      ''
      ++ lib.optional (ppd && asusdSays "platform_profile_linked_epp") ''
        services.asusd.asusdConfig sets platform_profile_linked_epp: asusd then
        writes the CPU energy preference on every profile change, as
        power-profiles-daemon does; set it to false.
      '';

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
            and, in `app` mode, `programs._1password-gui` (with the users of
            `references` as polkit policy owners) when 1Password is used.
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
        systemd.packages = [ cfg.package ];

        # Wanted by the graphical session, which both niri-session's
        # niri.service and UWSM's wayland-wm@niri.service start; and by
        # niri.service directly, as the unit's [Install] says.
        systemd.user.targets.panther-session.wantedBy = [
          "graphical-session.target"
          "niri.service"
        ];
        # The unit says Wants=panther-session.service; a daemon turned off
        # is masked, so that nothing starts it.
        systemd.user.services.panther-session =
          if cfg.session.enable then packageUnit "panther-session" else { enable = false; };
        systemd.user.services.panther-powerd =
          if cfg.power.enable then packageUnit "panther-powerd" else { enable = false; };
        systemd.user.services.panther-polkit-agent =
          if cfg.polkitAgent.enable then packageUnit "panther-polkit-agent" else { enable = false; };
      }

      # Home Manager users get programs.panther (defaulting to these values)
      # and, with niri-flake's NixOS module (which gives every user its
      # settings module), the binds in programs.niri.settings when in use.
      (lib.optionalAttrs (options ? home-manager.sharedModules) {
        home-manager.sharedModules = [
          ./hm-module.nix
        ]
        ++ lib.optional (options ? niri-flake) ./hm-niri-flake.nix;
      })

      (lib.mkIf cfg.power.enable {
        services.power-profiles-daemon.enable = true;
        services.upower.enable = true;
      })

      (lib.mkIf cfg.polkitAgent.enable {
        security.polkit.enable = true;
        # polkitd takes one agent per session. niri-flake starts its own;
        # disabling a unit nobody defines only masks a name, so this is
        # harmless without niri-flake.
        systemd.user.services.niri-flake-polkit.enable = false;
        systemd.user.services.dms = lib.mkIf dmsUnitHere {
          environment.DMS_DISABLE_POLKIT = "1";
        };
        systemd.user.services.panther-polkit-agent.serviceConfig = lib.mkIf (tokenFile != null) {
          LoadCredential = [ "${configLib.tokenCredential}:${tokenFile}" ];
        };
      })

      # nixpkgs' own polkit agent (security.soteria).
      (lib.optionalAttrs (options ? security.soteria.enable) {
        security.soteria.enable = lib.mkIf cfg.polkitAgent.enable (lib.mkForce false);
      })

      (lib.mkIf (useOnePassword && cfg.polkitAgent.onePassword.enablePrograms) {
        programs._1password.enable = true;
        # A service account needs no app.
        programs._1password-gui = lib.mkIf (cfg.polkitAgent.onePassword.mode == "app") {
          enable = true;
          polkitPolicyOwners = builtins.attrNames cfg.polkitAgent.onePassword.references;
        };
      })

      (lib.mkIf cfg.asusd.enable {
        services.asusd.enable = true;
        services.asusd.asusdConfig = lib.mkDefault asusdConfigValue;
        warnings = asusdWarnings;
      })
    ]
  );
}
