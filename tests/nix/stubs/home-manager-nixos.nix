# Stands in for home-manager/nixos/common.nix's options (its real module
# needs nixpkgs' users and systemd modules): sharedModules is a list of
# modules (`listOf raw`), users an attribute set of configurations.
{ lib, ... }:
{
  options.home-manager = {
    sharedModules = lib.mkOption {
      type = lib.types.listOf lib.types.raw;
      default = [ ];
    };
    users = lib.mkOption {
      type = lib.types.attrsOf lib.types.raw;
      default = { };
    };
  };
}
