#!/bin/sh
# check-cross.sh ARCH... - build the library, the command, the unit tests
# and the fuzz replays with Debian's cross compiler for each ARCH (armhf:
# 32-bit ARM; s390x: 64-bit big-endian) against that architecture's own
# libmbedtls-dev and libjsmn-dev, and run them under qemu-user, then run
# the end-to-end suite tests/e2e/e2e_test.py (the command against the
# stand-in over TLS) with the cross-built command under qemu-user.
#
# The target's packages are unpacked by scripts/apt-private.sh into
# $CROSS_BUILD/ARCH/sysroot (apt with private lists: signatures and hashes
# checked, nothing installed, no dpkg architecture added), and kept there
# for the next run. The cross compilers and QEMU are installed (as root)
# when missing. Prints each suite's line, then "N passed, N failed" over
# all; exits non-zero when anything failed or could not be built.
set -u
cd "$(dirname "$0")/.." || exit 2
CROSS_BUILD=${CROSS_BUILD:-build-cross}
[ $# -gt 0 ] || set -- armhf s390x

triplet() {
	case $1 in
	armhf) echo arm-linux-gnueabihf ;;
	arm64) echo aarch64-linux-gnu ;;
	s390x) echo s390x-linux-gnu ;;
	ppc64el) echo powerpc64le-linux-gnu ;;
	i386) echo i686-linux-gnu ;;
	*) return 1 ;;
	esac
}
qemu_of() {
	case $1 in
	armhf) echo qemu-arm-static ;;
	arm64) echo qemu-aarch64-static ;;
	s390x) echo qemu-s390x-static ;;
	ppc64el) echo qemu-ppc64le-static ;;
	i386) echo qemu-i386-static ;;
	esac
}

pkgs="qemu-user-static python3 openssl"
for a in "$@"; do
	t=$(triplet "$a") || { echo "check-cross: unknown architecture $a" >&2; exit 2; }
	pkgs="$pkgs gcc-$t libc6-dev-$a-cross"
done
# shellcheck disable=SC2086 # one word per package
sh scripts/install-deps.sh $pkgs || exit 1

total_pass=0
total_fail=0
count() { # count NAME OUTPUT RC: add a suite's "N passed, N failed" line
	line=$(printf '%s\n' "$2" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	printf '%s\n' "$2" | grep -E '^(FAIL|SKIP)' | head -n 20
	if [ -z "$line" ]; then
		echo "FAIL $1: exited $3 without a summary line"
		printf '%s\n' "$2" | tail -n 5
		total_fail=$((total_fail + 1))
		return
	fi
	p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $1: exited $3"
		f=1
	fi
	echo "   $1: $line"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

for a in "$@"; do
	t=$(triplet "$a")
	q=$(qemu_of "$a")
	dir=$CROSS_BUILD/$a
	root=$dir/sysroot
	echo "== $a ($t-gcc, $q)"
	start=$(date +%s)
	sh scripts/apt-private.sh binary "$root" "$a" libmbedtls-dev libjsmn-dev || {
		echo "FAIL $a: cannot fetch the target's libmbedtls-dev and libjsmn-dev"
		total_fail=$((total_fail + 1))
		continue
	}
	libdir=$root/usr/lib/$t
	if ! make --no-print-directory -j2 all tests BUILD="$dir" CC="$t-gcc" \
		MBEDTLS_CFLAGS="-isystem $root/usr/include" \
		MBEDTLS_LIBS="$libdir/libmbedtls.a $libdir/libmbedx509.a $libdir/libmbedcrypto.a" \
		>"$dir.build.log" 2>&1; then
		tail -n 20 "$dir.build.log"
		echo "FAIL $a: build (see $dir.build.log)"
		total_fail=$((total_fail + 1))
		continue
	fi
	file "$dir/sonarbadge" 2>/dev/null | sed 's/^/   /; s/, BuildID.*//'
	export QEMU_LD_PREFIX="/usr/$t"
	for b in "$dir"/tests/*; do
		if [ ! -f "$b" ] || [ ! -x "$b" ]; then continue; fi
		out=$(timeout 600 "$q" "$b" 2>&1)
		count "$a $(basename "$b")" "$out" $?
	done
	out=$(BUILD=$dir SB_TEST_WRAPPER="$q" SB_TEST_SLOW=${SB_CROSS_SLOW:-4} \
		timeout 1200 python3 tests/e2e/e2e_test.py 2>&1)
	count "$a e2e_test" "$out" $?
	unset QEMU_LD_PREFIX
	echo "   $a: $(($(date +%s) - start)) s"
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
