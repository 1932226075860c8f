#!/bin/bash
# The Niri stand-in misbehaving under the three Niri clients: panther-powerd
# (app_rules follow the focused window), panther-session (direct mode; its
# session lasts as long as Niri) and panther-niri-watch:
# - malformed lines (not JSON, wrong types, binary, NUL, a 900 KiB line, an
#   over-long one): each is skipped with a warning; state stays right;
# - 10,000 events in one burst, twice: the clients keep up or, when Niri
#   drops a slow reader, resync; the focused app still decides the profile;
# - the event stream closed in the middle of a line while Niri keeps
#   running: powerd and the watcher reconnect and resync, panther-session
#   does not take it for the end of Niri;
# - Niri restarted with other windows: powerd and the watcher pick up the new
#   state; panther-session ends the session (exit 0), as when Niri quits.
# Nothing crashes, and RSS after the second burst is within 512 KiB of RSS
# after the first.
set -u
. "$PANTHER_SOURCE_DIR/tests/faults/lib.sh"
. "$PANTHER_SOURCE_DIR/tests/integration/power-lib.sh"

pn_need_cmd "$PN_PYTHON"
sock=$PN_TMP/niri.sock

niri_ctl() {
	"$PN_PYTHON" "$FT_NIRI_STANDIN" ctl "$sock.ctl" "$1" >/dev/null ||
		pn_fail "stand-in command failed: $1"
}
raw() {
	local json
	json=$("$PN_PYTHON" -c 'import json, sys; print(json.dumps({"cmd": "raw", "line": sys.argv[1]}))' "$1")
	niri_ctl "$json"
}
streams() {
	"$PN_PYTHON" "$FT_NIRI_STANDIN" ctl "$sock.ctl" '{"cmd":"dump"}' |
		"$PN_PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["streams"])'
}
# all_alive: every client still runs.
all_alive() {
	pn_alive "$POWERD_PID" || pn_fail "panther-powerd died (see $POWERD_LOG)"
	pn_alive "$WATCH_PID" || pn_fail "panther-niri-watch died (see $WATCH_LOG)"
	if [ -n "${SESSION_PID:-}" ]; then
		pn_alive "$SESSION_PID" || pn_fail "panther-session ended (see $SESSION_LOG)"
	fi
}
# focus_checks WHAT: focusing a steam window holds performance, a terminal
# gives balanced back; the watcher prints both.
focus_checks() {
	ft_mark "$WATCH_LOG"
	niri_ctl '{"cmd":"focus","id":1}'
	expect_ppd performance "$1: steam focused"
	ft_expect_log "$WATCH_LOG" 'focus: window 1: app_id="steam_app_42"'
	niri_ctl '{"cmd":"focus","id":2}'
	expect_ppd balanced "$1: terminal focused"
	ft_expect_log "$WATCH_LOG" 'focus: window 2: app_id="foot"'
}
rss_all() {
	echo "$(pn_rss_kib "$POWERD_PID") $(pn_rss_kib "$WATCH_PID") $(pn_rss_kib "$SESSION_PID")"
}
# The last title reached the watcher, or it was dropped and resynced.
burst_seen() {
	ft_since "$WATCH_LOG" | grep -qE 'title="burst 10000"|connected:'
}
burst() {
	local start
	start=$(pn__now_ms)
	ft_mark "$WATCH_LOG"
	niri_ctl '{"cmd":"burst","n":10000,"id":2}'
	pn_wait_for -t 30 burst_seen || pn_fail "the watcher neither saw the whole burst nor resynced"
	pn_note "burst of 10,000: $(($(pn__now_ms) - start)) ms, $(grep -c 'fell 64 events behind' "$NIRI_LOG") slow readers dropped so far"
}

ft_niri
niri_ctl '{"cmd":"open_window","id":1,"app_id":"steam_app_42","title":"Game","focused":false}'
niri_ctl '{"cmd":"open_window","id":2,"app_id":"foot","title":"shell"}'

power_mocks
power_config '{"power": {"on_ac": "balanced", "app_rules": [{"app_id": "^steam_app_", "profile": "performance"}]}}'
power_start
ft_session_direct
pn_spawn watch "$FT_NIRI_WATCH" --socket "$sock"
WATCH_PID=$PN_PID
WATCH_LOG=$PN_LOG
pn_wait_for grep -q "connected: 2 windows" "$WATCH_LOG" || pn_fail "the watcher did not connect"
pn_wait_for test "$(streams)" -eq 3 || pn_fail "not three event streams: $(streams)"
focus_checks "start"

pn_note "first burst"
burst
all_alive
focus_checks "after the first burst"
sleep 0.5
read -r rss_powerd rss_watch rss_session <<<"$(rss_all)"

pn_note "malformed lines"
ft_mark "$POWERD_LOG"
ft_mark "$WATCH_LOG"
raw 'not json at all'
raw '{'
raw '[1, 2, 3]'
raw '"WindowClosed"'
raw '{"WindowClosed": {"id": "eight"}}'
raw '{"WindowClosed": {"id": -1}}'
raw '{"WindowFocusChanged": {"id": 1.5}}'
raw '{"WindowOpenedOrChanged": {"window": 5}}'
raw '{"WindowOpenedOrChanged": {"window": {"id": "1", "app_id": "steam_app_1"}}}'
raw '{"WindowsChanged": {"windows": "all"}}'
raw '{"WindowsChanged": {"windows": [{"id": -5}]}}'
raw '{"WorkspacesChanged": null}'
raw $'{"WindowFocusChanged": {"id": 1}\x01\x02}'
raw '{"WindowFocusChanged": {"id": 1}} trailing'
niri_ctl '{"cmd":"raw","line":"\u00ff\u00fe garbage \u0000 with a NUL"}'
raw ''
niri_ctl '{"cmd":"long_line","bytes":900000}'
ft_expect_log "$WATCH_LOG" 'warning: niri event WindowClosed: id: expected an unsigned integer'
ft_expect_log "$POWERD_LOG" 'warning: niri event is not valid JSON: it ends too early'
sleep 0.2
pn_note "malformed lines: the watcher warned $(ft_since "$WATCH_LOG" | grep -c warning) times, panther-powerd $(ft_since "$POWERD_LOG" | grep -c warning) times"
grep -q "window . closed" <(ft_since "$WATCH_LOG") && pn_fail "a malformed event closed a window"
all_alive
focus_checks "after malformed lines"
ft_mark "$WATCH_LOG"
niri_ctl '{"cmd":"long_line","bytes":1100000}'
ft_expect_log "$WATCH_LOG" "niri sent a line longer than 1048576 bytes"
all_alive
focus_checks "after an over-long line"

pn_note "the event stream closed in the middle of a line"
ft_mark "$WATCH_LOG"
ft_mark "$POWERD_LOG"
ft_mark "$SESSION_LOG"
niri_ctl '{"cmd":"focus","id":1}'
expect_ppd performance "steam focused before the cut"
niri_ctl '{"cmd":"close_midline"}'
niri_ctl '{"cmd":"focus","id":2}'
ft_expect_log "$WATCH_LOG" "connected: 2 windows"
ft_expect_log "$POWERD_LOG" "niri: event stream ended"
ft_expect_log "$SESSION_LOG" "but still answers: opening it again"
ft_expect_log "$SESSION_LOG" "niri: reading the event stream again"
expect_ppd balanced "the focus change made while the stream was cut"
pn_wait_for test "$(streams)" -eq 3 || pn_fail "the clients did not all reconnect: $(streams) streams"
all_alive
focus_checks "after the cut"

pn_note "second burst"
burst
all_alive
focus_checks "after the second burst"
sleep 0.5
read -r rss_powerd2 rss_watch2 rss_session2 <<<"$(rss_all)"
pn_note "RSS after the first burst / at the end (KiB): panther-powerd $rss_powerd/$rss_powerd2, panther-niri-watch $rss_watch/$rss_watch2, panther-session $rss_session/$rss_session2"
for pair in "panther-powerd $rss_powerd $rss_powerd2" "panther-niri-watch $rss_watch $rss_watch2" \
	"panther-session $rss_session $rss_session2"; do
	set -- $pair
	ft_rss_within "$1" "$2" "$3" 512
done

pn_note "Niri restarted with other windows"
ft_mark "$WATCH_LOG"
niri_ctl '{"cmd":"quit"}'
pn_wait_exit -t 5 "$NIRI_PID" || pn_fail "the stand-in did not quit"
pn_wait_exit -t 10 "$SESSION_PID" || pn_fail "panther-session did not end with Niri"
wait "$SESSION_PID"
rc=$?
[ "$rc" -eq 0 ] || pn_fail "panther-session exited with $rc when Niri quit"
grep -q "stopping the session: Niri is gone" "$SESSION_LOG" || pn_fail "panther-session did not say Niri is gone"
ft_no_sanitizer "$SESSION_LOG"
SESSION_PID=
expect_ppd balanced "Niri gone"
printf '%s\n' '{"windows":[{"id":7,"app_id":"steam_app_7","title":"Other game","focused":true}]}' >"$PN_TMP/state.json"
ft_niri --state "$PN_TMP/state.json"
ft_expect_log "$WATCH_LOG" "connected: 1 windows"
ft_expect_log "$WATCH_LOG" 'focus: window 7: app_id="steam_app_7"'
expect_ppd performance "the new Niri's focused steam window"
all_alive
ft_stop panther-niri-watch "$WATCH_PID" "$WATCH_LOG"
power_stop
pn_pass
