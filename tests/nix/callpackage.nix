# callPackage as nixpkgs has it: lib.callPackageWith over the attribute
# names nixpkgs has (values are stand-ins: only the names and the
# derivation's attributes are looked at). `panther` is nix/package.nix
# called that way: the attributes it hands to stdenv.mkDerivation.
{ lib }:
let
  # Attribute name -> where nixpkgs defines it (nixpkgs-unstable, 2026).
  nixpkgsHas = {
    stdenv = "pkgs/stdenv/linux/default.nix";
    meson = "pkgs/by-name/me/meson/package.nix";
    ninja = "pkgs/by-name/ni/ninja/package.nix";
    pkg-config = "pkgs/top-level/all-packages.nix (pkg-config-wrapper)";
    wayland = "pkgs/development/libraries/wayland/default.nix";
    wayland-scanner = "pkgs/top-level/all-packages.nix (wayland-scanner = wayland.bin)";
    wayland-protocols = "pkgs/development/libraries/wayland/protocols.nix";
    wlr-protocols = "pkgs/development/libraries/wlroots/protocols.nix";
    # Not json-c: nixpkgs has no such attribute (its sway takes json_c too).
    json_c = "pkgs/by-name/js/json_c/package.nix";
    dbus = "pkgs/by-name/db/dbus/package.nix";
    polkit = "pkgs/by-name/po/polkit/package.nix";
    glib = "pkgs/by-name/gl/glib/package.nix";
    cairo = "pkgs/by-name/ca/cairo/package.nix";
    pango = "pkgs/by-name/pa/pango/package.nix";
    fontconfig = "pkgs/by-name/fo/fontconfig/package.nix";
    libxkbcommon = "pkgs/top-level/all-packages.nix (libxkbcommon_8)";
    scdoc = "pkgs/by-name/sc/scdoc/package.nix";
    cmocka = "pkgs/by-name/cm/cmocka/package.nix";
    python3 = "pkgs/top-level/all-packages.nix (python3 = python313)";
  };

  standIn = name: {
    inherit name;
    type = "derivation";
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
  };

  # stdenv.mkDerivation's calling convention: a function of finalAttrs.
  stdenv = {
    mkDerivation =
      f:
      let
        attrs = if builtins.isFunction f then f final else f;
        final = attrs // {
          finalPackage = final;
          type = "derivation";
          name = "${attrs.pname}-${attrs.version}";
          outPath = "/nix/store/00000000000000000000000000000000-${final.name}";
        };
      in
      final;
  };

  pkgs = lib.mapAttrs (name: _: standIn name) nixpkgsHas // {
    inherit lib stdenv;
  };
  callPackage = lib.callPackageWith pkgs;
in
{
  inherit callPackage;
  panther = callPackage ../../nix/package.nix { };
}
