#!/bin/bash
# pantherctl power without panther-powerd: straight to power-profiles-daemon
# (the ppd mock on a private bus standing in for the system bus), including a
# ppd that does not offer performance; and with neither running.
. "$PANTHER_SOURCE_DIR/tests/integration/power-lib.sh"

pn_session_bus --system

pn_note "neither panther-powerd nor ppd"
ctl power get
[ "$status" -eq 1 ] || pn_fail "get with nothing running: exit $status, expected 1"
[[ $err == *"neither panther-powerd nor power-profiles-daemon is running"* ]] ||
	pn_fail "get with nothing running said: $err"

power_ppd '{"ActiveProfile": "balanced"}'

pn_note "get, set, cycle, list, status straight to ppd"
ctl_ok power get
[ "$out" = balanced ] || pn_fail "get printed '$out'"
ctl_ok power set performance
ppd_is performance || pn_fail "set performance: ppd has $(ppd_active)"
ctl_ok power cycle
[ "$out" = power-saver ] || pn_fail "cycle from performance printed '$out'"
ppd_is power-saver || pn_fail "cycle: ppd has $(ppd_active)"
ctl_ok power get --json
[ "$out" = '{"profile":"power-saver"}' ] || pn_fail "get --json printed '$out'"
ctl_ok power status
[[ $out == *"panther-powerd: not running (talking to net.hadess.PowerProfiles)"* ]] ||
	pn_fail "status printed: $out"
ctl_ok power status --json
[ "$out" = '{"profile":"power-saver","profiles":["power-saver","balanced","performance"],"backend":"power-profiles-daemon","powerd":false,"holds":[],"performance_degraded":""}' ] ||
	pn_fail "status --json printed: $out"

pn_note "status shows ppd's holds without panther-powerd"
pn_spawn holder "$PN_PYTHON" "$PANTHER_SOURCE_DIR/tests/harness/ppd-holder.py" performance \
	"Running a game" com.valvesoftware.Steam
HOLDER_PID=$PN_PID
pn_wait_for grep -q '^held ' "$PN_LOG" || pn_fail "the holder could not hold performance (see $PN_LOG)"
ctl_ok power status
[[ $out == *$'\nholds: performance held by com.valvesoftware.Steam (Running a game)\n'* ]] ||
	pn_fail "status without panther-powerd does not show ppd's hold: $out"
ctl_ok power status --json
[[ $out == *'"holds":[{"profile":"performance","application_id":"com.valvesoftware.Steam","reason":"Running a game"}]'* ]] ||
	pn_fail "status --json without panther-powerd: $out"
pn_stop "$HOLDER_PID"
expect_ppd power-saver "the hold ended"

pn_note "errors: unknown profile, auto without panther-powerd"
ctl power set turbo
[ "$status" -eq 1 ] && [ "$err" = 'pantherctl: power: unknown profile "turbo" (available: power-saver, balanced, performance)' ] ||
	pn_fail "set turbo: exit $status: $err"
ctl power auto
[ "$status" -eq 1 ] && [[ $err == *"auto needs panther-powerd"* ]] || pn_fail "auto: exit $status: $err"

pn_note "power.cycle from the config applies without panther-powerd"
power_config '{"power": {"cycle": ["performance", "balanced"]}}'
ctl_ok --config "$PN_TMP/config.json" power cycle
[ "$out" = performance ] || pn_fail "cycle with power.cycle from power-saver printed '$out'"
ctl_ok --config "$PN_TMP/config.json" power cycle
[ "$out" = balanced ] || pn_fail "cycle with power.cycle from performance printed '$out'"

pn_note "ppd without performance: refused with the list, skipped by cycle"
busctl --system call net.hadess.PowerProfiles /org/pantheros/PpdMock org.pantheros.PpdMock \
	SetProfiles as 2 power-saver balanced || pn_fail "cannot change the mock's profiles"
ctl power set performance
[ "$status" -eq 1 ] || pn_fail "set performance without it: exit $status, expected 1"
[ "$err" = 'pantherctl: power: unavailable profile "performance" (available: power-saver, balanced)' ] ||
	pn_fail "set performance without it said: $err"
ctl_ok power set balanced
ctl_ok power cycle
[ "$out" = power-saver ] || pn_fail "cycle from balanced without performance printed '$out'"
ctl_ok power cycle
[ "$out" = balanced ] || pn_fail "cycle from power-saver without performance printed '$out'"
ctl_ok power list
[ "$out" = $'  power-saver\n* balanced' ] || pn_fail "list printed: $out"

pn_pass
