# shellcheck shell=bash
# What the session-*.sh tests share: the harness, panther-session, the Niri
# stand-in and a listener for sd_notify datagrams.

. "$PANTHER_SOURCE_DIR/tests/harness/lib.sh"

PANTHER_SESSION=$PANTHER_BUILD_DIR/session/panther-session
PANTHERCTL=${PANTHERCTL:-$PANTHER_BUILD_DIR/ipc/pantherctl}
NIRI_STANDIN=$PANTHER_SOURCE_DIR/tests/harness/niri-standin.py
[ -x "$PANTHER_SESSION" ] || pn_fail "no panther-session at $PANTHER_SESSION (build first)"

# session_niri: starts the Niri stand-in and exports NIRI_SOCKET; sets NIRI_PID.
session_niri() {
	pn_need_cmd "$PN_PYTHON"
	pn_spawn niri "$PN_PYTHON" "$NIRI_STANDIN" "$PN_TMP/niri.sock"
	NIRI_PID=$PN_PID
	pn_wait_for grep -qx ready "$PN_LOG" || pn_fail "the Niri stand-in did not start (see $PN_LOG)"
	export NIRI_SOCKET=$PN_TMP/niri.sock
}

# niri_ctl JSON: one command to the stand-in's control socket.
niri_ctl() {
	"$PN_PYTHON" "$NIRI_STANDIN" ctl "$NIRI_SOCKET.ctl" "$1"
}

# session_notify_listener: a datagram socket at $PN_TMP/notify that appends
# what it receives to $PN_TMP/notify.log; exports NOTIFY_SOCKET.
session_notify_listener() {
	pn_spawn notify-listener "$PN_PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("listening", flush=True)
while True:
    data = s.recv(4096)
    with open(sys.argv[2], "ab") as f:
        f.write(data + b"\n")
' "$PN_TMP/notify" "$PN_TMP/notify.log"
	pn_wait_for grep -q listening "$PN_LOG" || pn_fail "notify listener did not start"
	export NOTIFY_SOCKET=$PN_TMP/notify
}

# session_start [ARGS...]: starts panther-session with --config
# $PN_TMP/config.json; sets SESSION_PID and SESSION_LOG.
session_start() {
	pn_spawn panther-session "$PANTHER_SESSION" --config "$PN_TMP/config.json" "$@"
	SESSION_PID=$PN_PID
	SESSION_LOG=$PN_LOG
}

# session_log_has TEXT: panther-session's log has a line containing TEXT.
session_log_has() {
	grep -qF -- "$1" "$SESSION_LOG"
}

# session_wait_log TEXT [SECONDS]: waits until the log has TEXT; fails otherwise.
session_wait_log() {
	pn_wait_for -t "${2:-10}" session_log_has "$1" ||
		pn_fail "panther-session never logged \"$1\""
}

# session_wait_exit: waits (up to 10 s) for panther-session to end and sets
# SESSION_RC to its exit status. Call it in the test's shell, not in $(...).
session_wait_exit() {
	pn_wait_exit -t 10 "$SESSION_PID" || pn_fail "panther-session (pid $SESSION_PID) did not exit"
	SESSION_RC=0
	wait "$SESSION_PID" || SESSION_RC=$?
}

# service_pid NAME: the pid pantherctl session status --json gives for NAME.
service_pid() {
	"$PANTHERCTL" session status --json |
		"$PN_PYTHON" -c 'import json, sys
d = json.load(sys.stdin)
print(next(s["pid"] for s in d["services"] if s["name"] == sys.argv[1]) or 0)' "$1"
}

# service_state NAME: its state in pantherctl session status --json.
service_state() {
	"$PANTHERCTL" session status --json |
		"$PN_PYTHON" -c 'import json, sys
d = json.load(sys.stdin)
print(next(s["state"] for s in d["services"] if s["name"] == sys.argv[1]))' "$1"
}
