# The upstream module systems as the tests use them: nixpkgs' lib, the
# niri-flake and DMS flakes' modules, Home Manager's module system, and the
# stand-ins for what the snapshots do not have (nixpkgs' packages and its
# NixOS modules). Reached as <upstream> (../shared/upstream).
let
  up = <upstream>;
  lib = import (up + "/nixpkgs-lib/lib");

  # A package: only its name and store path are ever read.
  drv = name: {
    inherit name;
    pname = name;
    version = "2.40";
    type = "derivation";
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
    meta.mainProgram = name;
  };

  # A niri package of that version (niri-flake's own build from source is
  # not possible here; its niri-stable is 25.08).
  niriPackage =
    version:
    drv "niri"
    // {
      inherit version;
      cargoBuildNoDefaultFeatures = false;
    };

  # niri-flake's validated-config-for: `niri validate -c $configPath` in
  # the build sandbox, where the config is a file of its own in the build
  # directory. An `include` is a parse error before niri 25.11 (the niri
  # package is the derivation's buildInputs; versions as nixpkgs numbers
  # them); a relative include names a
  # file next to the config, which is not there; an absolute one must be
  # a store path (a dependency of the build, so in the sandbox).
  niriValidate =
    env:
    let
      niri = builtins.head env.buildInputs;
      includes = map builtins.head (
        builtins.filter builtins.isList (builtins.split "include[^\n\"]*\"([^\"]*)\"" env.config)
      );
      bad = builtins.filter (path: !lib.hasPrefix "/nix/store/" path) includes;
    in
    if includes != [ ] && lib.versionOlder niri.version "25.11" then
      throw "niri validate: niri ${niri.version} does not know `include` (it came with 25.11)"
    else if bad != [ ] then
      throw "niri validate: error loading config: ${builtins.head bad}: No such file or directory (os error 2)"
    else
      drv "config.kdl";

  # nixpkgs' package set, as far as the modules read it (each attribute a
  # stand-in), with pkgs.formats (pkgs/pkgs-lib/formats.nix: { type,
  # generate }) and the build helpers the modules call.
  pkgs = lib.genAttrs [ "glibcLocales" "coreutils" "xdg-utils" "quickshell" "polkit_gnome"
    "hyprpolkitagent" "dbus" "niri" "linuxPackages_latest" "xdg-desktop-portal-gnome" "pam_u2f" "jq" "systemd" ] drv // {
    inherit lib;
    path = <nixpkgs-root>;
    stdenv.hostPlatform = {
      isLinux = true;
      isDarwin = false;
      system = "x86_64-linux";
    };
    formats = lib.genAttrs [ "ini" "javaProperties" "json" "keyValue" "toml" "xml" "yaml" ] (
      format: args: {
        type = lib.types.attrsOf lib.types.anything;
        generate = name: value: drv name;
      }
    );
    lxqt.lxqt-policykit = drv "lxqt-policykit";
    # Builders: their text is evaluated (a store path of what they write,
    # with the text kept for the tests to read).
    writeShellScript = name: text: drv name // { inherit text; };
    writeText = name: text: drv name // { inherit text; };
    writeTextFile = args: builtins.seq (builtins.stringLength args.text) (drv args.name);
    runCommand =
      name: env: script:
      let
        strings = builtins.filter builtins.isString (builtins.attrValues env);
      in
      builtins.seq (builtins.stringLength (script + lib.concatStrings strings)) (
        if name == "config.kdl" && env ? config then niriValidate env else drv name
      );
    kdePackages.polkit-kde-agent-1 = drv "polkit-kde-agent-1";
    inherit ((import ./callpackage.nix { inherit lib; })) callPackage;
  };

  # niri-flake's outputs, with its inputs standing in (only lib is read by
  # the modules the tests use).
  niriFlake =
    let
      outputs = (import (up + "/niri-flake/flake.nix")).outputs inputs;
      inputs = {
        self = outputs // {
          outPath = up + "/niri-flake";
        };
        nixpkgs = {
          inherit lib;
        };
        nixpkgs-stable = {
          inherit lib;
        };
        niri-stable = { };
        niri-unstable = { };
        xwayland-satellite-stable = { };
        xwayland-satellite-unstable = { };
      };
    in
    outputs;

  # DMS's modules as its flake exports them (mkModuleWithDmsPkgs: the
  # module called with dmsPkgs).
  dms =
    let
      withDmsPkgs =
        path:
        args@{ pkgs, ... }:
        {
          imports = [ (import path (args // { dmsPkgs.dms-shell = drv "dms-shell"; })) ];
        };
    in
    {
      homeModules.dank-material-shell = withDmsPkgs (up + "/dms/distro/nix/home.nix");
      homeModules.niri = import (up + "/dms/distro/nix/niri.nix");
      nixosModules.dank-material-shell = withDmsPkgs (up + "/dms/distro/nix/nixos.nix");
    };

  hmLib = import (up + "/home-manager/modules/lib/stdlib-extended.nix") lib;

  # Home Manager modules beyond its core (`minimal`) ones: those the core
  # ones refer to, and the polkit agents panther turns off.
  hmExtra = map (m: up + "/home-manager/modules/${m}") [
    "programs/fish.nix"
    "programs/man"
    "programs/quickshell.nix"
    "services/polkit-gnome.nix"
    "services/hyprpolkitagent.nix"
    "services/lxqt-policykit-agent.nix"
  ];

  # A NixOS system: nixpkgs' module system with the stand-in NixOS options
  # (stubs/), optionally Home Manager's real NixOS module (nixos/common.nix,
  # minimal, with hmExtra).
  # Home Manager's NixOS module as the tests use it (minimal, with hmExtra).
  homeManagerNixos = {
    imports = [ (up + "/home-manager/nixos/common.nix") ];
    home-manager.minimal = true;
    home-manager.sharedModules = hmExtra;
  };

  nixos =
    {
      modules,
      homeManager ? false,
    }:
    lib.evalModules {
      class = "nixos";
      specialArgs.modulesPath = toString ./stubs/nixpkgs/nixos/modules;
      modules = [
        ./stubs/nixos.nix
        ./stubs/nixpkgs/nixos/modules/misc/assertions.nix
        { _module.args.pkgs = pkgs; }
      ]
      ++ lib.optionals homeManager [
        homeManagerNixos
        {
          home-manager.useGlobalPkgs = true;
          home-manager.sharedModules = [ { home.stateVersion = "25.11"; } ];
          users.users.alice.isNormalUser = true;
        }
      ]
      ++ modules;
    };

  # Home Manager's own evaluation (home-manager/modules/default.nix) of its
  # core modules (`minimal`), the ones those pull in, and the polkit agents.
  homeManager =
    {
      modules,
      osConfig ? null,
    }:
    let
      hmModules = import (up + "/home-manager/modules/modules.nix") {
        inherit pkgs;
        lib = hmLib;
        minimal = true;
        useNixpkgsModule = false;
      };
    in
    hmLib.evalModules {
      modules =
        hmModules
        ++ hmExtra
        ++ [
          {
            home.username = "alice";
            home.homeDirectory = "/home/alice";
            home.stateVersion = "25.11";
          }
        ]
        ++ modules;
      class = "homeManager";
      specialArgs = {
        modulesPath = toString (up + "/home-manager/modules");
      }
      // lib.optionalAttrs (osConfig != null) { inherit osConfig; };
    };
in
{
  inherit
    lib
    pkgs
    drv
    niriPackage
    niriFlake
    dms
    homeManager
    homeManagerNixos
    nixos
    ;
}
