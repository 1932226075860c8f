#!/bin/bash
# panther-session in direct mode with the Niri stand-in: services start in
# "after" order (waiting for a "ready" D-Bus name), get our environment plus
# their own, have their output logged; a failing service restarts with
# growing delays until a crash loop stops it and one notification says so;
# READY=1 goes to $NOTIFY_SOCKET; when Niri quits every service and its
# children are gone within 6 s and panther-session exits 0.
. "$PANTHER_SOURCE_DIR/tests/integration/session-lib.sh"

pn_session_bus
pn_dbusmock notification_daemon
NOTIFY_CALLS=$PN_DBUSMOCK_LOG
session_niri
session_notify_listener
export WAYLAND_DISPLAY=wayland-test
T=$PN_TMP

"$PN_PYTHON" - "$T" >"$T/config.json" <<'PY'
import json, sys
t = sys.argv[1]
# second.ready: when it asks for its name (third may start only after that).
own_name = ("import dbus, time; time.sleep(0.5); b = dbus.SessionBus(); "
            f"open('{t}/second.ready', 'w').write(str(time.time_ns() // 1000)); "
            "b.request_name('org.example.Second'); time.sleep(300)")
print(json.dumps({"session": {"mode": "auto", "services": [
    {"name": "third", "after": ["second"],
     "argv": ["sh", "-c", f"echo third $(date +%s%6N) >>{t}/order; echo $$ >>{t}/pids; exec sleep 300"]},
    {"name": "first", "env": {"SERVICE_VAR": "from-config"},
     "argv": ["sh", "-c", f"echo first $(date +%s%N) >>{t}/order; echo $$ >>{t}/pids; "
              f"env >{t}/first.env; sleep 300 & echo $! >>{t}/pids; wait"]},
    {"name": "second", "after": ["first"], "ready": {"dbus_name": "org.example.Second"},
     "argv": ["sh", "-c", f"echo second $(date +%s%N) >>{t}/order; echo $$ >>{t}/pids; "
              f"(trap '' TERM; exec sleep 301) & echo $! >>{t}/pids; "
              f"exec /usr/bin/python3 -c \"{own_name}\""]},
    {"name": "crasher", "restart": "on-failure",
     "argv": ["sh", "-c", f"date +%s%N >>{t}/crash.times; echo crash output; exit 1"]},
]}}))
PY

session_start
session_wait_log "session is up" 15
pn_wait_for grep -qx READY=1 "$T/notify.log" || pn_fail "no READY=1 on \$NOTIFY_SOCKET"
session_log_has "mode auto: systemd's user manager is not on the session bus" ||
	pn_fail "mode auto did not choose direct mode without systemd"

# Order: first, second, then third only once second's name is on the bus.
mapfile -t order < <(sed -n 's/^panther-session: \([a-z]*\): started (pid [0-9]*)$/\1/p' "$SESSION_LOG" |
	grep -v crasher | head -n 3)
[ "${order[*]}" = "first second third" ] || pn_fail "start order was: ${order[*]}"
third_at=$(awk '$1 == "third" { print $2 }' "$T/order")
ready_at=$(cat "$T/second.ready")
[ "$third_at" -ge "$ready_at" ] || pn_fail "third started before second was ready"
pn_note "order: ${order[*]}; third started $((third_at - ready_at)) us after second asked for its name"

# Environment: ours plus the service's own; not our NOTIFY_SOCKET.
grep -qx "WAYLAND_DISPLAY=wayland-test" "$T/first.env" || pn_fail "service does not see WAYLAND_DISPLAY"
grep -qx "NIRI_SOCKET=$NIRI_SOCKET" "$T/first.env" || pn_fail "service does not see NIRI_SOCKET"
grep -qx "SERVICE_VAR=from-config" "$T/first.env" || pn_fail "service does not see its env"
! grep -q "^NOTIFY_SOCKET=" "$T/first.env" || pn_fail "service got our NOTIFY_SOCKET"

# Crash loop: five starts with growing delays, then no more, one notification.
session_wait_log "crasher: ended 5 times within 60 s" 20
session_log_has "crasher: crash output" || pn_fail "service output is not in the log"
sleep 1
[ "$(wc -l <"$T/crash.times")" -eq 5 ] || pn_fail "crasher started $(wc -l <"$T/crash.times") times, expected 5"
gaps=$(awk 'NR > 1 { printf "%d ", ($1 - prev) / 1000000 } { prev = $1 }' "$T/crash.times")
pn_note "delays between crasher's starts (ms): $gaps"
read -r -a g <<<"$gaps"
[ "${g[0]}" -ge 450 ] || pn_fail "first restart after ${g[0]} ms, expected 500"
for i in 1 2 3; do
	[ "${g[i]}" -ge $((g[i - 1] * 3 / 2)) ] || pn_fail "delays do not grow: $gaps"
done
pn_wait_for grep -q "crasher keeps crashing" "$NOTIFY_CALLS" || pn_fail "no crash-loop notification"
[ "$(grep -c '^[0-9.]* Notify ' "$NOTIFY_CALLS")" -eq 1 ] || pn_fail "expected one notification: $(cat "$NOTIFY_CALLS")"
[ "$(service_state crasher)" = failed ] || pn_fail "crasher is $(service_state crasher), expected failed"
[ "$(service_state second)" = running ] || pn_fail "second is $(service_state second)"

# Niri quits: everything is gone within 6 s, exit status 0.
mapfile -t pids <"$T/pids"
[ "${#pids[@]}" -eq 5 ] || pn_fail "expected 5 recorded pids, got ${#pids[*]}"
start=$(pn__now_ms)
niri_ctl '{"cmd": "quit"}' >/dev/null
pn_wait_exit -t 7 "$SESSION_PID" || pn_fail "panther-session still runs 7 s after Niri quit"
for pid in "${pids[@]}"; do
	! pn_alive "$pid" || pn_fail "pid $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline")) survived the session"
done
elapsed=$(($(pn__now_ms) - start))
session_wait_exit
[ "$SESSION_RC" -eq 0 ] || pn_fail "panther-session exited with $SESSION_RC"
[ "$elapsed" -le 6000 ] || pn_fail "stopping took $elapsed ms"
session_log_has "second: still running after SIGTERM: killing it" ||
	pn_fail "the child ignoring SIGTERM was not killed by SIGKILL"
pn_note "everything gone $elapsed ms after Niri quit"
pn_pass
