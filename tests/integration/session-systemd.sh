#!/bin/bash
# panther-session in systemd mode (chosen by mode "auto") against a mock of
# systemd's user manager (tests/harness/systemd_template.py: dbusmock's own
# "systemd" template has no SetEnvironment, UnsetEnvironment or Subscribe).
# The calls made are exactly: SetEnvironment with the import_env variables
# that are set, Subscribe, StartUnit of the target; on Niri's exit StopUnit
# of the target and UnsetEnvironment of the same variables. A failed unit is
# reported by name; a variable outside import_env is exported nowhere (not to
# systemd, not to D-Bus activation).
. "$PANTHER_SOURCE_DIR/tests/integration/session-lib.sh"

pn_session_bus
pn_dbusmock "$PANTHER_SOURCE_DIR/tests/harness/systemd_template.py" \
	-p '{"failed_units": ["broken.service"]}'
SYSTEMD_CALLS=$PN_DBUSMOCK_LOG
pn_need_cmd dbus-monitor
pn_spawn activation-monitor dbus-monitor --session \
	"type='method_call',interface='org.freedesktop.DBus',member='UpdateActivationEnvironment'"
MONITOR_LOG=$PN_LOG
session_niri
session_notify_listener

unset DISPLAY
export WAYLAND_DISPLAY=wayland-test XDG_CURRENT_DESKTOP=niri XDG_SESSION_TYPE=wayland
export PANTHER_PRIVATE=never-exported
cat >"$PN_TMP/config.json" <<'JSON'
{ "session": { "mode": "auto" } }
JSON
sleep 0.2 # dbus-monitor must be listening before the call it is to see

session_start
session_wait_log "panther-session.target: started"
pn_wait_for grep -qx READY=1 "$PN_TMP/notify.log" || pn_fail "no READY=1 on \$NOTIFY_SOCKET"
session_log_has "mode auto: systemd's user manager is on the session bus" ||
	pn_fail "mode auto did not choose systemd mode"
session_log_has "broken.service: failed to start (job result \"failed\")" ||
	pn_fail "the failed unit was not reported by name"
[ "$("$PANTHERCTL" session status | head -n 1)" = "mode: systemd" ] || pn_fail "pantherctl session status does not say systemd mode"

want_env="as 4 \"NIRI_SOCKET=$NIRI_SOCKET\" \"WAYLAND_DISPLAY=wayland-test\" \"XDG_CURRENT_DESKTOP=niri\" \"XDG_SESSION_TYPE=wayland\""
got_env=$(busctl --user call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.DBus.Mock GetEnvironment)
[ "$got_env" = "$want_env" ] || pn_fail "systemd's environment is $got_env"

pn_wait_for grep -q '"WAYLAND_DISPLAY"' "$MONITOR_LOG" || pn_fail "no UpdateActivationEnvironment seen"
for v in NIRI_SOCKET XDG_CURRENT_DESKTOP XDG_SESSION_TYPE; do
	grep -q "\"$v\"" "$MONITOR_LOG" || pn_fail "$v missing from UpdateActivationEnvironment"
done
! grep -q 'PANTHER_PRIVATE\|"DISPLAY"' "$MONITOR_LOG" || pn_fail "UpdateActivationEnvironment carried more than import_env: $(cat "$MONITOR_LOG")"

niri_ctl '{"cmd": "quit"}' >/dev/null
session_wait_exit
[ "$SESSION_RC" -eq 0 ] || pn_fail "panther-session exited with $SESSION_RC"

calls=$(sed -n 's/^[0-9.]* //p' "$SYSTEMD_CALLS" | grep -v '^GetEnvironment' | grep -v '^emit ')
want=$(cat <<EOF2
SetEnvironment ["WAYLAND_DISPLAY=wayland-test", "NIRI_SOCKET=$NIRI_SOCKET", "XDG_CURRENT_DESKTOP=niri", "XDG_SESSION_TYPE=wayland"]
Subscribe
StartUnit "panther-session.target" "replace"
StopUnit "panther-session.target" "replace"
UnsetEnvironment ["WAYLAND_DISPLAY", "NIRI_SOCKET", "XDG_CURRENT_DESKTOP", "XDG_SESSION_TYPE"]
EOF2
)
[ "$calls" = "$want" ] || pn_fail "calls to systemd were:
$calls
expected:
$want"
got_env=$(busctl --user call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.DBus.Mock GetEnvironment)
[ "$got_env" = "as 0" ] || pn_fail "left in systemd's environment: $got_env"
pn_pass
