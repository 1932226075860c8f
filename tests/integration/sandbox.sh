#!/bin/bash
# The README's first command, scripts/sandbox.sh, on the build under test
# (no package installation, no build): it exits 0, every step prints its
# result, the filled card's screenshot is saved, nothing is left running; and a
# second run works too.
set -u
. "$PANTHER_SOURCE_DIR/tests/harness/lib.sh"
pn_require_root
[ -x "$PANTHER_BUILD_DIR/polkit-agent/panther-polkit-agent" ] ||
	pn_skip "panther-polkit-agent is not built (needs libpolkit-agent-1): the sandbox needs it"
pn_need_cmd pkexec sway wtype grim busctl "$PN_PYTHON"

run_sandbox() {
	local n=$1 out=$PN_TMP/out$1
	PANTHER_SANDBOX_NO_BUILD=1 PANTHER_SANDBOX_OUT=$out \
		bash "$PANTHER_SOURCE_DIR/scripts/sandbox.sh" >"$PN_TMP/sandbox$n.log" 2>&1
	rc=$?
	log=$PN_TMP/sandbox$n.log
	[ "$rc" -eq 0 ] || pn_fail "run $n: scripts/sandbox.sh exited $rc: $(grep -E 'FAILED|NOT RUN|FAIL:' "$log" | head -n 5 | tr '\n' '|')"
	has() {
		grep -qE -- "$1" "$log" || pn_fail "run $n: no line matching \"$1\" in its output"
	}
	has '^the card is on screen, filled by 1Password; PAM waits for Enter'
	has '^ok: authorized in [0-9]+ ms \(the press included\), op was asked once'
	has '^op refused \(1Password: authorization prompt dismissed\)'
	has '^ok: authorized in [0-9]+ ms \(typing included\); op was asked once and refused'
	has '^ok: performance -> balanced, notification "Power profile: Balanced"'
	has '^unplugged \(UPower OnBattery true\): ppd balanced -> power-saver'
	has '^plugged in \(OnBattery false\): ppd power-saver -> performance'
	has '^ok: [0-9]+ ok, [0-9]+ warn, 0 fail in [0-9]+ ms, exit 0$'
	has '^ok: panther-session exited 0 in [0-9]+ ms, no panther process remains'
	has '^ok: no process of the sandbox is left'
	has '^sandbox: every step worked'
	[ "$(grep -c '^  ok  ' "$log")" -eq 7 ] || pn_fail "run $n: the summary does not list seven steps as ok"
	[ -s "$out/prompt.png" ] || pn_fail "run $n: no screenshot at $out/prompt.png"
	local colors
	colors=$("$PN_PYTHON" "$PN_HARNESS_DIR/png.py" distinct "$out/prompt.png")
	[ "$colors" -gt 30 ] || pn_fail "run $n: the screenshot looks blank ($colors colors)"
	grep '^screenshots: ' "$log" | grep -qF "$out/prompt.png" || pn_fail "run $n: the screenshot's path is not printed"
	pn_note "run $n: $(grep '^sandbox: ' "$log")"
}

run_sandbox 1
run_sandbox 2
pn_pass
