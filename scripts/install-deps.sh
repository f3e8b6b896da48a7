#!/bin/sh
# Install the Debian packages that building and testing sonarbadge need,
# when they are missing. Run as root it installs them with apt-get; as
# another user it only says what is missing. With arguments, those
# packages instead of the default set (bench/install-deps.sh uses that).
set -eu

# Build: compilers, mbedTLS, jsmn. Tests: python3 and openssl (the stand-in
# and its certificates), nginx and tinyproxy (network peers), file (tells
# that the static build is static), pkg-config (builds the example against
# the installed library), groff-base (renders the man page).
PACKAGES="build-essential clang libmbedtls-dev libjsmn-dev openssl python3 ca-certificates nginx tinyproxy file pkg-config groff-base"
[ $# -gt 0 ] && PACKAGES="$*"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing Debian packages:$missing" >&2
	echo "install-deps: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Packages such as nginx would start their service on install; the tests
# start their own instances, so keep the services down.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	made_policy=1
	trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
[ "$made_policy" = 1 ] && rm -f "$policy"
true
