{
  description = "panther: power profiles, a 1Password-first polkit agent and a session supervisor for Niri";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      system = "x86_64-linux";
      pkgs = nixpkgs.legacyPackages.${system};
      configLib = import ./nix/lib/config.nix;
      panther = pkgs.callPackage ./nix/package.nix { };
    in
    {
      packages.${system} = {
        default = panther;
        inherit panther;
      };

      overlays.default = final: prev: {
        panther = final.callPackage ./nix/package.nix { };
      };

      nixosModules = {
        default = ./nix/nixos-module.nix;
        panther = ./nix/nixos-module.nix;
        # Example hosts: the module, plus what differs on each laptop.
        zephyrus = ./nix/hosts/zephyrus.nix;
        yoga = ./nix/hosts/yoga.nix;
      };

      homeModules = {
        default = ./nix/hm-module.nix;
        panther = ./nix/hm-module.nix;
        # With niri-flake's Home Manager module (without its NixOS module).
        niri-flake = ./nix/hm-niri-flake.nix;
      };
      homeManagerModules = self.homeModules;

      devShells.${system}.default = pkgs.mkShell {
        inputsFrom = [ panther ];
        packages = with pkgs; [
          cmocka
          clang
          llvm
          (python3.withPackages (ps: [
            ps.python-dbusmock
            ps.pygobject3
            ps.dbus-python
          ]))
          dbus
          polkit
          power-profiles-daemon
          upower
          sway
          wtype
          grim
          wayland-utils
          fuzzel
          fish
          nix
          nixfmt
          procps
          psmisc
          util-linux
        ];
      };

      # nixfmt is the RFC 166 formatter (the package once named nixfmt-rfc-style).
      formatter.${system} = pkgs.nixfmt;

      checks.${system} = {
        # Built with its unit tests (doCheck).
        package = panther;

        # The config.json documents the modules write for the test inputs:
        # equal to the expected ones, and accepted by pantherctl check-config.
        config =
          pkgs.runCommand "panther-config-documents"
            {
              nativeBuildInputs = [
                panther
                pkgs.python3
              ];
            }
            (
              pkgs.lib.concatMapStrings (
                host:
                let
                  document = pkgs.writeText "${host}.json" (
                    builtins.toJSON (configLib.settingsFor (import ./tests/nix/${host}.nix))
                  );
                in
                ''
                  python3 -c 'import json, sys; a, b = (json.load(open(f)) for f in sys.argv[1:]); sys.exit(a != b)' \
                    ${document} ${./tests/nix}/expected-${host}.json
                  pantherctl check-config ${document}
                ''
              ) configLib.hosts
              + "touch $out\n"
            );

        vm = import ./nix/tests/vm.nix {
          inherit pkgs;
          module = self.nixosModules.default;
        };
      };
    };
}
