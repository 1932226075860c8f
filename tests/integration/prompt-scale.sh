#!/bin/bash
# HiDPI: on a sway output at integer scale 2 the prompt draws a buffer of the
# output's real pixels (the card is twice its logical width in the screenshot,
# text stays sharp); on KWin, which offers wp_fractional_scale_v1, a 1.5
# scale gives a buffer 1.5 times the logical size through wp_viewporter.
. "$PANTHER_SOURCE_DIR/tests/harness/lib.sh"
. "$PANTHER_SOURCE_DIR/tests/harness/prompt.sh"

pn_prompt_setup
pn_need_cmd kwin_wayland
pn_prompt_theme dark

pn_note "sway, integer scale 2"
pn_sway "output HEADLESS-1 scale 2"
pn_prompt_start
pn_prompt_ask 1 "$PN_TEST_USER"
pn_prompt_wait "< shown"
pn_prompt_wait "< keyboard 1"
grep -qF "drawing 1280x800 pixels for 640x400 at scale 2 (integer)" "$PN_PROMPT_LOG" ||
	pn_fail "not drawn at scale 2: $(grep drawing "$PN_PROMPT_LOG")"
pn_prompt_screenshot "$PN_TMP/scale2.png"
read -r x0 y0 x1 y1 < <(pn_png box "$PN_TMP/scale2.png" "$PN_DARK_CARD") ||
	pn_fail "no card in the screenshot"
width=$((x1 - x0 + 1))
# 480 logical pixels wide.
[ "$width" -eq 960 ] || pn_fail "the card is $width pixels wide at scale 2 (expected 960)"
distinct=$(pn_png distinct "$PN_TMP/scale2.png")
[ "$distinct" -gt 100 ] || pn_fail "too few colors for antialiased text at scale 2 ($distinct)"
pn_prompt_send close
pn_prompt_wait "exit 0"
pn_stop "$PN_SWAY_PID"

pn_note "KWin, fractional scale 1.5"
# Its binary carries file capabilities the machine refuses: a plain copy runs.
cp "$(command -v kwin_wayland)" "$PN_TMP/kwin_wayland"
pn_session_bus
pn_spawn_as_user kwin env QT_QPA_PLATFORM=offscreen "$PN_TMP/kwin_wayland" --virtual \
	--socket wayland-kwin --width 1280 --height 800 --scale 1.5 --no-lockscreen
pn_wait_for test -S "$PN_XDG_RUNTIME_DIR/wayland-kwin" || pn_fail "KWin did not start (see $PN_LOG)"
export WAYLAND_DISPLAY=wayland-kwin
pn_prompt_start
pn_prompt_ask 1 "$PN_TEST_USER"
pn_prompt_wait "< shown"
pn_wait_for grep -qF "drawing 1920x1200 pixels for 1280x800 at scale 1.5 (wp_fractional_scale_v1)" \
	"$PN_PROMPT_LOG" || pn_fail "not drawn at scale 1.5: $(grep drawing "$PN_PROMPT_LOG")"
pn_prompt_send close
pn_prompt_wait "exit 0"
pn_pass
