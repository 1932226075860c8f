#!/bin/bash
# panther-powerd and its backends coming and going: no backend at start (one
# line, keeps running, takes ppd when it appears), ppd killed and restarted
# (followed, policy and manual choice applied again), ppd 0.20's new bus name
# preferred, asusd as the fallback, ppd preferred over asusd.
. "$PANTHER_SOURCE_DIR/tests/integration/power-lib.sh"

pn_session_bus --system
power_upower 80
power_notifications
power_config '{"power": {"host": "zephyrus"}}'
power_start

pn_note "no backend at start: one clear line, Power1 answers"
pn_wait_for powerd_log_has "no power profile backend" || pn_fail "no line about the missing backend"
expect_prop Backend 's "none"'
expect_prop Profiles 'as 0'
ctl power set balanced
[ "$status" -eq 1 ] || pn_fail "set without a backend: exit $status, expected 1"
[[ $err == *"no power profile backend"* ]] || pn_fail "set without a backend said: $err"
ctl power get
[ "$status" -eq 1 ] || pn_fail "get without a backend: exit $status, expected 1"

pn_note "ppd appears: taken, policy applied"
power_ppd '{"ActiveProfile": "power-saver"}'
expect_ppd performance "ppd appearing on AC"
expect_prop Backend 's "power-profiles-daemon"'
[ "$(powerd_log_count "no power profile backend")" -eq 1 ] ||
	pn_fail "the missing backend was logged more than once"

pn_note "ppd killed and restarted: followed"
kill -KILL "$PPD_PID"
expect_prop Backend 's "none"' "Backend after ppd was killed"
power_ppd '{"ActiveProfile": "balanced"}'
expect_ppd performance "restarted ppd on AC"
expect_prop Backend 's "power-profiles-daemon"'
ctl_ok power set power-saver
kill -TERM "$PPD_PID"
expect_prop Backend 's "none"' "Backend after ppd stopped"
power_ppd '{"ActiveProfile": "performance"}'
expect_ppd power-saver "the manual choice after a ppd restart"
expect_prop Mode 's "manual"'

pn_note "ppd 0.20 (both names): the new one is used"
kill -TERM "$PPD_PID"
expect_prop Backend 's "none"'
power_ppd '{"names": "both", "ActiveProfile": "balanced"}'
pn_wait_for busctl --system status org.freedesktop.UPower.PowerProfiles ||
	pn_fail "the mock did not take org.freedesktop.UPower.PowerProfiles"
expect_ppd power-saver "ppd with both names"
pn_wait_for powerd_log_has "using power-profiles-daemon (org.freedesktop.UPower.PowerProfiles)" ||
	pn_fail "panther-powerd did not use the new name"
# The mock takes its names one after the other; once both are there, the
# new one gets the switches.
lines_before=$(wc -l <"$PPD_CALLS")
ctl_ok power set balanced
expect_ppd balanced "set with both names"
new_sets=$(tail -n +"$((lines_before + 1))" "$PPD_CALLS" | grep ' Set ')
[[ $new_sets == *"Set /org/freedesktop/UPower/PowerProfiles "* ]] ||
	pn_fail "the switch did not go to /org/freedesktop/UPower/PowerProfiles: $new_sets"
[[ $new_sets != *"Set /net/hadess/PowerProfiles "* ]] ||
	pn_fail "a switch went to the legacy name while the new one was there: $new_sets"

pn_note "asusd when ppd is absent"
kill -TERM "$PPD_PID"
expect_prop Backend 's "none"'
ctl_ok power auto
pn_dbusmock --system "$ASUSD_TEMPLATE" -p '{"PlatformProfile": 0}'
ASUSD_PID=$PN_DBUSMOCK_PID
asusd_profile() {
	busctl --system get-property xyz.ljones.Asusd /xyz/ljones xyz.ljones.Platform PlatformProfile
}
asusd_is() { [ "$(asusd_profile)" = "u $1" ]; }
pn_wait_for asusd_is 1 || pn_fail "asusd: expected Performance (1) on AC, got $(asusd_profile)"
expect_prop Backend 's "asusd"'
ctl_ok power set power-saver
asusd_is 2 || pn_fail "asusd: expected Quiet (2) for power-saver, got $(asusd_profile)"
expect_prop ActiveProfile 's "power-saver"'
busctl --system set-property xyz.ljones.Asusd /xyz/ljones xyz.ljones.Platform PlatformProfile u 0
expect_prop ActiveProfile 's "balanced"' "ActiveProfile after asusd changed by itself"
expect_prop Mode 's "manual"'
# Custom (4): the user's own fan curves, chosen in asusctl or ROG Control Center.
busctl --system call xyz.ljones.Asusd /xyz/ljones org.freedesktop.DBus.Mock UpdateProperties \
	'sa{sv}' xyz.ljones.Platform 1 PlatformProfile u 4
expect_prop ActiveProfile 's "custom"' "ActiveProfile for asusd's Custom"
ctl_ok power status
[[ $out == "profile: custom"* ]] || pn_fail "power status for asusd's Custom printed: $out"
ctl_ok power status --json
[[ $out == '{"profile":"custom",'* ]] || pn_fail "power status --json for asusd's Custom printed: $out"
ctl_ok power get
[ "$out" = custom ] || pn_fail "power get for asusd's Custom printed: $out"
ctl_ok power set balanced
pn_wait_for asusd_is 0 || pn_fail "asusd: expected Balanced (0) after Custom, got $(asusd_profile)"
expect_prop ActiveProfile 's "balanced"' "ActiveProfile after leaving Custom"

pn_note "ppd appears while asusd is in use: ppd is preferred"
power_ppd '{"ActiveProfile": "power-saver"}'
expect_prop Backend 's "power-profiles-daemon"' "Backend with ppd and asusd both present"
expect_ppd balanced "the manual choice carried over to ppd"

power_pass
