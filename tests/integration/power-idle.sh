#!/bin/bash
# The idle profile through ext-idle-notify-v1: on KWin (headless, it offers
# ext_idle_notifier_v1) a seat without input for power.idle.after_s switches
# to the idle profile, activity restores what was there (headless KWin has no
# virtual keyboard: tests/harness/kwin-activity.py asks KWin to count user
# activity, which resets every idle detector as input would), and turning
# idle off restores it too; on sway (which lacks the protocol) panther-powerd
# says so once and goes on.
. "$PANTHER_SOURCE_DIR/tests/integration/power-lib.sh"

pn_require_root
pn_test_user
if ! command -v kwin_wayland >/dev/null 2>&1; then
	pn_missing "kwin_wayland (package kwin-wayland) is not installed: the ext-idle-notify binding needs a compositor that offers ext_idle_notifier_v1"
fi
power_mocks

pn_note "KWin headless, idle after 1 s"
# KWin's binary carries file capabilities this machine refuses: run a plain copy.
install -m 0755 "$(command -v kwin_wayland)" "$PN_TMP/kwin_wayland"
pn_spawn_as_user kwin env -u DBUS_SESSION_BUS_ADDRESS -u WAYLAND_DISPLAY -u DISPLAY \
	"$PN_TMP/kwin_wayland" --virtual --socket wl-panther
KWIN_LOG=$PN_LOG
pn_wait_for -t 20 test -S "$PN_XDG_RUNTIME_DIR/wl-panther" ||
	pn_fail "KWin did not create its Wayland socket (see $KWIN_LOG)"
export WAYLAND_DISPLAY=$PN_XDG_RUNTIME_DIR/wl-panther

power_config '{"power": {"on_ac": "balanced", "idle": {"after_s": 1, "profile": "power-saver"}}}'
power_start
pn_wait_for -t 10 powerd_log_has "idle: watching for 1 s without input" ||
	pn_fail "panther-powerd did not bind ext_idle_notifier_v1 on KWin"
expect_ppd power-saver "no input for 1 s"
powerd_log_has "idle: no input for the timeout" || pn_fail "the idle event was not logged"
# Idle is temporary: held through ppd (HoldProfile), ActiveProfile untouched.
grep -q "HoldProfile power-saver Idle panther-powerd" "$PPD_CALLS" ||
	pn_fail "idle did not hold power-saver through ppd: $(grep -E 'Hold|Set' "$PPD_CALLS" | tail -n 3)"
! grep -q "ActiveProfile power-saver" "$PPD_CALLS" || pn_fail "idle set ActiveProfile instead of holding"
expect_prop Mode 's "auto"'
[ "$(notify_count)" -eq 0 ] || pn_fail "going idle showed a notification"

pn_note "activity: the profile from before comes back, then idle again"
"$PN_PYTHON" "$PANTHER_SOURCE_DIR/tests/harness/kwin-activity.py" "$WAYLAND_DISPLAY" ||
	pn_fail "could not tell KWin about user activity"
pn_wait_for -t 5 powerd_log_has "idle: input resumed" || pn_fail "no resumed event after activity"
pn_wait_for -t 5 eval 'grep -q " ReleaseProfile " "$PPD_CALLS"' ||
	pn_fail "activity did not release the idle hold"
pn_wait_for -t 5 eval 'grep -q "releasing the hold on power-saver" "$POWERD_LOG"' ||
	pn_fail "activity did not bring balanced back ($(ppd_active))"
expect_ppd power-saver "idle again 1 s after the activity"

pn_note "another program's hold survives idle and its end"
pn_spawn holder "$PN_PYTHON" "$PANTHER_SOURCE_DIR/tests/harness/ppd-holder.py" performance Rendering \
	com.example.Render
HOLDER_PID=$PN_PID
pn_wait_for grep -q '^held ' "$PN_LOG" || pn_fail "the holder could not hold performance (see $PN_LOG)"
# Idle's power-saver hold wins the conflict (ppd's rule) while idle.
expect_ppd power-saver "idle with another program's performance hold"
releases=$(grep -c " ReleaseProfile " "$PPD_CALLS" || true)
"$PN_PYTHON" "$PANTHER_SOURCE_DIR/tests/harness/kwin-activity.py" "$WAYLAND_DISPLAY" ||
	pn_fail "could not tell KWin about user activity"
pn_wait_for -t 5 eval '[ "$(grep -c " ReleaseProfile " "$PPD_CALLS")" -gt '"$releases"' ]' ||
	pn_fail "activity did not release the idle hold"
expect_ppd power-saver "idle again"
busctl --system get-property "${PPD_LEGACY[@]}" ActiveProfileHolds | grep -q com.example.Render ||
	pn_fail "the other program's hold did not survive idle"
expect_prop Mode 's "auto"' "Mode after idle with another program's hold"
! powerd_log_has "outside panther" || pn_fail "a hold was taken for a manual choice"
pn_stop "$HOLDER_PID"

pn_note "idle turned off while idle: the profile from before comes back"
power_config '{"power": {"on_ac": "balanced", "idle": false}}'
kill -HUP "$POWERD_PID"
expect_ppd balanced "idle turned off"
power_stop

pn_note "sway has no ext_idle_notifier_v1: said once, the rest works"
pn_sway
export WAYLAND_DISPLAY=$PN_WAYLAND_SOCKET
power_config '{"power": {"on_ac": "balanced", "on_battery": "power-saver", "idle": {"after_s": 1}}}'
power_start
pn_wait_for powerd_log_has "the compositor does not offer ext_idle_notifier_v1" ||
	pn_fail "panther-powerd did not say that sway lacks ext_idle_notifier_v1"
unplug
expect_ppd power-saver "unplugged under sway"
kill -HUP "$POWERD_PID"
plug
expect_ppd balanced "plugged in under sway"
[ "$(powerd_log_count "ext_idle_notifier_v1")" -eq 1 ] ||
	pn_fail "the missing protocol was logged $(powerd_log_count "ext_idle_notifier_v1") times"

power_pass
