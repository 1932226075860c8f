#!/bin/bash
# panther-polkit-agent with 1Password (the op stand-in) and the `command`
# prompter (the stand-in acting as the person), real polkitd and PAM. The
# card comes first, with PANTHER_PROMPT_FILL=pending; when op answers it is
# shown again as "filled" and PAM starts only when it is confirmed (exit 0,
# nothing printed): cancelling there never reaches PAM and op is not asked
# again; typing replaces 1Password's answer. A wrong password, a dismissed
# approval, a hung op or an unusable answer leave the card asking for the
# password, saying why; op runs exactly once per request, as `op read -n
# REF`, without the service token.
set -u
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"

action=org.freedesktop.policykit.exec
pk_setup 2
pk_subject
pk_agent

# pk_pam_started: how many PAM conversations the agent has started.
pam_started() {
	grep -c "starting PAM" "$PK_AGENT_LOG"
}

# Right password from op, confirmed at the card.
pk_mode op right
pk_mode prompt confirm
pk_check "$action"
pk_expect_status 0 "right password from op, confirmed"
[ "$(pk_calls op)" -eq 1 ] || pn_fail "op ran $(pk_calls op) times for one request"
[ -s "$PK_PROMPT/pending" ] || pn_fail "the card was not shown before 1Password answered"
[ "$(pk_calls prompt)" -eq 1 ] || pn_fail "the filled card was shown $(pk_calls prompt) times (expected once)"
grep -q "^1 user=$PN_TEST_USER action=$action .* fill=filled " "$PK_PROMPT/calls" ||
	pn_fail "the card was not shown as filled by 1Password: $(cat "$PK_PROMPT/calls")"
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
tr '\0' '\n' <"$PK_PROMPT/env.1" | grep -qF -- "$PN_TEST_PASSWORD" &&
	pn_fail "the prompt command got 1Password's answer in its environment"
pn_note "right password from op, confirmed: authorized in ${PK_ELAPSED_MS} ms"

# The filled card is cancelled: PAM never starts, op is not asked again.
pk_mode op right
pk_mode prompt cancel
pam_before=$(pam_started)
pk_check "$action"
[ "$PK_STATUS" -ne 0 ] || pn_fail "authorized although the filled card was cancelled"
[ "$(pam_started)" -eq "$pam_before" ] || pn_fail "PAM started although nobody confirmed 1Password's answer"
[ "$(pk_calls op)" -eq 1 ] || pn_fail "op ran $(pk_calls op) times for a cancelled request"
grep -q "dismissed at the prompt" "$PK_AGENT_LOG" || pn_fail "the agent did not log the dismissal"

# Typing replaces 1Password's answer (here a wrong one from op).
pk_mode op wrong
pk_mode prompt right
pk_check "$action"
pk_expect_status 0 "typed over a wrong answer from 1Password"
grep -q "fill=filled" "$PK_PROMPT/calls" || pn_fail "the card was not filled: $(cat "$PK_PROMPT/calls")"
grep -q "authentication failed" "$PK_AGENT_LOG" && pn_fail "1Password's wrong answer reached PAM although the person typed"

# Typing before 1Password answers: op is stopped, the typed answer counts.
pk_mode op hang
pk_mode prompt early
pk_check "$action"
pk_expect_status 0 "typed while 1Password was still asked"
grep -q "fill=pending" "$PK_PROMPT/calls" || pn_fail "the card did not say 1Password was asked: $(cat "$PK_PROMPT/calls")"
# The agent's log names op's pid: the stand-in may be stopped before it
# writes its own pid file.
op_pid=$(grep -o 'started op (pid [0-9]*' "$PK_AGENT_LOG" | tail -n 1 | grep -o '[0-9]*$')
[ -n "$op_pid" ] || pn_fail "the agent did not log op's start"
pn_wait_for -t 5 pk_no_process "$op_pid" || pn_fail "op (pid $op_pid) still runs after the person typed"

# Wrong password from op, confirmed: the card asks again, says why, and its answer counts.
pk_mode op wrong
pk_mode prompt confirm right
pk_check "$action"
pk_expect_status 0 "wrong password from op, right one at the prompt"
[ "$(pk_calls op)" -eq 1 ] || pn_fail "op ran $(pk_calls op) times after a wrong password (expected once)"
[ "$(pk_calls prompt)" -eq 2 ] || pn_fail "the prompt ran $(pk_calls prompt) times (expected twice)"
grep -q "error=1Password: the password from 1Password was not accepted" "$PK_PROMPT/calls" ||
	pn_fail "the prompt was not told why: $(cat "$PK_PROMPT/calls")"
grep -q "2 user=$PN_TEST_USER action=$action .* fill=none " "$PK_PROMPT/calls" ||
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
pk_mode prompt confirm wrong
pk_check "$action"
[ "$PK_STATUS" -ne 0 ] || pn_fail "authorized with wrong passwords only"
[ "$(pk_calls prompt)" -eq 4 ] || pn_fail "the prompt was asked $(pk_calls prompt) times (expected the filled card and three attempts)"

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
