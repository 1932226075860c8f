# shellcheck shell=bash
# Shared by the tests in tests/nix/: the harness, the upstream snapshots
# (../shared/upstream from the project root: nixpkgs' lib, niri-flake, Home
# Manager, DMS's Nix modules) and nix-instantiate on a dummy store, with its
# state and HOME in the test's temporary directory.
# They run nothing as the test user, so they read the tree where it is (the
# test user's copy would not have ../shared beside it).
PN_NO_TEST_USER=1
. "${PANTHER_SOURCE_DIR:?PANTHER_SOURCE_DIR is not set}/tests/harness/lib.sh"

src=$PANTHER_SOURCE_DIR
# PANTHER_UPSTREAM names another copy (a worktree or clone elsewhere).
upstream=${PANTHER_UPSTREAM:-$(cd "$src/.." && pwd)/shared/upstream}
if [ ! -d "$upstream/nixpkgs-lib/lib" ]; then
	why="no upstream snapshots at $upstream (nixpkgs' lib, Home Manager, niri-flake, DMS)"
	[ "${CI:-}" = true ] && pn_fail "$why"
	pn_skip "$why"
fi
pn_need_cmd nix-instantiate "$PN_PYTHON"

export NIX_STATE_DIR=$PN_TMP/nix-state HOME=$PN_TMP/home XDG_CACHE_HOME=$PN_TMP/cache
mkdir -p "$HOME"

# Home Manager reads two NixOS modules from pkgs.path: a nixpkgs tree made
# of the lib snapshot and the stand-ins in tests/nix/stubs.
mkdir -p "$PN_TMP/nixpkgs"
ln -s "$upstream/nixpkgs-lib/lib" "$PN_TMP/nixpkgs/lib"
ln -s "$src/tests/nix/stubs/nixpkgs/nixos" "$PN_TMP/nixpkgs/nixos"

nixi() {
	nix-instantiate --option build-users-group '' --store dummy:// \
		-I "upstream=$upstream" -I "panther=$src" -I "nixpkgs-root=$PN_TMP/nixpkgs" "$@"
}

# nix_eval EXPR OUT: EXPR (in tests/nix, <upstream> and <panther> known) as
# JSON in OUT, or the test fails with the evaluation's error.
nix_eval() {
	(cd "$src/tests/nix" && nixi --eval --strict --json -E "$1") >"$2" 2>"$2.err" ||
		pn_fail "evaluating ${1%%$'\n'*}: $(grep -m 3 -E 'error|while' "$2.err" | tr '\n' ' ')"
}

# check_json FILE PYTHON: runs PYTHON with `d` the JSON value of FILE; an
# assertion failing fails the test with its message.
check_json() {
	"$PN_PYTHON" -c "import json, sys
d = json.load(open(sys.argv[1]))
$2" "$1" 2>"$1.check" || pn_fail "$(tail -n 1 "$1.check")"
}
