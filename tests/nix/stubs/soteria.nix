# Stands in for nixpkgs' nixos/modules/security/soteria.nix (the polkit
# agent nixpkgs can run in every graphical session).
{ lib, ... }:
{
  options.security.soteria.enable = lib.mkEnableOption "Soteria, a polkit authentication agent";
}
