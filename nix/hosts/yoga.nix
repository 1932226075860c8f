# Lenovo Yoga 7 2-in-1 14AKP10: AMD Ryzen AI 7 350.
# An example host module: import it next to hardware-configuration.nix and
# set services.panther.polkitAgent.onePassword.references.<user>.
{ lib, pkgs, ... }:
{
  imports = [ ./common.nix ];

  networking.hostName = lib.mkDefault "yoga";

  services.panther.host = "yoga";

  # amd-pstate in active (EPP) mode: power-profiles-daemon's profiles then
  # set the CPU's energy preference directly.
  boot.kernelParams = [ "amd_pstate=active" ];
  # Krackan Point needs a recent kernel.
  boot.kernelPackages = lib.mkDefault pkgs.linuxPackages_latest;
  hardware.cpu.amd.updateMicrocode = lib.mkDefault true;
  hardware.graphics.enable = true;
  # Screen rotation and tablet mode of the 2-in-1.
  hardware.sensor.iio.enable = lib.mkDefault true;
}
