#!/bin/bash
# The agent in a (fake) logind session, as in real use: it registers for the
# session, serves 20 concurrent requests from 20 processes in it (prompts
# one at a time), reports itself through `pantherctl polkit status`,
# registers again when polkitd restarts, and waits politely while another
# agent holds the session, taking over when it leaves.
set -u
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"

action=org.freedesktop.policykit.exec
pk_setup 10
pn_fake_logind_session
ctl=${PANTHERCTL:?PANTHERCTL is not set}

start_agent() {
	pn_spawn_in_session agent env -u PN_TEST_PASSWORD PANTHER_TEST_OP_DIR="$PK_OP" PANTHER_TEST_PROMPT_DIR="$PK_PROMPT" \
		OP_SERVICE_ACCOUNT_TOKEN="$PK_TOKEN" "$PK_AGENT_BIN" --verbose --config "$PK_CONFIG"
}

start_agent
PK_AGENT_PID=$PN_PID
PK_AGENT_LOG=$PN_LOG
pn_wait_for grep -q "registered as the authentication agent for unix-session:$PN_SESSION_ID" "$PK_AGENT_LOG" ||
	pn_fail "the agent did not register for session $PN_SESSION_ID (see $PK_AGENT_LOG)"
pk_app_authorize

# pantherctl sees it.
pn_wait_for "$ctl" polkit status || pn_fail "pantherctl polkit status does not reach the agent"
out=$("$ctl" polkit status)
[[ $out == *"agent: registered for unix-session:$PN_SESSION_ID"* && $out == *"requests: none"* ]] ||
	pn_fail "pantherctl polkit status says: $out"

# Requests that wait on op show in the status, without their cookie: the
# first one's op runs, the second one waits its turn at op (the queue).
pk_mode op hang
pk_mode prompt hang
pn_spawn_in_session waiting sh -c 'exec pkcheck -a '"$action"' -p $$ -u'
waiting=$PN_PID
pn_wait_for test -e "$PK_OP/pid.1" || pn_fail "op did not start"
pn_spawn_in_session queued sh -c 'exec pkcheck -a '"$action"' -p $$ -u'
queued=$PN_PID
two_requests() {
	[ "$("$ctl" --json polkit status | grep -o '"id"' | wc -l)" -eq 2 ]
}
pn_wait_for two_requests || pn_fail "pantherctl polkit status does not show two requests"
json=$("$ctl" --json polkit status)
/usr/bin/python3 - "$json" "$action" <<'PY' || pn_fail "pantherctl --json polkit status: $json"
import json, sys
s = json.loads(sys.argv[1])
assert s["state"] == "registered", s
assert len(s["requests"]) == 2, s
first, second = s["requests"]
for r in (first, second):
    assert r["action"] == sys.argv[2] and r["user"] == "pktest", r
    assert "pkcheck" in r["program"], r
assert first["state"] == "1password", first
assert second["state"] == "1password-queued", second
assert "cookie" not in json.dumps(s).lower()
PY
out=$("$ctl" polkit status)
[[ $out == *1password-queued* ]] || pn_fail "pantherctl polkit status does not show the queue: $out"
[ ! -e "$PK_OP/pid.2" ] || pn_fail "a second op started while the first one runs"
pn_stop "$waiting"
pn_wait_for test -e "$PK_OP/pid.2" || pn_fail "the queued request's op did not start after the first request ended"
pn_stop "$queued"

# 20 requests at once from 20 processes in the session, 1Password answering.
run_twenty() {
	local pids=() i start
	start=$(pn__now_ms)
	for ((i = 1; i <= 20; i++)); do
		pn_spawn_in_session "req$i" sh -c 'exec pkcheck -a '"$action"' -p $$ -u'
		pids+=("$PN_PID")
	done
	local bad=0 pid rc
	for pid in "${pids[@]}"; do
		wait "$pid"
		rc=$?
		[ "$rc" -eq 0 ] || bad=$((bad + 1))
	done
	twenty_ms=$(($(pn__now_ms) - start))
	return "$bad"
}
pk_mode op right
pk_mode prompt confirm
run_twenty || pn_fail "$? of 20 concurrent requests answered by 1Password were not authorized"
[ "$(pk_calls op)" -eq 20 ] || pn_fail "op ran $(pk_calls op) times for 20 requests"
pn_note "20 concurrent requests (1Password): all authorized within ${twenty_ms} ms"

# 20 at once through the prompt: shown one at a time.
pk_mode op dismiss
pk_mode prompt right
run_twenty || pn_fail "$? of 20 concurrent requests answered at the prompt were not authorized"
[ "$(pk_calls prompt)" -eq 20 ] || pn_fail "the prompt ran $(pk_calls prompt) times for 20 requests"
[ ! -e "$PK_PROMPT/overlap" ] || pn_fail "two prompts were open at once (calls $(tr '\n' ' ' <"$PK_PROMPT/overlap"))"
pn_note "20 concurrent requests (prompt): all authorized within ${twenty_ms} ms"

# polkitd restarts: the agent registers again.
pn_restart_polkitd
pn_wait_for test "$(grep -c "registered as the authentication agent" "$PK_AGENT_LOG")" -ge 2 ||
	pn_fail "the agent did not register again after polkitd restarted"
pk_mode op right
pn_in_session sh -c 'exec pkcheck -a '"$action"' -p $$ -u' >/dev/null 2>&1 ||
	pn_fail "no authorization through the agent after polkitd restarted"

# Another agent holds the session: one line naming it, then it takes over.
start_agent
second=$PN_PID
second_log=$PN_LOG
pn_wait_for grep -q "another authentication agent holds unix-session:$PN_SESSION_ID" "$second_log" ||
	pn_fail "the second agent did not say the session is taken (see $second_log)"
line=$(grep "another authentication agent holds" "$second_log")
[[ $line == *"panther-polkit-agent (pid $PK_AGENT_PID)"* && $line == *DMS_DISABLE_POLKIT=1* &&
	$line == *niri-flake-polkit.service* ]] || pn_fail "the holder line does not name the likely holders: $line"
[ "$(grep -c "another authentication agent holds" "$second_log")" -eq 1 ] ||
	pn_fail "the holder line was repeated"
pk_no_secret_in "$PK_AGENT_LOG"
pk_stop_agent
pn_wait_for -t 15 grep -q "registered as the authentication agent" "$second_log" ||
	pn_fail "the second agent did not take over when the session was free"
PK_AGENT_PID=$second
PK_AGENT_LOG=$second_log
pk_app_authorize
pn_in_session sh -c 'exec pkcheck -a '"$action"' -p $$ -u' >/dev/null 2>&1 ||
	pn_fail "no authorization through the agent that took over"
# ...and its status name too.
took_status() {
	"$ctl" polkit status | grep -q "agent: registered for unix-session:$PN_SESSION_ID" &&
		[ "$(pn_bus_name_pid org.pantheros.PolkitAgent1)" = "$second" ]
}
pn_wait_for took_status || pn_fail "the agent that took over does not answer pantherctl polkit status"

pk_no_secret_in "$PK_AGENT_LOG"
pk_stop_agent
pn_pass
