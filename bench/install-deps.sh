#!/bin/sh
# bench/install-deps.sh - the Debian packages `make bench` needs (and only
# it: `make test` keeps its own, smaller set in scripts/install-deps.sh).
# As root, apt-get installs what is missing; otherwise it says what is.
set -eu

PACKAGES="nginx openssl curl python3 python3-requests valgrind time gnuplot-nox \
gcc-arm-none-eabi libnewlib-arm-none-eabi liblwip-dev binutils ca-certificates"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "bench/install-deps: missing Debian packages:$missing" >&2
	echo "bench/install-deps: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "bench/install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	made_policy=1
fi
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
[ "$made_policy" = 1 ] && rm -f "$policy"
true
