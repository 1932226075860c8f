#!/bin/bash
# power.app_rules with the Niri stand-in: focusing a matching window holds its
# profile; focusing away or closing it restores what was there; a choice made
# by hand meanwhile wins.
. "$PANTHER_SOURCE_DIR/tests/integration/power-lib.sh"

NIRI_STANDIN=$PANTHER_SOURCE_DIR/tests/harness/niri-standin.py
pn_need_cmd "$PN_PYTHON"
power_mocks
pn_spawn niri "$PN_PYTHON" "$NIRI_STANDIN" "$PN_TMP/niri.sock"
pn_wait_for grep -qx ready "$PN_LOG" || pn_fail "the Niri stand-in did not start (see $PN_LOG)"
export NIRI_SOCKET=$PN_TMP/niri.sock
niri_ctl() {
	local reply
	reply=$("$PN_PYTHON" "$NIRI_STANDIN" ctl "$NIRI_SOCKET.ctl" "$1")
	[ "$reply" = ok ] || pn_fail "niri stand-in: $1: $reply"
}

power_config '{"power": {"host": "zephyrus", "app_rules": [
	{"app_id": "^steam_app_", "profile": "performance"},
	{"app_id": "^org\\.gnome\\.Boxes$", "profile": "power-saver"}]}}'
niri_ctl '{"cmd": "open_window", "id": 1, "app_id": "foot", "title": "shell"}'
unplug
power_start
expect_ppd balanced "on battery with a terminal focused"

pn_note "focus a matching window: its profile is held"
niri_ctl '{"cmd": "open_window", "id": 2, "app_id": "steam_app_1086940", "title": "Game"}'
expect_ppd performance "a steam_app_ window focused"
niri_ctl '{"cmd": "focus", "id": 1}'
expect_ppd balanced "focus back on the terminal"
niri_ctl '{"cmd": "focus", "id": 2}'
expect_ppd performance "the game focused again"
niri_ctl '{"cmd": "close", "id": 2, "focus": 1}'
expect_ppd balanced "the game closed"

pn_note "the first matching rule wins; non-matching app_ids are left alone"
niri_ctl '{"cmd": "open_window", "id": 3, "app_id": "org.gnome.Boxes"}'
expect_ppd power-saver "Boxes focused"
niri_ctl '{"cmd": "open_window", "id": 4, "app_id": "org.gnome.BoxesX"}'
expect_ppd balanced "an app_id the anchored rule does not match"
niri_ctl '{"cmd": "focus", "id": null}'
stays_ppd balanced "no focused window"

pn_note "a manual choice during a hold wins when the hold ends"
niri_ctl '{"cmd": "open_window", "id": 5, "app_id": "steam_app_42"}'
expect_ppd performance "another game focused"
ctl_ok power set power-saver
expect_ppd power-saver "set by hand during the hold"
niri_ctl '{"cmd": "focus", "id": 1}'
stays_ppd power-saver "focus left the game after a manual choice"
expect_prop Mode 's "manual"'

pn_note "Niri restarting: the hold ends with the stream"
niri_ctl '{"cmd": "focus", "id": 5}'
expect_ppd performance "the game focused again after the manual choice"
lines_before=$(wc -l <"$PPD_CALLS")
niri_ctl '{"cmd": "drop_streams"}'
pn_wait_for powerd_log_has "event stream ended" || pn_fail "the dropped stream was not logged"
# The hold ends (back to the manual choice), and comes back once reconnected.
pn_wait_for -t 10 eval 'tail -n +$((lines_before + 1)) "$PPD_CALLS" | grep -q "ActiveProfile power-saver"' ||
	pn_fail "the hold did not end with the event stream"
pn_wait_for -t 10 ppd_is performance ||
	pn_fail "after reconnecting, the focused game should hold performance again ($(ppd_active))"

power_pass
