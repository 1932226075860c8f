#!/bin/bash
# DankMaterialShell's own profile switching (its settings.json, keys read
# from DMS's SettingsSpec.js): acProfileName / batteryProfileName ("0", "1",
# "2"; "" = don't change) and batteryAutoPowerSaver make DMS set profiles
# itself, each one a manual choice to panther: one warning line naming the
# keys and the fix, also in pantherctl power status; re-read on SIGHUP; a
# broken file is one line and the daemon keeps serving.
. "$PANTHER_SOURCE_DIR/tests/integration/power-lib.sh"

power_mocks
export XDG_CONFIG_HOME=$PN_TMP/config-home
DMS_SETTINGS=$XDG_CONFIG_HOME/DankMaterialShell/settings.json
mkdir -p "${DMS_SETTINGS%/*}"
printf '%s\n' '{"currentThemeName": "blue", "acProfileName": "", "batteryProfileName": "0",
	"batteryAutoPowerSaver": false, "notificationTimeoutLow": 5000}' >"$DMS_SETTINGS"
power_config '{"power": {"on_ac": "balanced"}}'
power_start
expect_ppd balanced "start on AC"

pn_note "batteryProfileName set: one warning line with the fix, and a status entry"
pn_wait_for powerd_log_has "DankMaterialShell switches power profiles itself" ||
	pn_fail "no warning about DMS's batteryProfileName (see $POWERD_LOG)"
[ "$(powerd_log_count "DankMaterialShell switches")" -eq 1 ] ||
	pn_fail "the DMS warning was logged $(powerd_log_count "DankMaterialShell switches") times"
line=$(grep -F "DankMaterialShell switches" "$POWERD_LOG")
[[ $line == *'batteryProfileName "0" (power-saver)'* && $line == *"Don't Change"* &&
	$line == *"$DMS_SETTINGS"* ]] || pn_fail "the warning does not name the key and the fix: $line"
[[ $line != *acProfileName* ]] || pn_fail "an empty acProfileName was reported: $line"
ctl_ok power status
[[ $out == *"warning: DankMaterialShell switches power profiles itself ("*'batteryProfileName "0" (power-saver)'* ]] ||
	pn_fail "power status does not show the DMS warning: $out"
ctl_ok power status --json
[[ $out == *'"warnings":["DankMaterialShell switches power profiles itself ('* ]] ||
	pn_fail "power status --json does not show the DMS warning: $out"

pn_note "SIGHUP with the same file: no second line; with Auto Power Saver on: a new one"
kill -HUP "$POWERD_PID"
# Replaced whole: the first SIGHUP may be handled while a rewrite in place is half done.
printf '%s\n' '{"batteryProfileName": "", "batteryAutoPowerSaver": true}' >"$DMS_SETTINGS.new"
mv "$DMS_SETTINGS.new" "$DMS_SETTINGS"
kill -HUP "$POWERD_PID"
pn_wait_for powerd_log_has "(batteryAutoPowerSaver true in" ||
	pn_fail "batteryAutoPowerSaver was not reported after SIGHUP"
[ "$(powerd_log_count "DankMaterialShell switches")" -eq 2 ] ||
	pn_fail "expected 2 DMS warnings, got $(powerd_log_count "DankMaterialShell switches")"

pn_note "a broken settings.json: one line, the last warning stays, the daemon keeps serving"
printf '{"batteryProfileName": "0",' >"$DMS_SETTINGS"
kill -HUP "$POWERD_PID"
pn_wait_for powerd_log_has "cannot check DMS's power profile settings" ||
	pn_fail "a broken settings.json was not reported"
line=$(grep -F "cannot check DMS's power profile settings" "$POWERD_LOG")
[ "$(printf '%s\n' "$line" | wc -l)" -eq 1 ] || pn_fail "more than one line for a broken file: $line"
[[ $line == *"$DMS_SETTINGS"* ]] || pn_fail "the line does not name the file: $line"
ctl_ok power set performance
expect_ppd performance "set after a broken settings.json"
[[ $(prop Warnings) == 'as 1 "DankMaterialShell switches power profiles itself (batteryAutoPowerSaver true in '* ]] ||
	pn_fail "the warning did not stay while settings.json is broken: $(prop Warnings)"

pn_note "the keys at their defaults: the warning is gone"
printf '%s\n' '{"acProfileName": "", "batteryProfileName": "", "batteryAutoPowerSaver": false}' >"$DMS_SETTINGS"
kill -HUP "$POWERD_PID"
pn_wait_for powerd_log_has "no longer switches power profiles itself" ||
	pn_fail "the warning was not withdrawn"
expect_prop Warnings 'as 0'

pn_note "DMS's power OSD on: no bubble of panther's, said once (log, status), holds quiet too"
printf '%s\n' '{"osdPowerProfileEnabled": true}' >"$DMS_SETTINGS"
kill -HUP "$POWERD_PID"
pn_wait_for powerd_log_has "shows its own power profile OSD" ||
	pn_fail "DMS's OSD was not reported (see $POWERD_LOG)"
line=$(grep -F "shows its own power profile OSD" "$POWERD_LOG")
[[ $line == *"$DMS_SETTINGS"* && $line == *"sends no bubble"* && $line == *"osdPowerProfileEnabled false"* ]] ||
	pn_fail "the OSD line does not name the file and the fix: $line"
sent=$(notify_count)
ctl_ok power set balanced
expect_ppd balanced "set while DMS's OSD is on"
external_set power-saver
pn_wait_for powerd_log_has "changed to power-saver outside panther" || pn_fail "the outside change was not seen"
kill -HUP "$POWERD_PID"
ctl_ok power status
[[ $out == *"warning: DankMaterialShell shows its own power profile OSD"* ]] ||
	pn_fail "power status does not say that DMS's OSD stands in: $out"
[ "$(notify_count)" -eq "$sent" ] ||
	pn_fail "panther sent a bubble while DMS shows its own OSD: $(tail -n 2 "$NOTIFY_CALLS")"
[ "$(powerd_log_count "shows its own power profile OSD")" -eq 1 ] ||
	pn_fail "the OSD line was logged $(powerd_log_count "shows its own power profile OSD") times"

pn_note "the key gone (DMS's default: off): the bubble is back"
printf '%s\n' '{"currentThemeName": "blue"}' >"$DMS_SETTINGS"
kill -HUP "$POWERD_PID"
# shellcheck disable=SC2016 # expanded by pn_wait_for's eval
pn_wait_for eval '[ "$(prop Warnings)" = "as 0" ]' || pn_fail "the OSD warning stayed: $(prop Warnings)"
ctl_ok power set performance
# shellcheck disable=SC2016 # expanded by pn_wait_for's eval
pn_wait_for -t 5 eval '[ "$(notify_count)" -gt '"$sent"' ]' || pn_fail "no bubble once DMS's OSD is off"

power_pass
