#!/bin/sh
# scripts/run-valgrind.sh - the end-to-end suites with the command under
# valgrind memcheck, JOBS suites at a time (memcheck is slow and single
# threaded; the suites are independent: each starts its own servers on
# ports the kernel picks). Output stays in suite order; the last line is
# "valgrind: N passed, N failed, N suites skipped".
#
#   BUILD=build VALGRIND="valgrind --error-exitcode=99 ..." SLOW=8 JOBS=2 \
#       sh scripts/run-valgrind.sh
set -u
: "${BUILD:=build}" "${VALGRIND:=valgrind}" "${SLOW:=8}" "${JOBS:=2}"
# Suites left to the sanitizers (make check-san runs them), each said as
# skipped with its reason: their tests time kills, waits and races in
# wall-clock seconds that memcheck stretches tenfold, and valgrind keeps
# descriptors of its own below the limit a test sets.
SKIPPED="safety_test hostile_test"
why() {
	case $1 in
	safety_test) echo "kills and waits timed in seconds (a queued renewal, a file swapped during a wait, a Retry-After shared by --jobs)" ;;
	hostile_test) echo "a descriptor limit that valgrind takes a share of, files raced against the command" ;;
	esac
}
suites() {
	for t in tests/e2e/*_test.py; do
		case " $SKIPPED " in *" $(basename "$t" .py) "*) continue ;; esac
		echo "$t"
	done
}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM

# One suite: its output and exit status into $out/NAME.{log,rc}.
run_one() {
	name=$(basename "$1" .py)
	BUILD=$BUILD SB_TEST_SLOW=$SLOW SB_TEST_WRAPPER=$VALGRIND \
		timeout 1800 python3 "$1" >"$out/$name.log" 2>&1
	echo $? >"$out/$name.rc"
}

if [ "${1:-}" = "--one" ]; then
	out=$2
	trap - EXIT INT TERM
	run_one "$3"
	exit 0
fi

suites | xargs -P "$JOBS" -n 1 sh "$0" --one "$out"

p=0
f=0
k=0
for t in tests/e2e/*_test.py; do
	name=$(basename "$t" .py)
	case " $SKIPPED " in *" $name "*)
		echo "== valgrind $name"
		echo "SKIP valgrind $name: $(why "$name"); under the sanitizers only"
		k=$((k + 1))
		continue ;;
	esac
	echo "== valgrind $name"
	rc=$(cat "$out/$name.rc" 2>/dev/null || echo 1)
	grep -vE '^[0-9]+ passed, [0-9]+ failed' "$out/$name.log" | sed '/^$/d'
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out/$name.log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL $t: exited $rc without a summary"
		f=$((f + 1))
		continue
	fi
	echo "   $line"
	np=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
	nf=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	p=$((p + np))
	f=$((f + nf))
	# A suite that failed without counting a failure still fails.
	if [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ]; then f=$((f + 1)); fi
done
echo "valgrind: $p passed, $f failed, $k suites skipped"
[ "$f" -eq 0 ]
