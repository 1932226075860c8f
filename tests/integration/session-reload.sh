#!/bin/bash
# SIGHUP re-reads the config: a changed service restarts, an added one
# starts, a removed one stops, the others keep running untouched; a broken
# file changes nothing and the error is logged. SIGTERM then stops
# everything and panther-session exits 0.
. "$PANTHER_SOURCE_DIR/tests/integration/session-lib.sh"

pn_session_bus
session_niri

write_config() {
	"$PN_PYTHON" - "$@" >"$PN_TMP/config.json.new" <<'PY'
import json, sys
services = []
for spec in sys.argv[1:]:
    name, _, value = spec.partition("=")
    services.append({"name": name, "argv": ["sleep", "300"], "env": {"VERSION": value}})
print(json.dumps({"session": {"mode": "direct", "services": services}}))
PY
	mv "$PN_TMP/config.json.new" "$PN_TMP/config.json"
}

write_config a=1 b=1 c=1
session_start
session_wait_log "session is up"
a=$(service_pid a) b=$(service_pid b) c=$(service_pid c)
pn_note "pids before: a=$a b=$b c=$c"
[ "$a" -gt 0 ] && [ "$b" -gt 0 ] && [ "$c" -gt 0 ] || pn_fail "services did not all start"
grep -qx VERSION=1 <(tr '\0' '\n' <"/proc/$b/environ") || pn_fail "b does not have its env"

# b changes, c goes, d comes; a stays as it was.
write_config a=1 b=2 d=1
kill -HUP "$SESSION_PID"
session_wait_log "d: started"
pn_wait_exit -t 5 "$c" || pn_fail "removed service c (pid $c) still runs"
pn_wait_exit -t 5 "$b" || pn_fail "changed service b kept its old process $b"
pn_wait_for test "$(service_state b)" = running || pn_fail "b did not come back"
b2=$(service_pid b) d=$(service_pid d)
pn_note "pids after: a=$(service_pid a) b=$b2 d=$d"
[ "$(service_pid a)" = "$a" ] || pn_fail "unchanged service a was restarted"
[ "$b2" != "$b" ] && [ "$b2" -gt 0 ] || pn_fail "b was not restarted"
grep -qx VERSION=2 <(tr '\0' '\n' <"/proc/$b2/environ") || pn_fail "b runs without its new env"
[ "$d" -gt 0 ] || pn_fail "added service d does not run"
"$PANTHERCTL" session status --json | grep -q '"name":"c"' && pn_fail "c is still listed"

# A broken file: an error line, nothing changes.
printf '{"session": {"services": [{"name": "a"}]}}\n' >"$PN_TMP/config.json"
kill -HUP "$SESSION_PID"
session_wait_log "keeping the configuration in use"
grep -F "keeping the configuration in use" "$SESSION_LOG" | grep -q "session.services\[0\]" ||
	pn_fail "the error line does not name the bad key: $(grep -F keeping "$SESSION_LOG")"
sleep 0.5
[ "$(service_pid a)" = "$a" ] && [ "$(service_pid b)" = "$b2" ] && [ "$(service_pid d)" = "$d" ] ||
	pn_fail "a broken config changed the services"
pn_alive "$a" && pn_alive "$b2" && pn_alive "$d" || pn_fail "a broken config stopped services"

# SIGTERM: everything stops, exit status 0.
kill -TERM "$SESSION_PID"
session_wait_exit
[ "$SESSION_RC" -eq 0 ] || pn_fail "panther-session exited with $SESSION_RC after SIGTERM"
for pid in "$a" "$b2" "$d"; do
	! pn_alive "$pid" || pn_fail "pid $pid survived SIGTERM of panther-session"
done
pn_pass
