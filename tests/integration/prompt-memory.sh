#!/bin/bash
# 100 prompts in a row through the agent's Wayland prompt, each answered with
# the right password typed by wtype: every one authorizes, no prompt process
# is left, the agent's RSS afterwards is within 1 MiB of its idle RSS (the
# drawing libraries never enter the agent), and under the sanitizers nothing
# leaks in the agent or in any of the 100 prompt processes.
set -u
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"
. "$PANTHER_SOURCE_DIR/tests/harness/prompt.sh"

rounds=${PANTHER_PROMPT_ROUNDS:-100}
action=org.freedesktop.policykit.exec
pn_prompt_setup
pk_setup 5
pn_sway
pn_prompt_theme dark
pk_subject
pk_mode op dismiss
pk_wayland_agent
sleep 1
idle=$(pn_rss_kib "$PK_AGENT_PID")
pn_note "agent idle: $idle KiB"
grep -q -E 'libpango|libcairo|libfontconfig' "/proc/$PK_AGENT_PID/maps" &&
	pn_fail "the agent has the drawing libraries mapped"

for ((i = 1; i <= rounds; i++)); do
	pk_check_start "$action"
	pk_prompt_shown "$i"
	pn_type "$PN_TEST_PASSWORD"
	pn_key Return
	pk_check_end 20
	pk_expect_status 0 "prompt $i of $rounds"
	[ "$i" -eq 1 ] && pn_note "agent after the first prompt: $(pn_rss_kib "$PK_AGENT_PID") KiB"
done
pn_wait_for -t 5 pk_no_prompt || pn_fail "a prompt process is left after $rounds prompts"
sleep 1
after=$(pn_rss_kib "$PK_AGENT_PID")
pn_note "agent after $rounds prompts: $after KiB (idle $idle KiB)"
grep -q -E 'libpango|libcairo|libfontconfig' "/proc/$PK_AGENT_PID/maps" &&
	pn_fail "the agent has the drawing libraries mapped after $rounds prompts"
[ $((after - idle)) -le 1024 ] ||
	pn_fail "the agent's RSS grew by $((after - idle)) KiB over $rounds prompts (more than 1 MiB)"
[ "$(grep -c "authorized for $PN_TEST_USER" "$PK_AGENT_LOG")" -eq "$rounds" ] ||
	pn_fail "not every request was authorized once"
pk_no_secret_in "$PK_AGENT_LOG"
pk_stop_agent
pn_pass
