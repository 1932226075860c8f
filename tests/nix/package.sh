#!/bin/bash
# nix/package.nix as nixpkgs builds it, as far as that runs here: called
# with lib.callPackageWith over nixpkgs' own attribute names, then meson
# configured with the flags nixpkgs' setup hook passes plus the package's
# mesonFlags, built, its unit suite run (mesonCheckFlags) and installed. All
# in a private mount namespace where, as in nixpkgs, there is no
# libdbus-1.a and no /usr/bin/python3 for #! lines; python3 is on PATH (the
# package's nativeCheckInputs). A warning the compiler did not give before
# (-Wpadded) must not fail the build.
set -u
. "${PANTHER_SOURCE_DIR:?}/tests/nix/lib.sh"
pn_require_root
pn_need_cmd unshare meson ninja

pn_note "callPackage with nixpkgs' attribute names"
nix_eval 'let lib = import <upstream/nixpkgs-lib/lib>; p = (import ./callpackage.nix { inherit lib; }).panther;
	in { inherit (p) mesonFlags mesonCheckFlags doCheck;
	     nativeCheckInputs = map (d: d.name) p.nativeCheckInputs; }' "$PN_TMP/package.json"
check_json "$PN_TMP/package.json" '
assert d["doCheck"], "doCheck is off: the unit tests would not run"
assert "python3" in d["nativeCheckInputs"], d["nativeCheckInputs"]'
mapfile -t flags < <("$PN_PYTHON" -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1]))["mesonFlags"]))' "$PN_TMP/package.json")
mapfile -t checkflags < <("$PN_PYTHON" -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1]))["mesonCheckFlags"]))' "$PN_TMP/package.json")
pn_note "mesonFlags: ${flags[*]}"

libdbus_a=$(find /usr/lib /usr/local/lib -name libdbus-1.a 2>/dev/null | head -n 1)
real_python=$(readlink -f /usr/bin/python3)
[ -x "$real_python" ] || pn_missing "/usr/bin/python3"

# Runs in the namespace: hides libdbus-1.a and /usr/bin/python3, puts a copy
# of the interpreter on PATH (where nixpkgs puts python3) and builds.
cat >"$PN_TMP/sandboxed.sh" <<'INNER'
set -eu
tmp=$1 src=$2 libdbus_a=$3 real_python=$4; shift 4
if [ -n "$libdbus_a" ]; then
	mount --bind /dev/null "$libdbus_a"
fi
mkdir -p "$tmp/bin"
cp "$real_python" "$tmp/bin/python3"
mount --bind /dev/null "$real_python"
if /usr/bin/python3 -c 1 2>/dev/null; then
	echo "/usr/bin/python3 is still reachable"; exit 1
fi
# meson itself, as nixpkgs has it: its #! names the interpreter on PATH.
{ echo "#!$tmp/bin/python3"; tail -n +2 /usr/bin/meson; } >"$tmp/bin/meson"
chmod +x "$tmp/bin/meson"
export PATH=$tmp/bin:/usr/bin:/bin
meson_=("$tmp/bin/meson")
flags=() checkflags=()
while [ "$1" != -- ]; do flags+=("$1"); shift; done; shift
checkflags=("$@")
# nixpkgs' mesonConfigurePhase (pkgs/by-name/me/meson/setup-hook.sh). CFLAGS
# stands in for the warnings of the next compiler: a distribution build
# must not fail on them.
CFLAGS=-Wpadded "${meson_[@]}" setup "$tmp/build" "$src" --prefix="$tmp/out" --buildtype=plain \
	--wrap-mode=nodownload -Dauto_features=enabled "${flags[@]}" >"$tmp/configure.log" 2>&1 ||
	{ echo "meson setup failed: $(grep -m 1 ERROR "$tmp/configure.log")"; exit 1; }
ninja -C "$tmp/build" >"$tmp/build.log" 2>&1 || { echo "build failed: $(grep -m 3 -E 'error|FAILED' "$tmp/build.log" | tr '\n' ' ')"; exit 1; }
(cd "$tmp/build" && "${meson_[@]}" test --print-errorlogs "${checkflags[@]}") >"$tmp/check.log" 2>&1 ||
	{ echo "unit tests failed: $(grep -E '^ *[0-9]+/[0-9]+ .*(FAIL|ERROR|TIMEOUT)' "$tmp/check.log" | tr -s ' ' | tr '\n' ';')"; exit 1; }
ninja -C "$tmp/build" install >"$tmp/install.log" 2>&1 || { echo "install failed"; exit 1; }
INNER

pn_note "configure, build, unit tests and install with nixpkgs' meson flags"
mkdir -p "$PN_TMP/ns"
unshare -m --propagation private bash "$PN_TMP/sandboxed.sh" "$PN_TMP/ns" "$src" "$libdbus_a" \
	"$real_python" "${flags[@]}" -- "${checkflags[@]}" >"$PN_TMP/sandboxed.out" 2>&1 ||
	pn_fail "$(tail -n 3 "$PN_TMP/sandboxed.out")"
grep -E '^(Ok|Skipped|Fail):' "$PN_TMP/ns/check.log" | tr '\n' ' '
echo
grep -q '^Fail: *0' "$PN_TMP/ns/check.log" || pn_fail "unit tests failed"
grep -qE 'prompt_wayland +OK' "$PN_TMP/ns/check.log" ||
	pn_fail "prompt_wayland did not pass: $(grep prompt_wayland "$PN_TMP/ns/check.log")"

pn_note "the installed user units start the installed programs"
units=$PN_TMP/ns/out/lib/systemd/user
for unit in panther-powerd.service panther-polkit-agent.service panther-session.service panther-session.target; do
	[ -f "$units/$unit" ] || pn_fail "$unit is not installed in lib/systemd/user"
done
for d in powerd polkit-agent session; do
	exec_start=$(sed -n 's/^ExecStart=//p' "$units/panther-$d.service")
	[ "$exec_start" = "$PN_TMP/ns/out/bin/panther-$d" ] ||
		pn_fail "panther-$d.service: ExecStart=$exec_start, not the installed program"
	[ -x "$exec_start" ] || pn_fail "$exec_start is not installed"
	reload=$(sed -n 's/^ExecReload=//p' "$units/panther-$d.service")
	[[ $reload == /* ]] || pn_fail "panther-$d.service: ExecReload=$reload is not an absolute path"
done
pn_pass
