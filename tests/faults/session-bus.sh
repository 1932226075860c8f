#!/bin/bash
# The session bus goes away under the running daemons (dbus-daemon killed):
# - panther-powerd says so in one line and exits with status 1 (its unit
#   restarts it on failure);
# - panther-session in systemd mode likewise (the user manager restarts it);
#   in direct mode it says so and keeps supervising its services, which
#   nothing else would do;
# - panther-polkit-agent says so, finishes the request in progress (the
#   user's pkcheck is authorized), then exits with status 1;
# none of them spins meanwhile: CPU time stays near zero until the exit.
set -u
. "$PANTHER_SOURCE_DIR/tests/faults/lib.sh"
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"

pn_need_cmd "$PN_PYTHON"
action=org.freedesktop.policykit.exec
# op answers nothing; after timeout_s (2 s) the prompt answers.
pk_setup 2
pk_subject
pk_agent
empty_config=$PN_TMP/no-config.json

ft_niri

# A CPU budget while the bus is gone: 0.2 s (ASan builds are slower).
budget=20
ft_sanitized && budget=40

# watch_exits NAME:PID:LOG:STATUS...: kills the session bus, then samples
# each PID's CPU time until it exits (10 s at most); each must log "lost the session bus:
# stopping", exit with STATUS and use at most $budget ticks meanwhile.
watch_exits() {
	local spec name pid log want i any t
	local -A first last
	for spec in "$@"; do
		IFS=: read -r name pid log want <<<"$spec"
		first[$pid]=$(ft_cpu_ticks "$pid") || pn_fail "$name (pid $pid) was gone before the bus"
		last[$pid]=${first[$pid]}
	done
	kill -KILL "$PN_SESSION_BUS_PID"
	for ((i = 0; i < 200; i++)); do
		any=
		for spec in "$@"; do
			IFS=: read -r name pid log want <<<"$spec"
			if t=$(ft_cpu_ticks "$pid" 2>/dev/null) && pn_alive "$pid"; then
				last[$pid]=$t
				any=1
			fi
		done
		[ -n "$any" ] || break
		sleep 0.05
	done
	local text="lost the session bus: stopping" rc
	for spec in "$@"; do
		IFS=: read -r name pid log want <<<"$spec"
		pn_alive "$pid" && pn_fail "$name still runs 10 s after the session bus went away"
		wait "$pid"
		rc=$?
		[ "$rc" -eq "$want" ] || pn_fail "$name exited with $rc, expected $want (see $log)"
		grep -qF -- "$text" "$log" || pn_fail "$name did not say: $text"
		[ $((last[$pid] - first[$pid])) -le "$budget" ] ||
			pn_fail "$name used $((last[$pid] - first[$pid])) ticks of CPU before exiting"
		ft_no_sanitizer "$log"
		pn_note "$name: \"$(grep -m1 -F -- "$text" "$log")\", exit $rc, $((last[$pid] - first[$pid])) ticks of CPU"
	done
}

pn_note "round 1: panther-powerd, panther-session (systemd mode), the agent with a request"
pn_spawn powerd "$FT_POWERD" --config "$empty_config"
powerd_pid=$PN_PID
powerd_log=$PN_LOG
pn_wait_for busctl --user status org.pantheros.Power1 || pn_fail "panther-powerd did not start (see $powerd_log)"
pn_dbusmock "$PANTHER_SOURCE_DIR/tests/harness/systemd_template.py"
printf '%s\n' '{"session": {"mode": "systemd"}}' >"$PN_TMP/session-systemd.json"
pn_spawn session-systemd "$FT_SESSION" --config "$PN_TMP/session-systemd.json"
session_pid=$PN_PID
session_log=$PN_LOG
pn_wait_for grep -q "panther-session.target: started" "$session_log" ||
	pn_fail "panther-session did not start the target (see $session_log)"

pk_mode op hang
pk_mode prompt right
pn_spawn_as_user pending pkcheck -a "$action" -p "$PK_SUBJECT" -u
pending=$PN_PID
pn_wait_for test -e "$PK_OP/pid.1" || pn_fail "the request did not reach op"

sleep 0.3
watch_exits "panther-powerd:$powerd_pid:$powerd_log:1" \
	"panther-session (systemd mode):$session_pid:$session_log:1" \
	"panther-polkit-agent:$PK_AGENT_PID:$PK_AGENT_LOG:1"
# The request in progress ends as it would have: the prompt answers.
pn_wait_exit -t 10 "$pending" || pn_fail "the pending request did not end"
wait "$pending"
rc=$?
[ "$rc" -eq 0 ] || pn_fail "the request pending while the bus went away was not authorized (pkcheck $rc)"
# The agent finished the request first: authorized, then the exit.
grep -q "request 1: .* authorized for $PN_TEST_USER" "$PK_AGENT_LOG" ||
	pn_fail "the request in progress was not finished before the agent exited"
grep -E "authorized for|no request in progress: exiting" "$PK_AGENT_LOG" | tail -n 1 |
	grep -q "no request in progress: exiting" || pn_fail "the agent did not exit after the request ended"
pk_no_secret_in "$PK_AGENT_LOG"

pn_note "round 2: panther-session in direct mode keeps its services"
rm -f "$PN_TMP/session-bus"
pn_session_bus
ft_session_direct
session_pid=$SESSION_PID
session_log=$SESSION_LOG
sleeper=$(pgrep -P "$session_pid" -x sleep)
[ -n "$sleeper" ] || pn_fail "the service does not run"
kill -KILL "$PN_SESSION_BUS_PID"
pn_wait_for grep -q "lost the session bus" "$session_log" || pn_fail "panther-session did not say the bus is gone"
sleep 0.2
before=$(ft_cpu_ticks "$session_pid")
sleep 2
after=$(ft_cpu_ticks "$session_pid")
[ $((after - before)) -le "$budget" ] || pn_fail "panther-session used $((after - before)) ticks of CPU in 2 s without its bus"
pn_alive "$sleeper" || pn_fail "the service stopped with the bus"
# It still supervises: a crashed service is started again.
kill -KILL "$sleeper"
new_sleeper() { pgrep -P "$session_pid" -x sleep | grep -qvx "$sleeper"; }
pn_wait_for new_sleeper || pn_fail "the service was not restarted without the bus"
kill -TERM "$session_pid"
pn_wait_exit -t 10 "$session_pid" || pn_fail "panther-session did not stop on SIGTERM"
wait "$session_pid"
rc=$?
[ "$rc" -eq 0 ] || pn_fail "panther-session exited with $rc on SIGTERM"
ft_no_sanitizer "$session_log"
pn_note "panther-session (direct mode): \"$(grep -m1 "lost the session bus" "$session_log")\", $((after - before)) ticks in 2 s"
pn_pass
