#!/bin/bash
# panther-session's command line and start-up errors, and pantherctl session:
# --help, --version, unknown options (2), a bad config (78, one line), no
# Niri (1, clear error, after niri_timeout_s), a second instance (1);
# pantherctl session status / restart NAME / stop.
. "$PANTHER_SOURCE_DIR/tests/integration/session-lib.sh"

out=$("$PANTHER_SESSION" --help) || pn_fail "--help failed"
grep -q -- "--config FILE" <<<"$out" || pn_fail "--help does not list --config"
[ "$("$PANTHER_SESSION" --version)" = "panther-session ${PANTHER_VERSION:-0.1.0}" ] ||
	pn_fail "--version says $("$PANTHER_SESSION" --version)"
rc=0; "$PANTHER_SESSION" --bogus >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || pn_fail "an unknown option gave $rc, expected 2"

printf '{"session": {"mode": "sometimes"}}\n' >"$PN_TMP/bad.json"
rc=0; err=$(NIRI_SOCKET=/nonexistent "$PANTHER_SESSION" --config "$PN_TMP/bad.json" 2>&1) || rc=$?
[ "$rc" -eq 78 ] || pn_fail "a bad config gave exit status $rc, expected 78"
[ "$(wc -l <<<"$err")" -eq 1 ] && grep -q 'session.mode' <<<"$err" ||
	pn_fail "a bad config should give one line naming session.mode: $err"

printf '{"session": {"mode": "direct", "niri_timeout_s": 1}}\n' >"$PN_TMP/config.json"
rc=0; err=$(env -u NIRI_SOCKET "$PANTHER_SESSION" --config "$PN_TMP/config.json" 2>&1) || rc=$?
[ "$rc" -eq 1 ] && grep -q NIRI_SOCKET <<<"$err" || pn_fail "without NIRI_SOCKET: status $rc, $err"
start=$(pn__now_ms)
rc=0; err=$(NIRI_SOCKET=$PN_TMP/no-niri.sock "$PANTHER_SESSION" --config "$PN_TMP/config.json" 2>&1) || rc=$?
took=$(($(pn__now_ms) - start))
[ "$rc" -eq 1 ] || pn_fail "without Niri: exit status $rc, expected 1"
grep -q "Niri did not answer on $PN_TMP/no-niri.sock within 1 s" <<<"$err" || pn_fail "without Niri: $err"
[ "$took" -ge 900 ] && [ "$took" -lt 3000 ] || pn_fail "gave up on Niri after $took ms, expected 1 s"

pn_session_bus
# SIGTERM while still waiting for Niri: a clean exit at once.
printf '{"session": {"mode": "auto", "niri_timeout_s": 30}}\n' >"$PN_TMP/config.json"
NIRI_SOCKET=$PN_TMP/no-niri.sock session_start
pn_wait_for busctl --user status org.pantheros.Session1 || pn_fail "panther-session did not take its bus name"
[ "$(busctl --user get-property org.pantheros.Session1 /org/pantheros/Session1 org.pantheros.Session1 Mode)" = 's "starting"' ] ||
	pn_fail "Mode is not \"starting\" while waiting for Niri"
pn_alive "$SESSION_PID" || pn_fail "panther-session ended while waiting for Niri: $(cat "$SESSION_LOG")"
kill -TERM "$SESSION_PID"
pn_wait_exit -t 2 "$SESSION_PID" || pn_fail "SIGTERM did not end panther-session while it waited for Niri"
session_wait_exit
[ "$SESSION_RC" -eq 0 ] || pn_fail "SIGTERM while waiting for Niri: exit status $SESSION_RC"

rc=0; err=$("$PANTHERCTL" session status 2>&1) || rc=$?
[ "$rc" -eq 1 ] && grep -q "panther-session is not running" <<<"$err" ||
	pn_fail "status without panther-session: $rc $err"
rc=0; "$PANTHERCTL" session frobnicate >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || pn_fail "pantherctl session frobnicate gave $rc, expected 2"

session_niri
cat >"$PN_TMP/config.json" <<'JSON'
{ "session": { "mode": "direct", "services": [ { "name": "sleeper", "argv": ["sleep", "300"] } ] } }
JSON
session_start --verbose
session_wait_log "session is up"
session_log_has "debug:" || pn_fail "--verbose logs no debug lines"

out=$("$PANTHERCTL" session status) || pn_fail "pantherctl session status failed"
pid=$(service_pid sleeper)
grep -q "^mode: direct" <<<"$out" && grep -Eq "^sleeper +running +$pid +0$" <<<"$out" ||
	pn_fail "unexpected status:
$out"

rc=0; err=$("$PANTHER_SESSION" --config "$PN_TMP/config.json" 2>&1) || rc=$?
[ "$rc" -eq 1 ] && grep -q "another panther-session" <<<"$err" || pn_fail "second instance: $rc $err"

"$PANTHERCTL" session restart sleeper || pn_fail "pantherctl session restart failed"
pn_wait_exit -t 5 "$pid" || pn_fail "restart left the old process $pid"
pn_wait_for test "$(service_state sleeper)" = running || pn_fail "sleeper did not come back"
pid2=$(service_pid sleeper)
[ "$pid2" != "$pid" ] || pn_fail "restart kept pid $pid"
"$PANTHERCTL" session status --json | grep -q '"restarts":1' || pn_fail "restart not counted"
rc=0; err=$("$PANTHERCTL" session restart nosuch 2>&1) || rc=$?
[ "$rc" -eq 1 ] && grep -q 'no service named "nosuch"' <<<"$err" || pn_fail "restart nosuch: $rc $err"

"$PANTHERCTL" session stop || pn_fail "pantherctl session stop failed"
session_wait_exit
[ "$SESSION_RC" -eq 0 ] || pn_fail "panther-session exited with $SESSION_RC after pantherctl session stop"
! pn_alive "$pid2" || pn_fail "sleeper (pid $pid2) survived pantherctl session stop"
pn_pass
