#!/bin/sh
# fetch-mbedtls3.sh DEST - unpack mbedTLS 3.6 LTS (Debian 13 "trixie"'s
# libmbedtls-dev and the libraries it depends on) into DEST, without
# installing anything, so that `make check-mbedtls3` can build and test
# sonarbadge against it on Debian 12, whose own mbedTLS is 2.28.
#
# apt does the fetching, with the machine's own apt settings (mirror,
# proxy) and checks (the suite's signature against the archive keys apt
# trusts, every file's hash), but into private folders: the system's
# package lists and installed packages stay as they were. The mirror is
# the one apt uses for this machine's Debian release (DEBIAN_MIRROR
# overrides it). Exit 0 when DEST/usr/include/mbedtls and the static
# libraries are in place, 2 when the archive could not be reached (the
# caller reports a skip), 1 on any other failure.
set -eu
DEST=${1:?usage: fetch-mbedtls3.sh DEST}
SUITE=${MBEDTLS3_SUITE:-trixie}

die() { echo "fetch-mbedtls3: $*" >&2; exit 1; }
for tool in apt-get apt-cache dpkg-deb; do
	command -v "$tool" >/dev/null 2>&1 || die "needs $tool (Debian)"
done
if [ -z "${DEBIAN_MIRROR:-}" ]; then
	# shellcheck source=/dev/null
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	DEBIAN_MIRROR=$(apt-cache policy 2>/dev/null |
		awk -v s="$codename/main" '$3 == s { print $2; exit }')
	DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fetch-mbedtls3.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
mkdir -p "$WORK/lists/partial" "$WORK/cache/archives/partial" "$WORK/debs"
echo "deb $DEBIAN_MIRROR $SUITE main" >"$WORK/sources.list"
# Downloads run as root: the private folders are not _apt's to write.
apt() { # apt-get with the private lists and cache
	apt-get -q -o Dir::Etc::SourceList="$WORK/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists="$WORK/lists" \
		-o Dir::Cache="$WORK/cache" -o Acquire::Languages=none \
		-o APT::Sandbox::User=root "$@"
}
if ! apt --error-on=any update >"$WORK/update.log" 2>&1; then
	if grep -q -i "signature\|NO_PUBKEY\|not signed\|Hash Sum" "$WORK/update.log"; then
		cat "$WORK/update.log" >&2
		die "apt could not verify $SUITE's index"
	fi
	tail -n 3 "$WORK/update.log" >&2
	echo "fetch-mbedtls3: cannot reach $DEBIAN_MIRROR ($SUITE)" >&2
	exit 2
fi
cache() { # apt-cache with the private lists
	apt-cache -o Dir::Etc::SourceList="$WORK/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists="$WORK/lists" \
		-o Dir::Cache="$WORK/cache" "$@"
}
version=$(cache show --no-all-versions libmbedtls-dev 2>/dev/null |
	awk '$1 == "Version:" { print $2; exit }')
case "$version" in
3.6.*) ;;
"") die "no libmbedtls-dev in $SUITE" ;;
*) die "$SUITE's libmbedtls-dev is $version, not 3.6 LTS" ;;
esac
# libmbedtls-dev depends on exactly the three libraries of its version.
deps=$(cache show --no-all-versions libmbedtls-dev |
	awk '$1 == "Depends:" { sub(/^Depends: */, ""); print; exit }' |
	tr ',' '\n' | sed 's/^ *//; s/ .*//')
# shellcheck disable=SC2086
(cd "$WORK/debs" && apt download libmbedtls-dev $deps) >"$WORK/download.log" 2>&1 ||
	{ cat "$WORK/download.log" >&2; die "apt could not download the packages"; }
mkdir -p "$DEST"
for deb in "$WORK"/debs/*.deb; do
	dpkg-deb -x "$deb" "$DEST"
done
lib=$(find "$DEST" -name libmbedcrypto.a | head -n 1)
if [ ! -f "$DEST/usr/include/mbedtls/version.h" ] || [ -z "$lib" ]; then
	die "the packages did not hold the headers and static libraries"
fi
echo "$version" >"$DEST/VERSION"
echo "fetch-mbedtls3: mbedTLS $version from $SUITE ($DEBIAN_MIRROR) in $DEST"
