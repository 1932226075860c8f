#!/bin/bash
# The flake's outputs walked as `nix flake check` walks them (without
# building: no nixpkgs here), with nixpkgs' lib and the stand-in package set
# (tests/nix/flake.nix): packages, checks (the VM test's node evaluated as a
# NixOS system), devShells, formatter, overlay, and every NixOS and Home
# Manager module evaluated in its module system.
set -u
. "${PANTHER_SOURCE_DIR:?}/tests/nix/lib.sh"

out=$PN_TMP/flake.json
nix_eval 'import ./flake.nix' "$out"
check_json "$out" '
assert d["packages"] == {"default": "panther-0.1.0", "panther": "panther-0.1.0"}, d["packages"]
assert d["overlay"] == "panther-0.1.0", d["overlay"]
assert d["checks"] == {"package": "panther-0.1.0", "config": "panther-config-documents", "vm": "vm-test-run-panther"}, d["checks"]
assert d["vmUnits"] == ["panther-polkit-agent", "panther-powerd"], d["vmUnits"]
assert d["nixosModules"] == {"default": False, "panther": False, "zephyrus": True, "yoga": True}, d["nixosModules"]
assert d["homeModules"] == {"default": False, "panther": False, "niri-flake": True}, d["homeModules"]
assert d["devShells"] == {"default": "nix-shell"} and d["formatter"] == "nixfmt", d'
pn_pass
