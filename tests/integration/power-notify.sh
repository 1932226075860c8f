#!/bin/bash
# The profile bubble under DMS's notification server (Quickshell's rules,
# tests/harness/notify_template.py): switches in quick succession update one
# bubble in place; a switch after the bubble timed out (5 s) pops up a new
# one, because Quickshell only updates a replaced notification it still
# tracks, and DMS keeps tracking a popup that timed out.
. "$PANTHER_SOURCE_DIR/tests/integration/power-lib.sh"

power_mocks
power_config '{"power": {"host": "zephyrus"}}'
power_start
expect_ppd performance "start on AC"

# last_message: the last line the server logged about a message (popup or update).
last_message() {
	grep -E '^[0-9.]+ (popup|update) ' "$NOTIFY_CALLS" | tail -n 1 | cut -d' ' -f2-
}

pn_note "three switches 6 s apart: three popups"
popups=$(popup_count)
for profile in power-saver balanced performance; do
	before=$(popup_count)
	ctl_ok power set "$profile"
	pn_wait_for -t 5 eval '[ "$(popup_count)" -gt '"$before"' ]' ||
		pn_fail "no popup for $profile after the last bubble timed out: $(last_message)"
	sleep 6
done
[ "$(popup_count)" -eq $((popups + 3)) ] ||
	pn_fail "expected 3 popups, got $(($(popup_count) - popups)): $(tail -n 8 "$NOTIFY_CALLS")"
grep -qE '^[0-9.]+ closed ' "$NOTIFY_CALLS" ||
	pn_fail "the timed-out bubbles were not closed before new ones (Quickshell would keep tracking them)"

pn_note "three switches within 1 s: one bubble, updated in place"
popups=$(popup_count)
updates=$(grep -cE '^[0-9.]+ update ' "$NOTIFY_CALLS" || true)
ctl_ok power set power-saver
ctl_ok power set balanced
ctl_ok power cycle
pn_wait_for -t 5 eval '[ "$(notify_count)" -ge $((popups + updates + 3)) ]' ||
	pn_fail "not every switch reached the notification server: $(tail -n 4 "$NOTIFY_CALLS")"
[ "$(popup_count)" -eq $((popups + 1)) ] ||
	pn_fail "expected one popup for three quick switches, got $(($(popup_count) - popups)): $(tail -n 4 "$NOTIFY_CALLS")"
[[ $(last_message) == "update "*" Power profile: Performance | "* ]] ||
	pn_fail "the bubble does not show the last switch: $(last_message)"

pn_note "pantherctl power auto after a timed-out bubble: its confirmation pops up"
sleep 6
popups=$(popup_count)
ctl_ok power auto
pn_wait_for -t 5 eval '[ "$(popup_count)" -gt '"$popups"' ]' ||
	pn_fail "auto's confirmation did not pop up: $(last_message)"

power_pass
