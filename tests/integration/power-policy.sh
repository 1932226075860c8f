#!/bin/bash
# panther-powerd's policy against mocks of UPower, power-profiles-daemon and a
# notification server on a private bus: the zephyrus defaults on plug and
# unplug, a manual choice held until the power source changes, changes made
# outside panther, low battery, notifications, pantherctl through
# org.pantheros.Power1.
. "$PANTHER_SOURCE_DIR/tests/integration/power-lib.sh"

power_mocks
power_config '{"power": {"host": "zephyrus"}}'
power_start

pn_note "start on AC: auto mode applies on_ac (performance) at once"
expect_ppd performance "start on AC"
expect_prop Mode 's "auto"'
expect_prop ActiveProfile 's "performance"'
expect_prop Backend 's "power-profiles-daemon"'
expect_prop OnBattery 'b false'
expect_prop Profiles 'as 3 "power-saver" "balanced" "performance"'

pn_note "unplug -> on_battery (balanced); plug -> on_ac (performance)"
unplug
expect_ppd balanced "unplugged"
expect_prop OnBattery 'b true'
plug
expect_ppd performance "plugged in"

pn_note "a manual choice holds until the power source changes"
ctl_ok power set power-saver
[ -z "$out" ] || pn_fail "power set printed '$out'"
ppd_is power-saver || pn_fail "power set returned before ppd switched ($(ppd_active))"
expect_prop Mode 's "manual"'
ctl_ok power get
[ "$out" = power-saver ] || pn_fail "power get printed '$out', expected power-saver"
battery 75
stays_ppd power-saver "a battery reading after a manual choice"
unplug
expect_ppd balanced "unplugged after a manual choice"
expect_prop Mode 's "auto"'

pn_note "low battery -> power-saver, and back"
battery 15
expect_ppd power-saver "battery at 15%"
battery 60
expect_ppd balanced "battery back at 60%"

pn_note "a change made outside panther counts as manual"
external_set power-saver
expect_prop Mode 's "manual"' "Mode after a change outside panther"
expect_prop ActiveProfile 's "power-saver"'
battery 55
stays_ppd power-saver "a battery reading after an outside change"
powerd_log_has "outside panther" || pn_fail "the outside change was not logged"
plug
expect_ppd performance "plugged in after an outside change"
expect_prop Mode 's "auto"'

pn_note "cycle, auto, and errors"
ctl_ok power cycle
[ "$out" = power-saver ] || pn_fail "cycle from performance printed '$out', expected power-saver"
expect_ppd power-saver "cycle"
ctl_ok power cycle --json
[ "$out" = '{"profile":"balanced"}' ] || pn_fail "cycle --json printed '$out'"
expect_ppd balanced "second cycle"
ctl_ok power auto
expect_ppd performance "auto on AC"
expect_prop Mode 's "auto"'

pn_note "two quick presses move two steps, and are not taken for outside changes"
outside_before=$(powerd_log_count "outside panther")
# Both calls go out together, before the backend has answered the first.
"$PN_PYTHON" -c '
import os, dbus, dbus.lowlevel
bus = dbus.bus.BusConnection(os.environ["DBUS_SESSION_BUS_ADDRESS"])
for _ in range(2):
    msg = dbus.lowlevel.MethodCallMessage("org.pantheros.Power1", "/org/pantheros/Power1",
                                          "org.pantheros.Power1", "Cycle")
    msg.set_no_reply(True)
    bus.send_message(msg)
# Stay on the bus until both are handled: a call whose sender has left is
# refused (its uid cannot be checked any more).
bus.get_object("org.pantheros.Power1", "/org/pantheros/Power1").Get(
    "org.pantheros.Power1", "Mode", dbus_interface="org.freedesktop.DBus.Properties")
' || pn_fail "cannot send two Cycle calls"
expect_ppd balanced "two cycles from performance"
stays_ppd balanced "two quick cycles"
[ "$(powerd_log_count "outside panther")" -eq "$outside_before" ] ||
	pn_fail "panther's own quick switches were taken for changes outside panther"
ctl_ok power auto
expect_ppd performance "auto after the quick cycles"

ctl power set turbo
[ "$status" -eq 1 ] || pn_fail "set turbo: exit $status, expected 1"
[ "$(wc -l <"$PN_TMP/ctl.err")" -eq 1 ] || pn_fail "set turbo: not one line: $err"
[[ $err == *'"turbo"'*'power-saver, balanced, performance'* ]] ||
	pn_fail "set turbo does not list the available profiles: $err"
ctl power set
[ "$status" -eq 2 ] || pn_fail "set without a profile: exit $status, expected 2"
ctl power frobnicate
[ "$status" -eq 2 ] || pn_fail "unknown power command: exit $status, expected 2"

pn_note "reading commands"
ctl_ok power list
[ "$out" = $'  power-saver\n  balanced\n* performance' ] || pn_fail "power list printed: $out"
ctl_ok power list --json
[ "$out" = '{"profiles":["power-saver","balanced","performance"],"active":"performance"}' ] ||
	pn_fail "power list --json printed: $out"
ctl_ok power status --json
[ "$out" = '{"profile":"performance","profiles":["power-saver","balanced","performance"],"backend":"power-profiles-daemon","powerd":true,"mode":"auto","on_battery":false,"holds":[],"performance_degraded":"","warnings":[]}' ] ||
	pn_fail "power status --json printed: $out"
ctl_ok power status
[[ $out == *"mode: auto"* && $out == *"panther-powerd: running"* ]] || pn_fail "power status printed: $out"

pn_note "notifications: one for each switch, low battery among them"
n=$(notify_count)
[ "$n" -ge 8 ] || pn_fail "only $n notifications for the switches above"
grep -q ' Power profile: Power saver | Battery low (15%)$' "$NOTIFY_CALLS" ||
	pn_fail "no bubble for low battery: $(tail -n 3 "$NOTIFY_CALLS")"

power_pass
