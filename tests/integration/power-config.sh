#!/bin/bash
# panther-powerd and its config: exit 78 on a bad file, the "manual" kinds
# (until-auto, never), SIGHUP reload (a bad new file keeps the old config),
# notify: false, and the command line.
. "$PANTHER_SOURCE_DIR/tests/integration/power-lib.sh"

pn_note "command line"
"$POWERD" --help | grep -q -- '--config FILE' || pn_fail "--help does not describe --config"
[ "$("$POWERD" --version)" = "panther-powerd $("$PANTHERCTL" version | cut -d' ' -f2)" ] ||
	pn_fail "--version printed '$("$POWERD" --version)'"
"$POWERD" --frobnicate 2>/dev/null
[ $? -eq 2 ] || pn_fail "an unknown option did not exit 2"

pn_note "a bad config: one line naming the key, exit 78"
power_config '{"power": {"on_battery": "turbo"}}'
"$POWERD" --config "$PN_TMP/config.json" >"$PN_TMP/bad.out" 2>"$PN_TMP/bad.err"
status=$?
[ "$status" -eq 78 ] || pn_fail "bad config: exit $status, expected 78"
[ "$(wc -l <"$PN_TMP/bad.err")" -eq 1 ] || pn_fail "bad config: not one line: $(cat "$PN_TMP/bad.err")"
grep -q 'power.on_battery: unknown profile "turbo"' "$PN_TMP/bad.err" ||
	pn_fail "bad config: the line does not name the key: $(cat "$PN_TMP/bad.err")"

power_mocks
pn_note "manual: until-auto holds across plug changes until auto"
power_config '{"power": {"on_ac": "performance", "on_battery": "balanced", "manual": "until-auto"}}'
power_start
expect_ppd performance "start on AC"
ctl_ok power set power-saver
unplug
stays_ppd power-saver "unplugged under until-auto"
plug
stays_ppd power-saver "plugged in under until-auto"
expect_prop Mode 's "manual"'
ctl_ok power auto
expect_ppd performance "auto"
expect_prop Mode 's "auto"'

pn_note "SIGHUP with a bad file: one line, the old config stays"
power_config '{"power": {"manual": "sometimes"}}'
kill -HUP "$POWERD_PID"
pn_wait_for powerd_log_has 'keeping the configuration in use' ||
	pn_fail "the bad reload was not logged"
powerd_log_has 'power.manual' || pn_fail "the bad reload line does not name power.manual"
pn_alive "$POWERD_PID" || pn_fail "panther-powerd died on a bad reload"
ctl_ok power set balanced
unplug
stays_ppd balanced "until-auto kept after a bad reload"
plug
stays_ppd balanced "until-auto kept after a bad reload (plugged)"

pn_note "SIGHUP with a good file: manual never, notify off, new on_ac"
notifications_before=$(notify_count)
power_config '{"power": {"on_ac": "power-saver", "on_battery": "balanced", "manual": "never", "notify": false}}'
kill -HUP "$POWERD_PID"
expect_ppd power-saver "on_ac after the reload"
expect_prop Mode 's "auto"' "Mode after reloading with manual: never"
ctl_ok power set performance
expect_ppd performance "set under never"
expect_prop Mode 's "auto"' "Mode after set under never"
unplug
expect_ppd balanced "the policy wins under never"
[ "$(notify_count)" -eq "$notifications_before" ] ||
	pn_fail "notifications after notify: false ($notifications_before before, $(notify_count) now)"

power_pass
