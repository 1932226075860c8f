#!/bin/bash
# panther-polkit-prompt on its own under headless sway, driven through its
# protocol by tests/harness/prompt-driver.py in the agent's place: it shows
# the request in the DMS theme's colors (dark and light), the password typed
# with wtype arrives as the answer, PAM's texts and an error are shown, Tab
# changes the identity, Escape cancels, and polkit's text is not markup. The
# card's process is undumpable, and its program links no drawing library
# (those are in the module it loads once it is).
# A card 1Password fills (protocol "fill") shows its dots and label; Enter
# while it is pending sends nothing, Enter at once after the fill is ignored
# (the Authenticate button is greyed while the card arms), Enter once it is
# armed sends "confirm" and never the secret (the agent keeps it), typing
# replaces it; 1Password's own request says what it is for.
. "$PANTHER_SOURCE_DIR/tests/harness/lib.sh"
. "$PANTHER_SOURCE_DIR/tests/harness/prompt.sh"

pn_prompt_setup
pn_need_cmd readelf
pn_sway

pn_note "dark theme: the card is surface_container, the answer arrives"
pn_prompt_theme dark
pn_prompt_start
pn_prompt_ask 1 "$PN_TEST_USER" root -- "onepassword authorization prompt dismissed"
pn_prompt_wait "< shown"
pn_prompt_wait "< keyboard 1"

pn_note "the card is undumpable, and its program loads no drawing library before it is"
card=$(pgrep -P "$PN_PROMPT_PID" -x panther-polkit-)
[ -n "$card" ] || pn_fail "no card process below the driver ($PN_PROMPT_PID)"
pn_as_user cat "/proc/$card/environ" >/dev/null 2>&1 &&
	pn_fail "the card's /proc/PID/environ is readable by its user: it is dumpable"
needed=$(readelf -d "$PN_PROMPT_PROGRAM" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
case $needed in
*cairo* | *pango* | *fontconfig* | *wayland* | *xkbcommon* | *glib* | *json-c*)
	pn_fail "$PN_PROMPT_PROGRAM links $needed: those load before it can make itself undumpable" ;;
esac
grep -q "panther-polkit-card.so" "/proc/$card/maps" || pn_fail "the card module is not loaded in the card"
pn_note "the program needs only: $needed"
pn_type 'hunter2 é'
shot=$PN_TMP/dark.png
pn_prompt_screenshot "$shot"
pn_prompt_check_card "$shot" "$PN_DARK_CARD" "$PN_LIGHT_CARD"
pn_key Return
pn_prompt_wait "< answer 10"
pn_prompt_wait "< answer-hex $(pn_hex 'hunter2 é')"

pn_note "a retry shows the error, PAM's texts arrive while it is shown"
pn_prompt_ask 1 "$PN_TEST_USER" root -- "error Authentication failed; try again"
pn_prompt_wait -n 2 "< shown"
pn_prompt_send "pam-info Place your finger on the reader"
sleep 0.3
pn_prompt_screenshot "$PN_TMP/error.png"
errors=$(pn_png count "$PN_TMP/error.png" "$PN_DARK_ERROR")
[ "$errors" -gt 20 ] || pn_fail "no error text in the theme's error color ($errors pixels)"

pn_note "Caps Lock is shown while it is on"
tertiary='#d6bee4'
# wtype locks Caps Lock while it runs (its virtual keyboard's modifiers).
pn_spawn_as_user capslock wtype -M capslock -s 2000 -m capslock
capslock=$PN_PID
sleep 0.5
pn_prompt_screenshot "$PN_TMP/caps.png"
caps=$(pn_png count "$PN_TMP/caps.png" "$tertiary")
pn_wait_exit "$capslock"
sleep 0.3
pn_prompt_screenshot "$PN_TMP/nocaps.png"
nocaps=$(pn_png count "$PN_TMP/nocaps.png" "$tertiary")
[ "$caps" -gt 20 ] && [ "$nocaps" -eq 0 ] ||
	pn_fail "the Caps Lock warning did not follow the key ($caps pixels on, $nocaps off)"

pn_note "Tab picks the other identity; Shift+Tab goes back"
pn_key Tab
pn_prompt_wait "< user 1"
pn_prompt_ask 1 "$PN_TEST_USER" root -- "selected 1"
pn_prompt_wait -n 3 "< shown"
pn_as_user wtype -M shift -k Tab -m shift
pn_prompt_wait "< user 0"

pn_note "Escape cancels and the prompt exits"
pn_prompt_ask 1 "$PN_TEST_USER" root
pn_prompt_wait -n 4 "< shown"
pn_type 'typed'
pn_key Escape
pn_prompt_wait "< cancel"
pn_prompt_wait "exit 0"

pn_note "light theme per isLightMode, markup shown as text"
pn_prompt_theme light
pn_prompt_start
pn_prompt_ask 2 "$PN_TEST_USER" -- "message <span background=\"#ff0000\">Markup &amp; stays text</span>"
pn_prompt_wait "< shown"
pn_prompt_wait "< keyboard 1"
shot=$PN_TMP/light.png
pn_prompt_screenshot "$shot"
pn_prompt_check_card "$shot" "$PN_LIGHT_CARD" "$PN_DARK_CARD"
red=$(pn_png count "$shot" '#ff0000')
[ "$red" -eq 0 ] || pn_fail "polkit's message was parsed as markup ($red red pixels)"

pn_note "an echo-on question shows what is typed and answers it"
pn_prompt_ask 3 "$PN_TEST_USER" -- "question Username:" "echo 1"
pn_prompt_wait -n 2 "< shown"
pn_type 'alice'
pn_key Return
pn_prompt_wait "< answer-hex $(pn_hex alice)"

pn_note "more than 510 bytes: the rest is refused, what fits is kept"
pn_prompt_ask 3 "$PN_TEST_USER"
pn_prompt_wait -n 3 "< shown"
long=$(printf 'x%.0s' $(seq 1 520))
pn_type "$long"
pn_key Return
pn_prompt_wait "< answer 510"

pn_note "a withdrawn question takes no input; the next one does"
pn_prompt_ask 3 "$PN_TEST_USER"
pn_prompt_wait -n 4 "< shown"
pn_prompt_send withdraw
sleep 0.3
pn_type 'zzz'
pn_key Return
sleep 0.3
grep -qFx "< answer-hex $(pn_hex zzz)" "$PN_PROMPT_LOG" && pn_fail "a withdrawn question was answered"
pn_prompt_ask 3 "$PN_TEST_USER"
pn_prompt_wait -n 5 "< shown"
pn_type 'ok'
pn_key Return
pn_prompt_wait "< answer-hex $(pn_hex ok)"
pn_prompt_send close
pn_prompt_wait "exit 0"

pn_note "1Password fills the card: Enter confirms, typing replaces"
pn_prompt_theme dark
pn_prompt_start
pn_prompt_ask 7 "$PN_TEST_USER" -- "fill pending"
pn_prompt_wait "< shown"
pn_prompt_wait "< keyboard 1"
pn_prompt_screenshot "$PN_TMP/pending.png"
pn_note "Enter while 1Password is filling the card sends nothing"
pn_key Return
pn_prompt_wait_log "while 1Password is filling the card: ignored"
pn_prompt_send "fill filled"
pn_key Return
pn_screenshot "$PN_TMP/arming.png"
armed_before_shot=$(grep -c "^< armed" "$PN_PROMPT_LOG")
pn_prompt_wait_log "Enter [0-9]+ ms after the card changed: ignored"
pn_note "$(grep -oE "Enter [0-9]+ ms after the card changed" "$PN_PROMPT_LOG" | tail -n 1): not confirmed"
pn_prompt_wait "< armed"
grep -qE "^< (answer|confirm)" "$PN_PROMPT_LOG" && pn_fail "an Enter before the card was armed answered it"
pn_prompt_screenshot "$PN_TMP/filled.png"
pn_prompt_check_card "$PN_TMP/filled.png" "$PN_DARK_CARD" "$PN_LIGHT_CARD"
pending_accent=$(pn_png count "$PN_TMP/pending.png" "$PN_DARK_PRIMARY")
filled_accent=$(pn_png count "$PN_TMP/filled.png" "$PN_DARK_PRIMARY")
[ "$filled_accent" -gt $((pending_accent + 300)) ] ||
	pn_fail "no dots and label after \"fill filled\" ($filled_accent accent pixels, $pending_accent before)"
if [ "$armed_before_shot" -eq 0 ]; then
	arming_accent=$(pn_png count "$PN_TMP/arming.png" "$PN_DARK_PRIMARY")
	[ "$filled_accent" -gt $((arming_accent + 1500)) ] ||
		pn_fail "the Authenticate button is not greyed while the card arms ($arming_accent accent pixels arming, $filled_accent armed)"
else
	pn_note "the card was armed before its screenshot was taken: the greyed button is not checked this time"
fi
pn_key Return
pn_prompt_wait "< confirm"
grep -q "^< answer" "$PN_PROMPT_LOG" && pn_fail "Enter on a filled card sent an answer instead of confirm"
pn_prompt_ask 7 "$PN_TEST_USER" -- "fill filled"
pn_prompt_wait -n 2 "< shown"
pn_type 'typed'
pn_key Return
pn_prompt_wait "< answer-hex $(pn_hex typed)"
[ "$(grep -c "^< confirm" "$PN_PROMPT_LOG")" -eq 1 ] || pn_fail "typing did not replace 1Password's answer"

pn_note "1Password's own request says what it is for"
pn_prompt_ask 8 "$PN_TEST_USER" -- "purpose 1Password asks to let panther read your password (for about 10 minutes)" \
	"then Then 1Password fills the card for: Authentication is needed to run \`/usr/bin/true' as the super user"
pn_prompt_wait -n 3 "< shown"
pn_prompt_screenshot "$PN_TMP/authorize-cli.png"
pn_prompt_check_card "$PN_TMP/authorize-cli.png" "$PN_DARK_CARD" "$PN_LIGHT_CARD"
pn_prompt_send close
pn_prompt_wait "exit 0"

if [ -n "${PANTHER_SCREENSHOT_DIR:-}" ]; then
	cp "$PN_TMP/filled.png" "$PANTHER_SCREENSHOT_DIR/prompt.png"
	cp "$PN_TMP/arming.png" "$PANTHER_SCREENSHOT_DIR/prompt-arming.png"
	cp "$PN_TMP/authorize-cli.png" "$PANTHER_SCREENSHOT_DIR/prompt-1password.png"
	cp "$PN_TMP/light.png" "$PANTHER_SCREENSHOT_DIR/prompt-light.png"
fi
pn_pass
