#!/bin/sh
# root.sh: prints the path of a Debian sid root that has packages.txt
# installed, building it first when none matches the current list.
#
# The root lives in $PN_NEWEST_CACHE (default /var/cache/panther-newest),
# named after a hash of packages.txt and this script, so a changed list or
# recipe builds a new root and the old one is removed once the new one is
# complete. Building takes about 4 minutes and ~1.8 GB (debootstrap minbase
# from the archive this machine's apt uses, then the packages).
# Concurrent callers wait on a lock; only one builds.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${PN_NEWEST_CACHE:-/var/cache/panther-newest}
key=$(cat "$here/packages.txt" "$here/root.sh" | sha256sum | cut -c1-12)
root=$cache/sid-$key

mkdir -p "$cache"
exec 9>"$cache/lock"
flock 9
if [ -e "$root/.panther-newest-complete" ]; then
	echo "$root"
	exit 0
fi

# The first Debian (not security) archive this machine installs from.
mirror=$(awk '$1 == "URIs:" && $2 !~ /security/ { print $2; exit }' \
	/etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 !~ /security/ { print $2; exit }' \
	/etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || { echo "root.sh: no Debian archive URL in /etc/apt" >&2; exit 1; }

tmp=$root.tmp
rm -rf "$tmp"
echo "root.sh: building a sid root in $root from $mirror (about 4 minutes)" >&2
debootstrap --variant=minbase sid "$tmp" "$mirror" >"$cache/debootstrap.log" 2>&1 || {
	tail -n 20 "$cache/debootstrap.log" >&2
	exit 1
}
# The archive's sid Release may be past its Valid-Until (a frozen mirror).
echo 'Acquire::Check-Valid-Until "false";' >"$tmp/etc/apt/apt.conf.d/99panther-newest"
# Package scripts must not start services in the root.
printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
chmod 755 "$tmp/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$tmp/etc/resolv.conf" 2>/dev/null || true

pkgs=$(sed -e 's/#.*//' "$here/packages.txt" | tr -s ' \n' ' ')
# sid ships the wlr protocol XML only in a Rust crate whose dependencies
# pull in clang: take the files out of the .deb instead of installing it.
unshare --mount --fork sh -eu -c '
	r=$1; shift
	mount -t proc proc "$r/proc"
	mount --rbind /dev "$r/dev"
	mount -t sysfs sysfs "$r/sys"
	chroot "$r" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 sh -eu -c "
		apt-get update -q
		apt-get install -y -q --no-install-recommends $*
		cd /tmp && apt-get download -q librust-wayland-protocols-wlr-dev
		dpkg-deb -x /tmp/librust-wayland-protocols-wlr-dev_*.deb /
		rm -f /tmp/*.deb
		apt-get clean
	"
' sh "$tmp" "$pkgs" >"$cache/packages.log" 2>&1 || {
	tail -n 30 "$cache/packages.log" >&2
	exit 1
}
ls -d "$tmp"/usr/share/cargo/registry/wayland-protocols-wlr-*/wlr-protocols >/dev/null 2>&1 ||
	ls -d "$tmp"/usr/share/cargo/registry/wayland-protocols-*/wlr-protocols >/dev/null || {
	echo "root.sh: no wlr protocol XML in the root" >&2
	exit 1
}
touch "$tmp/.panther-newest-complete"
for old in "$cache"/sid-*; do
	[ "$old" = "$tmp" ] || rm -rf "$old"
done
mv "$tmp" "$root"
echo "$root"
