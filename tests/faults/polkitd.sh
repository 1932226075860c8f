#!/bin/bash
# polkitd (the real one, on the real system bus) crashes under
# panther-polkit-agent:
# - while idle: the agent says polkitd left, registers again when a new
#   polkitd starts, and the next request is authorized;
# - while a request waits on 1Password, and while one waits at the prompt
#   (PAM helper running): the request ends once ("cancelled: polkitd went
#   away"), op, the prompt and the PAM helper are gone, the user's pkcheck
#   ends instead of hanging; the agent registers again and the next request
#   works.
# The agent stays up throughout and spends no CPU while polkitd is away.
set -u
. "$PANTHER_SOURCE_DIR/tests/faults/lib.sh"
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"

action=org.freedesktop.policykit.exec
pk_setup 30
pk_subject
pk_agent
budget=10
ft_sanitized && budget=30

registrations() {
	grep -c "registered as the authentication agent" "$PK_AGENT_LOG"
}
registered_again() {
	[ "$(registrations)" -gt "$1" ]
}
agent_children() {
	{
		pgrep -P "$PK_AGENT_PID"
		pn_polkit_helpers "$PK_AGENT_PID"
	} | sort -u | tr '\n' ' '
}
no_agent_children() {
	[ -z "$(agent_children)" ]
}
# restart_and_check WHAT: a new polkitd; the agent registers again and the
# next request is authorized (1Password answers).
restart_and_check() {
	local before
	before=$(registrations)
	pn_restart_polkitd
	pn_wait_for registered_again "$before" ||
		pn_fail "$1: the agent did not register with the new polkitd (see $PK_AGENT_LOG)"
	pk_mode op right
	pk_mode prompt confirm
	pk_check "$action"
	pk_expect_status 0 "$1: the first request after polkitd came back"
	pn_note "$1: registered again, next request authorized in ${PK_ELAPSED_MS} ms"
}

pn_note "polkitd killed while the agent is idle"
ft_mark "$PK_AGENT_LOG"
pn_kill_polkitd KILL
ft_expect_log "$PK_AGENT_LOG" "polkitd left the system bus; registering again when it returns"
before=$(ft_cpu_ticks "$PK_AGENT_PID")
sleep 2
after=$(ft_cpu_ticks "$PK_AGENT_PID")
[ $((after - before)) -le "$budget" ] || pn_fail "the agent used $((after - before)) ticks of CPU in 2 s without polkitd"
pn_alive "$PK_AGENT_PID" || pn_fail "the agent died with polkitd"
restart_and_check "idle"

# pending_then_kill STAGE: a request waiting at STAGE (op or prompt), then
# polkitd is killed.
pending_then_kill() {
	local stage=$1 waiting child
	if [ "$stage" = op ]; then
		pk_mode op hang
		pk_mode prompt hang
	else
		# 1Password's answer is confirmed and refused: PAM asks at the prompt.
		pk_mode op wrong
		pk_mode prompt confirm hang
	fi
	ft_mark "$PK_AGENT_LOG"
	pn_spawn_as_user "pending-$stage" pkcheck -a "$action" -p "$PK_SUBJECT" -u
	waiting=$PN_PID
	if [ "$stage" = op ]; then
		pn_wait_for test -e "$PK_OP/pid.1" || pn_fail "op did not start"
		child=$(cat "$PK_OP/pid.1")
	else
		pn_wait_for -t 10 test -e "$PK_PROMPT/pid.2" || pn_fail "the prompt did not open"
		child=$(cat "$PK_PROMPT/pid.2")
		[ -n "$(pn_polkit_helpers "$PK_AGENT_PID")" ] ||
			pn_fail "no PAM helper runs while the prompt is open"
	fi
	pn_kill_polkitd KILL
	ft_expect_log "$PK_AGENT_LOG" "cancelled: polkitd went away"
	pn_wait_for -t 5 pk_no_process "$child" || pn_fail "$stage (pid $child) still runs after polkitd went away"
	pn_wait_for -t 5 no_agent_children || pn_fail "the agent still has children: $(agent_children)"
	pn_wait_exit -t 10 "$waiting" || pn_fail "pkcheck still waits after polkitd went away"
	wait "$waiting"
	local rc=$?
	[ "$rc" -ne 0 ] || pn_fail "pkcheck was authorized by a polkitd that crashed"
	[ "$(ft_since "$PK_AGENT_LOG" | grep -c "request .*: .* cancelled")" -eq 1 ] ||
		pn_fail "the request did not end exactly once: $(ft_since "$PK_AGENT_LOG" | grep cancelled)"
	pn_note "pending at $stage: \"$(ft_since "$PK_AGENT_LOG" | grep -m1 cancelled)\", pkcheck ended with $rc"
	restart_and_check "pending at $stage"
}
pending_then_kill op
pending_then_kill prompt

pk_no_secret_in "$PK_AGENT_LOG"
pk_stop_agent
pn_pass
