# Options shared by services.panther (NixOS) and programs.panther (Home
# Manager): the settings that end up in config.json.
#
# cfg: the option values being declared (for defaults that depend on them).
# cfgText: how the documentation names cfg.
# inherited: option values to default to instead of ./lib/config.nix's
# (Home Manager takes the NixOS configuration's), or null.
{
  lib,
  cfg,
  cfgText,
  inherited ? null,
}:
let
  inherit (lib) mkOption types literalExpression;
  configLib = import ./lib/config.nix;

  # An option whose default is the value at `path` ("power.onAc") of the
  # inherited values, else of configLib.defaults.
  setting =
    path: attrs:
    let
      loc = lib.splitString "." path;
      builtin = lib.attrByPath loc null configLib.defaults;
    in
    mkOption (
      {
        default = if inherited == null then builtin else lib.attrByPath loc builtin inherited;
      }
      // attrs
    );

  profile = types.enum configLib.profiles;

  hostNote = ''
    `null` takes the host's default (zephyrus: on AC performance, on battery
    balanced, below 20% power-saver; yoga: balanced, power-saver, below 30%
    power-saver; no host: balanced, power-saver, below 20% power-saver).
  '';

  appRule = types.submodule {
    options = {
      appId = mkOption {
        type = types.str;
        example = "^steam_app_";
        description = "POSIX extended regular expression matched against the focused window's app_id.";
      };
      profile = mkOption {
        type = profile;
        example = "performance";
        description = "Profile held while a matching window has the focus.";
      };
    };
  };

  service = types.submodule {
    options = {
      name = mkOption {
        type = types.strMatching "[A-Za-z0-9_.-]+";
        example = "dms";
        description = "Name of the service, used by `pantherctl session restart NAME` and in `after`.";
      };
      argv = mkOption {
        type = types.nonEmptyListOf types.str;
        example = [
          "dms"
          "run"
          "--session"
        ];
        description = "Command line of the service.";
      };
      restart = mkOption {
        type = types.enum [
          "on-failure"
          "always"
          "never"
        ];
        default = configLib.serviceDefaults.restart;
        description = "When panther-session restarts the service after it exits.";
      };
      after = mkOption {
        type = types.listOf types.str;
        default = configLib.serviceDefaults.after;
        example = [ "dms" ];
        description = "Services started before this one.";
      };
      environment = mkOption {
        type = types.attrsOf types.str;
        default = configLib.serviceDefaults.environment;
        example = {
          DMS_DISABLE_POLKIT = "1";
        };
        description = "Variables added to the service's environment.";
      };
    };
  };
in
{
  options = {
    host = setting "host" {
      type = types.nullOr (types.enum configLib.hosts);
      example = "zephyrus";
      description = ''
        The laptop this configuration runs on: selects its power defaults
        (and on NixOS its asusd setup). `null` for any other machine.
      '';
    };

    power = {
      enable = setting "power.enable" {
        type = types.bool;
        description = "Whether to run panther-powerd, the power-profile policy daemon.";
      };

      onAc = setting "power.onAc" {
        type = types.nullOr profile;
        example = "performance";
        description = "Profile while on AC power. ${hostNote}";
      };

      onBattery = setting "power.onBattery" {
        type = types.nullOr profile;
        example = "power-saver";
        description = "Profile while on battery. ${hostNote}";
      };

      lowBattery = {
        percent = setting "power.lowBattery.percent" {
          type = types.nullOr (types.ints.between 0 100);
          example = 15;
          description = ''
            Battery level (percent) below which `lowBattery.profile` is used;
            `0` turns this off. ${hostNote}
          '';
        };
        profile = setting "power.lowBattery.profile" {
          type = types.nullOr profile;
          description = "Profile below `lowBattery.percent`. ${hostNote}";
        };
      };

      idle = {
        afterSeconds = setting "power.idle.afterSeconds" {
          type = types.nullOr (types.ints.between 0 86400);
          example = 300;
          description = ''
            Seconds without input after which `idle.profile` is used, until
            the next input. `0` turns this off; `null` keeps the daemon's
            default (off).
          '';
        };
        profile = setting "power.idle.profile" {
          type = profile;
          description = "Profile while idle.";
        };
      };

      cycle = setting "power.cycle" {
        type = types.nullOr (types.nonEmptyListOf profile);
        example = [
          "power-saver"
          "balanced"
          "performance"
        ];
        description = ''
          Profiles `pantherctl power cycle` steps through, in order. `null`:
          every profile power-profiles-daemon offers.
        '';
      };

      manual = setting "power.manual" {
        type = types.enum [
          "until-power-change"
          "until-auto"
          "never"
        ];
        description = ''
          How long a profile chosen by hand (key, `pantherctl power set`, a
          firmware key) holds against the automatic policy: until the charger
          is plugged or unplugged, until `pantherctl power auto`, or not at all.
        '';
      };

      notify = setting "power.notify" {
        type = types.bool;
        description = "Whether to show a notification when the profile changes.";
      };

      appRules = setting "power.appRules" {
        type = types.listOf appRule;
        example = literalExpression ''[ { appId = "^steam_app_"; profile = "performance"; } ]'';
        description = "Profiles held while a matching Niri window is focused.";
      };
    };

    polkitAgent = {
      enable = setting "polkitAgent.enable" {
        type = types.bool;
        description = "Whether to run panther-polkit-agent as the session's polkit agent.";
      };

      onePassword = {
        enable = mkOption {
          type = types.bool;
          default =
            if inherited != null && inherited ? polkitAgent.onePassword.enable then
              inherited.polkitAgent.onePassword.enable
            else
              cfg.polkitAgent.onePassword.references != { };
          defaultText = literalExpression "${cfgText}.polkitAgent.onePassword.references != { }";
          description = ''
            Whether to answer polkit requests from 1Password first (with `op`),
            before asking for a password.
          '';
        };

        op = setting "polkitAgent.onePassword.op" {
          type = types.strMatching "/.+";
          description = ''
            Absolute path of the 1Password CLI. On NixOS it must be the setgid
            wrapper that `programs._1password` installs.
          '';
        };

        references = setting "polkitAgent.onePassword.references" {
          type = types.attrsOf (types.strMatching "op://[^/]+(/[^/]+){2,}");
          example = {
            alice = "op://Private/zephyrus-login/password";
          };
          description = ''
            User name -> 1Password secret reference of that user's login
            password. A user without a reference is always asked for the password.
          '';
        };

        timeout = setting "polkitAgent.onePassword.timeout" {
          type = types.ints.between 1 3600;
          description = "Seconds to wait for 1Password's approval before asking for the password.";
        };

        mode = setting "polkitAgent.onePassword.mode" {
          type = types.enum [
            "app"
            "service-account"
          ];
          description = ''
            `app`: `op` asks the 1Password app of the logged-in user (each
            answer approved there). `service-account`: `op` authenticates
            with the service-account token of `tokenFile`, without the app.
          '';
        };

        tokenFile = setting "polkitAgent.onePassword.tokenFile" {
          type = types.nullOr (types.strMatching "/.+");
          example = "/run/secrets/op-service-account-token";
          description = ''
            Absolute path of a file holding the 1Password service-account
            token (from opnix, agenix or sops-nix; readable by the user whose
            session runs the agent). It is not copied to the Nix store: the
            agent's unit loads it as the systemd credential `op-token`
            (`LoadCredential=`), and config.json names
            `$CREDENTIALS_DIRECTORY/op-token`.
          '';
        };

        account = setting "polkitAgent.onePassword.account" {
          type = types.nullOr types.str;
          example = "my.1password.com";
          description = "1Password account `op` uses (its `--account`); `null`: op's default.";
        };

        skipActions = setting "polkitAgent.onePassword.skipActions" {
          type = types.listOf types.str;
          description = ''
            polkit actions (shell patterns) never answered from 1Password.
            Keep `com.1password.*`: unlocking 1Password cannot wait for 1Password.
          '';
        };

        keepAuthorized = setting "polkitAgent.onePassword.keepAuthorized" {
          type = types.bool;
          description = ''
            Keep 1Password's authorization of the agent's terminal session
            renewed (a harmless `op whoami` before its 10 idle minutes run
            out, never past the app's 12 hours, stopping when the app locks).
            Off by default: the 10 minutes are 1Password's own protection.
          '';
        };

        fingerprintFirst = setting "polkitAgent.onePassword.fingerprintFirst" {
          type = types.listOf types.str;
          example = [ "org.freedesktop.policykit.exec" ];
          description = ''
            polkit actions (shell patterns) for which, where pam_fprintd is in
            the polkit-1 PAM stack, 1Password is not asked and a touch on the
            reader decides (the filled password is never sent for them).
          '';
        };
      };

      alwaysType = setting "polkitAgent.alwaysType" {
        type = types.listOf types.str;
        example = [ "org.freedesktop.policykit.exec" ];
        description = ''
          polkit actions (shell patterns) whose card is never filled by
          1Password: the typed password is needed. The stronger choice where
          a program running as you must not be able to confirm a filled card.
        '';
      };

      prompt = {
        type = setting "polkitAgent.prompt.type" {
          type = types.enum [
            "wayland"
            "command"
          ];
          description = ''
            How the password is asked for: the built-in Wayland prompt, or
            `prompt.command`.
          '';
        };
        command = setting "polkitAgent.prompt.command" {
          type = types.listOf types.str;
          example = [
            "fuzzel"
            "--dmenu"
            "--password"
            "--prompt-only=Password: "
          ];
          description = ''
            With `prompt.type = "command"`: a program that prints the password
            on stdout; it finds the request in PANTHER_PROMPT_MESSAGE,
            PANTHER_PROMPT_ACTION, PANTHER_PROMPT_USER and PANTHER_PROMPT_ERROR.
          '';
        };
      };
    };

    session = {
      enable = setting "session.enable" {
        type = types.bool;
        description = ''
          Whether to run panther-session, which exports the session's
          environment when Niri starts and brings the services down with it.
        '';
      };

      mode = setting "session.mode" {
        type = types.enum [
          "auto"
          "systemd"
          "direct"
        ];
        description = ''
          `systemd`: the user's systemd manager runs the services
          (panther-session.target); `direct`: panther-session runs
          `session.services` itself; `auto`: systemd when it answers.
        '';
      };

      importEnvironment = setting "session.importEnvironment" {
        type = types.nullOr (types.listOf types.str);
        example = [
          "WAYLAND_DISPLAY"
          "DISPLAY"
          "NIRI_SOCKET"
          "XDG_CURRENT_DESKTOP"
          "XDG_SESSION_TYPE"
        ];
        description = "Variables exported to systemd and D-Bus activation; `null`: the daemon's list.";
      };

      services = setting "session.services" {
        type = types.listOf service;
        example = literalExpression ''
          [ { name = "dms"; argv = [ "dms" "run" "--session" ];
              environment.DMS_DISABLE_POLKIT = "1"; } ]
        '';
        description = "Services panther-session runs itself in `direct` mode.";
      };
    };
  };

  assertions = [
    {
      assertion =
        cfg.polkitAgent.onePassword.mode != "service-account"
        || cfg.polkitAgent.onePassword.tokenFile != null;
      message = "${cfgText}.polkitAgent.onePassword.mode = \"service-account\" needs tokenFile.";
    }
    {
      assertion = cfg.power.cycle == null || lib.unique cfg.power.cycle == cfg.power.cycle;
      message = "${cfgText}.power.cycle names a profile more than once.";
    }
    {
      assertion = cfg.polkitAgent.prompt.type != "command" || cfg.polkitAgent.prompt.command != [ ];
      message = "${cfgText}.polkitAgent.prompt.command must name a program when prompt.type is \"command\".";
    }
    {
      assertion = builtins.all (
        s: builtins.all (a: builtins.any (o: o.name == a) cfg.session.services) s.after
      ) cfg.session.services;
      message = "${cfgText}.session.services: every name in `after` must be another service of the list.";
    }
  ];
}
