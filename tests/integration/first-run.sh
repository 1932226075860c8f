#!/bin/bash
# What a new user meets before the README's two commands start: each problem
# is one line naming it, and the command stops before its first step (nothing
# installed, built or started):
# - scripts/sandbox.sh not as root;
# - not Debian 12 (another /etc/os-release) with sway missing: the line names it;
# - too little space in /tmp (df says 50 MiB);
# - scripts/test.sh: the same checks, a missing sway only noted (tests skip);
# - sandbox.sh --until with an unknown step, and --help.
# shellcheck disable=SC2015 # "a && b || fail" is meant
set -u
. "$PANTHER_SOURCE_DIR/tests/harness/lib.sh"
pn_require_root
pn_need_cmd setpriv df
src=$PANTHER_SOURCE_DIR

# A system that is not Debian 12, and a PATH with everything but sway, and
# with a df that sees 50 MiB free everywhere.
printf 'ID=ubuntu\nVERSION_ID="24.04"\nPRETTY_NAME="Ubuntu 24.04 LTS"\n' >"$PN_TMP/os-release"
shim=$PN_TMP/bin
mkdir "$shim"
ln -s /usr/bin/* /usr/sbin/* "$shim/" 2>/dev/null
rm -f "$shim/sway"
command -v sway >/dev/null && [ "$(PATH=$shim command -v sway)" = "" ] ||
	pn_fail "could not hide sway from PATH"
mkdir "$PN_TMP/small-df"
cat >"$PN_TMP/small-df/df" <<'EOF'
#!/bin/sh
echo "Filesystem 1024-blocks Used Available Capacity Mounted on"
echo "tmpfs 1048576 997376 51200 95% /"
EOF
chmod 0755 "$PN_TMP/small-df/df"

# run NAME CMD...: CMD with the sandbox's output in $PN_TMP/out; the status
# in $rc, its output (both streams) in $PN_TMP/NAME.out.
run() {
	local name=$1
	shift
	env PANTHER_SANDBOX_NO_BUILD=1 PANTHER_SANDBOX_OUT="$PN_TMP/out" PANTHER_SUITES=none \
		"$@" >"$PN_TMP/$name.out" 2>&1 </dev/null
	rc=$?
}

# expect NAME STATUS LINE...: run NAME ended with STATUS and printed exactly
# these lines.
expect() {
	local name=$1 status=$2
	shift 2
	[ "$rc" -eq "$status" ] ||
		pn_fail "$name: exit $rc, expected $status: $(head -n 5 "$PN_TMP/$name.out" | tr '\n' '|')"
	[ "$(cat "$PN_TMP/$name.out")" = "$(printf '%s\n' "$@")" ] ||
		pn_fail "$name printed \"$(head -n 5 "$PN_TMP/$name.out" | tr '\n' '|')\", expected \"$(printf '%s|' "$@")\""
	[ ! -e "$PN_TMP/out" ] || pn_fail "$name: the sandbox went on (it created $PN_TMP/out)"
}

pn_note "not root"
pn_test_user
run not-root "${PN_AS_USER[@]}" bash "$src/scripts/sandbox.sh"
expect not-root 2 "sandbox: run as root (it starts a system bus, polkitd and power-profiles-daemon)"

pn_note "not Debian 12, sway missing"
run ubuntu env PREFLIGHT_OS_RELEASE="$PN_TMP/os-release" PATH="$shim" bash "$src/scripts/sandbox.sh"
expect ubuntu 2 "sandbox: this is Ubuntu 24.04 LTS, not Debian 12, so nothing is installed for you; missing: sway (install them and run again)"

pn_note "50 MiB free"
run small env PATH="$PN_TMP/small-df:$PATH" bash "$src/scripts/sandbox.sh"
expect small 2 "sandbox: only 50 MiB free in /tmp, which holds the logs and a copy of the programs; 100 MiB needed: free some space" \
	"sandbox: only 50 MiB free in $PANTHER_BUILD_DIR, which holds the build; 100 MiB needed: free some space"

pn_note "scripts/test.sh: not Debian 12, sway missing (noted), 50 MiB free"
# test.sh builds in build/ of the sources (or the first folder there is).
build=$src/build
[ -d "$build" ] || build=$src
run test env PREFLIGHT_OS_RELEASE="$PN_TMP/os-release" PATH="$PN_TMP/small-df:$shim" bash "$src/scripts/test.sh"
expect test 2 "test: this is Ubuntu 24.04 LTS, not Debian 12, so nothing is installed for you; missing: sway (the tests that need them are skipped)" \
	"test: only 50 MiB free in /tmp, which holds the logs and a copy of the programs; 100 MiB needed: free some space" \
	"test: only 50 MiB free in $build, which holds the build; 600 MiB needed: free some space"

pn_note "--until with an unknown step, --help"
run until bash "$src/scripts/sandbox.sh" --until nothing
expect until 2 "sandbox: --until takes one of: pkexec-op pkexec-prompt power-cycle ac-unplug doctor niri-exit"
run help bash "$src/scripts/sandbox.sh" --help
[ "$rc" -eq 0 ] && grep -q -- '--until STEP  stop after STEP' "$PN_TMP/help.out" ||
	pn_fail "sandbox.sh --help does not describe --until (exit $rc)"
pn_pass
