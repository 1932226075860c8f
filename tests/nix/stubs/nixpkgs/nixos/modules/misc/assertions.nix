# Stands in for nixpkgs' nixos/modules/misc/assertions.nix (Home Manager
# imports it from pkgs.path): the same two options, with the same types.
{ lib, ... }:
{
  options = {
    assertions = lib.mkOption {
      type = lib.types.listOf lib.types.unspecified;
      internal = true;
      default = [ ];
    };
    warnings = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      internal = true;
      default = [ ];
    };
  };
}
