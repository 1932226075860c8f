# shellcheck shell=bash
# PREFLIGHT_* variables are read by the callers and through ${!name}:
# shellcheck disable=SC2034
# What a new machine can lack, checked before scripts/sandbox.sh and
# scripts/test.sh start their first step. Sourced by both:
#
#   . scripts/preflight.sh
#   preflight sandbox|test BUILD_DIR || exit 2
#
# Each problem is one line on stderr, starting with the command's name. Being
# root is checked by the commands themselves (the tests can run without).
# PREFLIGHT_OS_RELEASE replaces /etc/os-release (to try another system).

# Programs and libraries (pkg-config names) that the build needs, and the
# programs the sandbox session runs.
PREFLIGHT_BUILD_CMDS="meson ninja cc pkg-config scdoc"
PREFLIGHT_BUILD_LIBS="dbus-1 json-c wayland-client wayland-scanner wayland-protocols
	polkit-agent-1 polkit-gobject-1 cairo pangocairo xkbcommon"
PREFLIGHT_SESSION_CMDS="dbus-daemon busctl /usr/lib/polkit-1/polkitd pkexec
	/usr/libexec/power-profiles-daemon sway swaymsg wtype grim setpriv flock
	useradd chpasswd /usr/bin/python3"
# Free space needed, in MiB: in /tmp (each test's logs and, for a clone the
# test user cannot read, a copy of the programs), and where the build goes.
PREFLIGHT_TMP_MIB=100
PREFLIGHT_BUILD_MIB_sandbox=100
PREFLIGHT_BUILD_MIB_test=600

# preflight sandbox|test BUILD_DIR: returns 1 when the command cannot go on.
# Sets PREFLIGHT_DEBIAN12=1 on Debian 12 (scripts/setup-debian.sh installs
# what is missing), else empty: then nothing is installed, and every program
# the command needs must be there already (the line names those missing).
preflight() {
	local name=$1 build=$2 ok=0 os missing
	# shellcheck disable=SC1090,SC1091 # /etc/os-release or the replacement
	os=$(. "${PREFLIGHT_OS_RELEASE:-/etc/os-release}" 2>/dev/null && echo "${ID:-}-${VERSION_ID:-} ${PRETTY_NAME:-an unknown system}")
	PREFLIGHT_DEBIAN12=
	if [ "${os%% *}" = debian-12 ]; then
		PREFLIGHT_DEBIAN12=1
	else
		missing=$(preflight_missing)
		if [ -n "$missing" ]; then
			local advice="install them and run again"
			# Without the build nothing runs; without the rest, some tests skip.
			if [ "$name" = sandbox ] || preflight_missing_build >/dev/null; then
				ok=1
			else
				advice="the tests that need them are skipped"
			fi
			echo "$name: this is ${os#* }, not Debian 12, so nothing is installed for you; missing:$missing ($advice)" >&2
		else
			echo "$name: this is ${os#* }, not Debian 12: nothing is installed, and everything needed is here" >&2
		fi
	fi
	preflight_space "$name" /tmp "$PREFLIGHT_TMP_MIB" "the logs and a copy of the programs" || ok=1
	local need=PREFLIGHT_BUILD_MIB_$name dir=$build
	until [ -d "$dir" ]; do dir=$(dirname "$dir"); done
	preflight_space "$name" "$dir" "${!need}" "the build" || ok=1
	return "$ok"
}

# preflight_missing_build: prints " NAME" for each program or library the
# build lacks; returns 1 when none is missing.
preflight_missing_build() {
	local c out=
	for c in $PREFLIGHT_BUILD_CMDS; do
		command -v "$c" >/dev/null 2>&1 || out+=" $c"
	done
	for c in $PREFLIGHT_BUILD_LIBS; do
		pkg-config --exists "$c" 2>/dev/null || out+=" $c (library, pkg-config)"
	done
	printf '%s' "$out"
	[ -n "$out" ]
}

# preflight_missing: what the build and the session lack (" NAME" each).
preflight_missing() {
	local c
	preflight_missing_build
	for c in $PREFLIGHT_SESSION_CMDS; do
		command -v "$c" >/dev/null 2>&1 || printf ' %s' "$c"
	done
	/usr/bin/python3 -c 'import dbusmock' 2>/dev/null || printf ' %s' "python3-dbusmock (for /usr/bin/python3)"
}

# preflight_space NAME DIR MIB WHAT: DIR is writable with MIB MiB free.
preflight_space() {
	local name=$1 dir=$2 mib=$3 what=$4 free
	if [ ! -w "$dir" ]; then
		echo "$name: cannot write to $dir, which holds $what" >&2
		return 1
	fi
	free=$(df -Pk "$dir" 2>/dev/null | awk 'NR == 2 { print int($4 / 1024) }')
	if [ -n "$free" ] && [ "$free" -lt "$mib" ]; then
		echo "$name: only $free MiB free in $dir, which holds $what; $mib MiB needed: free some space" >&2
		return 1
	fi
}
