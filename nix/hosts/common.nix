# What both example hosts share: the NixOS module, enabled, and with Home
# Manager as a NixOS module, programs.panther on for every user (the NixOS
# module adds programs.panther itself).
{ lib, options, ... }:
{
  imports = [ ../nixos-module.nix ];

  config = lib.mkMerge [
    { services.panther.enable = true; }

    (lib.optionalAttrs (options ? home-manager.sharedModules) {
      home-manager.sharedModules = [ { programs.panther.enable = lib.mkDefault true; } ];
    })
  ];
}
