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

# ---------------------------------------------------------------- D-Bus, polkitd, ppd

# In system-bus.sh, beside this file.
. "$PN_HARNESS_DIR/system-bus.sh"

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
					--exclude=./meson-logs --exclude=./meson-info --exclude=./newest-sid . | tar -C "$tbuild" -xf -
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
