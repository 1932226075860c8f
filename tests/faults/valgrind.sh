#!/bin/bash
# Valgrind (memcheck, --leak-check=full, definite leaks are errors) over the
# unit tests and one daemon scenario, in the plain build (the sanitizer
# build has LeakSanitizer instead):
# - the unit tests of libpanther, the power policy and the session plan
#   (those that start child processes are left out: valgrind 3.19 has no
#   pidfd_open, which panther's loop needs to watch a child);
# - panther-powerd with UPower, ppd, notifications and Niri: a start, manual
#   switches, unplugging, an app rule, ppd killed and back, a bad and a good
#   SIGHUP reload, malformed Niri lines, then SIGTERM.
# Each must end with no memory error and no definite leak.
set -u
. "$PANTHER_SOURCE_DIR/tests/faults/lib.sh"
. "$PANTHER_SOURCE_DIR/tests/integration/power-lib.sh"

if ft_sanitized; then
	pn_skip "built with AddressSanitizer (valgrind cannot run it); this build checks leaks with LeakSanitizer"
fi
pn_need_cmd valgrind "$PN_PYTHON"
VG=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite
	--error-exitcode=99 --num-callers=30)

pn_note "unit tests"
units=(config config_load dbus dbus_bus log niri niri_client power_policy secret session_plan util)
for name in "${units[@]}"; do
	bin=$PANTHER_BUILD_DIR/tests/unit/test-$name
	[ -x "$bin" ] || pn_fail "no unit test $bin"
	start=$(pn__now_ms)
	"${VG[@]}" --log-file="$PN_TMP/valgrind-$name.log" "$bin" >"$PN_TMP/unit-$name.out" 2>&1
	rc=$?
	[ "$rc" -ne 99 ] || pn_fail "test-$name: valgrind found errors: $(head -n 30 "$PN_TMP/valgrind-$name.log")"
	[ "$rc" -eq 0 ] || pn_fail "test-$name failed under valgrind (exit $rc): $(grep -m3 FAIL "$PN_TMP/unit-$name.out")"
	[ ! -s "$PN_TMP/valgrind-$name.log" ] || pn_fail "test-$name: valgrind said: $(head -n 30 "$PN_TMP/valgrind-$name.log")"
	pn_note "test-$name: clean ($(($(pn__now_ms) - start)) ms)"
done

pn_note "panther-powerd"
ft_niri
niri_ctl() {
	"$PN_PYTHON" "$FT_NIRI_STANDIN" ctl "$NIRI_SOCKET.ctl" "$1" >/dev/null || pn_fail "stand-in command failed: $1"
}
niri_ctl '{"cmd":"open_window","id":1,"app_id":"steam_app_1","title":"Game","focused":false}'
niri_ctl '{"cmd":"open_window","id":2,"app_id":"foot","title":"shell"}'
power_mocks
power_config '{"power": {"on_ac": "balanced", "on_battery": "power-saver", "app_rules": [{"app_id": "^steam_app_", "profile": "performance"}]}}'
pn_spawn powerd "${VG[@]}" --log-file="$PN_TMP/valgrind-powerd.log" "$POWERD" --verbose --config "$PN_TMP/config.json"
POWERD_PID=$PN_PID
POWERD_LOG=$PN_LOG
pn_wait_for -t 30 busctl --user status org.pantheros.Power1 ||
	pn_fail "panther-powerd did not start under valgrind (see $POWERD_LOG)"
expect_ppd balanced "start"
ctl_ok power set performance
expect_ppd performance "set"
ctl_ok power cycle
ctl_ok power status --json
unplug
expect_ppd power-saver "unplugged"
plug
expect_ppd balanced "plugged in"
niri_ctl '{"cmd":"focus","id":1}'
expect_ppd performance "app rule"
niri_ctl '{"cmd":"raw","line":"{\"WindowClosed\":{\"id\":\"x\"}}"}'
niri_ctl '{"cmd":"raw","line":"not json"}'
niri_ctl '{"cmd":"focus","id":2}'
expect_ppd balanced "app rule released"
kill -KILL "$PPD_PID"
expect_prop Backend 's "none"' "Backend with ppd gone"
ctl power get
power_ppd '{"ActiveProfile": "power-saver"}'
expect_ppd balanced "ppd back"
power_config '{"power": {"on_ac": "turbo"}}'
kill -HUP "$POWERD_PID"
pn_wait_for -t 20 powerd_log_has "keeping the configuration in use" || pn_fail "the bad reload was not logged"
power_config '{"power": {"on_ac": "performance", "app_rules": [{"app_id": "^foot$", "profile": "power-saver"}]}}'
kill -HUP "$POWERD_PID"
expect_ppd power-saver "good reload: the new app rule"
niri_ctl '{"cmd":"quit"}'
pn_wait_for -t 20 powerd_log_has "niri: event stream ended" || pn_fail "panther-powerd did not see Niri go"
kill -TERM "$POWERD_PID"
pn_wait_exit -t 60 "$POWERD_PID" || pn_fail "panther-powerd did not stop under valgrind"
wait "$POWERD_PID"
rc=$?
[ "$rc" -ne 99 ] || pn_fail "panther-powerd: valgrind found errors: $(head -n 40 "$PN_TMP/valgrind-powerd.log")"
[ "$rc" -eq 0 ] || pn_fail "panther-powerd exited with $rc (see $POWERD_LOG)"
[ ! -s "$PN_TMP/valgrind-powerd.log" ] || pn_fail "panther-powerd: valgrind said: $(head -n 40 "$PN_TMP/valgrind-powerd.log")"
pn_note "panther-powerd: no memory error, no definite leak"
pn_pass
