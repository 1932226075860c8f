#!/bin/bash
# Profile holds (power-profiles-daemon's HoldProfile) against the ppd mock,
# which follows ppd 0.12's hold rules (tests/harness/ppd_template.py):
# another program's hold is left alone through unplug, app rules and low
# battery, shown in pantherctl power status, and never taken for a choice
# made by hand; what panther wanted meanwhile applies when it ends;
# panther's own holds come back after ppd restarts. PerformanceDegraded is
# shown.
. "$PANTHER_SOURCE_DIR/tests/integration/power-lib.sh"

HOLDER=$PANTHER_SOURCE_DIR/tests/harness/ppd-holder.py
power_mocks
power_niri
# ppd_holds: ppd's ActiveProfileHolds as busctl prints it.
ppd_holds() {
	busctl --system get-property "${PPD_LEGACY[@]}" ActiveProfileHolds 2>/dev/null
}

power_config '{"power": {"on_ac": "balanced", "on_battery": "power-saver",
	"low_battery": {"percent": 20, "profile": "power-saver"},
	"app_rules": [{"app_id": "^org\\.gnome\\.Boxes$", "profile": "power-saver"},
		{"app_id": "^steam_app_", "profile": "performance"}]}}'
niri_ctl '{"cmd": "open_window", "id": 1, "app_id": "foot", "title": "shell"}'
power_start
expect_ppd balanced "start on AC"

pn_note "another program holds performance: not a manual choice, shown in status"
pn_spawn holder "$PN_PYTHON" "$HOLDER" performance Rendering com.example.Render
HOLDER_PID=$PN_PID
pn_wait_for grep -q '^held ' "$PN_LOG" || pn_fail "the holder could not hold performance (see $PN_LOG)"
expect_ppd performance "another program's hold"
stays_ppd performance "another program's hold"
expect_prop Mode 's "auto"' "Mode after another program's hold"
! powerd_log_has "outside panther" || pn_fail "another program's hold was taken for a manual choice"
expect_prop Holds 'a(sss) 1 "performance" "com.example.Render" "Rendering"'
ctl_ok power status
[[ $out == *"holds: performance held by com.example.Render (Rendering)"* ]] ||
	pn_fail "power status does not show the hold: $out"
ctl_ok power status --json
[[ $out == *'"holds":[{"profile":"performance","application_id":"com.example.Render","reason":"Rendering"}]'* ]] ||
	pn_fail "power status --json does not show the hold: $out"

pn_note "unplug: the hold stays (ActiveProfile is not set)"
sets=$(grep -c 'ActiveProfile' "$PPD_CALLS" || true)
unplug
expect_prop OnBattery 'b true'
stays_ppd performance "unplugged during another program's hold"
[ "$(grep -c 'ActiveProfile' "$PPD_CALLS" || true)" -eq "$sets" ] ||
	pn_fail "ActiveProfile was set during another program's hold: $(tail -n 2 "$PPD_CALLS")"
[[ $(ppd_holds) == *com.example.Render* ]] || pn_fail "the hold is gone after unplugging: $(ppd_holds)"

pn_note "an app rule during the hold: both held, power-saver wins (ppd's rule)"
niri_ctl '{"cmd": "open_window", "id": 2, "app_id": "org.gnome.Boxes"}'
expect_ppd power-saver "Boxes focused during another program's performance hold"
[[ $(ppd_holds) == *com.example.Render*panther-powerd* ]] ||
	pn_fail "expected both holds: $(ppd_holds)"
niri_ctl '{"cmd": "focus", "id": 1}'
expect_ppd performance "Boxes left: the other program's hold again"

pn_note "low battery during the hold: held too, and released"
battery 15
expect_ppd power-saver "battery at 15% during another program's hold"
battery 60
expect_ppd performance "battery back at 60%"
[[ $(ppd_holds) == *com.example.Render* ]] || pn_fail "the hold did not survive: $(ppd_holds)"
expect_prop Mode 's "auto"' "Mode after the holds"

pn_note "the other program ends its hold: the battery profile applies"
pn_stop "$HOLDER_PID"
expect_ppd power-saver "on battery once the other hold ended"
expect_prop Holds 'a(sss) 0'
expect_prop Mode 's "auto"'
! powerd_log_has "outside panther" || pn_fail "the end of a hold was taken for a manual choice"

pn_note "ppd restarts during a game: panther's hold comes back"
niri_ctl '{"cmd": "open_window", "id": 3, "app_id": "steam_app_570"}'
expect_ppd performance "a game focused"
pn_stop "$PPD_PID"
power_ppd '{"ActiveProfile": "balanced"}'
pn_wait_for -t 5 eval 'grep -q "HoldProfile performance steam_app_570 is focused panther-powerd" "$PPD_CALLS"' ||
	pn_fail "the game's hold was not taken again after ppd restarted: $(cat "$PPD_CALLS")"
expect_ppd performance "the game's hold after ppd restarted"
niri_ctl '{"cmd": "close", "id": 3, "focus": 1}'
expect_ppd power-saver "the game closed: back to the battery profile"
[ "$(ppd_holds)" = 'aa{sv} 0' ] || pn_fail "a hold is left after the game closed: $(ppd_holds)"

pn_note "ppd's PerformanceDegraded is shown"
busctl --system call net.hadess.PowerProfiles /org/pantheros/PpdMock org.pantheros.PpdMock \
	SetDegraded s lap-detected
expect_prop PerformanceDegraded 's "lap-detected"'
ctl_ok power status
[[ $out == *"performance degraded: lap-detected"* ]] || pn_fail "power status does not show the degradation: $out"
ctl_ok power status --json
[[ $out == *'"performance_degraded":"lap-detected"'* ]] || pn_fail "power status --json: $out"
pn_wait_for powerd_log_has "performance is degraded (lap-detected)" || pn_fail "the degradation was not logged"
busctl --system call net.hadess.PowerProfiles /org/pantheros/PpdMock org.pantheros.PpdMock SetDegraded s ''
expect_prop PerformanceDegraded 's ""'

power_pass
