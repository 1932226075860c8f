#!/bin/bash
# The Wayland card under headless sway, with the real polkitd and PAM: a
# requesting program whose arguments hold U+2028 (LINE SEPARATOR) and
# U+202E (RIGHT-TO-LEFT OVERRIDE) is drawn exactly as one whose arguments
# hold the text "<U+2028>" and "<U+202E>": the same pixels, so no fake line
# appears under "Requested by" and nothing is reversed.
set -u
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"
. "$PANTHER_SOURCE_DIR/tests/harness/prompt.sh"

action=org.freedesktop.policykit.exec
pk_card_setup

# card FILE ARG...: the card for a program run with ARGs, saved in FILE.
card() {
	local file=$1
	shift
	pn_spawn_as_user subject bash -c 'sleep 3600; :' tool "$@"
	PK_SUBJECT=$PN_PID
	pk_mode op dismiss
	pk_wayland_agent
	pk_check_start "$action"
	pk_prompt_shown 1
	# The card changes once more when op's refusal arrives: compare it after.
	pn_wait_for grep -q "1Password: authorization prompt dismissed" "$PK_AGENT_LOG" ||
		pn_fail "op's refusal did not reach the agent (see $PK_AGENT_LOG)"
	pn_prompt_screenshot "$file"
	pn_key Escape
	pk_check_end
	pk_expect_status 3 "Escape at the card"
	pk_stop_agent
	pn_stop "$PK_SUBJECT"
}

card "$PN_TMP/hidden.png" $'a\u2028Requested by /usr/bin/apt' $'\u202etxt.exe'
card "$PN_TMP/escaped.png" 'a<U+2028>Requested by /usr/bin/apt' '<U+202E>txt.exe'
pn_prompt_check_card "$PN_TMP/hidden.png" "$PN_DARK_CARD" "$PN_LIGHT_CARD"
# The same card, wherever it stands: the compositor may center a surface
# sized before op's refusal arrived a few pixels off.
pn_png same "$PN_TMP/hidden.png" "$PN_TMP/escaped.png" \
	"$PN_DARK_CARD" >"$PN_TMP/same.out" ||
	pn_fail "the card for U+2028 and U+202E differs from the card showing them as <U+2028> and <U+202E>: $(cat "$PN_TMP/same.out") (see $PN_TMP/hidden.png, $PN_TMP/escaped.png)"
pn_pass
