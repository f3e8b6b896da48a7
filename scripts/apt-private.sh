#!/bin/sh
# apt-private.sh - fetch Debian packages into a private folder without
# installing anything, for the cross and Cortex-M checks:
#
#   apt-private.sh binary DEST ARCH PKG...   unpack PKG (for ARCH, e.g. armhf)
#                                           into DEST, as a sysroot
#   apt-private.sh source DEST SRCPKG        unpack the source package (the
#                                           upstream tarball with Debian's
#                                           patches) into DEST/SRCPKG
#
# apt does the fetching with the machine's own apt settings (mirror, proxy)
# and checks (the suite's signature against the archive keys apt trusts,
# every file's hash), but into private folders: the system's package
# lists, its dpkg architectures and its installed packages stay as they
# were (no `dpkg --add-architecture`). The suite is this machine's Debian
# release (APT_PRIVATE_SUITE overrides it), the mirror the one apt uses for
# it (DEBIAN_MIRROR overrides it). DEST/.done holds what was fetched, so
# a second call with the same arguments does nothing. Exit 0 on success,
# 2 when the archive cannot be reached, 1 on any other failure.
set -eu
usage() { echo "usage: apt-private.sh binary DEST ARCH PKG... | source DEST SRCPKG" >&2; exit 1; }
die() { echo "apt-private: $*" >&2; exit 1; }
[ $# -ge 3 ] || usage
MODE=$1 DEST=$2
shift 2
case "$DEST" in /*) ;; *) DEST=$(pwd)/$DEST ;; esac
case "$MODE" in
binary) [ $# -ge 2 ] || usage; ARCH=$1; shift ;;
source) [ $# -eq 1 ] || usage; ARCH=$(dpkg --print-architecture) ;;
*) usage ;;
esac
WANT="$MODE $ARCH $*"
if [ -f "$DEST/.done" ] && [ "$(cat "$DEST/.done")" = "$WANT" ]; then
	exit 0
fi
for tool in apt-get apt-cache dpkg-deb dpkg-source; do
	command -v "$tool" >/dev/null 2>&1 || die "needs $tool (Debian: apt, dpkg-dev)"
done
# shellcheck source=/dev/null
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
SUITE=${APT_PRIVATE_SUITE:-$codename}
[ -n "$SUITE" ] || die "cannot tell this machine's Debian release"
if [ -z "${DEBIAN_MIRROR:-}" ]; then
	DEBIAN_MIRROR=$(apt-cache policy 2>/dev/null |
		awk -v s="$codename/main" '$3 == s { print $2; exit }')
	DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/apt-private.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
mkdir -p "$WORK/lists/partial" "$WORK/cache/archives/partial" "$WORK/get"
if [ "$MODE" = binary ]; then
	echo "deb [arch=$ARCH] $DEBIAN_MIRROR $SUITE main" >"$WORK/sources.list"
else
	echo "deb-src $DEBIAN_MIRROR $SUITE main" >"$WORK/sources.list"
fi
# Downloads run as root: the private folders are not _apt's to write.
opts="-o Dir::Etc::SourceList=$WORK/sources.list -o Dir::Etc::SourceParts=/dev/null
	-o Dir::State::Lists=$WORK/lists -o Dir::Cache=$WORK/cache
	-o Dir::State::status=/dev/null -o Acquire::Languages=none
	-o APT::Architecture=$ARCH -o APT::Architectures=$ARCH
	-o APT::Sandbox::User=root"
# shellcheck disable=SC2086
if ! apt-get -q $opts --error-on=any update >"$WORK/update.log" 2>&1; then
	if grep -q -i "signature\|NO_PUBKEY\|not signed\|Hash Sum" "$WORK/update.log"; then
		cat "$WORK/update.log" >&2
		die "apt could not verify $SUITE's index"
	fi
	tail -n 3 "$WORK/update.log" >&2
	echo "apt-private: cannot reach $DEBIAN_MIRROR ($SUITE)" >&2
	exit 2
fi
rm -rf "$DEST"
mkdir -p "$DEST"
if [ "$MODE" = binary ]; then
	# shellcheck disable=SC2086
	(cd "$WORK/get" && apt-get -q $opts download "$@") >"$WORK/download.log" 2>&1 ||
		{ cat "$WORK/download.log" >&2; die "apt could not download $*"; }
	for deb in "$WORK"/get/*.deb; do
		dpkg-deb -x "$deb" "$DEST"
		dpkg-deb -f "$deb" Package Version Architecture | tr '\n' ' ' >>"$DEST/PACKAGES"
		echo >>"$DEST/PACKAGES"
	done
else
	# apt checks every file against the signed Sources index;
	# dpkg-source then applies Debian's patches.
	# shellcheck disable=SC2086
	(cd "$WORK/get" && apt-get -q $opts source --download-only "$1") \
		>"$WORK/download.log" 2>&1 ||
		{ cat "$WORK/download.log" >&2; die "apt could not download the source of $1"; }
	dsc=$(find "$WORK/get" -name '*.dsc' | head -n 1)
	[ -n "$dsc" ] || die "no .dsc for $1"
	(cd "$WORK/get" && dpkg-source -x "$dsc" "$DEST/$1") >"$WORK/unpack.log" 2>&1 ||
		{ cat "$WORK/unpack.log" >&2; die "dpkg-source could not unpack $dsc"; }
	sed -n 's/^Version: //p' "$dsc" | head -n 1 >"$DEST/VERSION"
	rm -f "$DEST"/*.orig.tar.* "$DEST"/*.debian.tar.*
fi
echo "$WANT" >"$DEST/.done"
echo "apt-private: $WANT from $SUITE ($DEBIAN_MIRROR) in $DEST"
