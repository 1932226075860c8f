# Module options -> config.json (DESIGN.md 3), and the option defaults.
#
# Builtins only (no nixpkgs, no lib): the test suite evaluates this file with
# plain nix-instantiate. Both modules declare their options with the
# defaults below and turn their values into the document with toSettings.
let
  profiles = [
    "power-saver"
    "balanced"
    "performance"
  ];

  # Each laptop's power policy, used where an option is left at null.
  hostDefaults = {
    zephyrus = {
      onAc = "performance";
      onBattery = "balanced";
      lowBattery = {
        percent = 20;
        profile = "power-saver";
      };
    };
    yoga = {
      onAc = "balanced";
      onBattery = "power-saver";
      lowBattery = {
        percent = 30;
        profile = "power-saver";
      };
    };
  };

  # Without a host.
  genericDefaults = {
    onAc = "balanced";
    onBattery = "power-saver";
    lowBattery = {
      percent = 20;
      profile = "power-saver";
    };
  };

  # polkitAgent.onePassword.enable is absent: it defaults to
  # "references is not empty" (see withDefaults).
  defaults = {
    host = null;
    power = {
      enable = true;
      onAc = null;
      onBattery = null;
      lowBattery = {
        percent = null;
        profile = null;
      };
      idle = {
        afterSeconds = null;
        profile = "power-saver";
      };
      cycle = null;
      manual = "until-power-change";
      notify = true;
      appRules = [ ];
    };
    polkitAgent = {
      enable = true;
      onePassword = {
        op = "/run/wrappers/bin/op";
        references = { };
        timeout = 60;
        skipActions = [ "com.1password.*" ];
        mode = "app";
        tokenFile = null;
        account = null;
        keepAuthorized = false;
        fingerprintFirst = [ ];
      };
      alwaysType = [ ];
      prompt = {
        type = "wayland";
        command = [ ];
      };
    };
    session = {
      enable = true;
      mode = "auto";
      importEnvironment = null;
      services = [ ];
    };
  };

  serviceDefaults = {
    restart = "on-failure";
    after = [ ];
    environment = { };
  };

  # Attribute sets are merged key by key; anything else in `over` wins.
  merge =
    base: over:
    if builtins.isAttrs base && builtins.isAttrs over then
      base // builtins.mapAttrs (name: value: if base ? ${name} then merge base.${name} value else value) over
    else
      over;

  # What the module system does with option defaults, for plain attribute
  # sets of option values (the test inputs).
  withDefaults =
    options:
    let
      cfg = merge defaults options;
      op = cfg.polkitAgent.onePassword;
    in
    cfg
    // {
      polkitAgent = cfg.polkitAgent // {
        onePassword = op // {
          enable = op.enable or (op.references != { });
        };
      };
      session = cfg.session // {
        services = map (merge serviceDefaults) cfg.session.services;
      };
    };

  # The units' PATH: a NixOS login shell's (nixos/modules/config/shells-environment.nix),
  # with systemd's %h (home) and %u (user name), then the usual directories
  # for Home Manager on other systems. So a bare command in prompt.command
  # or session.services, and the setuid wrappers (the polkit helper, op),
  # are found however niri was started (niri-session imports the login
  # environment into the user manager; a display manager or UWSM may not).
  unitPath = builtins.concatStringsSep ":" [
    "/run/wrappers/bin"
    "%h/.nix-profile/bin"
    "/nix/profile/bin"
    "%h/.local/state/nix/profile/bin"
    "/etc/profiles/per-user/%u/bin"
    "/nix/var/nix/profiles/default/bin"
    "/run/current-system/sw/bin"
    "/usr/local/bin"
    "/usr/bin"
    "/bin"
  ];

  tokenCredential = "op-token";
  tokenCredentialPath = "$CREDENTIALS_DIRECTORY/${tokenCredential}";

  pick = value: fallback: if value == null then fallback else value;
  optional = name: value: if value == null then { } else { ${name} = value; };
  nonEmpty = name: value: if value == [ ] || value == { } then { } else { ${name} = value; };

  hostPolicy =
    host:
    if host == null then
      genericDefaults
    else
      hostDefaults.${host} or (throw "panther: unknown host \"${host}\" (expected zephyrus, yoga or null)");

  powerSettings =
    host: power:
    let
      base = hostPolicy host;
    in
    optional "host" host
    // {
      on_ac = pick power.onAc base.onAc;
      on_battery = pick power.onBattery base.onBattery;
      # A threshold of 0 turns the trigger off: false in the document.
      low_battery =
        let
          percent = pick power.lowBattery.percent base.lowBattery.percent;
        in
        if percent == 0 then
          false
        else
          {
            inherit percent;
            profile = pick power.lowBattery.profile base.lowBattery.profile;
          };
      manual = power.manual;
      notify = power.notify;
    }
    // optional "idle" (
      if power.idle.afterSeconds == null then
        null
      else if power.idle.afterSeconds == 0 then
        false
      else
        {
          after_s = power.idle.afterSeconds;
          profile = power.idle.profile;
        }
    )
    // optional "cycle" power.cycle
    // nonEmpty "app_rules" (
      map (rule: {
        app_id = rule.appId;
        profile = rule.profile;
      }) power.appRules
    );

  polkitSettings = agent: {
    onepassword =
      if agent.onePassword.enable then
        {
          enable = true;
          op = agent.onePassword.op;
          references = agent.onePassword.references;
          timeout_s = agent.onePassword.timeout;
          skip_actions = agent.onePassword.skipActions;
        }
        # Written only when not the default, so that the documents stay the
        # same for everyone else.
        // (if agent.onePassword.mode == "app" then { } else { inherit (agent.onePassword) mode; })
        # The unit hands the file over as the credential op-token
        # (LoadCredential=); the agent resolves $CREDENTIALS_DIRECTORY. The
        # agent refuses a token file in app mode, so it is written only for
        # a service account.
        // optional "token_file" (
          if agent.onePassword.mode != "service-account" || agent.onePassword.tokenFile == null
          then null
          else tokenCredentialPath
        )
        // optional "account" agent.onePassword.account
        // (if agent.onePassword.keepAuthorized then { keep_authorized = true; } else { })
        // nonEmpty "fingerprint_first" agent.onePassword.fingerprintFirst
      else
        { enable = false; };
    prompt =
      if agent.prompt.type == "command" then
        {
          type = "command";
          argv = agent.prompt.command;
        }
      else
        { type = agent.prompt.type; };
  }
  // nonEmpty "always_type" agent.alwaysType;

  serviceSettings =
    service:
    {
      name = service.name;
      argv = service.argv;
      restart = service.restart;
    }
    // nonEmpty "after" service.after
    // nonEmpty "env" service.environment;

  sessionSettings =
    session:
    { mode = session.mode; }
    // optional "import_env" session.importEnvironment
    // nonEmpty "services" (map serviceSettings session.services);

  # cfg: the modules' option values (services.panther / programs.panther).
  toSettings = cfg: {
    power = powerSettings cfg.host cfg.power;
    polkit = polkitSettings cfg.polkitAgent;
    session = sessionSettings cfg.session;
  };
in
{
  inherit
    profiles
    hostDefaults
    genericDefaults
    defaults
    serviceDefaults
    withDefaults
    toSettings
    tokenCredential
    unitPath
    ;
  hosts = builtins.attrNames hostDefaults;
  # Option values given as a plain attribute set -> config.json.
  settingsFor = options: toSettings (withDefaults options);
}
