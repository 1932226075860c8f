# shellcheck shell=bash
# shellcheck disable=SC2034
#
# Part of the test harness (sourced by lib.sh, never by a test): the buses,
# the real polkitd and its helper socket, dbusmock, the real ppd.

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
