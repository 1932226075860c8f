#!/bin/bash
# Keyboard focus: another exclusive layer surface (fuzzel, on the overlay
# layer) is open first and keeps the keyboard. The prompt must say so (the
# warning in the theme's error color, no caret, "keyboard 0" to the agent),
# and what is typed goes to fuzzel, not into the password. Once fuzzel is
# gone the prompt gets the keyboard and typing reaches it.
. "$PANTHER_SOURCE_DIR/tests/harness/lib.sh"
. "$PANTHER_SOURCE_DIR/tests/harness/prompt.sh"

pn_prompt_setup
pn_need_cmd fuzzel
pn_sway
pn_prompt_theme dark

printf 'alpha\nbeta\n' >"$PN_TMP/menu.txt"
pn_spawn_as_user fuzzel sh -c 'fuzzel --dmenu --layer=overlay --no-exit-on-keyboard-focus-loss <"$1"; echo "fuzzel exit $?"' \
	sh "$PN_TMP/menu.txt"
fuzzel_log=$PN_LOG
pn_wait_for grep -q "theme:" "$fuzzel_log" || pn_fail "fuzzel did not start"
sleep 0.5

pn_prompt_start
pn_prompt_ask 1 "$PN_TEST_USER"
pn_prompt_wait "< shown"
pn_prompt_wait "< keyboard 0"
grep -qFx "< keyboard 1" "$PN_PROMPT_LOG" && pn_fail "the prompt got the keyboard while fuzzel held it"
pn_prompt_screenshot "$PN_TMP/focus.png"
warning=$(pn_png count "$PN_TMP/focus.png" "$PN_DARK_ERROR")
[ "$warning" -gt 100 ] || pn_fail "no focus warning in the error color ($warning pixels)"

pn_type 'typed-into-fuzzel'
pn_key Return
pn_wait_for grep -qx "typed-into-fuzzel" "$fuzzel_log" || pn_fail "the keys did not reach fuzzel"
grep -q "^< answer" "$PN_PROMPT_LOG" && pn_fail "keys meant for fuzzel reached the prompt"

pn_note "fuzzel is gone: the prompt has the keyboard, no warning, typing arrives"
pn_prompt_wait "< keyboard 1"
pn_prompt_screenshot "$PN_TMP/focused.png"
warning=$(pn_png count "$PN_TMP/focused.png" "$PN_DARK_ERROR")
[ "$warning" -eq 0 ] || pn_fail "the warning is still shown with the keyboard ($warning pixels)"
pn_type 'abc'
pn_key Return
pn_prompt_wait "< answer 3"
pn_prompt_wait "< answer-hex $(pn_hex abc)"
pn_prompt_send close
pn_prompt_wait "exit 0"
pn_pass
