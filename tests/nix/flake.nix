# The flake's outputs, evaluated the way `nix flake check` walks them, with
# nixpkgs' lib and the stand-in package set of upstream.nix as
# nixpkgs.legacyPackages: every package and check is a derivation, every
# module evaluates in its module system, the overlay gives the package.
let
  u = import ./upstream.nix;
  inherit (u) lib pkgs drv;
  system = "x86_64-linux";

  # The few builders flake.nix itself calls, on top of upstream.nix's.
  legacyPackages = pkgs // {
    mkShell = args: drv "nix-shell";
    python3 = drv "python3" // {
      withPackages = f: drv "python3-env";
    };
    nixfmt = drv "nixfmt";
    # nixos/lib/testing: a NixOS test is a derivation; here its node is
    # evaluated as a NixOS system.
    testers.runNixOSTest =
      test:
      let
        node = u.nixos { modules = [ test.nodes.machine ]; };
        failed = builtins.filter (a: !a.assertion) node.config.assertions;
      in
      assert builtins.isString test.testScript;
      assert failed == [ ] || throw (lib.concatMapStringsSep "\n" (a: a.message) failed);
      drv "vm-test-run-${test.name}"
      // {
        inherit (node) config;
      };
  } // lib.genAttrs [ "cmocka" "clang" "llvm" "polkit" "power-profiles-daemon" "upower" "sway" "wtype"
    "grim" "wayland-utils" "fuzzel" "fish" "nix" "procps" "psmisc" "util-linux" ] drv;

  flake = import ../../flake.nix;
  self = flake.outputs {
    inherit self;
    nixpkgs = {
      inherit lib;
      legacyPackages.${system} = legacyPackages;
    };
  };

  isDrv = d: d.type or null == "derivation";
  names = attrs: lib.mapAttrs (name: d: assert isDrv d; d.name) attrs;
in
{
  packages = names self.packages.${system};
  checks = names self.checks.${system};
  devShells = names self.devShells.${system};
  formatter = self.formatter.${system}.name;
  overlay = ((self.overlays.default legacyPackages legacyPackages).panther).name;
  vmUnits = lib.attrNames (
    lib.filterAttrs (name: unit: lib.hasPrefix "panther-" name && unit.enable)
      self.checks.${system}.vm.config.systemd.user.services
  );
  nixosModules = lib.mapAttrs (
    name: module:
    (u.nixos { modules = [ module ]; }).config.services.panther.enable
  ) self.nixosModules;
  homeModules = lib.mapAttrs (
    name: module:
    (u.homeManager {
      modules = [
        module
        (if name == "niri-flake" then u.niriFlake.homeModules.config else { })
      ];
    }).config.programs.panther.keybinds.niriSettings
  ) self.homeModules;
}
