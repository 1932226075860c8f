#!/bin/bash
# panther-polkit-agent under load, registered for a (fake) logind session as
# in real use: 200 authentication requests in a row, then 30 at once
# answered by 1Password (op never runs twice at a time; each filled card is
# confirmed), then 20 at once answered at the prompt (one prompt at a time). All are authorized, each is logged once; afterwards the
# agent's RSS is within 512 KiB of what it was before, it has the same
# number of fds and no children.
set -u
. "$PANTHER_SOURCE_DIR/tests/faults/lib.sh"
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"

action=org.freedesktop.policykit.exec
pk_setup 10
pn_fake_logind_session
pn_spawn_in_session agent env -u PN_TEST_PASSWORD PANTHER_TEST_OP_DIR="$PK_OP" \
	PANTHER_TEST_PROMPT_DIR="$PK_PROMPT" "$PK_AGENT_BIN" --config "$PK_CONFIG"
PK_AGENT_PID=$PN_PID
PK_AGENT_LOG=$PN_LOG
pn_wait_for grep -q "registered as the authentication agent for unix-session:$PN_SESSION_ID" "$PK_AGENT_LOG" ||
	pn_fail "the agent did not register for the session (see $PK_AGENT_LOG)"
pk_app_authorize

# request: one pkcheck from a new process in the session; its status.
request() {
	pn_in_session sh -c 'exec pkcheck -a '"$action"' -p $$ -u' >/dev/null 2>&1
}
authorized() {
	grep -c "authorized for $PN_TEST_USER" "$PK_AGENT_LOG"
}
# at_once N: N requests from N processes at the same time; fails unless all
# are authorized.
at_once() {
	local pids=() i pid bad=0
	for ((i = 1; i <= $1; i++)); do
		pn_spawn_in_session "req-$2-$i" sh -c 'exec pkcheck -a '"$action"' -p $$ -u'
		pids+=("$PN_PID")
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || bad=$((bad + 1))
	done
	[ "$bad" -eq 0 ] || pn_fail "$bad of $1 requests at once ($2) were not authorized"
}

pk_mode op right
pk_mode prompt confirm
# Warm-up: what the agent allocates once is allocated.
for ((i = 0; i < 10; i++)); do
	request || pn_fail "warm-up request $i was not authorized"
done
at_once 5 warm-up
pk_mode op dismiss
pk_mode prompt right
request || pn_fail "warm-up request at the prompt was not authorized"
pk_mode op right
pk_mode prompt confirm
sleep 0.3
rss_before=$(pn_rss_kib "$PK_AGENT_PID")
fds_before=$(pn_fd_count "$PK_AGENT_PID")
done_before=$(authorized)

start=$(pn__now_ms)
for ((i = 1; i <= 200; i++)); do
	request || pn_fail "request $i of 200 in a row was not authorized"
done
pn_note "200 requests in a row: $(($(pn__now_ms) - start)) ms"
[ "$(pk_calls op)" -eq 200 ] || pn_fail "op ran $(pk_calls op) times for 200 requests"

pk_mode op slow
start=$(pn__now_ms)
at_once 30 1password
pn_note "30 at once through 1Password: $(($(pn__now_ms) - start)) ms"
[ "$(pk_calls op)" -eq 30 ] || pn_fail "op ran $(pk_calls op) times for 30 requests"
[ ! -e "$PK_OP/overlap" ] || pn_fail "op ran more than once at a time: $(cat "$PK_OP/overlap")"

pk_mode op dismiss
pk_mode prompt right
start=$(pn__now_ms)
at_once 20 prompt
pn_note "20 at once through the prompt: $(($(pn__now_ms) - start)) ms"
[ "$(pk_calls prompt)" -eq 20 ] || pn_fail "the prompt ran $(pk_calls prompt) times for 20 requests"
[ ! -e "$PK_PROMPT/overlap" ] || pn_fail "two prompts were open at once"

[ $(($(authorized) - done_before)) -eq 250 ] ||
	pn_fail "the agent logged $(($(authorized) - done_before)) authorizations for 250 requests"
sleep 0.5
rss_after=$(pn_rss_kib "$PK_AGENT_PID")
fds_after=$(pn_fd_count "$PK_AGENT_PID")
pn_note "agent RSS ${rss_before} -> ${rss_after} KiB, fds ${fds_before} -> ${fds_after}"
ft_rss_within "the agent (250 requests)" "$rss_before" "$rss_after" 512
[ "$fds_after" -eq "$fds_before" ] || pn_fail "the agent has $fds_after fds, $fds_before before: $(ls -l "/proc/$PK_AGENT_PID/fd")"
[ -z "$(pgrep -P "$PK_AGENT_PID")" ] || pn_fail "the agent still has children: $(pgrep -P "$PK_AGENT_PID")"
pk_no_secret_in "$PK_AGENT_LOG"
pk_stop_agent
pn_pass
