#!/bin/sh
# Run every test suite and print the sum as the last line:
# "N passed, N failed" (", N skipped" when a suite skipped some: never
# silently). Exits non-zero when anything failed.
# Each suite ends with its own "N passed, N failed" line; a suite that
# crashes or prints no such line counts as one failure.
# SB_SUITES picks the kinds of suites run (default: all of them, "unit
# standin e2e pkg"; make check-limits runs "unit e2e").
BUILD=${BUILD:-build}
export BUILD
SUITES=" ${SB_SUITES:-unit standin e2e pkg} "
cd "$(dirname "$0")/.." || exit 2

total_pass=0
total_fail=0
total_skip=0

run_suite() {
	name=$1
	shift
	echo "== $name"
	out=$(timeout "${SB_SUITE_TIMEOUT:-300}" "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -vE '^[0-9]+ passed, [0-9]+ failed' | sed '/^$/d'
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL $name: exited $rc without a summary line"
		total_fail=$((total_fail + 1))
		return
	fi
	p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	k=0
	case $line in *skipped*) k=$(echo "$line" | sed -E 's/.* ([0-9]+) skipped.*/\1/') ;; esac
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name: exited $rc"
		f=1
	fi
	echo "   $line"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + k))
}

wanted() {
	case $SUITES in *" $1 "*) return 0 ;; esac
	return 1
}

# Unit tests and other compiled suites: every executable in BUILD/tests.
if wanted unit; then
	for t in "$BUILD"/tests/*; do
		[ -f "$t" ] || continue
		[ -x "$t" ] || continue
		run_suite "unit $(basename "$t")" "$t"
	done
fi
if wanted standin; then
	run_suite "stand-in self-test" python3 tests/standin/selftest.py
fi
# End-to-end suites: every tests/e2e/*_test.py.
if wanted e2e; then
	for t in tests/e2e/*_test.py; do
		run_suite "end-to-end $(basename "$t" .py)" python3 "$t"
	done
fi
# The installed library, the man page and the shell completion: every
# tests/pkg/*_test.py.
if wanted pkg; then
	for t in tests/pkg/*_test.py; do
		run_suite "packaging $(basename "$t" .py)" python3 "$t"
	done
fi

if [ "$total_skip" -gt 0 ]; then
	echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
	echo "$total_pass passed, $total_fail failed"
fi
[ "$total_fail" -eq 0 ]
