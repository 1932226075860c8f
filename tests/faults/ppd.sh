#!/bin/bash
# The real power-profiles-daemon 0.12 on the real system bus goes away under
# panther-powerd (running as the test user in a fake logind session, so ppd
# lets it switch):
# - killed and restarted: panther-powerd says it is gone, takes the new one
#   and puts the profile chosen by hand back (the mode stays manual);
# - absent for 30 s: `pantherctl power get` answers at once with one clear
#   line, exit 1, every time; panther-powerd sleeps (no CPU); then ppd comes
#   back and the choice is applied again;
# - frozen (SIGSTOP): every pantherctl call, through panther-powerd or
#   straight to ppd, ends within its timeout with one line; after SIGCONT
#   everything works again.
set -u
. "$PANTHER_SOURCE_DIR/tests/faults/lib.sh"
. "$PANTHER_SOURCE_DIR/tests/integration/power-lib.sh"

pn_require_root
pn_system_bus_polkitd
pn_ppd_real --fake-driver
pn_fake_logind_session
pn_session_bus
budget=20
ft_sanitized && budget=40

# uctl ARGS...: pantherctl as the test user in the session; $status, $out,
# $err, $ms (how long it took).
uctl() {
	local start
	start=$(pn__now_ms)
	pn_in_session "$PANTHERCTL" "$@" >"$PN_TMP/ctl.out" 2>"$PN_TMP/ctl.err"
	status=$?
	ms=$(($(pn__now_ms) - start))
	out=$(cat "$PN_TMP/ctl.out")
	err=$(cat "$PN_TMP/ctl.err")
}
uctl_ok() {
	uctl "$@"
	[ "$status" -eq 0 ] || pn_fail "pantherctl $*: exit $status: $err"
}
# uctl_fails WITHIN_MS TEXT ARGS...: exit 1, one line on stderr holding
# TEXT, nothing on stdout, within WITHIN_MS.
uctl_fails() {
	local within=$1 text=$2
	shift 2
	uctl "$@"
	[ "$status" -eq 1 ] || pn_fail "pantherctl $*: exit $status, expected 1 (out: $out, err: $err)"
	[ -z "$out" ] || pn_fail "pantherctl $*: printed '$out' on stdout"
	[ "$(wc -l <"$PN_TMP/ctl.err")" -eq 1 ] || pn_fail "pantherctl $*: not one line: $err"
	[[ $err == *"$text"* ]] || pn_fail "pantherctl $*: said '$err', expected '$text'"
	[ "$ms" -le "$within" ] || pn_fail "pantherctl $*: took $ms ms (at most $within)"
}
real_ppd() {
	busctl --system get-property "${PPD_LEGACY[@]}" ActiveProfile 2>/dev/null
}
real_ppd_is() {
	[ "$(real_ppd)" = "s \"$1\"" ]
}
expect_real_ppd() {
	pn_wait_for -t 10 real_ppd_is "$1" || pn_fail "$2: expected $1, ppd has $(real_ppd)"
}
# ppd_start: a new power-profiles-daemon (by hand: pn_ppd_real would set its
# saved state aside a second time).
ppd_start() {
	pn_spawn ppd-again env POWER_PROFILE_DAEMON_FAKE_DRIVER=1 "$PN_PPD" --verbose
	PN_PPD_PID=$PN_PID
	pn_wait_for pn__sysbus status net.hadess.PowerProfiles ||
		pn_fail "power-profiles-daemon did not start again (see $PN_LOG)"
}
ppd_kill() {
	pn__signal "$PN_PPD_PID" "$1"
	pn_wait_for pn__name_gone net.hadess.PowerProfiles || pn_fail "ppd did not go away on SIG$1"
}

power_config '{"power": {"on_ac": "balanced", "on_battery": "power-saver"}}'
chmod 0644 "$PN_TMP/config.json"
pn_spawn_in_session powerd env -u DBUS_SYSTEM_BUS_ADDRESS "$POWERD" --config "$PN_TMP/config.json"
POWERD_PID=$PN_PID
POWERD_LOG=$PN_LOG
pn_wait_for busctl --user status org.pantheros.Power1 ||
	pn_fail "panther-powerd did not take org.pantheros.Power1 (see $POWERD_LOG)"
expect_real_ppd balanced "start on AC"
uctl_ok power set performance
expect_real_ppd performance "set by hand"
expect_prop Mode 's "manual"'

pn_note "ppd killed (SIGKILL) and started again"
ft_mark "$POWERD_LOG"
ppd_kill KILL
ft_expect_log "$POWERD_LOG" "power-profiles-daemon is gone from the system bus"
expect_prop Backend 's "none"' "Backend with ppd gone"
uctl_fails 1500 "no power profile backend" power get
ppd_start
ft_expect_log "$POWERD_LOG" "using power-profiles-daemon (net.hadess.PowerProfiles)"
expect_real_ppd performance "the manual choice after ppd came back"
expect_prop Mode 's "manual"' "Mode after ppd came back"
uctl_ok power get
[ "$out" = performance ] || pn_fail "get after ppd came back printed '$out'"

pn_note "ppd absent for 30 s"
ft_mark "$POWERD_LOG"
ppd_kill TERM
ft_expect_log "$POWERD_LOG" "no power profile backend"
cpu_before=$(ft_cpu_ticks "$POWERD_PID")
slowest=0
for ((i = 0; i < 10; i++)); do
	uctl_fails 1500 "no power profile backend" power get
	[ "$ms" -gt "$slowest" ] && slowest=$ms
	uctl_fails 1500 "no power profile backend" power cycle
	sleep 2.7
done
cpu_after=$(ft_cpu_ticks "$POWERD_PID")
pn_note "30 s without ppd: pantherctl said \"$err\" (slowest answer ${slowest} ms); panther-powerd used $((cpu_after - cpu_before)) ticks"
# Ten get and ten cycle calls, and otherwise nothing to do.
[ $((cpu_after - cpu_before)) -le "$budget" ] ||
	pn_fail "panther-powerd used $((cpu_after - cpu_before)) ticks of CPU in 30 s without ppd"
[ "$(ft_since "$POWERD_LOG" | grep -c "no power profile backend")" -eq 1 ] ||
	pn_fail "the missing backend was logged more than once"
ppd_start
ft_expect_log "$POWERD_LOG" "using power-profiles-daemon (net.hadess.PowerProfiles)"
expect_real_ppd performance "the manual choice after 30 s without ppd"
expect_prop Mode 's "manual"' "Mode after 30 s without ppd"
uctl_ok power set power-saver
expect_real_ppd power-saver "a switch after ppd came back"

pn_note "ppd frozen (SIGSTOP): calls end within their timeouts"
pn__signal "$PN_PPD_PID" STOP
pn_on_exit kill -CONT "$PN_PPD_PID"
uctl_ok power get
[ "$out" = power-saver ] || pn_fail "get with ppd frozen printed '$out'"
uctl_fails 4500 "pantherctl: power: panther-powerd: no answer (it is busy or stuck)" power set balanced
pn_note "set through panther-powerd with ppd frozen: \"$err\" after $ms ms"
power_stop
uctl_fails 4500 "pantherctl: power: power-profiles-daemon: no answer (it is busy or stuck)" power get
pn_note "get straight to ppd, frozen: \"$err\" after $ms ms"
pn__signal "$PN_PPD_PID" CONT
uctl_ok power get
pn_alive "$PN_PPD_PID" || pn_fail "ppd died"
pn_pass
