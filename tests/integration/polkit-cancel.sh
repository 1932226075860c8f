#!/bin/bash
# Cancelling: the requesting program goes away while the prompt is open, or
# the prompt is closed (non-zero exit). Either ends the request once, leaves
# no PAM helper or prompt process behind, and the next request works. With
# two identities offered (an admin rule naming root too), the current user
# is asked for.
set -u
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"

action=org.freedesktop.policykit.exec
pk_setup 5
pk_subject
# The subject named with its start time, as pkttyagent --process takes it.
pk_agent --process "$PK_SUBJECT,$(pn__starttime "$PK_SUBJECT")"

agent_children() {
	{
		pgrep -P "$PK_AGENT_PID"
		pn_polkit_helpers "$PK_AGENT_PID"
	} | sort -u | tr '\n' ' '
}
no_agent_children() {
	[ -z "$(agent_children)" ]
}

# The requesting program is killed while the prompt waits for the user
# (after 1Password's answer was confirmed and refused, so PAM runs).
pk_mode op wrong
pk_mode prompt confirm hang
pn_spawn_as_user doomed pkcheck -a "$action" -p "$PK_SUBJECT" -u
doomed=$PN_PID
pn_wait_for -t 10 test -e "$PK_PROMPT/pid.2" || pn_fail "the prompt was not opened"
prompt_pid=$(cat "$PK_PROMPT/pid.2")
helpers=$(pn_polkit_helpers "$PK_AGENT_PID")
[ -n "$helpers" ] || pn_fail "no PAM helper runs while the prompt is open"
{ kill -KILL "$doomed" && wait "$doomed"; } 2>/dev/null
pn_wait_for -t 5 pk_no_process "$prompt_pid" || pn_fail "the prompt (pid $prompt_pid) stayed open after the request was withdrawn"
pn_wait_for -t 5 no_agent_children || pn_fail "the agent still has children after the cancel: $(agent_children)"
pn_wait_for -t 5 grep -q "cancelled: withdrawn by polkitd" "$PK_AGENT_LOG" ||
	pn_fail "the agent did not log the withdrawn request"
[ "$(grep -c "request 1: .* cancelled" "$PK_AGENT_LOG")" -eq 1 ] || pn_fail "request 1 finished more than once"

# The next request works.
pk_mode op dismiss
pk_mode prompt right
pk_check "$action"
pk_expect_status 0 "request after a withdrawn one"

# The prompt is closed: the request is dismissed, nothing is left running.
pk_mode op dismiss
pk_mode prompt cancel
pk_check "$action"
pk_expect_status 3 "prompt closed with a non-zero exit"
[ "$(pk_calls prompt)" -eq 1 ] || pn_fail "the prompt was asked $(pk_calls prompt) times after a cancel (expected once)"
pn_wait_for -t 5 no_agent_children || pn_fail "the agent still has children after the prompt closed: $(agent_children)"
pk_mode prompt right
pk_check "$action"
pk_expect_status 0 "request after a closed prompt"

# Two identities: the admin group and root. The current user is asked.
pn_polkit_rule 10-panther-test-admin 'polkit.addAdminRule(function(action, subject) {
	if (action.id == "org.freedesktop.policykit.exec")
		return ["unix-group:sudo", "unix-user:root"];
});'
pk_mode op right
pk_mode prompt confirm
pk_check "$action"
pk_expect_status 0 "two identities, current user's password from op"
# Only the test user has a 1Password reference: op ran, so it was picked.
[ "$(pk_calls op)" -eq 1 ] || pn_fail "op did not run: the agent did not pick $PN_TEST_USER"
pk_mode op dismiss
pk_mode prompt right
pk_check "$action"
pk_expect_status 0 "two identities, current user's password at the prompt"
grep -q "^1 user=$PN_TEST_USER " "$PK_PROMPT/calls" || pn_fail "the prompt was not asked for $PN_TEST_USER: $(cat "$PK_PROMPT/calls")"
tr '\0' '\n' <"$PK_PROMPT/env.1" | grep -q "^PANTHER_PROMPT_USERS=.*\broot\b" ||
	pn_fail "the prompt was not told root may answer too"

pk_no_secret_in "$PK_AGENT_LOG"
pk_stop_agent
pn_pass
