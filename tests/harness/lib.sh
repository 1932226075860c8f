# shellcheck shell=bash
# Variables set here are for the tests that source it:
# shellcheck disable=SC2034
#
# Test harness for panther's integration tests. Source it from a test:
#
#   . "$PANTHER_SOURCE_DIR/tests/harness/lib.sh"
#
# On sourcing it creates a temporary directory for the test ($PN_TMP, also
# printed by pn_tmpdir) and installs traps on EXIT, INT and TERM. Everything a
# pn_* function starts or creates is recorded there and undone at exit, in
# reverse order, whether the test passes, fails or is interrupted: processes
# are stopped by pid (TERM, then KILL after 5 s), files are removed, and
# things that were already there before the test (a system bus, polkitd) are
# reused and left alone.
#
# Rules for tests using it:
# - Do not set your own EXIT/INT/TERM trap: register undo steps with
#   pn_on_exit.
# - Start long-running programs with pn_spawn (or a pn_* helper), never with
#   a bare "&": only recorded processes are stopped at exit.
# - Call pn_* functions that start things in the test's own shell, not in
#   $(...) (a subshell's variables are lost).
# - Exit through pn_pass, pn_fail or pn_skip (or a plain exit status).
# On failure the temporary directory is kept and the last lines of every log
# in it are printed; PN_KEEP_TMP=1 keeps it always.
#
# Environment it reads: PANTHER_SOURCE_DIR, PANTHER_BUILD_DIR, CI (when
# "true", a missing program is a failure instead of a skip), PN_WAIT_TIMEOUT
# (default timeout of pn_wait_for, seconds), PN_KEEP_TMP.

if [ -n "${PN_HARNESS_LOADED:-}" ]; then
	return 0
fi
PN_HARNESS_LOADED=1

PN_HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PN_PYTHON=/usr/bin/python3
PN_TEST_NAME=$(basename "$0" .sh)
PN_POLKITD=/usr/lib/polkit-1/polkitd
PN_PPD=/usr/libexec/power-profiles-daemon
PN_SYSTEM_SOCKET=/run/dbus/system_bus_socket
PN_LOCK_FILE=/run/lock/panther-tests-system.lock
PN_TEST_USER=pktest

# ---------------------------------------------------------------- results

# pn_pass: prints "PASS: <test>" and exits 0.
pn_pass() {
	echo "PASS: $PN_TEST_NAME"
	exit 0
}

# pn_fail WHY: prints "FAIL: WHY" and exits 1.
pn_fail() {
	echo "FAIL: $*"
	exit 1
}

# pn_skip WHY: prints "SKIP: WHY" and exits 77 (meson's "skipped").
pn_skip() {
	echo "SKIP: $*"
	exit 77
}

# pn_note TEXT: a progress line on stdout ("# TEXT"), kept in meson's log.
pn_note() {
	echo "# $*"
}

# pn_missing WHAT: something the test needs is not installed. Skips, or
# fails when $CI is "true" (CI installs everything, so it is a real error).
pn_missing() {
	if [ "${CI:-}" = true ]; then
		pn_fail "$* (CI installs everything: scripts/setup-debian.sh)"
	fi
	pn_skip "$* (install with scripts/setup-debian.sh)"
}

# pn_built_with_asan [PROGRAM]: true when PROGRAM (default panther-powerd
# in PANTHER_BUILD_DIR) was built with AddressSanitizer. The program itself
# says so (it carries ASan's runtime), so the answer holds in the test
# user's copy of the build too, which has no meson-info.
pn_built_with_asan() {
	grep -aqm1 __asan_init "${1:-$PANTHER_BUILD_DIR/power/panther-powerd}" 2>/dev/null
}

# pn_require_root: skips the test unless it runs as root.
pn_require_root() {
	[ "$(id -u)" -eq 0 ] || pn_skip "needs root (starts system services)"
}

# pn_need_cmd CMD...: each CMD must be an executable path or a program on
# PATH; otherwise skip (fail under CI=true) naming the missing ones.
pn_need_cmd() {
	local c missing=()
	for c in "$@"; do
		if [[ $c == */* ]]; then
			[ -x "$c" ] || missing+=("$c")
		else
			command -v "$c" >/dev/null 2>&1 || missing+=("$c")
		fi
	done
	[ ${#missing[@]} -eq 0 ] || pn_missing "missing program(s): ${missing[*]}"
}

# ---------------------------------------------------------------- temp dir

# pn_tmpdir: prints the test's temporary directory ($PN_TMP). It is
# world-readable (0755) so the test user can reach sockets in it.
pn_tmpdir() {
	echo "$PN_TMP"
}

PN_TMP=$(mktemp -d "/tmp/panther-test.$PN_TEST_NAME.XXXXXX") ||
	pn_fail "cannot create a temporary directory in /tmp"
chmod 0755 "$PN_TMP"
export PN_TMP
# One shell command per line, run bottom-up at exit.
PN__UNDO=$PN_TMP/.undo
: >"$PN__UNDO"

# ---------------------------------------------------------------- cleanup

# pn_on_exit CMD [ARGS...]: runs CMD at exit (before anything registered
# earlier). Use it instead of trap.
pn_on_exit() {
	local line
	printf -v line '%q ' "$@"
	echo "$line" >>"$PN__UNDO"
}

pn__cleanup() {
	local rc=$1 line lines=()
	trap '' INT TERM
	if [ -s "$PN__UNDO" ]; then
		mapfile -t lines <"$PN__UNDO"
		: >"$PN__UNDO"
		local i
		for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
			eval "${lines[i]}" || true
		done
	fi
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		pn__dump_logs
	fi
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] || [ -n "${PN_KEEP_TMP:-}" ]; then
		echo "# logs kept in $PN_TMP"
	else
		rm -rf "$PN_TMP"
	fi
}

pn__dump_logs() {
	local f
	for f in "$PN_TMP"/*.log; do
		[ -s "$f" ] || continue
		echo "----- last lines of $f"
		tail -n 20 "$f"
	done
}

trap 'pn__cleanup $?' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- processes

# The process start time (clock ticks since boot) tells a pid apart from a
# later process that reuses it.
pn__starttime() {
	local stat
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	[ "$1" != Z ] || return 1
	echo "${20}"
}

# pn_alive PID: true while PID runs (a zombie counts as gone).
pn_alive() {
	pn__starttime "$1" >/dev/null
}

# pn__stop PID STARTTIME NAME: TERM, up to 5 s, then KILL; reaps it.
pn__stop() {
	local pid=$1 start=$2 name=$3 i
	if [ "$(pn__starttime "$pid")" != "$start" ]; then
		wait "$pid" 2>/dev/null
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		pn_alive "$pid" || break
		sleep 0.05
	done
	if pn_alive "$pid"; then
		echo "# $name (pid $pid) ignored SIGTERM for 5 s: killing it"
		pn__signal "$pid" KILL
	fi
	wait "$pid" 2>/dev/null
}

# pn__signal PID SIG: sends SIG; for a child of this shell that SIG kills,
# also reaps it, so bash does not print a "Killed" job notice.
pn__signal() {
	local stat ppid
	read -r stat 2>/dev/null <"/proc/$1/stat"
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- "$1" "$2" $stat
	ppid=${4:-}
	if [ "$ppid" = $$ ] && [ "$2" = KILL ]; then
		{
			kill -KILL "$1"
			wait "$1"
		} 2>/dev/null
	else
		kill -"$2" "$1" 2>/dev/null
	fi
}

# pn_track PID NAME: stop PID at exit (for processes started without
# pn_spawn).
pn_track() {
	local start
	start=$(pn__starttime "$1") || return 0
	pn_on_exit pn__stop "$1" "$start" "$2"
}

# pn_spawn NAME CMD [ARGS...]: starts the program CMD in the background,
# stdin from /dev/null, stdout and stderr to $PN_TMP/NAME.log; stops it at
# exit. Sets PN_PID (its pid: CMD is exec'd, so this is the program itself
# even through setpriv/env) and PN_LOG (the log path).
pn_spawn() {
	local name=$1
	shift
	PN_LOG=$PN_TMP/$name.log
	local n=1
	while [ -e "$PN_LOG" ]; do
		n=$((n + 1))
		PN_LOG=$PN_TMP/$name.$n.log
	done
	: >"$PN_LOG"
	"$@" </dev/null >>"$PN_LOG" 2>&1 &
	PN_PID=$!
	local start i
	for ((i = 0; i < 20; i++)); do
		start=$(pn__starttime "$PN_PID") && break
		sleep 0.01
	done
	pn_on_exit pn__stop "$PN_PID" "${start:-0}" "$name"
}

# pn_stop PID: stops a process now (TERM, then KILL after 5 s). Returns its
# exit status when it is a child of the test (143 when TERM killed it).
pn_stop() {
	local pid=$1 start
	start=$(pn__starttime "$pid") || {
		wait "$pid" 2>/dev/null
		return
	}
	pn__stop "$pid" "$start" "pid $pid" >/dev/null
	wait "$pid" 2>/dev/null
}

# pn_wait_for [-t SECONDS] CMD [ARGS...]: runs CMD (output discarded) every
# 50 ms until it succeeds; returns 1 after SECONDS (default $PN_WAIT_TIMEOUT
# or 10) with a line on stderr. Tests may poll; the daemons under test may not.
pn_wait_for() {
	local t=${PN_WAIT_TIMEOUT:-10}
	if [ "${1:-}" = -t ]; then
		t=$2
		shift 2
	fi
	local deadline now sec=${t%%.*} frac=${t#*.}
	[ "$frac" = "$t" ] && frac=0
	frac=${frac}000
	deadline=$(pn__now_ms)
	deadline=$((deadline + 10#${sec:-0} * 1000 + 10#${frac:0:3}))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		now=$(pn__now_ms)
		if [ "$now" -ge "$deadline" ]; then
			echo "pn_wait_for: still failing after ${t}s: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}

pn__now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# pn_wait_exit [-t SECONDS] PID: waits until PID has exited; 1 on timeout.
pn_wait_exit() {
	local t=()
	if [ "${1:-}" = -t ]; then
		t=(-t "$2")
		shift 2
	fi
	pn_wait_for "${t[@]}" pn__not_alive "$1"
}

pn__not_alive() {
	! pn_alive "$1"
}

# ---------------------------------------------------------------- /proc

# pn_rss_kib PID: resident memory of PID in KiB.
pn_rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# pn_voluntary_switches PID: voluntary context switches of PID so far (a
# process that sleeps in poll() does not gain any while idle).
pn_voluntary_switches() {
	awk '/^voluntary_ctxt_switches:/ { print $2 }' "/proc/$1/status"
}

# pn_fd_count PID: open file descriptors of PID.
pn_fd_count() {
	local fds=("/proc/$1/fd"/*)
	[ -e "${fds[0]}" ] || {
		echo 0
		return
	}
	echo "${#fds[@]}"
}

# ---------------------------------------------------------------- D-Bus

# pn_session_bus [--system]: starts a private dbus-daemon in $PN_TMP
# (socket $PN_TMP/session-bus, anyone may connect, no service activation)
# and exports DBUS_SESSION_BUS_ADDRESS and PN_SESSION_BUS_PID. With
# --system the same bus also stands in for the system bus
# (DBUS_SYSTEM_BUS_ADDRESS): for tests without polkit.
pn_session_bus() {
	local also_system=
	[ "${1:-}" = --system ] && also_system=1
	pn_need_cmd dbus-daemon busctl
	local sock=$PN_TMP/session-bus conf=$PN_TMP/session-bus.conf
	cat >"$conf" <<-EOF
		<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
		 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
		<busconfig>
		  <type>session</type>
		  <listen>unix:path=$sock</listen>
		  <auth>EXTERNAL</auth>
		  <policy context="default">
		    <allow user="*"/>
		    <allow send_destination="*" eavesdrop="true"/>
		    <allow eavesdrop="true"/>
		    <allow own="*"/>
		  </policy>
		</busconfig>
	EOF
	pn_spawn session-bus dbus-daemon --config-file="$conf" --nofork --nopidfile
	PN_SESSION_BUS_PID=$PN_PID
	local addr=unix:path=$sock
	pn_wait_for busctl --address="$addr" status ||
		pn_fail "private session bus did not come up (see $PN_LOG)"
	export DBUS_SESSION_BUS_ADDRESS=$addr PN_SESSION_BUS_PID
	if [ -n "$also_system" ]; then
		export DBUS_SYSTEM_BUS_ADDRESS=$addr
	fi
}

# Holds an exclusive lock for everything that touches machine-wide state
# (the system bus, polkitd, ppd, the fake logind session), so two test runs
# on one machine take turns instead of fighting. A flock(1) process holds it
# (-o: what it runs does not inherit the lock) with a "tail --pid" that ends
# with this shell, so even a SIGKILLed test frees it. Released at exit.
pn__lock_system() {
	[ -n "${PN__LOCK_PID:-}" ] && return 0
	# A test started by a test that holds the lock runs under it.
	if [ -n "${PN_LOCK_HOLDER:-}" ] && [ "$PN_LOCK_HOLDER" != $$ ] && pn_alive "$PN_LOCK_HOLDER"; then
		PN__LOCK_PID=nested
		return 0
	fi
	local wait_s=${PN_LOCK_TIMEOUT:-240}
	# shellcheck disable=SC2016 # expanded by that sh
	pn_spawn system-lock flock -o -w "$wait_s" "$PN_LOCK_FILE" \
		sh -c 'echo "locked $$"; exec tail --pid="$1" -f /dev/null' sh $$
	local flock_pid=$PN_PID log=$PN_LOG i
	for ((i = 0; ; i++)); do
		grep -q '^locked ' "$log" && break
		if ! pn_alive "$flock_pid"; then
			pn_fail "the system bus stayed in use by another test for ${wait_s}s: $(cat "$PN_LOCK_FILE.owner" 2>/dev/null)"
		fi
		[ "$i" -eq 10 ] &&
			pn_note "waiting for another test using the system bus: $(cat "$PN_LOCK_FILE.owner" 2>/dev/null)"
		sleep 0.05
	done
	PN__LOCK_PID=$(sed -n 's/^locked //p' "$log")
	echo "$PN_TEST_NAME (pid $$)" >"$PN_LOCK_FILE.owner"
	export PN_LOCK_HOLDER=$$
	pn_on_exit pn__unlock_system
}

pn__unlock_system() {
	rm -f "$PN_LOCK_FILE.owner"
	kill "$PN__LOCK_PID" 2>/dev/null
	PN__LOCK_PID=
	unset PN_LOCK_HOLDER
}

# Calls on the real system bus, even when the private bus stands in for it.
pn__sysbus() {
	env -u DBUS_SYSTEM_BUS_ADDRESS busctl --system "$@"
}

# pn_bus_name_pid [--system] NAME: pid of the owner of NAME on the session
# bus (or the real system bus); fails when nobody owns it.
pn_bus_name_pid() {
	local bus=(busctl --user)
	if [ "$1" = --system ]; then
		bus=(pn__sysbus)
		shift
	fi
	local out
	out=$("${bus[@]}" call org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus GetConnectionUnixProcessID s "$1" 2>/dev/null) || return 1
	echo "${out#u }"
}

# The system bus config without service activation: only what a test starts
# runs (no packagekitd, no polkitd started behind the test's back).
pn__system_bus_conf() {
	sed -e '/<fork\/>/d' \
		-e '/<standard_system_servicedirs\/>/d' \
		-e '/<servicehelper>/d' \
		-e '/<pidfile>/d' \
		-e '/<syslog\/>/d' \
		-e 's|<includedir>system.d</includedir>|<includedir>/usr/share/dbus-1/system.d</includedir>|' \
		/usr/share/dbus-1/system.conf
}

# pn_system_bus_polkitd: makes sure the real system bus at
# /run/dbus/system_bus_socket and the real polkitd run (needed by anything
# that goes through polkit: its setuid helper only talks to that bus).
# Reuses a bus or polkitd that already runs (and leaves it running);
# stops only what it started. Exports PN_POLKITD_PID and PN_POLKITD_LOG (empty
# when polkitd was reused). DBUS_SYSTEM_BUS_ADDRESS is unset: the real bus
# is the system bus from here on.
pn_system_bus_polkitd() {
	pn_require_root
	pn_need_cmd dbus-daemon busctl "$PN_POLKITD"
	pn__lock_system
	unset DBUS_SYSTEM_BUS_ADDRESS
	if pn__sysbus status >/dev/null 2>&1; then
		pn_note "reusing the system bus already running at $PN_SYSTEM_SOCKET"
	else
		mkdir -p /run/dbus
		rm -f "$PN_SYSTEM_SOCKET" /run/dbus/pid
		pn__system_bus_conf >"$PN_TMP/system-bus.conf"
		pn_spawn system-bus dbus-daemon --config-file="$PN_TMP/system-bus.conf" --nofork --nopidfile
		PN_SYSTEM_BUS_PID=$PN_PID
		pn_on_exit rm -f "$PN_SYSTEM_SOCKET"
		pn_wait_for pn__sysbus status ||
			pn_fail "system bus did not come up (see $PN_LOG)"
	fi
	if pn__sysbus status org.freedesktop.PolicyKit1 >/dev/null 2>&1; then
		PN_POLKITD_PID=$(pn_bus_name_pid --system org.freedesktop.PolicyKit1)
		PN_POLKITD_LOG=
		pn_note "reusing polkitd (pid $PN_POLKITD_PID)"
	else
		pn__start_polkitd
	fi
	export PN_POLKITD_PID PN_POLKITD_LOG
	pn__polkit_helper_socket
}

pn__start_polkitd() {
	pn__service_start polkitd org.freedesktop.PolicyKit1 "$PN_POLKITD"
	PN_POLKITD_PID=$PN_PID
	PN_POLKITD_LOG=$PN_LOG
	export PN_POLKITD_PID PN_POLKITD_LOG
}

# polkit's PAM helper. Up to 126 it is setuid root and the agent runs it as
# its own child. From 127 it is not setuid: systemd starts one per connection
# to polkit-agent-helper.socket (Accept=yes, mode 0666), and
# libpolkit-agent-1 connects there. Without systemd the harness listens on
# that socket itself with systemd-socket-activate, as the unit would.
PN_POLKIT_HELPER=/usr/lib/polkit-1/polkit-agent-helper-1
PN_POLKIT_HELPER_SOCKET=/run/polkit/agent-helper.socket
PN_POLKIT_SOCKET_PID=

pn__polkit_helper_socket() {
	[ -u "$PN_POLKIT_HELPER" ] && return 0
	[ -S "$PN_POLKIT_HELPER_SOCKET" ] && [ -z "$PN_POLKIT_SOCKET_PID" ] && {
		pn_note "reusing polkit's helper socket $PN_POLKIT_HELPER_SOCKET"
		return 0
	}
	pn_alive "${PN_POLKIT_SOCKET_PID:-0}" && return 0
	pn_need_cmd systemd-socket-activate "$PN_POLKIT_HELPER"
	mkdir -p "${PN_POLKIT_HELPER_SOCKET%/*}"
	rm -f "$PN_POLKIT_HELPER_SOCKET"
	pn_spawn polkit-helper-socket systemd-socket-activate --accept --inetd \
		--listen="$PN_POLKIT_HELPER_SOCKET" "$PN_POLKIT_HELPER" --socket-activated
	PN_POLKIT_SOCKET_PID=$PN_PID
	pn_on_exit rm -f "$PN_POLKIT_HELPER_SOCKET"
	pn_wait_for test -S "$PN_POLKIT_HELPER_SOCKET" ||
		pn_fail "systemd-socket-activate did not listen on $PN_POLKIT_HELPER_SOCKET (see $PN_LOG)"
	chmod 0666 "$PN_POLKIT_HELPER_SOCKET"
	export PN_POLKIT_SOCKET_PID
}

# pn_polkit_helpers AGENT_PID: pids of the polkit-agent-helper-1 processes
# working for the agent: its children (setuid helper), or, under polkit
# 127+, the children of the harness's socket activator.
pn_polkit_helpers() {
	local parent=$1
	[ -n "${PN_POLKIT_SOCKET_PID:-}" ] && parent=$PN_POLKIT_SOCKET_PID
	pgrep -P "$parent" -f polkit-agent-helper-1
	true
}

# pn__service_start NAME BUS_NAME CMD [ARGS...]: pn_spawn a service of the
# real system bus and wait until it owns BUS_NAME.
pn__service_start() {
	local name=$1 bus_name=$2
	shift 2
	pn_spawn "$name" "$@"
	pn_wait_for pn__up_or_dead "$PN_PID" pn__sysbus status "$bus_name"
	pn__sysbus status "$bus_name" >/dev/null 2>&1 ||
		pn_fail "$name did not take $bus_name: $(tail -n 1 "$PN_LOG")"
}

# pn__up_or_dead PID CMD...: CMD succeeds, or PID has exited (no use waiting).
pn__up_or_dead() {
	local pid=$1
	shift
	"$@" || ! pn_alive "$pid"
}

# pn__service_stop BUS_NAME SIGNAL: signals the owner of BUS_NAME on the real
# system bus, waits until the name and the process are gone; 1 when nobody
# owned it.
pn__service_stop() {
	local bus_name=$1 sig=$2 pid
	pid=$(pn_bus_name_pid --system "$bus_name") || return 1
	pn__signal "$pid" "$sig"
	pn_wait_for pn__name_gone "$bus_name" ||
		pn_fail "pid $pid still owns $bus_name after SIG$sig"
	pn_wait_exit -t 5 "$pid" ||
		pn_fail "pid $pid (owner of $bus_name) did not exit after SIG$sig"
	wait "$pid" 2>/dev/null
	return 0
}

pn__name_gone() {
	! pn__sysbus status "$1" >/dev/null 2>&1
}

# pn_kill_polkitd [SIGNAL]: kills polkitd (default SIGKILL, as in a crash)
# and waits until its bus name is gone. It stays down until
# pn_restart_polkitd.
pn_kill_polkitd() {
	pn__service_stop org.freedesktop.PolicyKit1 "${1:-KILL}" ||
		pn_fail "pn_kill_polkitd: polkitd is not running"
	PN_POLKITD_PID=
}

# pn_restart_polkitd: stops polkitd if it runs and starts a new one (it
# re-reads action files only at start). The new one is stopped at exit.
pn_restart_polkitd() {
	pn__service_stop org.freedesktop.PolicyKit1 TERM
	pn__start_polkitd
}

# pn_polkit_rule NAME JS: installs JS as /etc/polkit-1/rules.d/NAME.rules,
# removed at exit, and waits until polkitd has reloaded its rules (it watches
# the directory; with a polkitd the harness did not start, or one that does
# not log its rule loads, it gives it 1 s).
# Name it with a number first, e.g. "10-panther-test-admin" (lower numbers
# run first).
pn_polkit_rule() {
	pn_require_root
	local f=/etc/polkit-1/rules.d/$1.rules tmp=/etc/polkit-1/.$1.rules.tmp loads
	mkdir -p /etc/polkit-1/rules.d
	# Written next to the directory, then renamed into it: one event.
	printf '%s\n' "$2" >"$tmp"
	chmod 0644 "$tmp"
	loads=$(pn__polkit_rule_loads)
	pn_on_exit rm -f "$f"
	mv "$tmp" "$f"
	# polkitd 128 no longer logs its rule loads: then only a pause helps.
	if [ -n "${PN_POLKITD_LOG:-}" ] && pn_alive "${PN_POLKITD_PID:-0}" && [ "$loads" -gt 0 ]; then
		pn_wait_for -t 5 pn__polkit_reloaded "$loads" ||
			pn_fail "polkitd did not reload its rules after $f (see $PN_POLKITD_LOG)"
	else
		sleep 1
	fi
}

pn__polkit_rule_loads() {
	grep -c 'Finished loading' "${PN_POLKITD_LOG:-/dev/null}" 2>/dev/null
	true
}

pn__polkit_reloaded() {
	[ "$(pn__polkit_rule_loads)" -gt "$1" ]
}

# pn_polkit_action FILE: installs the action policy FILE into
# /usr/share/polkit-1/actions/ (removed at exit) and restarts polkitd when it
# runs, so the action is known.
pn_polkit_action() {
	pn_require_root
	local dest
	dest=/usr/share/polkit-1/actions/$(basename "$1")
	[ -e "$dest" ] && pn_fail "pn_polkit_action: $dest already exists"
	pn_on_exit rm -f "$dest"
	install -m 0644 "$1" "$dest"
	if pn__sysbus status org.freedesktop.PolicyKit1 >/dev/null 2>&1; then
		pn_restart_polkitd
	fi
}

# pn_dbusmock [--system] TEMPLATE [ARGS...]: starts python3-dbusmock with
# TEMPLATE (a template name, or the path of a template .py) on the session
# bus, or with --system on the system bus (the private one when it stands
# in for it, else the real one), and waits until its bus name appears.
# ARGS go to dbusmock (e.g. -p '{"key": value}'). Sets PN_DBUSMOCK_PID,
# PN_DBUSMOCK_LOG (its method-call log) and PN_DBUSMOCK_LOG_<template> (the
# template's base name, non-alphanumerics as "_").
pn_dbusmock() {
	local system='' bus=(busctl --user)
	if [ "${1:-}" = --system ]; then
		system=--system
		bus=(busctl --system)
		shift
	fi
	local template=$1
	shift
	pn_need_cmd "$PN_PYTHON" busctl
	"$PN_PYTHON" -c 'import dbusmock' 2>/dev/null ||
		pn_missing "python3-dbusmock is not installed for $PN_PYTHON"
	local name tag
	name=$("$PN_PYTHON" -c 'import sys; from dbusmock.mockobject import load_module; print(load_module(sys.argv[1]).BUS_NAME)' "$template") ||
		pn_fail "pn_dbusmock: cannot load template $template"
	tag=$(basename "$template" .py)
	tag=${tag//[^A-Za-z0-9]/_}
	if [ -n "$system" ] && [ -z "${DBUS_SYSTEM_BUS_ADDRESS:-}" ]; then
		pn__sysbus status >/dev/null 2>&1 ||
			pn_fail "pn_dbusmock --system: no system bus (call pn_session_bus --system or pn_system_bus_polkitd first)"
		pn__sysbus_open_name "$name"
	elif [ -z "$system" ] && [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
		pn_fail "pn_dbusmock: no session bus (call pn_session_bus first)"
	fi
	if "${bus[@]}" status "$name" >/dev/null 2>&1; then
		pn_fail "pn_dbusmock: $name is already owned on that bus (pid $(pn_bus_name_pid $system "$name" 2>/dev/null))"
	fi
	local log=$PN_TMP/dbusmock-$tag.calls
	pn_spawn "dbusmock-$tag" "$PN_PYTHON" -m dbusmock $system --template "$template" -l "$log" "$@"
	PN_DBUSMOCK_PID=$PN_PID
	PN_DBUSMOCK_LOG=$log
	printf -v "PN_DBUSMOCK_LOG_$tag" '%s' "$log"
	pn_wait_for pn__up_or_dead "$PN_PID" "${bus[@]}" status "$name"
	"${bus[@]}" status "$name" >/dev/null 2>&1 ||
		pn_fail "dbusmock $template did not take $name: $(tail -n 1 "$PN_LOG")"
}

# The real system bus lets nobody own or call a name without a policy file:
# one for NAME (root owns it, anyone calls it) lives in
# /etc/dbus-1/system.d while the test runs.
pn__sysbus_open_name() {
	local f=/etc/dbus-1/system.d/panther-test-$1.conf
	[ -e "$f" ] && return 0
	pn_on_exit pn__sysbus_reload
	pn_on_exit rm -f "$f"
	cat >"$f" <<-EOF
		<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
		 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
		<busconfig>
		  <policy user="root"><allow own="$1"/></policy>
		  <policy context="default"><allow send_destination="$1"/></policy>
		</busconfig>
	EOF
	pn__sysbus_reload
}

pn__sysbus_reload() {
	pn__sysbus call org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus ReloadConfig >/dev/null 2>&1
	true
}

# pn_ppd_real [--fake-driver]: starts the real power-profiles-daemon on the
# real system bus (call pn_system_bus_polkitd first) and waits for
# net.hadess.PowerProfiles. --fake-driver offers all three profiles (else
# the placeholder driver: power-saver and balanced). Its saved state is set
# aside first and restored at exit, so it starts on "balanced". Sets
# PN_PPD_PID and PN_PPD_LOG.
pn_ppd_real() {
	local fake=()
	[ "${1:-}" = --fake-driver ] && fake=(env POWER_PROFILE_DAEMON_FAKE_DRIVER=1)
	pn_need_cmd "$PN_PPD"
	[ -n "${PN__LOCK_PID:-}" ] || pn_fail "pn_ppd_real: call pn_system_bus_polkitd first"
	local pid exe
	if pid=$(pn_bus_name_pid --system net.hadess.PowerProfiles); then
		exe=$(readlink "/proc/$pid/exe")
		[ "$exe" = "$PN_PPD" ] ||
			pn_fail "net.hadess.PowerProfiles is owned by pid $pid ($exe), not a power-profiles-daemon"
		pn_note "replacing power-profiles-daemon pid $pid left on the system bus"
		pn__service_stop net.hadess.PowerProfiles TERM
	fi
	local state=/var/lib/power-profiles-daemon/state.ini
	if [ -e "$state" ]; then
		mv "$state" "$PN_TMP/ppd-state.ini"
		pn_on_exit mv "$PN_TMP/ppd-state.ini" "$state"
	else
		pn_on_exit rm -f "$state"
	fi
	pn__service_start ppd net.hadess.PowerProfiles "${fake[@]}" "$PN_PPD" --verbose
	PN_PPD_PID=$PN_PID
	PN_PPD_LOG=$PN_LOG
	export PN_PPD_PID PN_PPD_LOG
}

# ---------------------------------------------------------------- test user

# pn_test_user: makes sure the user "pktest" exists (home directory, member
# of sudo, so polkit counts it as an admin) with password
# "pktest-password"; idempotent. Exports PN_TEST_USER, PN_TEST_UID,
# PN_TEST_HOME, PN_XDG_RUNTIME_DIR (0700, owned by the user, in $PN_TMP);
# sets PN_TEST_PASSWORD without exporting it (so no program under test finds
# the password in its environment, where tests look for leaks); fills the
# array PN_AS_USER with the command prefix that pn_as_user uses.
pn_test_user() {
	[ -n "${PN_TEST_UID:-}" ] && [ -n "${PN_AS_USER+x}" ] && return 0
	pn_require_root
	pn_need_cmd useradd chpasswd setpriv flock
	PN_TEST_PASSWORD=pktest-password
	(
		flock -w 60 9 || exit 1
		getent group sudo >/dev/null || groupadd -r sudo || exit 1
		if ! id "$PN_TEST_USER" >/dev/null 2>&1; then
			useradd -m -G sudo -s /bin/bash "$PN_TEST_USER" || exit 1
		fi
		id -nG "$PN_TEST_USER" | grep -qw sudo || usermod -aG sudo "$PN_TEST_USER" || exit 1
		echo "$PN_TEST_USER:$PN_TEST_PASSWORD" | chpasswd || exit 1
	) 9>>/run/lock/panther-tests-user.lock ||
		pn_fail "cannot create the test user $PN_TEST_USER"
	PN_TEST_UID=$(id -u "$PN_TEST_USER")
	PN_TEST_HOME=$(getent passwd "$PN_TEST_USER" | cut -d: -f6)
	PN_XDG_RUNTIME_DIR=$PN_TMP/xdg
	install -d -m 0700 -o "$PN_TEST_USER" -g "$PN_TEST_USER" "$PN_XDG_RUNTIME_DIR"
	PN_AS_USER=(setpriv --reuid "$PN_TEST_USER" --regid "$PN_TEST_USER" --init-groups
		env -C "$PN_TMP" HOME="$PN_TEST_HOME" USER="$PN_TEST_USER" LOGNAME="$PN_TEST_USER"
		XDG_RUNTIME_DIR="$PN_XDG_RUNTIME_DIR")
	export PN_TEST_USER PN_TEST_UID PN_TEST_HOME PN_XDG_RUNTIME_DIR
}

# pn_as_user CMD [ARGS...]: runs CMD as the test user in the foreground
# (setpriv, so no extra parent process), with HOME, USER, LOGNAME,
# XDG_RUNTIME_DIR set, the rest of the environment inherited, and $PN_TMP as
# working directory. Returns CMD's status. Calls pn_test_user if needed.
pn_as_user() {
	pn_test_user
	"${PN_AS_USER[@]}" "$@"
}

# pn_spawn_as_user NAME CMD [ARGS...]: pn_spawn, as the test user.
pn_spawn_as_user() {
	pn_test_user
	local name=$1
	shift
	pn_spawn "$name" "${PN_AS_USER[@]}" "$@"
}

# ---------------------------------------------------------------- sway

# pn_sway [CONFIG_LINES]: starts headless sway 1.7 (pixman renderer, no
# input devices, one 1280x800 output, no bar) as the test user, with
# CONFIG_LINES appended to its minimal config (e.g. bindsym lines), and a
# long-lived "wtype -s 600000" that keeps a virtual keyboard on the seat
# (without one the first typed key is lost). Exports WAYLAND_DISPLAY (socket name, in PN_XDG_RUNTIME_DIR),
# PN_WAYLAND_SOCKET (its full path), SWAYSOCK, PN_SWAY_PID, PN_SWAY_LOG.
pn_sway() {
	pn_test_user
	pn_need_cmd sway swaymsg wtype grim
	local conf=$PN_TMP/sway.conf
	cat >"$conf" <<-'EOF'
		xwayland disable
		output * bg #204060 solid_color
		output HEADLESS-1 resolution 1280x800
		default_border none
		focus_follows_mouse no
	EOF
	printf '%s\n' "${1:-}" >>"$conf"
	chmod 0644 "$conf"
	pn_spawn_as_user sway env -u WAYLAND_DISPLAY -u DISPLAY -u SWAYSOCK \
		WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman \
		sway -c "$conf"
	PN_SWAY_PID=$PN_PID
	PN_SWAY_LOG=$PN_LOG
	pn_wait_for pn__sway_sockets ||
		pn_fail "sway did not create its sockets (see $PN_SWAY_LOG)"
	pn__sway_sockets
	export WAYLAND_DISPLAY=$PN__WL PN_WAYLAND_SOCKET=$PN_XDG_RUNTIME_DIR/$PN__WL
	export SWAYSOCK=$PN__SWAYSOCK PN_SWAY_PID PN_SWAY_LOG
	pn_wait_for pn_as_user swaymsg -t get_outputs ||
		pn_fail "sway does not answer on $SWAYSOCK (see $PN_SWAY_LOG)"
	pn_spawn_as_user wtype-keeper wtype -s 600000
	PN_WTYPE_KEEPER_PID=$PN_PID
	pn_wait_for pn__has_virtual_keyboard ||
		pn_fail "the virtual keyboard of wtype did not appear in sway (see $PN_LOG)"
}

pn__sway_sockets() {
	local f
	PN__WL='' PN__SWAYSOCK=''
	for f in "$PN_XDG_RUNTIME_DIR"/wayland-*; do
		[ -S "$f" ] && PN__WL=${f##*/}
	done
	for f in "$PN_XDG_RUNTIME_DIR"/sway-ipc.*.sock; do
		[ -S "$f" ] && PN__SWAYSOCK=$f
	done
	[ -n "$PN__WL" ] && [ -n "$PN__SWAYSOCK" ]
}

pn__has_virtual_keyboard() {
	pn_as_user swaymsg -t get_inputs | grep -q '"type": "keyboard"'
}

# pn_type TEXT: types TEXT into the focused surface of pn_sway's seat.
pn_type() {
	pn_as_user wtype -- "$1"
}

# pn_key KEYNAME: presses and releases one key (an xkb keysym name such as
# Return, BackSpace, Escape).
pn_key() {
	pn_as_user wtype -k "$1"
}

# pn_screenshot FILE: writes a PNG of the whole output to FILE (grim); fails
# when the picture is empty.
pn_screenshot() {
	pn_as_user grim - >"$1" || pn_fail "grim could not take a screenshot"
	[ -s "$1" ] || pn_fail "grim wrote an empty screenshot"
}

# ---------------------------------------------------------------- logind

# pn_fake_logind_session [ID]: a logind session (default ID $PN_FAKE_SESSION_ID,
# else c1; runs in separate mount namespaces share /sys/fs/cgroup, so each
# needs its own) for the test
# user without logind: cgroups user.slice/user-UID.slice/session-ID.scope in
# the systemd (and unified) hierarchy, /run/systemd/sessions/ID,
# /run/systemd/seats/seat0, /run/systemd/users/UID, which is all sd-login
# reads. Processes inside are local and active for polkitd (allow_active
# actions pass). Needs the system lock (shared with pn_system_bus_polkitd).
# Exports PN_SESSION_ID, PN_SESSION_CGROUP (the scope's path, e.g.
# /user.slice/user-1001.slice/session-c1.scope) and fills the array
# PN_IN_SESSION: a command prefix that moves itself into the session and
# execs the rest (use with pn_spawn: pn_spawn NAME "${PN_IN_SESSION[@]}" ...).
# At exit, processes still in the session are killed and everything created
# is removed.
pn_fake_logind_session() {
	local id=${1:-${PN_FAKE_SESSION_ID:-c1}}
	pn_require_root
	pn_test_user
	pn__lock_system
	local uid=$PN_TEST_UID roots=() r
	case $(stat -f -c %T /sys/fs/cgroup 2>/dev/null) in
	cgroup2fs)
		roots=(/sys/fs/cgroup)
		;;
	tmpfs)
		if ! mountpoint -q /sys/fs/cgroup/systemd &&
			! { mkdir -p /sys/fs/cgroup/systemd 2>/dev/null &&
				mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd 2>/dev/null; }; then
			pn_skip "no name=systemd cgroup hierarchy at /sys/fs/cgroup/systemd and mounting one failed: sd-login cannot place a process in a session"
		fi
		roots=(/sys/fs/cgroup/systemd)
		if mountpoint -q /sys/fs/cgroup/unified; then
			roots+=(/sys/fs/cgroup/unified)
		fi
		;;
	*)
		pn_skip "/sys/fs/cgroup is not a cgroup mount: sd-login cannot place a process in a session"
		;;
	esac
	local cg=/user.slice/user-$uid.slice/session-$id.scope
	local procs=() d
	for r in "${roots[@]}"; do
		for d in "$r/user.slice" "$r/user.slice/user-$uid.slice" "$r$cg"; do
			if [ ! -d "$d" ]; then
				mkdir "$d" || pn_skip "cannot create cgroup $d"
				pn_on_exit pn__remove_cgroup "$d" "$r"
			fi
		done
		procs+=("$r$cg/cgroup.procs")
	done
	mkdir -p /run/systemd/sessions /run/systemd/seats /run/systemd/users
	pn__runfile "/run/systemd/sessions/$id" <<-EOF
		UID=$uid
		USER=$PN_TEST_USER
		ACTIVE=1
		IS_DISPLAY=1
		STATE=active
		REMOTE=0
		TYPE=wayland
		CLASS=user
		SEAT=seat0
		VTNR=1
		SCOPE=session-$id.scope
	EOF
	pn__runfile /run/systemd/seats/seat0 <<-EOF
		IS_SEAT0=1
		CAN_MULTI_SESSION=1
		CAN_TTY=1
		CAN_GRAPHICAL=1
		ACTIVE=$id
		ACTIVE_UID=$uid
		SESSIONS=$id
		UIDS=$uid
	EOF
	pn__runfile "/run/systemd/users/$uid" <<-EOF
		NAME=$PN_TEST_USER
		STATE=active
		RUNTIME=$PN_XDG_RUNTIME_DIR
		DISPLAY=$id
		SESSIONS=$id
		SEATS=seat0
		ACTIVE_SESSIONS=$id
		ONLINE_SESSIONS=$id
		ACTIVE_SEATS=seat0
		ONLINE_SEATS=seat0
	EOF
	local script='for f in'
	for r in "${procs[@]}"; do
		script+=" $(printf '%q' "$r")"
	done
	# shellcheck disable=SC2016 # expanded by that sh
	script+='; do echo $$ >"$f" || exit 125; done; export XDG_SESSION_ID='$id' XDG_SESSION_TYPE=wayland XDG_SESSION_CLASS=user XDG_SEAT=seat0; exec "$@"'
	PN_IN_SESSION=(/bin/sh -c "$script" pn-session)
	PN_SESSION_ID=$id
	PN_SESSION_CGROUP=$cg
	export PN_SESSION_ID PN_SESSION_CGROUP
}

# Writes stdin to a file under /run/systemd, removed at exit.
pn__runfile() {
	pn_on_exit rm -f "$1"
	cat >"$1"
}

# Kills what is left in a cgroup the harness created, then removes it.
pn__remove_cgroup() {
	local dir=$1 root=$2 pid i
	local sig=TERM pids
	for ((i = 0; i < 40; i++)); do
		pids=$(cat "$dir/cgroup.procs" 2>/dev/null)
		[ -n "$pids" ] || break
		[ "$i" -eq 20 ] && sig=KILL
		[ "$i" -eq 0 ] || [ "$i" -eq 20 ] && echo "# ending what is left in $dir: $pids"
		# shellcheck disable=SC2086
		kill -"$sig" $pids 2>/dev/null
		sleep 0.1
	done
	# Zombies nobody reaps (PID 1 does not, here) would keep it busy.
	while read -r pid; do
		echo "$pid" >"$root/cgroup.procs" 2>/dev/null
	done <"$dir/cgroup.procs"
	rmdir "$dir" 2>/dev/null || echo "# could not remove cgroup $dir"
}

# pn_in_session CMD [ARGS...]: runs CMD as the test user inside the fake
# logind session, in the foreground; returns its status.
pn_in_session() {
	[ -n "${PN_IN_SESSION+x}" ] || pn_fail "pn_in_session: call pn_fake_logind_session first"
	"${PN_IN_SESSION[@]}" "${PN_AS_USER[@]}" "$@"
}

# pn_spawn_in_session NAME CMD [ARGS...]: pn_spawn as the test user inside the
# fake logind session; returns once the process is in the session.
pn_spawn_in_session() {
	[ -n "${PN_IN_SESSION+x}" ] || pn_fail "pn_spawn_in_session: call pn_fake_logind_session first"
	local name=$1
	shift
	pn_spawn "$name" "${PN_IN_SESSION[@]}" "${PN_AS_USER[@]}" "$@"
	pn_wait_for -t 5 pn__in_session_or_gone "$PN_PID" ||
		pn_fail "pid $PN_PID did not enter the session (see $PN_LOG)"
}

pn__in_session_or_gone() {
	pn_pid_in_session "$1" || ! pn_alive "$1"
}

# pn_pid_in_session PID: true when PID is in the fake session's cgroup.
pn_pid_in_session() {
	grep -q ":$PN_SESSION_CGROUP\$" "/proc/$1/cgroup" 2>/dev/null
}

# ---------------------------------------------------------------- the tree the test user runs

# The test user runs built programs, stand-ins and configs from
# PANTHER_BUILD_DIR and PANTHER_SOURCE_DIR. When it cannot read them (say a
# clone under /root, which is mode 700), the harness copies the sources (no
# .git, no build directories) and the build (no object files) into
# $PN_TMP/tree, mode 0750 root:pktest so that nobody else can read it, points
# PANTHER_SOURCE_DIR, PANTHER_BUILD_DIR, PANTHERCTL and PN_HARNESS_DIR at the
# copy, and removes it at exit. The user's own folders are left as they are.
# This happens once, when lib.sh is sourced by root; PN_TREE_COPIED_FROM then
# names the original source directory (it is empty when nothing was copied).
# A test that runs nothing as the test user sets PN_NO_TEST_USER=1 before
# sourcing lib.sh: it then reads the tree where it is, and no copy is made.
PN_TREE_COPIED_FROM=

# pn__user_reads USER PATH...: true when USER (with its groups; "nobody"
# with none) can reach and read every PATH (and list it, for a directory).
pn__user_reads() {
	local ids=(--reuid "$1" --regid "$1" --init-groups)
	[ "$1" = nobody ] && ids=(--reuid 65534 --regid 65534 --clear-groups)
	shift
	# shellcheck disable=SC2016 # expanded by that sh
	setpriv "${ids[@]}" sh -c 'for p; do
		if [ -d "$p" ]; then [ -r "$p" ] && [ -x "$p" ]; else [ -r "$p" ]; fi || exit 1
	done' sh "$@" 2>/dev/null
}

# pn__first_unreadable USER PATH: the first directory on the way to PATH that
# USER cannot enter, with its mode and owner ("/root (drwx------ root)").
pn__first_unreadable() {
	local part p=
	local IFS=/
	for part in ${2#/}; do
		p+=/$part
		pn__user_reads "$1" "$p" || {
			stat -c '%n (%A %U)' "$p"
			return
		}
	done
	echo "$2"
}

# pn__reach_tree: copies the tree for the test user when it cannot read it
# (see above). Root only: nobody else can run programs as the test user.
pn__reach_tree() {
	[ "$(id -u)" -eq 0 ] && [ -z "${PN_NO_TEST_USER:-}" ] || return 0
	local src=${PANTHER_SOURCE_DIR:-$(cd "$PN_HARNESS_DIR/../.." && pwd)}
	local build=${PANTHER_BUILD_DIR:-} who=nobody
	local probes=("$PN_HARNESS_DIR/lib.sh" "$src/tests/harness/lib.sh")
	if [ -n "$build" ]; then
		probes+=("$build")
		[ -e "$build/session/panther-session" ] && probes+=("$build/session/panther-session")
	fi
	# The test user may not exist yet: someone without any group is a
	# stricter stand-in for it.
	id "$PN_TEST_USER" >/dev/null 2>&1 && who=$PN_TEST_USER
	pn__user_reads "$who" "${probes[@]}" && return 0
	pn_test_user
	pn__user_reads "$PN_TEST_USER" "${probes[@]}" && return 0

	# What it cannot read, and the folder in the way.
	local tree=$PN_TMP/tree unread=$src blocked
	pn__user_reads "$PN_TEST_USER" "$src" "$src/tests/harness/lib.sh" && unread=$build
	blocked=$(pn__first_unreadable "$PN_TEST_USER" "$unread")
	local tsrc=$tree/src tbuild=$tree/build
	# A build inside the sources keeps its place in the copy.
	case $build in "$src"/*) tbuild=$tsrc/${build#"$src"/} ;; esac
	pn_on_exit rm -rf "$tree"
	local fix="clone into a folder $PN_TEST_USER can read (e.g. /opt/panther) or free space in /tmp"
	local - # a failing tar on either side of a pipe fails the copy
	set -o pipefail
	if ! { install -d -m 0750 -o root -g "$PN_TEST_USER" "$tree" && mkdir -p "$tsrc" &&
		tar -C "$src" -cf - --exclude=./.git --exclude=./sandbox-out \
			--exclude-tag-all=build.ninja . | tar -C "$tsrc" -xf - &&
		if [ -n "$build" ]; then
			mkdir -p "$tbuild" &&
				tar -C "$build" -cf - --exclude='*.p' --exclude=./meson-private \
					--exclude=./meson-logs --exclude=./meson-info . | tar -C "$tbuild" -xf -
		fi; }; then
		pn_fail "$PN_TEST_USER cannot read $unread ($blocked is in the way) and copying it to $tree failed: $fix"
	fi
	# Readable by all inside, but only root and the test user may enter $tree.
	chmod -R a+rX "$tree"/*
	pn_note "$PN_TEST_USER cannot read $unread ($blocked is in the way): it runs a copy in $tree, removed at exit"
	PN_TREE_COPIED_FROM=$src
	[ -n "${PANTHERCTL:-}" ] && [ -n "$build" ] && case $PANTHERCTL in
	"$build"/*) PANTHERCTL=$tbuild/${PANTHERCTL#"$build"/} ;;
	esac
	PN_HARNESS_DIR=$tsrc/tests/harness
	PANTHER_SOURCE_DIR=$tsrc
	[ -n "$build" ] && PANTHER_BUILD_DIR=$tbuild
	export PANTHER_SOURCE_DIR PANTHER_BUILD_DIR PN_TREE_COPIED_FROM
	if [ -n "${PANTHERCTL:-}" ]; then export PANTHERCTL; fi
}

pn__reach_tree
