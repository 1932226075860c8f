#!/bin/bash
# panther-powerd against power-profiles-daemon 0.30 (sid), which owns both
# org.freedesktop.UPower.PowerProfiles and the older net.hadess.PowerProfiles.
# As the test user in a (fake) logind session:
# - both names are the one daemon, and a switch through panther shows on both;
# - another program's hold, taken through the older name (as an older
#   program would), is left alone and shown by pantherctl, and ends with it;
# - panther's own hold for an app rule is on ppd under both names, and is
#   taken again after ppd restarts.
# Runs inside the namespace (run.sh).
. "$PANTHER_SOURCE_DIR/tests/integration/power-lib.sh"

PPD_NEW=(org.freedesktop.UPower.PowerProfiles /org/freedesktop/UPower/PowerProfiles
	org.freedesktop.UPower.PowerProfiles)
version=$(dpkg-query -W -f '${Version}' power-profiles-daemon)
[[ $version == 0.30* ]] || pn_fail "expected power-profiles-daemon 0.30 in the sid root, found $version"

pn_require_root
pn_system_bus_polkitd
pn_ppd_real --fake-driver
pn_fake_logind_session
pn_session_bus

uctl_ok() {
	pn_in_session "$PANTHERCTL" "$@" >"$PN_TMP/ctl.out" 2>"$PN_TMP/ctl.err" ||
		pn_fail "pantherctl $* (in the session): $(cat "$PN_TMP/ctl.err")"
	out=$(cat "$PN_TMP/ctl.out")
}
# both_are PROPERTY VALUE: ppd's PROPERTY reads VALUE under both names.
both_are() {
	[ "$(pn__sysbus get-property "${PPD_NEW[@]}" "$1")" = "$2" ] &&
		[ "$(pn__sysbus get-property "${PPD_LEGACY[@]}" "$1")" = "$2" ]
}
expect_both() {
	pn_wait_for -t 5 both_are ActiveProfile "s \"$1\"" ||
		pn_fail "$2: expected $1 under both names, got $(pn__sysbus get-property "${PPD_NEW[@]}" ActiveProfile) and $(pn__sysbus get-property "${PPD_LEGACY[@]}" ActiveProfile)"
}
holds_on() {
	pn__sysbus get-property "$1" "$2" "$1" ActiveProfileHolds
}

pn_note "power-profiles-daemon $version owns both names"
new_pid=$(pn_bus_name_pid --system "${PPD_NEW[0]}") || pn_fail "nobody owns ${PPD_NEW[0]}"
old_pid=$(pn_bus_name_pid --system "${PPD_LEGACY[0]}") || pn_fail "nobody owns ${PPD_LEGACY[0]}"
[ "$new_pid" = "$PN_PPD_PID" ] && [ "$old_pid" = "$PN_PPD_PID" ] ||
	pn_fail "the names belong to $new_pid and $old_pid, not to ppd ($PN_PPD_PID)"

power_config '{"power": {"on_ac": "balanced", "on_battery": "power-saver",
	"app_rules": [{"app_id": "^steam_app_", "profile": "performance"}]}}'
chmod 0644 "$PN_TMP/config.json"
power_niri as-user
niri_ctl '{"cmd": "open_window", "id": 1, "app_id": "foot", "title": "shell"}'
power_start_in_session "$PN_TMP/config.json" NIRI_SOCKET="$NIRI_SOCKET"
expect_both balanced "panther-powerd's start on AC"

pn_note "a switch through panther shows under both names"
uctl_ok power set performance
expect_both performance "set performance"
uctl_ok power set power-saver
expect_both power-saver "set power-saver"
uctl_ok power auto
expect_both balanced "auto"

pn_note "another program's hold through the older name"
pn_spawn_in_session holder env -u DBUS_SYSTEM_BUS_ADDRESS PPD_HOLDER_NAME=net.hadess.PowerProfiles \
	"$PN_PYTHON" "$PANTHER_SOURCE_DIR/tests/harness/ppd-holder.py" power-saver "Saving" org.example.Old
holder=$PN_PID
pn_wait_for grep -q '^held ' "$PN_LOG" || pn_fail "the holder could not hold power-saver (see $PN_LOG)"
expect_both power-saver "another program's hold"
[[ $(holds_on "${PPD_NEW[0]}" "${PPD_NEW[1]}") == *'"org.example.Old"'* ]] ||
	pn_fail "the hold taken through the older name is not seen under the new one: $(holds_on "${PPD_NEW[0]}" "${PPD_NEW[1]}")"
expect_prop Holds 'a(sss) 1 "power-saver" "org.example.Old" "Saving"'
expect_prop Mode 's "auto"' "Mode during another program's hold"
uctl_ok power status
[[ $out == *"holds: power-saver held by org.example.Old (Saving)"* ]] ||
	pn_fail "power status does not show the other program's hold: $out"
pn_stop "$holder"
expect_both balanced "the other program's hold ended"
expect_prop Holds 'a(sss) 0'

pn_note "panther's own hold for an app rule, under both names, again after ppd restarts"
panther_holds_both() {
	[[ $(holds_on "${PPD_NEW[0]}" "${PPD_NEW[1]}") == *'"panther-powerd"'* &&
		$(holds_on "${PPD_LEGACY[0]}" "${PPD_LEGACY[1]}") == *'"panther-powerd"'* ]]
}
niri_ctl '{"cmd": "open_window", "id": 2, "app_id": "steam_app_570"}'
expect_both performance "a game focused"
pn_wait_for -t 5 panther_holds_both ||
	pn_fail "panther-powerd's hold is not on ppd under both names: $(holds_on "${PPD_NEW[0]}" "${PPD_NEW[1]}")"
kill -TERM "$PN_PPD_PID"
pn_wait_for pn__name_gone "${PPD_NEW[0]}" || pn_fail "ppd did not stop"
pn_spawn ppd-again env POWER_PROFILE_DAEMON_FAKE_DRIVER=1 "$PN_PPD" --verbose
PN_PPD_PID=$PN_PID
pn_wait_for pn__sysbus status "${PPD_NEW[0]}" || pn_fail "ppd did not start again (see $PN_LOG)"
pn_wait_for -t 5 panther_holds_both ||
	pn_fail "the game's hold was not taken again after ppd restarted: $(holds_on "${PPD_NEW[0]}" "${PPD_NEW[1]}")"
expect_both performance "the game's hold after ppd restarted"
niri_ctl '{"cmd": "close", "id": 2, "focus": 1}'
expect_both balanced "the game closed"
[ "$(holds_on "${PPD_NEW[0]}" "${PPD_NEW[1]}")" = 'aa{sv} 0' ] ||
	pn_fail "a hold is left after the game closed: $(holds_on "${PPD_NEW[0]}" "${PPD_NEW[1]}")"
power_stop
pn_pass
