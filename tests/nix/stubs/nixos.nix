# Stands in for the NixOS options that panther's NixOS module, its example
# hosts, niri-flake's and DMS's NixOS modules set, which the snapshots do
# not have (they live in nixpkgs' nixos/modules). Each is declared with the
# type nixpkgs gives it; the file each models is named next to it.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  opt = type: default: mkOption { inherit type default; };
  bool = opt types.bool false;
  strs = opt (types.listOf types.str) [ ];
  packages = opt (types.listOf types.package) [ ];

  # nixos/lib/systemd-unit-options.nix: unitOption merges lists by
  # concatenation, single values only when equal.
  unitOption = types.mkOptionType {
    name = "systemd option";
    merge =
      loc: defs:
      let
        defs' = lib.filterOverrides defs;
      in
      if lib.any (def: lib.isList def.value) defs' then
        lib.concatMap (def: lib.toList def.value) defs'
      else
        lib.mergeEqualOption loc defs';
  };
  # systemd.user.services.<name> / systemd.user.targets.<name>
  # (nixos/lib/systemd-unit-options.nix, the options used here).
  unit = types.submodule {
    options = {
      enable = opt types.bool true;
      description = opt types.str "";
      wantedBy = strs;
      requiredBy = strs;
      wants = strs;
      after = strs;
      before = strs;
      partOf = strs;
      bindsTo = strs;
      path = opt (types.listOf (types.either types.package types.str)) [ ];
      environment = opt (types.attrsOf (types.nullOr (types.oneOf [ types.str types.path types.package ]))) { };
      serviceConfig = opt (types.attrsOf unitOption) { };
      unitConfig = opt (types.attrsOf unitOption) { };
      restartIfChanged = opt types.bool true;
      script = opt types.lines "";
    };
  };
in
{
  options = {
    # nixos/modules/system/boot/systemd/user.nix, nixos/modules/system/boot/systemd.nix
    systemd.packages = packages;
    systemd.user.services = opt (types.attrsOf unit) { };
    systemd.services = opt (types.attrsOf unit) { };
    systemd.user.targets = opt (types.attrsOf unit) { };

    # nixos/modules/config/system-path.nix, nixos/modules/system/etc/etc.nix
    environment.systemPackages = packages;
    # nixos/modules/config/system-environment.nix
    environment.sessionVariables = opt (types.attrsOf (types.either types.str (types.listOf types.str))) { };
    environment.etc = opt (types.attrsOf (
      types.submodule {
        options = {
          source = mkOption { type = types.path; };
          text = opt (types.nullOr types.lines) null;
        };
      }
    )) { };

    # nixos/modules/security/polkit.nix
    security.polkit.enable = bool;
    security.polkit.extraConfig = opt types.lines "";
    # nixos/modules/security/pam.nix (the part the modules set)
    security.pam.services = opt (types.attrsOf (
      types.submodule { options.text = opt (types.nullOr types.lines) null; }
    )) { };
    # nixos/modules/services/hardware/power-profiles-daemon.nix, upower.nix
    services.power-profiles-daemon.enable = bool;
    services.upower.enable = bool;
    # nixos/modules/programs/_1password.nix, _1password-gui.nix
    programs._1password.enable = bool;
    programs._1password-gui.enable = bool;
    programs._1password-gui.polkitPolicyOwners = strs;
    # nixos/modules/services/hardware/asusd.nix: asusdConfig is null or a
    # { text, source } file (it was a string before). restoreConfigs (true
    # by default) copies every declared file back into /etc/asusd before
    # each start of asusd (nixpkgs PR 548037), so a declared asusd.ron
    # undoes asusctl's changes at the next start.
    services.asusd.enable = bool;
    services.asusd.restoreConfigs = opt types.bool true;
    services.asusd.asusdConfig = opt (types.nullOr (
      types.submodule {
        options = {
          text = opt (types.nullOr types.lines) null;
          source = opt (types.nullOr types.path) null;
        };
      }
    )) null;
    # nixos/modules/services/hardware/tlp.nix, auto-cpufreq.nix;
    # misc/nixpkgs.nix (config: allowUnfreePredicate and the rest);
    # misc/version.nix.
    services.tlp.enable = bool;
    services.auto-cpufreq.enable = bool;
    nixpkgs.config = opt (types.attrsOf types.anything) { };
    system.stateVersion = opt types.str "26.05";
    # nixos/modules/services/hardware/supergfxd.nix
    services.supergfxd.enable = bool;

    # nixos/modules/tasks/network-interfaces.nix, system/boot/kernel.nix,
    # hardware/cpu/amd-microcode.nix, hardware/graphics.nix, hardware/sensor/iio.nix,
    # services/x11/xserver.nix, hardware/video/nvidia.nix
    networking.hostName = opt types.str "nixos";
    boot.kernelParams = strs;
    boot.kernelPackages = opt types.raw null;
    hardware.cpu.amd.updateMicrocode = bool;
    hardware.graphics.enable = bool;
    hardware.sensor.iio.enable = bool;
    services.xserver.videoDrivers = strs;
    hardware.nvidia = {
      modesetting.enable = bool;
      open = opt (types.nullOr types.bool) null;
      powerManagement.enable = bool;
      powerManagement.finegrained = bool;
      prime.offload.enable = bool;
      prime.offload.enableOffloadCmd = bool;
      prime.intelBusId = opt types.str "";
      prime.nvidiaBusId = opt types.str "";
    };

    # Set by niri-flake's NixOS module: nixos/modules/config/nix.nix,
    # config/xdg/*.nix, services/display-managers, services/desktops/gnome,
    # programs/dconf.nix, config/fonts/packages.nix.
    nix.settings = opt (types.attrsOf types.anything) { };
    xdg.autostart.enable = bool;
    xdg.menus.enable = bool;
    xdg.mime.enable = bool;
    xdg.icons.enable = bool;
    xdg.portal.enable = bool;
    xdg.portal.extraPortals = packages;
    xdg.portal.configPackages = packages;
    services.displayManager.sessionPackages = packages;
    services.gnome.gnome-keyring.enable = bool;
    programs.dconf.enable = bool;
    fonts.enableDefaultPackages = bool;

    # Read and set by Home Manager's NixOS module (home-manager/nixos/common.nix):
    # nixos/modules/config/users-groups.nix, config/nix.nix, config/system-path.nix.
    users.users = opt (types.attrsOf (
      types.submodule (
        { name, ... }:
        {
          options = {
            name = opt types.str name;
            home = opt types.path "/home/${name}";
            uid = opt (types.nullOr types.int) null;
            isNormalUser = bool;
            packages = packages;
            extraGroups = strs;
            password = opt (types.nullOr types.str) null;
          };
        }
      )
    )) { };
    environment.pathsToLink = strs;
    # nixos/modules/services/ttys/getty.nix (the VM test logs alice in).
    services.getty.autologinUser = opt (types.nullOr types.str) null;
    nix.enable = opt types.bool true;
    nix.package = opt types.package null;

    # Set by DMS's NixOS module: services/system/accounts-daemon.nix,
    # services/desktops/geoclue2.nix.
    services.accounts-daemon.enable = bool;
    services.geoclue2.enable = bool;
  };

  # nixos/modules/services/hardware/power-profiles-daemon.nix asserts that
  # neither TLP nor auto-cpufreq runs next to it.
  config.assertions = [
    {
      assertion =
        !config.services.power-profiles-daemon.enable
        || !(config.services.tlp.enable || config.services.auto-cpufreq.enable);
      message = "You have set services.power-profiles-daemon.enable = true; which conflicts with services.tlp.enable or services.auto-cpufreq.enable";
    }
  ];
}
