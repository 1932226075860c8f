#!/bin/bash
# `op` misbehaving under panther-polkit-agent (the command prompter stands
# in for the Wayland prompt): it crashes, prints garbage (random bytes, a
# line break inside), prints 10 MiB on stdout or on stderr, prints without
# end, or exits leaving a child that holds the pipe. Each time: one clear
# line in the agent's log, the prompt is shown with that reason, the right
# password there authorizes; op and its children are gone; the agent reads
# at most a bounded amount (its RSS does not grow) and keeps no extra fd.
set -u
. "$PANTHER_SOURCE_DIR/tests/faults/lib.sh"
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"

action=org.freedesktop.policykit.exec
PK_OP_STANDIN=$PANTHER_SOURCE_DIR/tests/faults/op-faulty.sh
pk_setup 2
pk_subject
pk_agent

# A first request, so that what the agent allocates once is allocated.
pk_mode op right
pk_mode prompt confirm
pk_check "$action"
pk_expect_status 0 "op answering"
rss_before=$(pn_rss_kib "$PK_AGENT_PID")
fds_before=$(pn_fd_count "$PK_AGENT_PID")

# case MODE REASON: op does MODE; the agent logs REASON and the prompt
# gets it as PANTHER_PROMPT_ERROR, then authorizes with the right password.
case_() {
	local mode=$1 reason=$2
	pk_mode op "$mode"
	pk_mode prompt right
	ft_mark "$PK_AGENT_LOG"
	pk_check "$action"
	pk_expect_status 0 "op $mode, right password at the prompt"
	[ "$(pk_calls prompt)" -eq 1 ] || pn_fail "op $mode: the prompt was shown $(pk_calls prompt) times"
	grep -qF -- "error=$reason" "$PK_PROMPT/calls" ||
		pn_fail "op $mode: the prompt was not told '$reason': $(cat "$PK_PROMPT/calls")"
	ft_logged "$PK_AGENT_LOG" "$reason" || pn_fail "op $mode: the agent did not log '$reason'"
	local pid
	pid=$(cat "$PK_OP/pid.1" 2>/dev/null)
	[ -z "$pid" ] || pn_wait_for -t 5 pk_no_process "$pid" || pn_fail "op $mode: op (pid $pid) is still there"
	[ -z "$(pgrep -P "$PK_AGENT_PID")" ] || pn_fail "op $mode: the agent still has children: $(pgrep -P "$PK_AGENT_PID")"
	pn_note "op $mode: \"$reason\" shown at the prompt (${PK_ELAPSED_MS} ms)"
}

case_ crash "1Password: op was killed by signal 11"
case_ binary "1Password: the answer contains a line break or NUL byte; not used"
case_ garbage "1Password: the answer contains a line break or NUL byte; not used"
case_ huge "1Password: the answer is longer than 510 bytes; not used"
case_ stderr "1Password: op failed (exit status 1)"
case_ endless "1Password: no answer within 2 s"
case_ orphan "1Password: op gave an empty answer"
kill "$(cat "$PK_OP/orphan")" 2>/dev/null

rss_after=$(pn_rss_kib "$PK_AGENT_PID")
fds_after=$(pn_fd_count "$PK_AGENT_PID")
pn_note "agent RSS ${rss_before} -> ${rss_after} KiB, fds ${fds_before} -> ${fds_after}"
ft_rss_within "the agent (reading what op printed)" "$rss_before" "$rss_after" 512
[ "$fds_after" -le "$fds_before" ] || pn_fail "the agent has $fds_after fds, $fds_before before"
pk_no_secret_in "$PK_AGENT_LOG"
pk_stop_agent
pn_pass
