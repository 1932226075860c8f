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
  bindsLib = import ./lib/binds.nix;
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
    # A login shell's PATH, whatever the user manager has (it has
    # /run/wrappers/bin only when niri-session imported it).
    path = lib.mkForce [ ];
    environment.PATH = configLib.unitPath;
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
  # too: one writer only. These go through asusd's own properties
  # (asusd/src/ctrl_platform.rs), which asusd saves into its asusd.ron
  # itself: the rest of the file (charge limit, armoury settings, what
  # asusctl changes) stays asusd's, in whatever format its version writes.
  ppd = config.services.power-profiles-daemon.enable or false;
  asusdProperties = [
    "ChangePlatformProfileOnAc b false"
    "ChangePlatformProfileOnBattery b false"
  ]
  ++ lib.optional ppd "PlatformProfileLinkedEpp b false"
  ++ lib.optional (
    cfg.asusd.chargeLimit != null
  ) "ChargeControlEndThreshold y ${toString cfg.asusd.chargeLimit}";
  busctl = "${lib.getExe' pkgs.systemd "busctl"} --system";
  asusdSetup = pkgs.writeShellScript "panther-asusd" ''
    # asusd takes its bus name a moment after it starts.
    for _ in $(seq 50); do
      ${busctl} get-property xyz.ljones.Asusd /xyz/ljones xyz.ljones.Platform ChangePlatformProfileOnAc >/dev/null 2>&1 && break
      sleep 0.2
    done
    ${lib.concatMapStrings (property: ''
      ${busctl} set-property xyz.ljones.Asusd /xyz/ljones xyz.ljones.Platform ${property}
    '') asusdProperties}
  '';

  # When 1Password is someone else's to set up (enablePrograms = false),
  # what the agent needs from it. The app answers only the setgid op of
  # programs._1password and asks polkit only for its policy owners; without
  # either it refuses without a word.
  op = cfg.polkitAgent.onePassword;
  opWrapper = "/run/wrappers/bin/op";
  referenced = builtins.attrNames op.references;
  owners = config.programs._1password-gui.polkitPolicyOwners or [ ];
  notOwners = builtins.filter (user: !builtins.elem user owners) referenced;
  onePasswordWarnings = lib.optionals (useOnePassword && !op.enablePrograms) (
    lib.optional (op.op == opWrapper && !(config.programs._1password.enable or false)) ''
      services.panther.polkitAgent.onePassword.op is ${opWrapper}, but
      programs._1password is not enabled, so nothing installs that wrapper: enable
      it, or set polkitAgent.onePassword.enablePrograms = true.
    ''
    ++ lib.optionals (op.mode == "app") (
      lib.optional (op.op != opWrapper) ''
        services.panther.polkitAgent.onePassword.op is ${op.op}: the 1Password app
        answers only the setgid op that programs._1password installs as ${opWrapper}
        (group onepassword-cli), and refuses any other without a word. Set op to
        ${opWrapper}.
      ''
      ++ lib.optional (!(config.programs._1password-gui.enable or false)) ''
        services.panther.polkitAgent.onePassword.mode is "app", but
        programs._1password-gui is not enabled: enable it with polkitPolicyOwners =
        [ ${lib.concatMapStringsSep " " (user: ''"${user}"'') referenced} ], or set
        polkitAgent.onePassword.enablePrograms = true.
      ''
      ++ lib.optional ((config.programs._1password-gui.enable or false) && notOwners != [ ]) ''
        programs._1password-gui.polkitPolicyOwners lacks ${lib.concatStringsSep ", " notOwners}
        (users of services.panther.polkitAgent.onePassword.references): the 1Password
        app then refuses system authentication for them without a word. Add them.
      ''
    )
  );

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
        type = lib.types.nullOr (lib.types.ints.between 20 100);
        default = null;
        example = 80;
        description = ''
          Battery charge limit (percent), set through asusd each time asusd
          starts. `null` leaves it to asusd and `asusctl battery limit`.
        '';
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
        # Everywhere DMS may start: the user manager and the login session
        # (pam_env) both have it, so also a DMS spawned by niri, however
        # niri was started.
        environment.sessionVariables = bindsLib.dmsEnvironment;
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
        # After every start of asusd (PartOf: a restart runs it again).
        systemd.services.panther-asusd = {
          description = "asusd settings panther-powerd needs";
          wantedBy = [ "asusd.service" ];
          after = [ "asusd.service" ];
          partOf = [ "asusd.service" ];
          serviceConfig = {
            Type = "oneshot";
            RemainAfterExit = true;
            ExecStart = asusdSetup;
          };
        };
      })

      { warnings = onePasswordWarnings; }
    ]
  );
}
