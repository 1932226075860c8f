# programs.panther in Home Manager's real module system, with niri-flake's
# and DMS's real Home Manager modules: one summary per user setup, checked
# by home-manager.sh.
let
  u = import ./upstream.nix;
  inherit (u) lib niriFlake dms niriPackage;

  # What a NixOS system with niri-flake's NixOS module gives every user:
  # niri-flake's settings module (its home-manager.sharedModules), and
  # panther's modules (what the NixOS module adds to sharedModules).
  # niri-flake's default package is niri-stable, 25.08 (built from source:
  # a stand-in here).
  niriFlakeUser = [
    niriFlake.homeModules.config
    ../../nix/hm-niri-flake.nix
    { programs.niri.package = lib.mkOverride 900 (niriPackage "25.08"); }
  ];

  summary =
    modules:
    let
      eval = u.homeManager { inherit modules; };
      inherit (eval) config;
      files = config.xdg.configFile;
    in
    {
      files = lib.mapAttrs (name: file: file.enable) files;
      configKdl = lib.any (file: file.enable && lib.hasSuffix "niri/config.kdl" file.target) (
        builtins.attrValues files
      );
      finalConfig = config.programs.niri.finalConfig or null;
      bindsKdl = if files ? "niri/panther-binds.kdl" then files."niri/panther-binds.kdl".text else null;
      inherit (config) warnings;
      assertions = map (a: a.message) (builtins.filter (a: !a.assertion) config.assertions);
      dropIn = files."systemd/user/panther-polkit-agent.service.d/op-token.conf".text or null;
      agents = lib.mapAttrs (name: agent: agent.enable) {
        inherit (config.services) polkit-gnome hyprpolkitagent lxqt-policykit-agent;
      };
      dmsEnvironment = config.systemd.user.services.dms.Service.Environment or [ ];
      dmsUnit = files ? "systemd/user/dms.service";
      sessionVariables = config.systemd.user.sessionVariables;
      # niri-flake's config.kdl, through its `niri validate` (upstream.nix).
      validated =
        if files ? niri-config && files.niri-config.enable then
          (builtins.tryEval (builtins.seq files.niri-config.source.name true)).success
        else
          null;
      pantherKdl = config.programs.panther.keybinds.kdl or null;
      dmsSettings = config.programs.dank-material-shell.settings or null;
      dmsSettingsFile = files ? "DankMaterialShell/settings.json";
      activation = config.home.activation.pantherDmsOsd.data or null;
      pathDropIns = lib.mapAttrs (name: file: file.text) (
        lib.filterAttrs (name: file: lib.hasSuffix ".d/path.conf" name) files
      );
    };


  panther = {
    programs.panther.enable = true;
  };
in
{
  # (a) niri-flake is there, the user has no programs.niri.settings (a
  # hand-written or `dms setup` config.kdl).
  no-settings = summary (niriFlakeUser ++ [ panther ]);

  # (b) niri-flake settings in use, with Mod+Shift+P bound by the user
  # (power-off-monitors, as in niri's default config and DMS's binds).
  settings = summary (
    niriFlakeUser
    ++ [
      panther
      {
        programs.niri.settings.binds."Mod+Shift+P".action.power-off-monitors = [ ];
        programs.niri.settings.binds."Mod+T".action.spawn = [ "alacritty" ];
      }
    ]
  );

  # (c) raw KDL in programs.niri.config, with niri-flake's niri-stable (25.08).
  raw-config = summary (
    niriFlakeUser
    ++ [
      panther
      {
        programs.niri.package = niriPackage "25.08";
        programs.niri.settings.binds."Mod+T".action.spawn = [ "alacritty" ];
        programs.niri.config = ''
          binds {
              Mod+T { spawn "alacritty"; }
          }
        '';
      }
    ]
  );

  # (c') the same, with the include already in it.
  raw-config-include = summary (
    niriFlakeUser
    ++ [
      panther
      {
        programs.niri.package = niriPackage "25.11";
        programs.niri.config = ''
          include "panther-binds.kdl"
        '';
      }
    ]
  );

  # (c'') raw KDL with niri 25.11 (nixpkgs' niri).
  raw-niri-25-11 = summary (
    niriFlakeUser
    ++ [
      panther
      {
        programs.niri.package = niriPackage "25.11";
        programs.niri.config = ''
          binds {
              Mod+T { spawn "alacritty"; }
          }
        '';
      }
    ]
  );
  # The way out on 25.08: the user's KDL carries panther's part.
  raw-niri-25-08-included = summary (
    niriFlakeUser
    ++ [
      panther
      {
        programs.niri.package = niriPackage "25.08";
        programs.panther.keybinds.included = true;
        programs.niri.config = "binds { }";
      }
    ]
  );

  # Home Manager alone, no niri-flake.
  plain = summary [
    ../../nix/hm-module.nix
    panther
  ];

  # On the Zephyrus: the Armoury Crate key as the second cycle key.
  zephyrus = summary (
    niriFlakeUser
    ++ [
      panther
      {
        programs.panther.host = "zephyrus";
        programs.niri.settings.binds."Mod+T".action.spawn = [ "alacritty" ];
      }
    ]
  );

  # DMS started by its niri module (spawn-at-startup) and by its unit, with
  # its own AC/battery switching; another polkit agent left enabled.
  dms = summary (
    niriFlakeUser
    ++ [
      dms.homeModules.dank-material-shell
      dms.homeModules.niri
      panther
      {
        programs.dank-material-shell = {
          enable = true;
          systemd.enable = true;
          niri.enableSpawn = true;
          niri.includes.enable = false;
          settings = {
            acProfileName = "performance";
            batteryAutoPowerSaver = true;
          };
        };
        services.polkit-gnome.enable = true;
        services.hyprpolkitagent.enable = true;
      }
    ]
  );

  # DMS's settings.json written by Home Manager (DMS's settings option), and
  # left to DMS (no settings given); and panther's bubble turned off.
  dms-settings = summary [
    ../../nix/hm-module.nix
    dms.homeModules.dank-material-shell
    panther
    {
      programs.dank-material-shell = {
        enable = true;
        settings.showWeather = false;
      };
    }
  ];
  dms-own-settings = summary [
    ../../nix/hm-module.nix
    dms.homeModules.dank-material-shell
    panther
    { programs.dank-material-shell.enable = true; }
  ];
  dms-no-notify = summary [
    ../../nix/hm-module.nix
    dms.homeModules.dank-material-shell
    panther
    {
      programs.dank-material-shell = {
        enable = true;
        settings.showWeather = false;
      };
      programs.panther.power.notify = false;
    }
  ];

  # 1Password with a service-account token from a secrets manager.
  token = summary [
    ../../nix/hm-module.nix
    panther
    {
      programs.panther.polkitAgent.onePassword = {
        references.alice = "op://Private/login/password";
        mode = "service-account";
        tokenFile = "/run/secrets/op-token";
        account = "family.1password.com";
      };
    }
  ];
}
