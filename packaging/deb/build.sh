#!/bin/sh
# Build dnssync's Debian package from an install tree, offline, with
# dpkg-deb alone (make deb runs it after `make install` into the tree).
#
#   packaging/deb/build.sh ROOT OUTDIR VERSION
#   packaging/deb/build.sh --debian-version VERSION   (prints it; for tests)
#
# ROOT is the install tree (PREFIX=/usr); the package is written to
# OUTDIR/dnssync_<debian version>_<arch>.deb and its path printed. VERSION
# is dnssync's (git describe), made a Debian version here.
set -eu

# debian_version turns git describe's output into a version dpkg orders
# the same way: it must start with a digit, and "-" would start a Debian
# revision. v1.2.3 -> 1.2.3; v1.2.3-4-gabc1234 -> 1.2.3+4.gabc1234 (after
# 1.2.3); a pre-release v1.2.3-rc1 -> 1.2.3~rc1 (before 1.2.3: "~" sorts
# before anything, "+" after), and alpha, beta and pre alike;
# abc1234 (no tag yet) -> 0~gitabc1234 (before any release); a -dirty
# tree says so, +dirty or .dirty.
debian_version() {
	v=${1#v}
	case $v in
	[0-9]*.[0-9]*) ;;
	*) v=0~git$v ;;
	esac
	printf '%s\n' "$v" | sed -E -e 's/^([0-9][0-9.]*)-(rc|alpha|beta|pre)/\1~\2/' \
		-e 's/-/+/' -e 's/-/./g' -e 's/[^A-Za-z0-9.+~]/./g'
}

if [ "${1:-}" = --debian-version ]; then
	debian_version "$2"
	exit 0
fi

root=$1
out=$2
version=$3
here=$(cd "$(dirname "$0")" && pwd)

debversion=$(debian_version "$version")
arch=$(dpkg --print-architecture)

mkdir -p "$root/DEBIAN"
# Man pages are compressed in a package (Debian policy 12.1).
find "$root/usr/share/man" -type f -name '*.[0-9]' -exec gzip -9nf {} +

# The copyright file: machine-readable (DEP 5), with the license's text.
doc=$root/usr/share/doc/dnssync
{
	printf 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n'
	printf 'Upstream-Name: dnssync\nSource: https://github.com/dnssync/dnssync\n\n'
	printf 'Files: *\nCopyright: the dnssync authors\nLicense: Apache-2.0\n'
	sed -e 's/^[[:space:]]*$/./' -e 's/^/ /' "$doc/LICENSE"
} >"$doc/copyright"
rm "$doc/LICENSE"

# The binary is a Go program: libc is all it links, when it links anything.
depends=
if ldd "$root/usr/bin/dnssync" >/dev/null 2>&1; then
	depends='Depends: libc6'
fi
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)

cat >"$root/DEBIAN/control" <<CONTROL
Package: dnssync
Version: $debversion
Architecture: $arch
Maintainer: ${DEB_MAINTAINER:-dnssync maintainers <dnssync@users.noreply.github.com>}
Installed-Size: $size
Section: net
Priority: optional
${depends:+$depends
}Recommends: systemd
Suggests: coredns
Homepage: https://github.com/dnssync/dnssync
Description: keep CoreDNS serving a directory of YAML record files
 dnssync keeps what CoreDNS serves equal to records.d, a directory of small
 YAML files, one per server, written by an orchestrator or a person. It
 computes the minimal change against what the server serves (read by zone
 transfer), applies it (zone files, or DNS UPDATE), checks that the answers
 are really served, and offers an HTTP API for orchestrators.
 .
 The package installs the systemd unit (not enabled), its users and
 directories, and /etc/dnssync/config.toml to edit before the first start.
CONTROL
printf '/etc/dnssync/config.toml\n' >"$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do
	install -m 0755 "$here/$script" "$root/DEBIAN/$script"
done
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's#^\./##' | LC_ALL=C sort | xargs md5sum) >"$root/DEBIAN/md5sums"

mkdir -p "$out"
deb=$out/dnssync_${debversion}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
printf '%s\n' "$deb"
