#!/bin/bash
# shellcheck disable=SC2015,SC2016 # "a && b || fail" is meant; so are the single quotes
# The test harness itself: every function of tests/harness/lib.sh against the
# real programs, run twice; after each run nothing it started may be left
# (processes, polkit rules and actions, the fake logind session).
set -u

src=${PANTHER_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}

if [ "${1:-}" = --body ]; then
	# shellcheck source=../harness/lib.sh
	. "$src/tests/harness/lib.sh"
	record=$2

	check() {
		local what=$1
		shift
		"$@" >/dev/null || pn_fail "$what"
	}

	# --- results, skipping, missing programs
	[ -d "$(pn_tmpdir)" ] && [ "$(pn_tmpdir)" = "$PN_TMP" ] || pn_fail "pn_tmpdir is not a directory"
	out=$(pn_skip "because" 2>&1)
	[ $? -eq 77 ] && [ "$out" = "SKIP: because" ] || pn_fail "pn_skip printed '$out'"
	out=$(pn_fail "broken" 2>&1)
	[ $? -eq 1 ] && [ "$out" = "FAIL: broken" ] || pn_fail "pn_fail printed '$out'"
	out=$(CI=false pn_need_cmd sh no-such-program-x 2>&1)
	[ $? -eq 77 ] && [[ $out == "SKIP: "*no-such-program-x* ]] || pn_fail "pn_need_cmd did not skip: '$out'"
	out=$(CI=true pn_need_cmd no-such-program-x 2>&1)
	[ $? -eq 1 ] && [[ $out == "FAIL: "*no-such-program-x* ]] || pn_fail "pn_need_cmd under CI did not fail: '$out'"
	(pn_need_cmd sh /bin/true) || pn_fail "pn_need_cmd refused programs that exist"
	pn_require_root

	# --- waiting, spawning, stopping
	pn_wait_for -t 1 true || pn_fail "pn_wait_for true"
	t0=$(pn__now_ms)
	pn_wait_for -t 0.5 false 2>/dev/null && pn_fail "pn_wait_for false succeeded"
	t1=$(pn__now_ms)
	[ $((t1 - t0)) -ge 450 ] && [ $((t1 - t0)) -lt 2000 ] ||
		pn_fail "pn_wait_for -t 0.5 took $((t1 - t0)) ms"
	pn_spawn toucher sh -c 'sleep 0.3; touch "$PN_TMP/touched"; exec sleep 1000'
	toucher=$PN_PID
	echo "$toucher" >>"$record.pids"
	pn_wait_for -t 5 test -e "$PN_TMP/touched" || pn_fail "pn_wait_for did not see a file appear"
	[ "$(cat "/proc/$toucher/comm")" = sleep ] || pn_fail "PN_PID is not the spawned program"
	pn_stop "$toucher"
	rc=$?
	[ "$rc" -eq 143 ] || pn_fail "pn_stop returned $rc, expected 143"
	pn_alive "$toucher" && pn_fail "pn_stop left pid $toucher running"
	pn_on_exit touch "$record.on-exit"

	# --- /proc helpers
	rss=$(pn_rss_kib $$)
	[ "$rss" -gt 100 ] || pn_fail "pn_rss_kib $$ = '$rss'"
	pn_spawn fds sleep 1000
	base=$PN_PID
	pn_spawn fds sh -c 'exec 7</dev/null 8</dev/null; exec sleep 1000'
	pn_wait_for -t 5 grep -qx sleep "/proc/$PN_PID/comm" || pn_fail "sh never became sleep"
	n=$(($(pn_fd_count "$PN_PID") - $(pn_fd_count "$base")))
	[ "$n" -eq 2 ] || pn_fail "pn_fd_count: two more open files counted as $n"
	v0=$(pn_voluntary_switches $$)
	sleep 0.1
	sleep 0.1
	v1=$(pn_voluntary_switches $$)
	[ "$v1" -gt "$v0" ] || pn_fail "pn_voluntary_switches did not grow ($v0 -> $v1) while waiting"

	# --- private bus standing in for both buses; dbusmock on it
	pn_session_bus --system
	check "session bus GetId" busctl --user call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId
	[ "$DBUS_SYSTEM_BUS_ADDRESS" = "$DBUS_SESSION_BUS_ADDRESS" ] || pn_fail "--system did not export DBUS_SYSTEM_BUS_ADDRESS"
	pn_dbusmock --system upower
	# shellcheck disable=SC2154 # set by pn_dbusmock
	upower_log=$PN_DBUSMOCK_LOG_upower
	pn_spawn monitor busctl --system monitor --match "type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'"
	monitor_log=$PN_LOG
	pn_wait_for busctl --system status org.freedesktop.UPower
	sleep 0.2 # busctl monitor has no readiness signal
	busctl --system set-property org.freedesktop.UPower /org/freedesktop/UPower \
		org.freedesktop.UPower OnBattery b true || pn_fail "cannot set OnBattery"
	[ "$(busctl --system get-property org.freedesktop.UPower /org/freedesktop/UPower org.freedesktop.UPower OnBattery)" = "b true" ] ||
		pn_fail "OnBattery did not flip"
	pn_wait_for -t 5 grep -q OnBattery "$monitor_log" || pn_fail "no PropertiesChanged for OnBattery"
	[ -n "$upower_log" ] && [ -e "$upower_log" ] || pn_fail "PN_DBUSMOCK_LOG_upower not set"
	pn_dbusmock notification_daemon
	busctl --user call -- org.freedesktop.Notifications /org/freedesktop/Notifications \
		org.freedesktop.Notifications Notify 'susssasa{sv}i' panther 0 "" Hello Body 0 0 -1 >/dev/null ||
		pn_fail "Notify on the mock failed"
	# shellcheck disable=SC2154
	pn_wait_for -t 5 grep -q 'Notify "panther"' "$PN_DBUSMOCK_LOG_notification_daemon" ||
		pn_fail "Notify not in the mock's log $PN_DBUSMOCK_LOG_notification_daemon"

	# --- test user
	pn_test_user
	[ "$PN_TEST_USER" = pktest ] && [ "$PN_TEST_UID" = "$(id -u pktest)" ] || pn_fail "PN_TEST_UID is wrong"
	id -nG pktest | grep -qw sudo || pn_fail "pktest is not in group sudo"
	/usr/bin/python3 -W ignore - "$PN_TEST_PASSWORD" <<-'PY' || pn_fail "pktest's password is not PN_TEST_PASSWORD"
		import crypt, spwd, sys
		h = spwd.getspnam("pktest").sp_pwdp
		sys.exit(0 if crypt.crypt(sys.argv[1], h) == h else 1)
	PY
	[ "$(pn_as_user id -u)" = "$PN_TEST_UID" ] || pn_fail "pn_as_user does not run as pktest"
	pn_as_user sh -c 'test -z "${PN_TEST_PASSWORD+x}"' || pn_fail "the password is in the environment of programs"
	[ "$(pn_as_user sh -c 'echo $HOME $XDG_RUNTIME_DIR')" = "$PN_TEST_HOME $PN_XDG_RUNTIME_DIR" ] ||
		pn_fail "pn_as_user HOME/XDG_RUNTIME_DIR"
	[ "$(stat -c '%a %U' "$PN_XDG_RUNTIME_DIR")" = "700 pktest" ] || pn_fail "XDG_RUNTIME_DIR mode/owner"
	check "the test user reaches the private bus" pn_as_user busctl --user status
	pn_test_user # idempotent

	# --- real system bus, polkitd, rules, actions
	pn_system_bus_polkitd
	[ -z "${DBUS_SYSTEM_BUS_ADDRESS:-}" ] || pn_fail "DBUS_SYSTEM_BUS_ADDRESS still points at the private bus"
	check "polkitd on the system bus" busctl --system status org.freedesktop.PolicyKit1
	pn_alive "$PN_POLKITD_PID" || pn_fail "PN_POLKITD_PID $PN_POLKITD_PID is not running"
	pn_dbusmock --system low_memory_monitor
	echo /etc/dbus-1/system.d/panther-test-org.freedesktop.LowMemoryMonitor.conf >>"$record.files"
	check "the test user calls a mock on the real system bus" pn_as_user busctl --system call \
		org.freedesktop.LowMemoryMonitor /org/freedesktop/LowMemoryMonitor \
		org.freedesktop.DBus.Introspectable Introspect
	pn_spawn_as_user subject sleep 1000
	subject=$PN_PID
	pn_as_user pkcheck -a org.freedesktop.policykit.exec -p "$subject" -u >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq 2 ] || pn_fail "pkcheck without an agent: exit $rc, expected 2 (authentication needed)"
	pn_as_user pkcheck -a net.hadess.PowerProfiles.switch-profile -p "$subject" >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq 1 ] || pn_fail "switch-profile outside a session: exit $rc, expected 1 (not authorized)"

	pn_polkit_rule 10-panther-selftest 'polkit.addRule(function(action, subject) {
	if (action.id == "org.freedesktop.policykit.exec" && subject.user == "pktest")
		return polkit.Result.YES;
});'
	echo /etc/polkit-1/rules.d/10-panther-selftest.rules >>"$record.files"
	pn_as_user pkcheck -a org.freedesktop.policykit.exec -p "$subject" >/dev/null 2>&1 ||
		pn_fail "the polkit rule did not apply"

	cat >"$PN_TMP/org.pantheros.selftest.policy" <<-'EOF'
		<?xml version="1.0" encoding="UTF-8"?>
		<!DOCTYPE policyconfig PUBLIC "-//freedesktop//DTD PolicyKit Policy Configuration 1.0//EN"
		 "http://www.freedesktop.org/standards/PolicyKit/1/policyconfig.dtd">
		<policyconfig>
		  <action id="org.pantheros.selftest.anyone">
		    <description>Harness self-test</description>
		    <message>Harness self-test</message>
		    <defaults><allow_any>yes</allow_any><allow_inactive>yes</allow_inactive><allow_active>yes</allow_active></defaults>
		  </action>
		</policyconfig>
	EOF
	pn_polkit_action "$PN_TMP/org.pantheros.selftest.policy"
	echo /usr/share/polkit-1/actions/org.pantheros.selftest.policy >>"$record.files"
	pn_as_user pkcheck -a org.pantheros.selftest.anyone -p "$subject" ||
		pn_fail "the installed action is not known to polkitd"

	old=$PN_POLKITD_PID
	pn_kill_polkitd
	busctl --system status org.freedesktop.PolicyKit1 >/dev/null 2>&1 && pn_fail "polkitd survived pn_kill_polkitd"
	pn_alive "$old" && pn_fail "polkitd pid $old survived pn_kill_polkitd"
	pn_restart_polkitd
	[ "$PN_POLKITD_PID" != "$old" ] && pn_alive "$PN_POLKITD_PID" || pn_fail "pn_restart_polkitd"
	pn_restart_polkitd
	check "polkitd answers after two restarts" pn_as_user pkcheck -a org.pantheros.selftest.anyone -p "$subject"

	# --- real power-profiles-daemon with the fake driver
	pn_ppd_real --fake-driver
	profiles=$(busctl --system get-property net.hadess.PowerProfiles /net/hadess/PowerProfiles \
		net.hadess.PowerProfiles Profiles)
	for p in power-saver balanced performance; do
		[[ $profiles == *"\"$p\""* ]] || pn_fail "ppd does not offer $p: $profiles"
	done
	[[ $profiles == "aa{sv} 3 "* ]] || pn_fail "ppd does not offer 3 profiles: $profiles"
	check "root switches the profile" busctl --system set-property net.hadess.PowerProfiles \
		/net/hadess/PowerProfiles net.hadess.PowerProfiles ActiveProfile s performance

	# --- fake logind session
	pn_fake_logind_session
	cg=$(pn_in_session cat /proc/self/cgroup)
	grep -q "^[0-9]*:name=systemd:/user.slice/user-$PN_TEST_UID.slice/session-$PN_SESSION_ID.scope$" <<<"$cg" ||
		grep -q "^0::/user.slice/user-$PN_TEST_UID.slice/session-$PN_SESSION_ID.scope$" <<<"$cg" ||
		pn_fail "a process in the session is not in its cgroup: $cg"
	[ "$(pn_in_session id -u)" = "$PN_TEST_UID" ] || pn_fail "pn_in_session does not run as the test user"
	pn_spawn_in_session in-session sleep 1000
	insider=$PN_PID
	pn_pid_in_session "$insider" || pn_fail "pn_spawn_in_session: pid $insider is not in the session"
	pn_pid_in_session "$subject" && pn_fail "pid $subject outside is reported in the session"
	check "polkitd sees the session process as active (allow_active)" \
		pn_as_user pkcheck -a net.hadess.PowerProfiles.switch-profile -p "$insider"
	check "the test user switches the ppd profile inside the session" \
		pn_in_session busctl --system set-property net.hadess.PowerProfiles \
		/net/hadess/PowerProfiles net.hadess.PowerProfiles ActiveProfile s power-saver
	pn_as_user busctl --system set-property net.hadess.PowerProfiles /net/hadess/PowerProfiles \
		net.hadess.PowerProfiles ActiveProfile s balanced 2>/dev/null &&
		pn_fail "the test user switched the profile from outside the session"
	# A daemonized process the harness never saw: the session's cleanup ends it.
	pn_in_session sh -c 'sleep 1000 </dev/null >/dev/null 2>&1 & echo $! >"$1"' sh "$PN_XDG_RUNTIME_DIR/escaped.pid" ||
		pn_fail "could not start the escaped process"
	cat "$PN_XDG_RUNTIME_DIR/escaped.pid" >>"$record.pids"
	echo "/run/systemd/sessions/$PN_SESSION_ID" >>"$record.files"

	# --- headless sway
	pn_sway "bindsym F9 exec touch $PN_XDG_RUNTIME_DIR/got-F9
bindsym q exec touch $PN_XDG_RUNTIME_DIR/got-q"
	[ -S "$PN_WAYLAND_SOCKET" ] && [ "$PN_WAYLAND_SOCKET" = "$PN_XDG_RUNTIME_DIR/$WAYLAND_DISPLAY" ] ||
		pn_fail "WAYLAND_DISPLAY/PN_WAYLAND_SOCKET"
	pn_key F9
	pn_wait_for -t 5 test -e "$PN_XDG_RUNTIME_DIR/got-F9" || pn_fail "pn_key F9 did not reach sway"
	pn_type q
	pn_wait_for -t 5 test -e "$PN_XDG_RUNTIME_DIR/got-q" || pn_fail "pn_type q did not reach sway"
	pn_screenshot "$PN_TMP/shot.png"
	[ "$(head -c 8 "$PN_TMP/shot.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
		pn_fail "the screenshot is not a PNG"
	size=$(/usr/bin/python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); print("%dx%d" % struct.unpack(">II", d[16:24]))' "$PN_TMP/shot.png")
	[ "$size" = 1280x800 ] || pn_fail "screenshot is $size, expected 1280x800"

	# Everything this run started, for the outer check.
	grep '^pn__stop ' "$PN__UNDO" | awk '{ print $2 }' >>"$record.pids"
	echo "$PN_TMP" >"$record.tmp"
	pn_pass
fi

# A test that fails, or is stopped by SIGTERM, half-way: cleanup still runs.
if [ "${1:-}" = --body-fail ] || [ "${1:-}" = --body-term ]; then
	# shellcheck source=../harness/lib.sh
	. "$src/tests/harness/lib.sh"
	record=$2
	echo "$PN_TMP" >"$record.tmp"
	pn_on_exit touch "$record.on-exit"
	pn_session_bus
	echo "$PN_SESSION_BUS_PID" >>"$record.pids"
	pn_system_bus_polkitd
	pn_polkit_rule 10-panther-selftest-abort 'polkit.addRule(function(action, subject) { });'
	echo /etc/polkit-1/rules.d/10-panther-selftest-abort.rules >>"$record.files"
	pn_spawn_as_user sleeper sleep 1000
	echo "$PN_PID" >>"$record.pids"
	[ "$1" = --body-fail ] && pn_fail "on purpose"
	touch "$record.ready"
	wait "$PN_PID"
	exit 0
fi

# --- outer run: the body, a failing and an interrupted one, the body again;
# after each, look for anything left behind
# shellcheck source=../harness/lib.sh
. "$src/tests/harness/lib.sh"
pn_require_root
# One turn on the system bus for all runs (they run under this lock).
pn__lock_system
record_dir=$PN_TMP

# running PID: PID exists and is not a zombie (read once: it may vanish
# between two reads).
running() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) && [[ $stat != *") Z "* ]]
}

leftovers() {
	local rec=$1 keep=${2:-} pid tmp bad=0 f
	tmp=$(cat "$rec.tmp")
	while read -r pid; do
		# A process killed by the cleanup may still be finishing its exit:
		# only one still there a second later is left running.
		if running "$pid" && { sleep 1; running "$pid"; }; then
			echo "left running: pid $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
			bad=1
		fi
	done <"$rec.pids"
	for f in /proc/[0-9]*/environ; do
		if grep -qz "^PN_TMP=$tmp\$" "$f" 2>/dev/null; then
			pid=${f#/proc/}
			pid=${pid%/environ}
			echo "left running (started under $tmp): pid $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
			bad=1
		fi
	done
	while read -r f; do
		[ -e "$f" ] && {
			echo "left behind: $f"
			bad=1
		}
	done <"$rec.files"
	for f in /sys/fs/cgroup/*/user.slice/user-*/session-${PN_FAKE_SESSION_ID:-c1}.scope /sys/fs/cgroup/user.slice/user-*/session-${PN_FAKE_SESSION_ID:-c1}.scope; do
		[ -d "$f" ] && {
			echo "left behind: cgroup $f"
			bad=1
		}
	done
	[ -e "$rec.on-exit" ] || {
		echo "pn_on_exit command did not run"
		bad=1
	}
	if [ -n "$keep" ]; then
		[ -d "$tmp" ] || {
			echo "temporary directory $tmp of a failed test was not kept"
			bad=1
		}
		rm -rf "$tmp"
	elif [ -e "$tmp" ]; then
		echo "temporary directory $tmp was not removed"
		bad=1
	fi
	return $bad
}

new_record() {
	rec=$record_dir/$1
	: >"$rec.pids"
	: >"$rec.files"
}

for run in 1 fail term 2; do
	new_record "run-$run"
	case $run in
	fail)
		bash "$0" --body-fail "$rec" >"$rec.out" 2>&1
		rc=$?
		[ "$rc" -eq 1 ] && grep -q "^FAIL: on purpose" "$rec.out" || {
			cat "$rec.out"
			pn_fail "pn_fail in a test: exit $rc"
		}
		;;
	term)
		bash "$0" --body-term "$rec" >"$rec.out" 2>&1 &
		child=$!
		for ((i = 0; i < 600; i++)); do
			[ -e "$rec.ready" ] || ! kill -0 "$child" 2>/dev/null && break
			sleep 0.05
		done
		kill -TERM "$child"
		wait "$child"
		rc=$?
		[ "$rc" -eq 143 ] || {
			cat "$rec.out"
			pn_fail "a test stopped by SIGTERM exited $rc"
		}
		;;
	*)
		bash "$0" --body "$rec"
		rc=$?
		[ "$rc" -eq 0 ] || pn_fail "run $run of the harness self-test exited $rc"
		;;
	esac
	leftovers "$rec" "$([ "$rc" -ne 0 ] && echo keep)" || pn_fail "run $run left things behind"
	echo "# run $run: exit $rc, nothing left behind ($(wc -l <"$rec.pids") processes checked)"
done
pn_pass
