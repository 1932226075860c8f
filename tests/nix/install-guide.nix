# doc/install-nixos.md's flake.nix and configuration.nix as written (copied
# out of the guide by install-guide.sh into `dir`), evaluated with their
# inputs standing in: nixpkgs.lib.nixosSystem is nixpkgs' module system with
# the stand-in NixOS options, home-manager.nixosModules.home-manager is Home
# Manager's real NixOS module, niri and dms the real flakes' modules, panther
# this repository's flake. One summary per nixosConfigurations entry.
dir:
let
  u = import ./upstream.nix;
  inherit (u) lib;

  nixpkgs = {
    lib = lib // {
      nixosSystem =
        { system, modules }:
        u.nixos { inherit modules; };
    };
    legacyPackages.x86_64-linux = u.pkgs;
  };
  home-manager.nixosModules.home-manager = u.homeManagerNixos;
  panther =
    let
      flake = import ../../flake.nix;
      self = flake.outputs { inherit self nixpkgs; };
    in
    self;

  guide = import (dir + "/flake.nix");
  outputs = guide.outputs {
    inherit nixpkgs home-manager panther;
    niri = u.niriFlake;
    dms = u.dms;
    self = outputs;
  };
in
lib.mapAttrs (
  name: system:
  let
    inherit (system) config;
    alice = config.home-manager.users.alice;
  in
  {
    host = config.services.panther.host;
    hostName = config.networking.hostName;
    reference = config.services.panther.polkitAgent.onePassword.references.alice;
    assertions = map (a: a.message) (builtins.filter (a: !a.assertion) config.assertions);
    inherit (config) warnings;
    unfree = map (name: config.nixpkgs.config.allowUnfreePredicate (u.drv name)) [
      "1password"
      "1password-cli"
      "steam"
    ];
    onePasswordGui = config.programs._1password-gui.enable;
    owners = config.programs._1password-gui.polkitPolicyOwners;
    ppd = config.services.power-profiles-daemon.enable;
    asusdSetup = config.systemd.services ? panther-asusd;
    homePanther = alice.programs.panther.enable;
    finalConfig = alice.programs.niri.finalConfig;
    dmsUnit = config.systemd.user.services.dms.environment or { };
  }
) outputs.nixosConfigurations
