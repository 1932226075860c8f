#!/bin/bash
# panther-polkit-agent's command line as a user meets it: help, version,
# usage errors, a bad config (exit 78) and a process that does not exist,
# each with one clear line. Needs no bus.
set -u
. "$PANTHER_SOURCE_DIR/tests/harness/lib.sh"

agent=$PANTHER_BUILD_DIR/polkit-agent/panther-polkit-agent
[ -x "$agent" ] || pn_skip "panther-polkit-agent is not built (needs libpolkit-agent-1)"
export HOME=$PN_TMP XDG_CONFIG_HOME=$PN_TMP/config

# run EXPECTED_STATUS ARGS...: output in $out (stdout and stderr).
run() {
	local want=$1
	shift
	out=$("$agent" "$@" 2>&1)
	local rc=$?
	[ "$rc" -eq "$want" ] || pn_fail "panther-polkit-agent $*: exit status $rc, expected $want: $out"
}
one_line() {
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || pn_fail "$1: more than one line: $out"
}

run 0 --help
[[ $out == *"Usage: panther-polkit-agent"* && $out == *"--process PID[,START_TIME]"* ]] ||
	pn_fail "--help: $out"
run 0 --version
[[ $out =~ ^panther-polkit-agent\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || pn_fail "--version: $out"

for bad in abc 0 -5 12x 12, 12,x 99999999999; do
	run 2 --process "$bad"
	[[ $out == *"--process: \"$bad\" is not PID[,START_TIME]"* ]] || pn_fail "--process $bad: $out"
	one_line "--process $bad"
done
run 2 extra-argument
[[ $out == *'unexpected argument "extra-argument"'* ]] || pn_fail "extra argument: $out"

printf '{"polkit": {"onepassword": {"timeout_s": "soon"}}}' >"$PN_TMP/bad.json"
run 78 --config "$PN_TMP/bad.json" --process 1
[[ $out == *"polkit.onepassword.timeout_s"* ]] || pn_fail "bad config: $out"
one_line "bad config"

printf '{"polkit": {"prompt": {"type": "command", "argv": ["true"]}}}' >"$PN_TMP/good.json"
pid=4194303
while [ -e "/proc/$pid" ]; do pid=$((pid - 1)); done
run 1 --config "$PN_TMP/good.json" --process "$pid"
[[ $out == *"--process $pid: no such process"* ]] || pn_fail "missing process: $out"
pn_pass
