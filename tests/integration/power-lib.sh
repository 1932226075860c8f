# shellcheck shell=bash
# What the power-*.sh tests share: the harness, panther-powerd and pantherctl,
# mocks of UPower, power-profiles-daemon and the notification server, and
# helpers that read and poke them.

. "$PANTHER_SOURCE_DIR/tests/harness/lib.sh"

POWERD=$PANTHER_BUILD_DIR/power/panther-powerd
PANTHERCTL=${PANTHERCTL:-$PANTHER_BUILD_DIR/ipc/ctl/pantherctl}
PPD_TEMPLATE=$PANTHER_SOURCE_DIR/tests/harness/ppd_template.py
ASUSD_TEMPLATE=$PANTHER_SOURCE_DIR/tests/harness/asusd_template.py
NOTIFY_TEMPLATE=$PANTHER_SOURCE_DIR/tests/harness/notify_template.py
[ -x "$POWERD" ] || pn_fail "no panther-powerd at $POWERD (build first)"

POWER1=(org.pantheros.Power1 /org/pantheros/Power1 org.pantheros.Power1)
PPD_LEGACY=(net.hadess.PowerProfiles /net/hadess/PowerProfiles net.hadess.PowerProfiles)
UPOWER=(org.freedesktop.UPower /org/freedesktop/UPower org.freedesktop.UPower)
DISPLAY_DEVICE=(org.freedesktop.UPower /org/freedesktop/UPower/devices/DisplayDevice
	org.freedesktop.UPower.Device)

# power_upower [on-battery] PERCENT: UPower mock with a battery at PERCENT,
# on AC unless "on-battery" is given.
power_upower() {
	local on_battery=false
	if [ "$1" = on-battery ]; then
		on_battery=true
		shift
	fi
	pn_dbusmock --system upower -p "{\"OnBattery\": $on_battery}"
	UPOWER_PID=$PN_DBUSMOCK_PID
	busctl --system set-property "${DISPLAY_DEVICE[@]}" IsPresent b true
	busctl --system set-property "${DISPLAY_DEVICE[@]}" Type u 2
	busctl --system set-property "${DISPLAY_DEVICE[@]}" Percentage d "$1"
}

# power_ppd [PARAMETERS_JSON]: the ppd mock (tests/harness/ppd_template.py); sets PPD_PID.
power_ppd() {
	local params=${1:-}
	[ -n "$params" ] || params='{}'
	pn_dbusmock --system "$PPD_TEMPLATE" -p "$params"
	PPD_PID=$PN_DBUSMOCK_PID
	PPD_CALLS=$PN_DBUSMOCK_LOG
}

# power_notifications: the notification server of a DMS session (Quickshell's
# rules, tests/harness/notify_template.py); sets NOTIFY_CALLS, its log.
power_notifications() {
	pn_dbusmock "$NOTIFY_TEMPLATE"
	NOTIFY_CALLS=$PN_DBUSMOCK_LOG
}

# power_mocks [PPD_PARAMETERS_JSON]: a private bus standing in for both
# buses, with UPower (on AC, battery at 80%), ppd and notifications.
power_mocks() {
	pn_session_bus --system
	power_upower 80
	power_ppd "${1:-}"
	power_notifications
}

# power_niri [as-user]: the Niri stand-in (tests/harness/niri-standin.py) on
# $NIRI_SOCKET (exported; under $PN_XDG_RUNTIME_DIR and run as the test user
# with "as-user"); niri_ctl COMMAND_JSON scripts it.
NIRI_STANDIN=$PANTHER_SOURCE_DIR/tests/harness/niri-standin.py
power_niri() {
	NIRI_AS=()
	pn_need_cmd "$PN_PYTHON"
	if [ "${1:-}" = as-user ]; then
		pn_test_user
		NIRI_AS=("${PN_AS_USER[@]}")
		export NIRI_SOCKET=$PN_XDG_RUNTIME_DIR/niri.sock
	else
		export NIRI_SOCKET=$PN_TMP/niri.sock
	fi
	pn_spawn niri "${NIRI_AS[@]}" "$PN_PYTHON" "$NIRI_STANDIN" "$NIRI_SOCKET"
	pn_wait_for grep -qx ready "$PN_LOG" || pn_fail "the Niri stand-in did not start (see $PN_LOG)"
}

niri_ctl() {
	local reply
	reply=$("${NIRI_AS[@]}" "$PN_PYTHON" "$NIRI_STANDIN" ctl "$NIRI_SOCKET.ctl" "$1")
	[ "$reply" = ok ] || pn_fail "niri stand-in: $1: $reply"
}

# power_config JSON: writes $PN_TMP/config.json.
power_config() {
	printf '%s\n' "$1" >"$PN_TMP/config.json"
}

# power_start: panther-powerd --verbose with $PN_TMP/config.json; waits for
# org.pantheros.Power1. Sets POWERD_PID and POWERD_LOG.
power_start() {
	pn_spawn powerd "$POWERD" --verbose --config "$PN_TMP/config.json"
	power__started
}

# power_start_in_session CONFIG [ENV=VALUE...]: the same with CONFIG, as the
# test user inside the fake logind session and on the real system bus (where
# ppd's allow_active actions pass), with ENV added to its environment.
power_start_in_session() {
	local config=$1
	shift
	pn_spawn_in_session powerd env -u DBUS_SYSTEM_BUS_ADDRESS "$@" "$POWERD" --verbose --config "$config"
	power__started
}

power__started() {
	POWERD_PID=$PN_PID
	POWERD_LOG=$PN_LOG
	pn_wait_for busctl --user status org.pantheros.Power1 ||
		pn_fail "panther-powerd did not take org.pantheros.Power1 (see $POWERD_LOG)"
}

# prop NAME: a property of org.pantheros.Power1, as busctl prints it (s "auto").
prop() {
	busctl --user get-property "${POWER1[@]}" "$1" 2>/dev/null
}

prop_is() {
	[ "$(prop "$1")" = "$2" ]
}

# expect_prop NAME 'VALUE' [WHY]: waits until the property reads VALUE.
expect_prop() {
	pn_wait_for -t 5 prop_is "$1" "$2" ||
		pn_fail "${3:-Power1.$1}: expected $2, got $(prop "$1")"
}

# ppd_active: ppd's ActiveProfile (s "balanced").
ppd_active() {
	busctl --system get-property "${PPD_LEGACY[@]}" ActiveProfile 2>/dev/null
}

ppd_is() {
	[ "$(ppd_active)" = "s \"$1\"" ]
}

# expect_ppd PROFILE [WHY]: waits until ppd's ActiveProfile is PROFILE.
expect_ppd() {
	pn_wait_for -t 5 ppd_is "$1" ||
		pn_fail "${2:-ppd}: expected $1, ppd has $(ppd_active)"
}

# stays_ppd PROFILE WHY: ppd still has PROFILE half a second later.
stays_ppd() {
	sleep 0.5
	ppd_is "$1" || pn_fail "$2: expected ppd to stay on $1, it has $(ppd_active)"
}

# unplug / plug: UPower's OnBattery.
unplug() {
	busctl --system set-property "${UPOWER[@]}" OnBattery b true
}

plug() {
	busctl --system set-property "${UPOWER[@]}" OnBattery b false
}

# battery PERCENT: the DisplayDevice's Percentage.
battery() {
	busctl --system set-property "${DISPLAY_DEVICE[@]}" Percentage d "$1"
}

# external_set PROFILE: a change made outside panther (straight to ppd).
external_set() {
	busctl --system set-property "${PPD_LEGACY[@]}" ActiveProfile s "$1"
}

# notify_count: how many messages the notification server got (new or updates).
notify_count() {
	grep -cE '^[0-9.]+ (popup|update) ' "$NOTIFY_CALLS" 2>/dev/null || true
}

# popup_count: how many popups appeared on screen.
popup_count() {
	grep -cE '^[0-9.]+ popup ' "$NOTIFY_CALLS" 2>/dev/null || true
}

# powerd_log_has TEXT / powerd_log_count TEXT
powerd_log_has() {
	grep -qF -- "$1" "$POWERD_LOG"
}

powerd_log_count() {
	grep -cF -- "$1" "$POWERD_LOG" || true
}

# ctl ARGS...: pantherctl; status in $status, stdout in $out, stderr in $err.
ctl() {
	"$PANTHERCTL" "$@" >"$PN_TMP/ctl.out" 2>"$PN_TMP/ctl.err"
	status=$?
	out=$(cat "$PN_TMP/ctl.out")
	err=$(cat "$PN_TMP/ctl.err")
}

# ctl_ok ARGS...: pantherctl must succeed.
ctl_ok() {
	ctl "$@"
	[ "$status" -eq 0 ] || pn_fail "pantherctl $*: exit $status: $err"
}

# power_stop: stops panther-powerd with SIGTERM; it must exit 0 with no
# sanitizer report in its log.
power_stop() {
	pn_stop "$POWERD_PID"
	local status=$?
	[ "$status" -eq 0 ] || pn_fail "panther-powerd exited with status $status on SIGTERM (see $POWERD_LOG)"
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$POWERD_LOG"; then
		pn_fail "sanitizer report in $POWERD_LOG: $(grep -m1 -E 'Sanitizer|runtime error' "$POWERD_LOG")"
	fi
}

# power_pass: panther-powerd still runs, stops cleanly; the test passes.
power_pass() {
	pn_alive "$POWERD_PID" || pn_fail "panther-powerd died (see $POWERD_LOG)"
	power_stop
	pn_pass
}
