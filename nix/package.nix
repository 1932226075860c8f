{
  lib,
  stdenv,
  meson,
  ninja,
  pkg-config,
  wayland-scanner,
  wayland,
  wayland-protocols,
  wlr-protocols,
  json_c,
  dbus,
  polkit,
  glib,
  cairo,
  pango,
  fontconfig,
  libxkbcommon,
  scdoc,
  cmocka,
  python3,
}:

stdenv.mkDerivation (finalAttrs: {
  pname = "panther";
  version = "0.1.0";

  # The Nix files are not part of the build: editing them rebuilds nothing.
  src = lib.cleanSourceWith {
    src = ../.;
    filter =
      path: type:
      let
        name = baseNameOf path;
        relative = lib.removePrefix (toString ../. + "/") (toString path);
      in
      lib.cleanSourceFilter path type
      && !(lib.hasPrefix "build" relative)
      && !(lib.hasPrefix "result" name)
      && relative != "nix"
      && relative != "flake.nix"
      && relative != "flake.lock";
  };

  strictDeps = true;
  depsBuildBuild = [ pkg-config ];
  nativeBuildInputs = [
    meson
    ninja
    pkg-config
    wayland-scanner
    scdoc
  ];
  buildInputs = [
    wayland
    wayland-protocols
    wlr-protocols
    json_c
    dbus
    polkit
    glib
    cairo
    pango
    fontconfig
    libxkbcommon
  ];
  checkInputs = [ cmocka ];
  # The D-Bus unit tests start a private dbus-daemon; meson finds python3
  # for the Python test helpers (the sandbox has no /usr/bin/python3).
  nativeCheckInputs = [
    dbus
    python3
  ];

  mesonFlags = [
    (lib.mesonBool "tests" finalAttrs.finalPackage.doCheck)
    (lib.mesonEnable "man-pages" true)
    (lib.mesonEnable "polkit_agent" true)
    # nixpkgs' dbus ships no libdbus-1.a, and the setup hook turns every
    # `auto` feature into `enabled` (-Dauto_features=enabled).
    (lib.mesonEnable "static_dbus" false)
    # Warnings of the next compiler must not break a distribution build.
    (lib.mesonBool "werror" false)
  ];

  doCheck = true;
  # The unit tests. The integration tests need a system bus, polkitd and a
  # compositor, which the build sandbox does not have; nix/tests/vm.nix runs
  # the daemons against the real services instead.
  mesonCheckFlags = [
    "--suite"
    "unit"
  ];

  # The systemd user units are in $out/lib/systemd/user, where NixOS'
  # systemd.packages looks; the modules use them as they are.
  meta = {
    description = "Power profiles, a 1Password-first polkit agent and a session supervisor for Niri";
    license = lib.licenses.mit;
    platforms = lib.platforms.linux;
    mainProgram = "pantherctl";
  };
})
