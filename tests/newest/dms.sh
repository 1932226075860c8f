#!/bin/bash
# The real DankMaterialShell on real Quickshell under headless sway, with
# panther next to it (dms-lib.sh), checked on screenshots kept in the
# suite's log folder:
# - panther-powerd's bubble as DMS shows it, for each case of
#   power/notify.c: the first switch pops up; a quick second switch updates
#   that popup in place (no second popup); after the popup timed out a
#   switch pops up again (panther closes the old bubble and sends a new one:
#   DMS shows no popup for a replaced notification whose popup timed out);
# - with DMS_DISABLE_POLKIT=1 panther's agent holds the session and DMS's
#   does not; without it DMS's agent holds the session (its own dialog
#   answers), and panther's agent and `pantherctl doctor` say so plainly;
#   once DMS is gone panther's agent takes the session.
# DMS's power-profile OSD is turned off here (osdPowerProfileEnabled false,
# as the Home Manager module writes it); dms-osd.sh checks the two together.
# Runs inside the namespace (run.sh).
set -u
. "$PANTHER_SOURCE_DIR/tests/newest/dms-lib.sh"

dms_settings '{"osdPowerProfileEnabled": false}'
dms_start DMS_DISABLE_POLKIT=1
pn_note "DMS is up (pid $DMS_PID, $(pn_rss_kib "$DMS_PID") KiB)"
powerd_start
# The start's own bubble, if any, times out first.
sleep 7
shot base
keep base

pn_note "the first switch pops up"
switch performance
shot_until first shows popups || pn_fail "no popup for the first switch (see $LOGS/first.png)"
read -r _ _ x0 y0 x1 y1 < <(popups first)
pn_note "popup at $x0,$y0-$x1,$y1"

pn_note "a quick second switch updates that popup in place"
switch power-saver
updated() {
	local n
	read -r n _ < <(region_changed "$1" first "$x0" "$y0" "$x1" "$y1")
	[ "$n" -gt 100 ] && shows popups "$1"
}
shot_until repeat updated || pn_fail "the popup was not updated by the second switch (see $LOGS/repeat.png)"
read -r _ _ rx0 ry0 rx1 ry1 < <(popups repeat)
[ "$ry1" -le $((y1 + 10)) ] && [ "$ry0" -ge $((y0 - 10)) ] ||
	pn_fail "a second popup appeared for a quick repeat: changed $rx0,$ry0-$rx1,$ry1, the first was $x0,$y0-$x1,$y1"

pn_note "after the popup timed out a switch pops up again"
shot_until timedout no_popup || pn_fail "the popup did not time out (see $LOGS/timedout.png)"
switch balanced
shot_until again shows popups || pn_fail "no popup for a switch after the last one timed out (see $LOGS/again.png)"

pn_note "with DMS_DISABLE_POLKIT=1 panther's agent holds the session"
start_agent() {
	pn_spawn_in_session agent env -u PN_TEST_PASSWORD PANTHER_TEST_OP_DIR="$PK_OP" \
		PANTHER_TEST_PROMPT_DIR="$PK_PROMPT" "$PK_AGENT_BIN" --verbose --config "$PK_CONFIG"
	PK_AGENT_PID=$PN_PID
	PK_AGENT_LOG=$PN_LOG
}
registered() {
	grep -q "registered as the authentication agent for unix-session:$PN_SESSION_ID" "$PK_AGENT_LOG"
}
start_agent
pn_wait_for registered || pn_fail "panther's agent did not take the session beside DMS with DMS_DISABLE_POLKIT=1 (see $PK_AGENT_LOG)"
pk_app_authorize
pk_mode op right
pk_mode prompt confirm
pn_in_session sh -c 'exec pkcheck -a org.freedesktop.policykit.exec -p $$ -u' >/dev/null 2>&1 ||
	pn_fail "a request in the session was not authorized through panther's agent"
grep -q "request 1: .* authorized for $PN_TEST_USER" "$PK_AGENT_LOG" ||
	pn_fail "the request did not go through panther's agent (see $PK_AGENT_LOG)"
pn_stop "$PK_AGENT_PID"
dms_stop

pn_note "without DMS_DISABLE_POLKIT DMS's agent holds the session"
dms_start
dms_pid=$DMS_PID
# DMS registers its agent a moment after its polkit service starts.
pn_wait_for -t 30 grep -q "PolkitService.*Initialized successfully" "$DMS_LOG" ||
	pn_fail "DMS's polkit service did not start (see $DMS_LOG)"
sleep 2
grep -q "failed to register listener" "$DMS_LOG" &&
	pn_fail "DMS's agent could not register: $(grep -m1 "failed to register" "$DMS_LOG")"
start_agent
holder_line() {
	grep -q "another authentication agent holds unix-session:$PN_SESSION_ID: DMS's own polkit agent in Quickshell (pid $dms_pid)" "$PK_AGENT_LOG"
}
pn_wait_for holder_line ||
	pn_fail "panther's agent did not say DMS's agent holds the session: $(grep -m1 'another authentication agent' "$PK_AGENT_LOG")"
registered && pn_fail "panther's agent registered although DMS's agent runs"
pn_in_session env XDG_CONFIG_HOME="$DMS_CONFIG_HOME" "$PANTHERCTL" --config "$PK_CONFIG" doctor >"$LOGS/doctor.txt" 2>&1
grep -q "panther-polkit-agent is not registered: DMS's own polkit agent (Quickshell, pid $dms_pid) holds the session" "$LOGS/doctor.txt" ||
	pn_fail "pantherctl doctor does not say DMS's agent holds the session: $(grep -i polkit "$LOGS/doctor.txt")"
grep -q "DMS_DISABLE_POLKIT=1" "$LOGS/doctor.txt" || pn_fail "pantherctl doctor gives no fix for DMS's agent"

pn_note "DMS's own dialog answers a request"
pn_spawn_in_session dms-request sh -c 'exec pkcheck -a org.freedesktop.policykit.exec -p $$ -u'
request=$PN_PID
# DMS 1.5.3 shows it as a small window of its own under sway ("dms •
# Authentication"), in the middle of the screen.
dialog() {
	local n colors
	read -r n colors _ < <(region_changed "$1" base 200 100 1080 700)
	[ "$n" -gt 3000 ] && [ "$colors" -ge 16 ]
}
shot_until dms-dialog dialog || pn_fail "DMS's polkit dialog did not appear (see $LOGS/dms-dialog.png)"
grep -q "request " "$PK_AGENT_LOG" && pn_fail "panther's agent got a request while DMS's holds the session"
pn_as_user wtype -s 300 "$PN_TEST_PASSWORD"
pn_key Return
pn_wait_exit -t 15 "$request" || pn_fail "DMS's dialog did not answer the request"
wait "$request" || pn_fail "DMS's dialog did not authorize the right password"

pn_note "DMS gone: panther's agent takes the session"
dms_stop
pn_wait_for -t 30 registered || pn_fail "panther's agent did not take the session after DMS left (see $PK_AGENT_LOG)"
pk_stop_agent
power_stop
pn_pass
