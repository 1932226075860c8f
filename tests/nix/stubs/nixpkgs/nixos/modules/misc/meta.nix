# Stands in for nixpkgs' nixos/modules/misc/meta.nix (Home Manager imports
# it from pkgs.path): module metadata only, never read by the tests.
{ lib, ... }:
{
  options.meta = {
    maintainers = lib.mkOption {
      type = lib.types.listOf lib.types.raw;
      internal = true;
      default = [ ];
    };
    teams = lib.mkOption {
      type = lib.types.listOf lib.types.raw;
      internal = true;
      default = [ ];
    };
    doc = lib.mkOption {
      type = lib.types.path;
      internal = true;
    };
    buildDocsInSandbox = lib.mkOption {
      type = lib.types.bool;
      internal = true;
      default = true;
    };
  };
}
