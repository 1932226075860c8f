#!/bin/bash
# pantherctl power and panther-powerd against the real power-profiles-daemon
# 0.12 on the real system bus, as the test user inside a (fake) logind
# session, where polkit lets an active session switch profiles:
# - without panther-powerd, pantherctl goes straight to ppd;
# - with it, through org.pantheros.Power1 (and the choice is manual);
# - outside an active session, ppd refuses and pantherctl says so in one line;
# - holds: another program's hold (HoldProfile) is left alone and shown, and
#   not taken for a manual choice; panther's own hold for an app rule is
#   taken through ppd and taken again after ppd restarts;
# - without the fake driver there is no performance: set refuses it with the
#   list, and cycle skips it.
. "$PANTHER_SOURCE_DIR/tests/integration/power-lib.sh"

pn_require_root
pn_system_bus_polkitd
pn_ppd_real --fake-driver
pn_fake_logind_session
pn_session_bus

# uctl ARGS...: pantherctl as the test user inside the session.
uctl() {
	pn_in_session "$PANTHERCTL" "$@" >"$PN_TMP/ctl.out" 2>"$PN_TMP/ctl.err"
	status=$?
	out=$(cat "$PN_TMP/ctl.out")
	err=$(cat "$PN_TMP/ctl.err")
}
uctl_ok() {
	uctl "$@"
	[ "$status" -eq 0 ] || pn_fail "pantherctl $* (in the session): exit $status: $err"
}
real_ppd_is() {
	[ "$(pn__sysbus get-property "${PPD_LEGACY[@]}" ActiveProfile)" = "s \"$1\"" ]
}
expect_real_ppd() {
	pn_wait_for -t 5 real_ppd_is "$1" ||
		pn_fail "$2: expected $1, ppd has $(pn__sysbus get-property "${PPD_LEGACY[@]}" ActiveProfile)"
}

pn_note "without panther-powerd: straight to ppd"
uctl_ok power get
[ "$out" = balanced ] || pn_fail "get printed '$out', expected balanced"
uctl_ok power set performance
expect_real_ppd performance "set performance"
uctl_ok power cycle
[ "$out" = power-saver ] || pn_fail "cycle from performance printed '$out'"
expect_real_ppd power-saver "cycle"
uctl_ok power get
[ "$out" = power-saver ] || pn_fail "get after cycle printed '$out'"
uctl_ok power list
[ "$out" = $'* power-saver\n  balanced\n  performance' ] || pn_fail "list printed: $out"

pn_note "outside an active session ppd refuses: one line, exit 1"
pn_as_user "$PANTHERCTL" power set balanced >"$PN_TMP/ctl.out" 2>"$PN_TMP/ctl.err"
status=$?
err=$(cat "$PN_TMP/ctl.err")
[ "$status" -eq 1 ] || pn_fail "set outside the session: exit $status, expected 1"
[ "$(wc -l <"$PN_TMP/ctl.err")" -eq 1 ] || pn_fail "set outside the session: not one line: $err"
[[ $err == "pantherctl: power: power-profiles-daemon refused balanced: "* ]] ||
	pn_fail "set outside the session said: $err"
real_ppd_is power-saver || pn_fail "ppd switched for a caller outside the session"

pn_note "with panther-powerd (as the user, in the session)"
power_config '{"power": {"on_ac": "balanced", "on_battery": "power-saver",
	"app_rules": [{"app_id": "^steam_app_", "profile": "performance"}]}}'
chmod 0644 "$PN_TMP/config.json"
power_niri as-user
niri_ctl '{"cmd": "open_window", "id": 1, "app_id": "foot", "title": "shell"}'
power_start_in_session "$PN_TMP/config.json" NIRI_SOCKET="$NIRI_SOCKET"
# No UPower on this bus: AC is assumed, and on_ac applies at once.
expect_real_ppd balanced "panther-powerd's start on AC"
powerd_log_has "assuming AC power" || pn_fail "panther-powerd did not say it assumes AC power"
uctl_ok power set performance
expect_real_ppd performance "set through panther-powerd"
expect_prop Mode 's "manual"'
uctl_ok power cycle
[ "$out" = power-saver ] || pn_fail "cycle through panther-powerd printed '$out'"
expect_real_ppd power-saver "cycle through panther-powerd"
uctl_ok power status --json
[[ $out == '{"profile":"power-saver",'*'"backend":"power-profiles-daemon","powerd":true,"mode":"manual","on_battery":false,"holds":[],"performance_degraded":"","warnings":[]}' ]] ||
	pn_fail "status --json printed: $out"
uctl_ok power auto
expect_real_ppd balanced "auto"

real_holds() {
	pn__sysbus get-property "${PPD_LEGACY[@]}" ActiveProfileHolds
}

pn_note "another program's hold on the real ppd: left alone, shown, not a manual choice"
pn_spawn_in_session holder env -u DBUS_SYSTEM_BUS_ADDRESS "$PN_PYTHON" \
	"$PANTHER_SOURCE_DIR/tests/harness/ppd-holder.py" performance Rendering com.example.Render
HOLDER_PID=$PN_PID
pn_wait_for grep -q '^held ' "$PN_LOG" || pn_fail "the holder could not hold performance (see $PN_LOG)"
expect_real_ppd performance "another program's hold"
expect_prop Holds 'a(sss) 1 "performance" "com.example.Render" "Rendering"'
expect_prop Mode 's "auto"' "Mode during another program's hold"
uctl_ok power status
[[ $out == *"holds: performance held by com.example.Render (Rendering)"* ]] ||
	pn_fail "power status does not show the real ppd's hold: $out"
pn_stop "$HOLDER_PID"
expect_real_ppd balanced "the other program's hold ended"
expect_prop Mode 's "auto"' "Mode after another program's hold"
! powerd_log_has "outside panther" || pn_fail "a hold on the real ppd was taken for a manual choice"

pn_note "an app rule holds performance through the real ppd, again after ppd restarts"
niri_ctl '{"cmd": "open_window", "id": 2, "app_id": "steam_app_570"}'
expect_real_ppd performance "a game focused"
[[ $(real_holds) == *'"panther-powerd"'* ]] || pn_fail "no panther-powerd hold on ppd: $(real_holds)"
kill -TERM "$PN_PPD_PID"
pn_wait_for pn__name_gone net.hadess.PowerProfiles || pn_fail "ppd did not stop"
pn_spawn ppd-again env POWER_PROFILE_DAEMON_FAKE_DRIVER=1 "$PN_PPD" --verbose
PN_PPD_PID=$PN_PID
pn_wait_for pn__sysbus status net.hadess.PowerProfiles ||
	pn_fail "power-profiles-daemon did not start again (see $PN_LOG)"
pn_wait_for -t 5 eval '[[ $(real_holds) == *"\"panther-powerd\""* ]]' ||
	pn_fail "the game's hold was not taken again after ppd restarted: $(real_holds)"
expect_real_ppd performance "the game's hold after ppd restarted"
niri_ctl '{"cmd": "close", "id": 2, "focus": 1}'
expect_real_ppd balanced "the game closed"
[ "$(real_holds)" = 'aa{sv} 0' ] || pn_fail "a hold is left after the game closed: $(real_holds)"

pn_note "ppd without the fake driver: no performance"
kill -TERM "$PN_PPD_PID"
pn_wait_for pn__name_gone net.hadess.PowerProfiles || pn_fail "ppd did not stop"
expect_prop Backend 's "none"' "Backend while ppd is down"
# Started by hand: pn_ppd_real would set the saved state aside a second time.
pn_spawn ppd-placeholder "$PN_PPD" --verbose
pn_wait_for pn__sysbus status net.hadess.PowerProfiles ||
	pn_fail "power-profiles-daemon without the fake driver did not start (see $PN_LOG)"
expect_prop Profiles 'as 2 "power-saver" "balanced"' "Profiles of the placeholder driver"
uctl power set performance
[ "$status" -eq 1 ] || pn_fail "set performance without it: exit $status, expected 1"
[ "$err" = 'pantherctl: power: unavailable profile "performance" (available: power-saver, balanced)' ] ||
	pn_fail "set performance without it said: $err"
uctl_ok power set balanced
uctl_ok power cycle
[ "$out" = power-saver ] || pn_fail "cycle from balanced printed '$out'"
uctl_ok power cycle
[ "$out" = balanced ] || pn_fail "cycle from power-saver without performance printed '$out'"
expect_real_ppd balanced "the cycle without performance"

pn_note "the same straight to ppd, without panther-powerd"
power_stop
uctl power set performance
[ "$status" -eq 1 ] && [ "$err" = 'pantherctl: power: unavailable profile "performance" (available: power-saver, balanced)' ] ||
	pn_fail "direct set performance without it: exit $status: $err"
uctl_ok power cycle
[ "$out" = power-saver ] || pn_fail "direct cycle from balanced printed '$out'"
uctl_ok power cycle
[ "$out" = balanced ] || pn_fail "direct cycle from power-saver printed '$out'"
pn_pass
