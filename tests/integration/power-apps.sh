#!/bin/bash
# power.app_rules with the Niri stand-in: focusing a matching window holds its
# profile (a ppd hold); focusing away or closing it restores what was there; a
# choice made by hand meanwhile wins; a focus on no window (a layer surface)
# and a dropped event stream keep the rule.
. "$PANTHER_SOURCE_DIR/tests/integration/power-lib.sh"

power_mocks
power_niri

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

# ppd_switches: how many switches (Set, HoldProfile, ReleaseProfile) ppd was asked for.
ppd_switches() {
	grep -cE ' (Set .*ActiveProfile|HoldProfile|ReleaseProfile) ' "$PPD_CALLS" || true
}

pn_note "a game rule is a ppd hold; a launcher (focus on no window) keeps it"
ctl_ok power auto
niri_ctl '{"cmd": "focus", "id": 5}'
expect_ppd performance "the game focused again after auto"
grep -q "HoldProfile performance steam_app_42 is focused panther-powerd" "$PPD_CALLS" ||
	pn_fail "the app rule did not hold performance through ppd: $(tail -n 3 "$PPD_CALLS")"
switches=$(ppd_switches)
# niri 25.11 sends {"WindowFocusChanged":{"id":null}} when a layer surface
# (launcher, DMS spotlight, lock screen) takes the keyboard.
niri_ctl '{"cmd": "focus", "id": null}'
stays_ppd performance "a launcher took the keyboard during the game"

pn_note "niri drops the event stream: the rule holds while reconnecting"
niri_ctl '{"cmd": "drop_streams"}'
pn_wait_for powerd_log_has "event stream ended" || pn_fail "the dropped stream was not logged"
niri_ctl '{"cmd": "wait_streams", "n": 1}'
pn_wait_for -t 10 eval '[ "$(powerd_log_count "niri: connected")" -ge 2 ]' ||
	pn_fail "panther-powerd did not reconnect to niri"
niri_ctl '{"cmd": "focus", "id": 5}'
stays_ppd performance "after reconnecting"

pn_note "niri drops panther-powerd as a slow reader (cut mid-line): the rule holds"
kill -STOP "$POWERD_PID"
niri_ctl '{"cmd": "burst", "n": 2000}'
kill -CONT "$POWERD_PID"
dump=$("$PN_PYTHON" "$NIRI_STANDIN" ctl "$NIRI_SOCKET.ctl" '{"cmd": "dump"}')
[[ $dump == *'"dropped_slow": 1'* ]] || pn_fail "the stand-in did not drop the stopped reader: $dump"
pn_wait_for -t 10 eval '[ "$(powerd_log_count "niri: connected")" -ge 3 ]' ||
	pn_fail "panther-powerd did not reconnect after being dropped"
stays_ppd performance "after being dropped as a slow reader"
[ "$(ppd_switches)" -eq "$switches" ] ||
	pn_fail "ppd was switched during the launcher and the reconnections: $(tail -n $(($(ppd_switches) - switches)) "$PPD_CALLS")"

pn_note "another window after the launcher ends the rule; so does closing the game"
niri_ctl '{"cmd": "focus", "id": null}'
niri_ctl '{"cmd": "focus", "id": 1}'
expect_ppd balanced "the terminal took focus after the launcher"
niri_ctl '{"cmd": "focus", "id": 5}'
expect_ppd performance "the game focused once more"
niri_ctl '{"cmd": "focus", "id": null}'
niri_ctl '{"cmd": "close", "id": 5}'
expect_ppd balanced "the game closed while the launcher had the keyboard"
! grep -q "ActiveProfile performance" "$PPD_CALLS" || pn_fail "an app rule set ActiveProfile instead of holding"

pn_note "plugged in during a game: when it closes, on_ac applies"
# ppd ignores setting the profile it already holds: what it returns to after
# the hold is still the battery profile, and panther sets on_ac then.
niri_ctl '{"cmd": "open_window", "id": 6, "app_id": "steam_app_7"}'
expect_ppd performance "a game on battery"
plug
expect_prop OnBattery 'b false'
stays_ppd performance "plugged in during the game"
niri_ctl '{"cmd": "close", "id": 6, "focus": 1}'
expect_ppd performance "on AC after the game closed"
stays_ppd performance "on AC after the game closed"

power_pass
