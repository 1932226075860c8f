#!/bin/sh
# Install everything panther needs to build, test and run its sandbox on Debian 12.
# Idempotent: packages already present are left alone.
#
#   sh scripts/setup-debian.sh            everything (build, tests, fuzzers, benchmarks)
#   sh scripts/setup-debian.sh sandbox    only what scripts/sandbox.sh needs (a gcc build and the session)
set -eu

BUILD_PKGS="meson ninja-build pkg-config gcc clang clang-format libclang-rt-14-dev llvm
	libwayland-dev wayland-protocols librust-wayland-protocols-dev libjson-c-dev
	libcmocka-dev libdbus-1-dev libpolkit-agent-1-dev libpolkit-gobject-1-dev
	libglib2.0-dev libcairo2-dev libpango1.0-dev libfontconfig-dev libxkbcommon-dev scdoc"
RUN_PKGS="dbus dbus-user-session polkitd pkexec python3-dbusmock power-profiles-daemon
	upower sway wtype grim wayland-utils nix-bin jq procps psmisc util-linux
	fuzzel man-db fish mate-polkit kwin-wayland zsh valgrind debootstrap"
SANDBOX_PKGS="meson ninja-build pkg-config gcc
	libwayland-dev wayland-protocols librust-wayland-protocols-dev libjson-c-dev
	libcmocka-dev libdbus-1-dev libpolkit-agent-1-dev libpolkit-gobject-1-dev
	libglib2.0-dev libcairo2-dev libpango1.0-dev libfontconfig-dev libxkbcommon-dev scdoc
	dbus polkitd pkexec python3-dbusmock power-profiles-daemon sway wtype grim
	procps util-linux"

wanted="$BUILD_PKGS $RUN_PKGS"
[ "${1:-}" = sandbox ] && wanted=$SANDBOX_PKGS

missing=""
for p in $wanted; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: need root to install:$missing" >&2
		exit 1
	fi
	echo "setup: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
echo "setup: all packages present"
