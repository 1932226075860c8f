#!/bin/bash
# run.sh CASE: runs tests/newest/CASE.sh (or CASE itself when it is a path
# in the source tree, such as bench/dms-polkit-root.sh) inside a Debian sid root (polkit
# 127+, power-profiles-daemon 0.30, json-c 0.19, sway, DMS on Quickshell),
# in its own mount and pid namespaces.
#
# The root comes from root.sh (built once, kept in $PN_NEWEST_CACHE). Inside
# the namespace the sources are at /src, DMS's shell at /dms, panther's sid
# build at /build (kept in $PN_NEWEST_BUILD, default
# $PANTHER_BUILD_DIR/newest-sid, built here first)
# and the case's log folder, kept after the run, at /logs
# ($PANTHER_BUILD_DIR/meson-logs/newest/CASE). /run, /tmp and /dev/shm are
# private; a reaper is PID 1 and everything dies with it when this script
# ends. Exit 77 (with a SKIP: line saying why) without root or namespaces.
set -uo pipefail
case_name=$1
script=/src/tests/newest/$case_name.sh
if [[ $case_name == */* ]]; then
	script=/src/$case_name
	case_name=$(basename "$case_name" .sh)
fi
here=$(cd "$(dirname "$0")" && pwd)
src=${PANTHER_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
build=${PANTHER_BUILD_DIR:?PANTHER_BUILD_DIR is not set (run through meson test)}
cache=${PN_NEWEST_CACHE:-/var/cache/panther-newest}
# panther's build inside the root, kept between runs.
sid_build=${PN_NEWEST_BUILD:-$build/newest-sid}

skip() {
	echo "SKIP: $*"
	exit 77
}
fail() {
	echo "FAIL: $*"
	exit 1
}

[ "$(id -u)" -eq 0 ] ||
	skip "needs root: it builds a Debian sid root with debootstrap and runs it in mount and pid namespaces"
# What the namespace needs: a pid namespace with its own /proc, and sysfs
# (a user namespace's "root" has the first, not the second).
# shellcheck disable=SC2016 # expanded by that sh
if ! why=$(unshare --mount --pid --fork sh -ec 'd=$(mktemp -d)
	trap "rmdir $d" EXIT
	mount -t proc proc "$d"; umount "$d"
	mount -t sysfs sysfs "$d"; umount "$d"' 2>&1); then
	skip "cannot make the mount and pid namespaces it runs in (needs real root with CAP_SYS_ADMIN): $(echo "$why" | head -n 1)"
fi
if ! command -v debootstrap >/dev/null; then
	if [ "${CI:-}" = true ]; then
		DEBIAN_FRONTEND=noninteractive flock /tmp/apt.lock apt-get install -y -qq debootstrap >/dev/null ||
			fail "cannot install debootstrap"
	else
		skip "debootstrap is not installed (apt-get install debootstrap)"
	fi
fi
# DMS's shell: beside the clone (../shared/upstream), or PN_DMS_SHELL.
dms=${PN_DMS_SHELL:-}
if [ -z "$dms" ]; then
	for d in "$src/../shared/upstream/dms-shell-1.5.3" "$src/../../shared/upstream/dms-shell-1.5.3"; do
		[ -d "$d/quickshell" ] && dms=$(cd "$d" && pwd) && break
	done
fi

start=$SECONDS
root=$("$here/root.sh") || fail "could not build the sid root (logs in $cache)"
echo "# sid root $root ready after $((SECONDS - start)) s"

logs=$build/meson-logs/newest/$case_name
rm -rf "$logs"
mkdir -p "$logs" "$sid_build"
chmod 0755 "$logs"

# The namespace: mounts made by its first process, which then becomes the
# reaper (PID 1) inside the root.
# shellcheck disable=SC2016 # expanded by that bash
unshare --mount --pid --fork --kill-child bash -euc '
	r=$1 src=$2 build=$3 logs=$4 dms=$5
	mount -t proc proc "$r/proc"
	mount -t sysfs sysfs "$r/sys"
	mount -t cgroup2 cgroup2 "$r/sys/fs/cgroup" 2>/dev/null || true
	mount --rbind /dev "$r/dev"
	mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm"
	mount -t tmpfs -o mode=0755 tmpfs "$r/run"
	mkdir -p "$r/run/lock"
	mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
	mkdir -p "$r/src" "$r/build" "$r/logs" "$r/dms"
	mount --bind "$src" "$r/src"
	mount --bind "$build" "$r/build"
	mount --bind "$logs" "$r/logs"
	[ -z "$dms" ] || mount --bind -o ro "$dms" "$r/dms"
	exec chroot "$r" /usr/bin/python3 -c "
import os, time
while True:
    try:
        os.wait()
    except ChildProcessError:
        time.sleep(0.2)
"' newest-ns "$root" "$src" "$sid_build" "$logs" "$dms" </dev/null >"$logs/namespace.log" 2>&1 &
unshare_pid=$!
# unshare --fork ignores SIGTERM while it waits; KILL ends it, and with it
# (--kill-child) the reaper and everything in the namespace.
trap 'kill -KILL "$unshare_pid" 2>/dev/null; wait "$unshare_pid" 2>/dev/null' EXIT

ns_pid=
for _ in $(seq 200); do
	for p in $(pgrep -P "$unshare_pid"); do
		[ "$(readlink "/proc/$p/root")" = "$root" ] && ns_pid=$p
	done
	[ -n "$ns_pid" ] && break
	kill -0 "$unshare_pid" 2>/dev/null || fail "the namespace did not start: $(cat "$logs/namespace.log")"
	sleep 0.05
done
[ -n "$ns_pid" ] || fail "the namespace did not start in 10 s: $(cat "$logs/namespace.log")"

# in_root CMD...: runs CMD as root inside the namespace, with a clean environment.
in_root() {
	nsenter -t "$ns_pid" -m -p -r -w env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 CI="${CI:-}" \
		PANTHER_SOURCE_DIR=/src PANTHER_BUILD_DIR=/build PANTHERCTL=/build/ipc/ctl/pantherctl \
		PANTHER_PYTHON=/usr/bin/python3 PN_DMS_SHELL="${dms:+/dms}" PN_NEWEST_LOGS=/logs \
		PN_FAKE_SESSION_ID="n$$" ROUNDS="${ROUNDS:-}" "$@"
}

# panther's build in the root: one at a time, incremental.
exec 8>"$sid_build.lock"
flock 8
t=$SECONDS
if ! in_root sh -ec 'cd /src
	if [ -f /build/build.ninja ]; then
		meson configure /build -Dtest_hooks=true
	else
		meson setup /build -Dbuildtype=debugoptimized -Dwerror=true -Dtest_hooks=true
	fi
	nice ninja -C /build' >"$logs/build.log" 2>&1; then
	tail -n 40 "$logs/build.log"
	fail "panther did not build in the sid root (see $logs/build.log)"
fi
flock -u 8
echo "# panther built in the sid root in $((SECONDS - t)) s ($(in_root sh -c 'gcc -dumpfullversion; pkg-config --modversion json-c' | tr '\n' ' '))"

in_root bash "$script"
rc=$?
# What the harness kept (a failed test's folder) would die with the namespace's /tmp.
in_root sh -c 'for d in /tmp/panther-test.*; do [ -d "$d" ] && cp -r "$d" /logs/; done; true'
echo "# $case_name took $((SECONDS - start)) s in all; logs in $logs"
exit "$rc"
