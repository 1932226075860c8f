#!/bin/bash
# DMS's own power-profile OSD and panther's bubble never both show (the
# decision in doc/design.md: panther-powerd reads DMS's settings.json and,
# when DMS's OSD is on, sends no bubble, saying so once in its log and in
# `pantherctl power status`'s warnings). With the real DMS (dms-lib.sh),
# screenshots every 0.2 s for 3 s after each switch, kept in the suite's
# log folder:
# - osdPowerProfileEnabled false (what the Home Manager module writes):
#   panther's bubble shows, DMS's OSD does not;
# - osdPowerProfileEnabled true: DMS's OSD shows, panther's bubble does not,
#   and panther-powerd says why.
# Runs inside the namespace (run.sh).
set -u
. "$PANTHER_SOURCE_DIR/tests/newest/dms-lib.sh"

# after_switch TAG PROFILE: switches, then screenshots TAG-N.png for 3 s;
# counts the shots with a popup (SEEN_POPUP) and with the OSD (SEEN_OSD);
# fails on a shot with both.
after_switch() {
	local tag=$1 i p o
	SEEN_POPUP=0 SEEN_OSD=0
	switch "$2"
	for ((i = 0; i < 15; i++)); do
		shot "$tag-$i"
		p=0 o=0
		shows popups "$tag-$i" && p=1
		shows osd "$tag-$i" && o=1
		[ "$p$o" = 00 ] || keep "$tag-$i"
		[ "$p$o" = 11 ] && pn_fail "DMS's OSD and panther's bubble both show (see $LOGS/$tag-$i.png)"
		SEEN_POPUP=$((SEEN_POPUP + p)) SEEN_OSD=$((SEEN_OSD + o))
		sleep 0.2
	done
	pn_note "$tag: $SEEN_POPUP shots with the bubble, $SEEN_OSD with DMS's OSD"
}

pn_note "DMS's OSD off: panther's bubble alone"
dms_settings '{"osdPowerProfileEnabled": false}'
dms_start DMS_DISABLE_POLKIT=1
powerd_start
sleep 7
shot base
keep base
after_switch osd-off performance
[ "$SEEN_POPUP" -gt 0 ] || pn_fail "panther's bubble did not show with DMS's OSD off"
[ "$SEEN_OSD" -eq 0 ] || pn_fail "DMS's OSD showed although osdPowerProfileEnabled is false"
power_stop
dms_stop

pn_note "DMS's OSD on: DMS's OSD alone, and panther-powerd says why"
dms_settings '{"osdPowerProfileEnabled": true}'
dms_start DMS_DISABLE_POLKIT=1
powerd_start
sleep 7
shot base
keep base
after_switch osd-on power-saver
[ "$SEEN_OSD" -gt 0 ] || pn_fail "DMS's OSD did not show with osdPowerProfileEnabled true"
[ "$SEEN_POPUP" -eq 0 ] || pn_fail "panther's bubble showed beside DMS's own power-profile OSD"
after_switch osd-on-again balanced
[ "$SEEN_POPUP" -eq 0 ] || pn_fail "panther's bubble showed beside DMS's OSD on the second switch"
[ "$(grep -ci "osd" "$POWERD_LOG")" -eq 1 ] ||
	pn_fail "panther-powerd did not say once that DMS's OSD shows the profile: $(grep -i osd "$POWERD_LOG")"
pn_in_session "$PANTHERCTL" power status >"$PN_TMP/status.txt" 2>&1
grep -qi "osdPowerProfileEnabled" "$PN_TMP/status.txt" ||
	pn_fail "pantherctl power status gives no warning with the fix for DMS's OSD: $(cat "$PN_TMP/status.txt")"
power_stop
pn_pass
