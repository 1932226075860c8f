#!/bin/bash
# Secrets stay where they belong (DESIGN.md 5.3, 5.4), with the agent at
# debug level: the password and the authentication cookies appear nowhere in
# the agent's output, in the environment or command line of any process it
# starts (op, the prompt, polkit's helper), or in the prompt's environment.
# The agent is not dumpable and keeps its answer buffers locked in memory.
set -u
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"

action=org.freedesktop.policykit.exec
pk_setup 5
pk_subject

# Every BeginAuthentication polkitd sends, to learn the cookies.
pn_spawn monitor busctl --system monitor --json=short --match \
	"type='method_call',interface='org.freedesktop.PolicyKit1.AuthenticationAgent',member='BeginAuthentication'"
monitor_log=$PN_LOG
pk_agent

snapshot() {
	pk_snapshot_children "$PN_TMP/procs"
}

# expect_locked WHAT: the agent holds locked memory (its answer buffers).
expect_locked() {
	local locked
	locked=$(awk '/^VmLck:/ { print $2 }' "/proc/$PK_AGENT_PID/status")
	[ "${locked:-0}" -gt 0 ] || pn_fail "no locked memory $1 (VmLck ${locked:-?} kB)"
}

# Not dumpable: another process of the same user cannot read its memory or environment.
pn_as_user cat "/proc/$PK_AGENT_PID/environ" >/dev/null 2>&1 &&
	pn_fail "the agent's /proc/PID/environ is readable by its user (still dumpable)"
pn_as_user cat "/proc/$PK_AGENT_PID/mem" >/dev/null 2>&1 &&
	pn_fail "the agent's memory is readable by its user"

# 1. op answers; snapshot while op runs (it hangs until the timeout).
pk_mode op hang
pk_mode prompt hang
pn_spawn_as_user req1 pkcheck -a "$action" -p "$PK_SUBJECT" -u
req1=$PN_PID
pn_wait_for test -e "$PK_OP/pid.1" || pn_fail "op did not start"
snapshot
# 2. ...then the card says op timed out and waits for typing.
pn_wait_for -t 10 test -e "$PK_PROMPT/pid.1" || pn_fail "the prompt did not open after op timed out"
snapshot
expect_locked "while the prompt is open"
pn_stop "$req1"

# 3. 1Password's answer waits in the agent for the person's confirmation:
# the filled card (the prompt command) never sees it, the memory is locked.
pk_mode op right
pk_mode prompt hang
pn_spawn_as_user req3 pkcheck -a "$action" -p "$PK_SUBJECT" -u
req3=$PN_PID
pn_wait_for test -e "$PK_PROMPT/pid.1" || pn_fail "the filled card was not shown"
snapshot
expect_locked "while 1Password's answer waits for Enter"
pn_stop "$req3"

# 4. The full round trips: op's password confirmed, then wrong and right ones typed.
pk_mode op right
pk_mode prompt confirm
pk_check "$action"
pk_expect_status 0 "right password from op"
pk_mode op wrong
pk_mode prompt wrong right
pk_check "$action"
pk_expect_status 0 "wrong password from op and at the prompt, then the right one"
[ "$(pk_calls prompt)" -eq 2 ] || pn_fail "the prompt ran $(pk_calls prompt) times (expected 2)"
pk_mode op right
pk_mode prompt confirm
pn_spawn_as_user req2 pkcheck -a "$action" -p "$PK_SUBJECT" -u
pn_wait_for test -e "$PK_OP/pid.1"
snapshot
wait "$PN_PID" || pn_fail "request 2 was not authorized"

[ "$PK_SNAPSHOTS" -ge 3 ] || pn_fail "only $PK_SNAPSHOTS processes below the agent were seen"
pk_stop_agent

# Nothing anywhere.
pk_no_secret_in "$PK_AGENT_LOG" "$PN_TMP"/procs/* "$PK_OP"/env.* "$PK_OP"/cmdline.* \
	"$PK_PROMPT"/env.*
cookies=$(grep -o '"BeginAuthentication".*' "$monitor_log" | grep -oE '"[0-9]+-[0-9a-f]{16,}[^"]*"' | tr -d '"' | sort -u)
if [ -z "$cookies" ]; then
	pn_note "busctl monitor saw no cookies: cookie check skipped ($(head -c 300 "$monitor_log"))"
else
	for c in $cookies; do
		if grep -rqaF -- "$c" "$PK_AGENT_LOG" "$PN_TMP/procs" "$PK_OP" "$PK_PROMPT"; then
			pn_fail "an authentication cookie appears in the agent's output or a child's environment"
		fi
	done
	pn_note "checked $(echo "$cookies" | wc -l) cookies and $PK_SNAPSHOTS child processes"
fi
pn_pass
