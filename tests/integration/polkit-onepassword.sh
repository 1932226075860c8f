#!/bin/bash
# panther-polkit-agent asks 1Password first, with real polkitd and PAM: the
# right password from op authorizes at once; a wrong one, a dismissed
# approval, a hung op, or an unusable answer go to the prompt, with op run
# exactly once per request, as `op read -n REF`, without the service token.
set -u
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"

action=org.freedesktop.policykit.exec
pk_setup 2
pk_subject
pk_agent

# Right password from op.
pk_mode op right
pk_mode prompt cancel
pk_check "$action"
pk_expect_status 0 "right password from op"
[ "$(pk_calls op)" -eq 1 ] || pn_fail "op ran $(pk_calls op) times for one request"
[ "$(pk_calls prompt)" -eq 0 ] || pn_fail "the prompt was shown although op answered"
grep -qx "1 read -n $PK_REFERENCE" "$PK_OP/calls" ||
	pn_fail "op was not run as 'read -n $PK_REFERENCE': $(cat "$PK_OP/calls")"
tr '\0' '\n' <"$PK_OP/env.1" | grep -q '^OP_SERVICE_ACCOUNT_TOKEN=' &&
	pn_fail "op got OP_SERVICE_ACCOUNT_TOKEN in its environment"
# An allow-list (DESIGN.md 5.4): the agent's other variables stay behind.
tr '\0' '\n' <"$PK_OP/env.1" | grep -q '^PANTHER_TEST_OP_DIR=' &&
	pn_fail "op got a variable outside its allow-list (PANTHER_TEST_OP_DIR)"
tr '\0' '\n' <"$PK_OP/env.1" | grep -q '^HOME=' ||
	pn_fail "op did not get HOME"
tr '\0' '\n' <"$PK_OP/env.1" | grep -qx 'OP_BIOMETRIC_UNLOCK_ENABLED=true' ||
	pn_fail "op was not told to use the 1Password app (OP_BIOMETRIC_UNLOCK_ENABLED=true)"
grep -qx app "$PK_OP/auth.1" || pn_fail "op did not sign in through the app"
[ -e "$PK_OP/env.1" ] && [ "$(stat -c %U "$PK_OP/env.1")" = "$PN_TEST_USER" ] ||
	pn_fail "op did not run as the test user"
pn_note "right password from op: authorized in ${PK_ELAPSED_MS} ms"

# Wrong password from op: the prompt is asked, says why, and its answer counts.
pk_mode op wrong
pk_mode prompt right
pk_check "$action"
pk_expect_status 0 "wrong password from op, right one at the prompt"
[ "$(pk_calls op)" -eq 1 ] || pn_fail "op ran $(pk_calls op) times after a wrong password (expected once)"
[ "$(pk_calls prompt)" -eq 1 ] || pn_fail "the prompt ran $(pk_calls prompt) times (expected once)"
grep -q "error=1Password: the password from 1Password was not accepted" "$PK_PROMPT/calls" ||
	pn_fail "the prompt was not told why: $(cat "$PK_PROMPT/calls")"
grep -q "user=$PN_TEST_USER action=$action" "$PK_PROMPT/calls" ||
	pn_fail "the prompt did not get the user and action: $(cat "$PK_PROMPT/calls")"
grep -q "program=/usr/bin/sleep 3600" "$PK_PROMPT/calls" ||
	pn_fail "the prompt did not get the requesting program: $(cat "$PK_PROMPT/calls")"

# The approval is dismissed in 1Password: its message reaches the prompt.
pk_mode op dismiss
pk_mode prompt right
pk_check "$action"
pk_expect_status 0 "op dismissed, right answer at the prompt"
[ "$(pk_calls op)" -eq 1 ] || pn_fail "op ran $(pk_calls op) times after a dismissal"
grep -q "error=1Password: authorization prompt dismissed" "$PK_PROMPT/calls" ||
	pn_fail "the prompt did not get op's message: $(cat "$PK_PROMPT/calls")"

# op hangs past timeout_s (2 s): killed, reaped, and the prompt takes over.
pk_mode op hang
pk_mode prompt right
pk_check "$action"
pk_expect_status 0 "op hung, right answer at the prompt"
[ "$PK_ELAPSED_MS" -ge 1900 ] || pn_fail "the prompt came before timeout_s ran out (${PK_ELAPSED_MS} ms)"
grep -q "error=1Password: no answer within 2 s" "$PK_PROMPT/calls" ||
	pn_fail "the prompt was not told op timed out: $(cat "$PK_PROMPT/calls")"
op_pid=$(cat "$PK_OP/pid.1")
pn_wait_for -t 5 pk_no_process "$op_pid" || pn_fail "the hung op (pid $op_pid) is still there (or a zombie)"

# Answers op must not pass on: a line break inside, or 10 MiB.
for mode in garbage huge; do
	pk_mode op "$mode"
	pk_mode prompt right
	pk_check "$action"
	pk_expect_status 0 "op printed $mode, right answer at the prompt"
	[ "$(pk_calls op)" -eq 1 ] || pn_fail "op ran $(pk_calls op) times ($mode)"
	[ "$(pk_calls prompt)" -eq 1 ] || pn_fail "the prompt was not asked after op printed $mode"
done
grep -q "longer than 510 bytes" "$PK_AGENT_LOG" || pn_fail "10 MiB from op was not refused as too long"

# Wrong answers at the prompt too: three attempts, then the request ends.
pk_mode op wrong
pk_mode prompt wrong
pk_check "$action"
[ "$PK_STATUS" -ne 0 ] || pn_fail "authorized with wrong passwords only"
[ "$(pk_calls prompt)" -eq 3 ] || pn_fail "the prompt was asked $(pk_calls prompt) times (expected three attempts)"

# 1Password turned off: straight to the prompt.
pk_write_config 2 false
kill -HUP "$PK_AGENT_PID"
pn_wait_for grep -q "configuration reloaded" "$PK_AGENT_LOG" || pn_fail "SIGHUP did not reload"
pk_mode op right
pk_mode prompt right
pk_check "$action"
pk_expect_status 0 "1Password off, right answer at the prompt"
[ "$(pk_calls op)" -eq 0 ] || pn_fail "op ran with onepassword.enable false"

pk_no_secret_in "$PK_AGENT_LOG"
pk_stop_agent
pn_pass
