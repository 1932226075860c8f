# services.panther and the example hosts in nixpkgs' module system, with
# the stand-in NixOS options (stubs/), Home Manager's real NixOS module, and
# niri-flake's and DMS's real NixOS modules: one summary per system,
# checked by nixos.sh.
let
  u = import ./upstream.nix;
  inherit (u) lib niriFlake dms niriPackage;

  summary =
    {
      modules,
      homeManager ? false,
    }:
    let
      inherit (u.nixos { inherit modules homeManager; }) config options;
      services = config.systemd.user.services;
      unit = name: {
        inherit (services.${name}) enable wantedBy serviceConfig environment;
      };
      asusd = config.services.asusd.asusdConfig;
      alice = config.home-manager.users.alice or null;
    in
    {
      package = config.services.panther.package.name;
      # Built by runCommand from the JSON text (evaluated here).
      configFile = config.environment.etc."panther/config.json".source.name;
      systemdPackages = map (p: p.name) config.systemd.packages;
      units = lib.genAttrs [ "panther-session" "panther-powerd" "panther-polkit-agent" ] unit;
      targetWantedBy = config.systemd.user.targets.panther-session.wantedBy;
      niriFlakePolkit = services.niri-flake-polkit.enable or null;
      dmsEnvironment = services.dms.environment or { };
      soteria = config.security.soteria.enable or null;
      asusd = if asusd == null then null else asusd.text;
      asusdEnabled = config.services.asusd.enable;
      restoreConfigs = config.services.asusd.restoreConfigs;
      asusdSetup =
        let
          unit = config.systemd.services.panther-asusd or null;
        in
        if unit == null then
          null
        else
          {
            inherit (unit) wantedBy after partOf;
            inherit (unit.serviceConfig) Type;
            script = unit.serviceConfig.ExecStart.text;
          };
      sessionVariables = config.environment.sessionVariables;
      ppd = config.services.power-profiles-daemon.enable;
      onePasswordGui = config.programs._1password-gui.enable;
      configJson = builtins.fromJSON (
        builtins.unsafeDiscardStringContext (builtins.toJSON (
          (import ../../nix/lib/config.nix).toSettings config.services.panther
        ))
      );
      sharedModules = map (m: baseNameOf m) (builtins.filter builtins.isPath (
        config.home-manager.sharedModules or [ ]
      ));
      inherit (config) warnings;
      assertions = map (a: a.message) (builtins.filter (a: !a.assertion) config.assertions);
      home =
        if alice == null then
          null
        else
          {
            inherit (alice.programs.panther) units;
            host = alice.programs.panther.host;
            bindsKdl = alice.xdg.configFile ? "niri/panther-binds.kdl";
            finalConfig = alice.programs.niri.finalConfig or null;
            dmsSettings = alice.programs.dank-material-shell.settings or null;
            dmsActivation = alice.home.activation ? pantherDmsOsd;
          };
    };

  # A laptop with niri-flake, DMS (its unit), and Home Manager for alice.
  full = host: extra: {
    homeManager = true;
    modules = [
      host
      niriFlake.nixosModules.niri
      dms.nixosModules.dank-material-shell
      {
        programs.niri.enable = true;
        programs.niri.package = niriPackage "25.08";
        programs.dank-material-shell = {
          enable = true;
          systemd.enable = true;
        };
        home-manager.users.alice = extra;
      }
    ];
  };
in
{
  zephyrus = summary { modules = [ ../../nix/hosts/zephyrus.nix ]; };
  yoga = summary { modules = [ ../../nix/hosts/yoga.nix ]; };

  zephyrus-full = summary (full ../../nix/hosts/zephyrus.nix { });
  yoga-full = summary (
    full ../../nix/hosts/yoga.nix {
      programs.niri.settings.binds."Mod+Shift+P".action.power-off-monitors = [ ];
    }
  );

  # Home Manager without niri-flake.
  zephyrus-hm = summary {
    homeManager = true;
    modules = [
      ../../nix/hosts/zephyrus.nix
      { home-manager.users.alice = { }; }
    ];
  };

  # asusd.ron declared by the user: nixpkgs' asusd module copies it back
  # before each start (restoreConfigs); panther's settings still follow
  # every start. And a charge limit set through panther.
  asusd-declared = summary {
    modules = [
      ../../nix/hosts/zephyrus.nix
      {
        services.asusd.asusdConfig.text = "(change_platform_profile_on_ac: true)";
        services.panther.asusd.chargeLimit = 80;
      }
    ];
  };

  # 1Password set up outside the module (enablePrograms = false): nothing
  # of it, the app without policy owners, an op that is not the wrapper,
  # and all of it right.
  onepassword-none = summary {
    modules = [
      ../../nix/hosts/yoga.nix
      {
        services.panther.polkitAgent.onePassword = {
          references.alice = "op://Private/login/password";
          enablePrograms = false;
        };
      }
    ];
  };
  onepassword-owners = summary {
    modules = [
      ../../nix/hosts/yoga.nix
      {
        services.panther.polkitAgent.onePassword = {
          references.alice = "op://Private/login/password";
          enablePrograms = false;
          op = "/etc/profiles/per-user/alice/bin/op";
        };
        programs._1password.enable = true;
        programs._1password-gui.enable = true;
        programs._1password-gui.polkitPolicyOwners = [ "bob" ];
      }
    ];
  };
  onepassword-right = summary {
    modules = [
      ../../nix/hosts/yoga.nix
      {
        services.panther.polkitAgent.onePassword = {
          references.alice = "op://Private/login/password";
          enablePrograms = false;
        };
        programs._1password.enable = true;
        programs._1password-gui.enable = true;
        programs._1password-gui.polkitPolicyOwners = [ "alice" ];
      }
    ];
  };

  # DMS from its NixOS module, started by niri (spawn-at-startup in alice's
  # niri-flake settings) instead of by its unit.
  dms-spawned = summary {
    homeManager = true;
    modules = [
      ../../nix/hosts/yoga.nix
      niriFlake.nixosModules.niri
      dms.nixosModules.dank-material-shell
      {
        programs.niri.enable = true;
        programs.niri.package = niriPackage "25.08";
        programs.dank-material-shell.enable = true;
        home-manager.users.alice.programs.niri.settings.spawn-at-startup = [
          {
            argv = [
              "dms"
              "run"
            ];
          }
        ];
      }
    ];
  };

  # nixpkgs' own agent, and 1Password through a service account.
  soteria-token = summary {
    modules = [
      ../../nix/hosts/yoga.nix
      ./stubs/soteria.nix
      {
        security.soteria.enable = true;
        services.panther.polkitAgent.onePassword = {
          references.alice = "op://Private/login/password";
          mode = "service-account";
          tokenFile = "/run/agenix/op-token";
          account = "family.1password.com";
          keepAuthorized = true;
          fingerprintFirst = [ "org.freedesktop.policykit.exec" ];
        };
        services.panther.polkitAgent.alwaysType = [ "org.freedesktop.udisks2.*" ];
      }
    ];
  };

  # Daemons turned off are masked (the target still names them).
  without-daemons = summary {
    modules = [
      ../../nix/nixos-module.nix
      {
        services.panther = {
          enable = true;
          power.enable = false;
          session.enable = false;
        };
      }
    ];
  };
}
