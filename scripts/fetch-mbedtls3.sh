#!/bin/sh
# fetch-mbedtls3.sh DEST - unpack mbedTLS 3.6 LTS (Debian 13 "trixie"'s
# libmbedtls-dev and the libraries it depends on) into DEST, without
# installing anything, so that `make check-mbedtls3` can build and test
# sonarbadge against it on Debian 12, whose own mbedTLS is 2.28.
#
# Every download is checked: InRelease against Debian's archive keyring
# (gpgv), Packages.xz against InRelease's SHA-256, each .deb against
# Packages' SHA-256. Exit 0 when DEST/usr/include/mbedtls and the static
# libraries are in place, 2 when the archive could not be reached (the
# caller reports a skip), 1 on any other failure.
set -eu
DEST=${1:?usage: fetch-mbedtls3.sh DEST}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=${MBEDTLS3_SUITE:-trixie}
KEYRING=${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
ARCH=$(dpkg --print-architecture)

die() { echo "fetch-mbedtls3: $*" >&2; exit 1; }
for tool in curl gpgv xz dpkg-deb sha256sum; do
	command -v "$tool" >/dev/null 2>&1 || die "needs $tool"
done
[ -r "$KEYRING" ] || die "no Debian archive keyring at $KEYRING"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fetch-mbedtls3.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
get() { # URL FILE
	curl -fsS --retry 2 --connect-timeout 20 --max-time 300 -o "$2" "$1"
}
check_sha256() { # FILE SUM
	echo "$2  $1" | sha256sum -c --quiet - >/dev/null 2>&1 ||
		die "checksum mismatch for $(basename "$1")"
}

if ! get "$MIRROR/dists/$SUITE/InRelease" "$WORK/InRelease"; then
	echo "fetch-mbedtls3: cannot reach $MIRROR/dists/$SUITE" >&2
	exit 2
fi
gpgv --keyring "$KEYRING" --output "$WORK/Release" "$WORK/InRelease" \
	2>"$WORK/gpgv.log" || { cat "$WORK/gpgv.log" >&2; die "InRelease signature not valid"; }

index="main/binary-$ARCH/Packages.xz"
sum=$(awk -v f="$index" '/^SHA256:/ { s = 1; next } /^[^ ]/ { s = 0 }
	s && $3 == f { print $1 }' "$WORK/Release")
[ -n "$sum" ] || die "$index is not listed in $SUITE's Release"
get "$MIRROR/dists/$SUITE/$index" "$WORK/Packages.xz" || die "cannot download $index"
check_sha256 "$WORK/Packages.xz" "$sum"
xz -dc "$WORK/Packages.xz" >"$WORK/Packages"

# field PACKAGE NAME: the value of NAME in PACKAGE's stanza.
field() {
	awk -v p="$1" -v f="$2:" '$1 == "Package:" { in_p = ($2 == p) }
		in_p && $1 == f { sub(/^[^:]*: */, ""); print; exit }' "$WORK/Packages"
}
version=$(field libmbedtls-dev Version)
case "$version" in
3.6.*) ;;
"") die "no libmbedtls-dev in $SUITE" ;;
*) die "$SUITE's libmbedtls-dev is $version, not 3.6 LTS" ;;
esac
# libmbedtls-dev depends on exactly the three libraries of its version.
deps=$(field libmbedtls-dev Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//')
mkdir -p "$DEST"
for pkg in libmbedtls-dev $deps; do
	file=$(field "$pkg" Filename)
	sum=$(field "$pkg" SHA256)
	if [ -z "$file" ] || [ -z "$sum" ]; then die "no $pkg in $SUITE's index"; fi
	get "$MIRROR/$file" "$WORK/pkg.deb" || die "cannot download $file"
	check_sha256 "$WORK/pkg.deb" "$sum"
	dpkg-deb -x "$WORK/pkg.deb" "$DEST"
done
lib=$(find "$DEST" -name libmbedcrypto.a | head -n 1)
if [ ! -f "$DEST/usr/include/mbedtls/version.h" ] || [ -z "$lib" ]; then
	die "the packages did not hold the headers and static libraries"
fi
echo "$version" >"$DEST/VERSION"
echo "fetch-mbedtls3: mbedTLS $version from $SUITE in $DEST"
