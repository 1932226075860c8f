# ASUS ROG Zephyrus M16 GU603ZW: i9-12900H + RTX 3070 Ti.
# An example host module: import it next to hardware-configuration.nix and
# set services.panther.polkitAgent.onePassword.references.<user>.
{ lib, ... }:
{
  imports = [ ./common.nix ];

  networking.hostName = lib.mkDefault "zephyrus";

  # Also runs asusd, told to leave the platform profile alone on AC/battery:
  # panther-powerd does the switching. The charge limit stays asusctl's
  # (`asusctl battery limit 80`), or set services.panther.asusd.chargeLimit.
  services.panther.host = "zephyrus";
  services.supergfxd.enable = lib.mkDefault true;

  # NVIDIA PRIME offload: the Intel iGPU drives the panel, the RTX wakes up
  # for `nvidia-offload PROGRAM`. Bus IDs from `lspci`.
  services.xserver.videoDrivers = [ "nvidia" ];
  hardware.graphics.enable = true;
  hardware.nvidia = {
    modesetting.enable = true;
    open = lib.mkDefault true;
    powerManagement.enable = true;
    powerManagement.finegrained = true;
    prime = {
      offload.enable = true;
      offload.enableOffloadCmd = true;
      intelBusId = lib.mkDefault "PCI:0:2:0";
      nvidiaBusId = lib.mkDefault "PCI:1:0:0";
    };
  };
}
