#!/bin/bash
# panther-niri-watch against the Niri stand-in: what a script does to niri
# (windows, focus, workspaces, layouts, config reloads, garbage on the
# stream) shows up in the tool's output; niri quitting is reported, and a
# watcher that waits for niri picks the new one up by itself.
set -u
# shellcheck source=../harness/lib.sh
. "$PANTHER_SOURCE_DIR/tests/harness/lib.sh"

pn_need_cmd "$PN_PYTHON"
watch=$PANTHER_BUILD_DIR/ipc/tools/panther-niri-watch
standin=$PANTHER_SOURCE_DIR/tests/harness/niri-standin.py
[ -x "$watch" ] || pn_fail "$watch was not built"

sock=$PN_TMP/niri.sock
ctl=$sock.ctl

start_standin() {
	pn_spawn niri-standin "$PN_PYTHON" "$standin" "$sock" "$@"
	standin_pid=$PN_PID
	standin_log=$PN_LOG
	pn_wait_for grep -qx ready "$standin_log" || pn_fail "the niri stand-in did not start"
}

niri_ctl() {
	"$PN_PYTHON" "$standin" ctl "$ctl" "$1" >/dev/null || pn_fail "stand-in command failed: $1"
}

# expect LOG TEXT: TEXT appears in LOG after the mark set by mark LOG.
declare -A marks
mark() {
	marks[$1]=$(wc -l <"$1")
}
seen_after_mark() {
	tail -n +"$((marks[$1] + 1))" "$1" | grep -qF -- "$2"
}
expect() {
	pn_wait_for -t 5 seen_after_mark "$1" "$2" ||
		pn_fail "$(basename "$1") did not show: $2"
}

start_standin
pn_spawn watch env NIRI_SOCKET="$sock" "$watch" --exit
watch_pid=$PN_PID
out=$PN_LOG
pn_spawn watch-reconnect "$watch" --socket "$sock"
out2=$PN_LOG
marks[$out]=0
marks[$out2]=0
expect "$out" "connected: 0 windows, 2 workspaces"
expect "$out" "workspaces: 1* 2(chat)"
expect "$out" "layout: English (US)"
expect "$out2" "connected: 0 windows, 2 workspaces"

pn_note "windows and focus"
mark "$out"
niri_ctl '{"cmd":"open_window","id":7,"app_id":"org.gnome.Nautilus","title":"Files","pid":1234}'
expect "$out" 'window 7 opened: app_id="org.gnome.Nautilus" title="Files" workspace=1 pid=1234'
expect "$out" 'focus: window 7: app_id="org.gnome.Nautilus" title="Files"'
mark "$out"
niri_ctl '{"cmd":"open_window","id":8,"app_id":"firefox","title":"News","focused":false}'
expect "$out" 'window 8 opened: app_id="firefox" title="News"'
niri_ctl '{"cmd":"focus","id":8}'
expect "$out" 'focus: window 8: app_id="firefox" title="News"'
mark "$out"
niri_ctl '{"cmd":"set_title","id":8,"title":"Breaking\nnews"}'
expect "$out" 'window 8 changed: app_id="firefox" title="Breaking?news"'
niri_ctl '{"cmd":"close","id":7}'
expect "$out" 'window 7 closed'
# niri 25.11 writes non-ASCII text as raw UTF-8, not \u escapes.
niri_ctl '{"cmd":"set_title","id":8,"title":"Grüße ☕"}'
expect "$out" 'window 8 changed: app_id="firefox" title="Grüße ☕"'
mark "$out"
niri_ctl '{"cmd":"focus","id":null}'
expect "$out" 'focus: none'

pn_note "workspaces, layouts, config"
mark "$out"
niri_ctl '{"cmd":"activate_workspace","id":2}'
expect "$out" 'workspaces: 1 2(chat)*'
niri_ctl '{"cmd":"switch_layout","idx":1}'
expect "$out" 'layout: German'
niri_ctl '{"cmd":"config_loaded","failed":true}'
expect "$out" 'config: failed to load'

pn_note "unknown events and garbage are skipped"
mark "$out"
niri_ctl '{"cmd":"unknown"}'
niri_ctl '{"cmd":"raw","line":"{\"WindowClosed\":{\"id\":\"eight\"}}"}'
niri_ctl '{"cmd":"open_window","id":9,"app_id":"foot","title":"shell"}'
expect "$out" 'warning: niri event WindowClosed: id: expected an unsigned integer'
expect "$out" 'window 9 opened: app_id="foot" title="shell"'
pn_alive "$watch_pid" || pn_fail "panther-niri-watch died on bad input"
grep -q 'window 8 closed' "$out" && pn_fail "a malformed WindowClosed closed window 8"

pn_note "an idle client does not wake up"
sleep 0.3
before=$(pn_voluntary_switches "$watch_pid")
sleep 1.5
after=$(pn_voluntary_switches "$watch_pid")
[ "$after" -eq "$before" ] || pn_fail "idle panther-niri-watch woke up $((after - before)) times in 1.5 s"

pn_note "niri quits"
mark "$out"
mark "$out2"
niri_ctl '{"cmd":"quit"}'
expect "$out" 'niri gone: niri closed the event stream'
pn_wait_exit -t 5 "$watch_pid" || pn_fail "panther-niri-watch --exit kept running after niri quit"
wait "$watch_pid"
rc=$?
[ "$rc" -eq 0 ] || pn_fail "panther-niri-watch --exit exited with $rc"
pn_wait_exit -t 5 "$standin_pid" || pn_fail "the stand-in did not exit on quit"
[ -e "$sock" ] && pn_fail "the stand-in left its socket behind"
expect "$out2" 'niri gone: niri closed the event stream'

pn_note "a new niri is picked up"
printf '%s\n' '{"windows":[{"id":3,"app_id":"kitty","title":"top","focused":true}]}' >"$PN_TMP/state.json"
start_standin --state "$PN_TMP/state.json"
expect "$out2" 'connected: 1 windows, 2 workspaces'
expect "$out2" 'focus: window 3: app_id="kitty" title="top"'

pn_note "no niri at all"
"$watch" --socket "$PN_TMP/nothing.sock" --exit >"$PN_TMP/none.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] || pn_fail "panther-niri-watch without niri exited with $rc, expected 1"
grep -q "niri gone: cannot connect to niri at $PN_TMP/nothing.sock" "$PN_TMP/none.out" ||
	pn_fail "no clear line without niri: $(cat "$PN_TMP/none.out")"
env -u NIRI_SOCKET "$watch" >"$PN_TMP/unset.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q "NIRI_SOCKET is not set" "$PN_TMP/unset.out" ||
	pn_fail "without NIRI_SOCKET: status $rc, $(cat "$PN_TMP/unset.out")"

pn_pass
