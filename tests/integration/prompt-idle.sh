#!/bin/bash
# The idle card under headless sway with the real polkitd: the agent starts
# a card before any request, which maps nothing while idle (the screen has
# no card pixels); a request is served by that card, and the next request by
# another process; a theme changed while the card was idle is the one it
# shows; an idle card that dies is not restarted in a loop: the next request
# starts its own card and works, and only after it ends does a new idle card
# start.
set -u
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"
. "$PANTHER_SOURCE_DIR/tests/harness/prompt.sh"

action=org.freedesktop.policykit.exec
pk_card_setup
pk_subject
pk_wayland_agent
pk_mode op dismiss

gone() {
	! pn_alive "$1"
}
started() {
	grep -c "idle card started (pid" "$PK_AGENT_LOG"
}
# escape_request N: request number N on screen, then Escape cancels it.
escape_request() {
	pk_check_start "$action"
	pk_prompt_shown "$1"
	pn_key Escape
	pk_check_end
	pk_expect_status 3 "Escape at card $1"
	pn_wait_for -t 5 pk_no_prompt || pn_fail "card $1 stayed open after Escape"
}

pn_note "idle before any request, nothing mapped"
pk_idle_card
first=$PK_IDLE_PID
pn_prompt_screenshot "$PN_TMP/idle.png"
read -r n other <<<"$(pn_png count "$PN_TMP/idle.png" "$PN_DARK_CARD" "$PN_LIGHT_CARD")"
[ "$n" -eq 0 ] && [ "$other" -eq 0 ] ||
	pn_fail "the idle card is on screen ($n + $other card pixels in $PN_TMP/idle.png)"

pn_note "a theme change reaches the idle card"
pn_prompt_theme light
pk_check_start "$action"
pk_prompt_shown 1
grep -q "request 1: handed to the idle card (pid $first)" "$PK_AGENT_LOG" ||
	pn_fail "request 1 was not served by the idle card $first (see $PK_AGENT_LOG)"
pn_prompt_screenshot "$PN_TMP/light.png"
pn_prompt_check_card "$PN_TMP/light.png" "$PN_LIGHT_CARD" "$PN_DARK_CARD"
pn_key Escape
pk_check_end
pk_expect_status 3 "Escape at card 1"
pn_wait_for -t 5 pk_no_prompt || pn_fail "card 1 stayed open after Escape"
pn_wait_for gone "$first" || pn_fail "the card of request 1 ($first) is still running"

pn_note "the next request gets another idle card"
pk_idle_card
second=$PK_IDLE_PID
[ "$second" != "$first" ] || pn_fail "the same card ($first) was idle again"
pn_prompt_theme dark
escape_request 2
grep -q "request 2: handed to the idle card (pid $second)" "$PK_AGENT_LOG" ||
	pn_fail "request 2 was not served by the idle card $second (see $PK_AGENT_LOG)"

pn_note "an idle card that dies is replaced on the next request, without a loop"
pk_idle_card
third=$PK_IDLE_PID
before=$(started)
kill -KILL "$third"
pn_wait_for grep -q "the idle card (pid $third) exited" "$PK_AGENT_LOG" ||
	pn_fail "the agent did not notice its idle card $third die"
sleep 3
[ "$(started)" -eq "$before" ] ||
	pn_fail "the agent started $(($(started) - before)) idle cards with no request"
escape_request 3
grep -qE "request 3: prompt started \(pid [0-9]+\)" "$PK_AGENT_LOG" ||
	pn_fail "request 3 did not start its own card (see $PK_AGENT_LOG)"
pk_idle_card
fourth=$PK_IDLE_PID
[ "$fourth" != "$third" ] || pn_fail "no new idle card after request 3"
pn_note "idle cards: $first, $second, $third (killed), $fourth"
pk_no_secret_in "$PK_AGENT_LOG"
pk_stop_agent
pn_pass
