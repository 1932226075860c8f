#!/bin/bash
# 100 prompts in a row through the agent's Wayland prompt, each answered with
# the right password typed by wtype: every one authorizes, no prompt process
# is left, the agent never maps the drawing libraries, its RSS afterwards is
# within 1 MiB of its idle RSS, and under the sanitizers nothing leaks in the
# agent or in any of the prompt processes.
set -u
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"
. "$PANTHER_SOURCE_DIR/tests/harness/prompt.sh"

rounds=${PANTHER_PROMPT_ROUNDS:-100}
action=org.freedesktop.policykit.exec
warmup=0
if pn_built_with_asan "$PK_AGENT_BIN"; then
	# ASan's quarantine holds freed memory on purpose (up to 256 MiB, to catch
	# use after free), and its allocator sets up each size class at first use:
	# without the quarantine, and after a few requests, RSS says what the
	# agent keeps.
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0
	warmup=10
fi
pk_card_setup
pk_subject
pk_mode op dismiss
pk_wayland_agent
n=0

one_prompt() {
	n=$((n + 1))
	pk_check_start "$action"
	pk_prompt_shown "$n"
	pn_type "$PN_TEST_PASSWORD"
	pn_key Return
	pk_check_end 20
	pk_expect_status 0 "prompt $n"
}

drawing_libraries() {
	grep -q -E 'libpango|libcairo|libfontconfig|libxkbcommon' "/proc/$PK_AGENT_PID/maps"
}

for ((i = 0; i < warmup; i++)); do
	one_prompt
done
sleep 1
idle=$(pn_rss_kib "$PK_AGENT_PID")
pn_note "agent idle after $warmup prompts: $idle KiB"
drawing_libraries && pn_fail "the agent has the drawing libraries mapped"

for ((i = 1; i <= rounds; i++)); do
	one_prompt
	[ "$i" -eq 1 ] && pn_note "agent after the first prompt: $(pn_rss_kib "$PK_AGENT_PID") KiB"
done
pn_wait_for -t 5 pk_no_prompt || pn_fail "a prompt process is left after $n prompts"
sleep 1
after=$(pn_rss_kib "$PK_AGENT_PID")
pn_note "agent after $rounds more prompts: $after KiB (idle $idle KiB)"
drawing_libraries && pn_fail "the agent has the drawing libraries mapped after $n prompts"
[ $((after - idle)) -le 1024 ] ||
	pn_fail "the agent's RSS grew by $((after - idle)) KiB over $rounds prompts (more than 1 MiB)"
[ "$(grep -c "authorized for $PN_TEST_USER" "$PK_AGENT_LOG")" -eq "$n" ] ||
	pn_fail "not every request was authorized once"
pk_no_secret_in "$PK_AGENT_LOG"
pk_stop_agent
pn_pass
