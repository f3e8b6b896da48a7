#!/bin/sh
# run-cortex-m.sh IMAGE.elf... - run each image under QEMU's mps2-an386
# (Cortex-M4) with Arm semihosting, bounded by CM_TIMEOUT seconds each,
# print its lines and add up the "N passed, N failed" lines; an image
# that ends without one counts as one failure. The last line is the sum.
set -u
timeout_s=${CM_TIMEOUT:-300}
total_pass=0
total_fail=0
for img in "$@"; do
	name=$(basename "$img" .elf)
	out=$(timeout "$timeout_s" qemu-system-arm -M mps2-an386 -nographic \
		-monitor none -serial none \
		-semihosting-config enable=on,target=native -kernel "$img" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -vE '^(ok |[0-9]+ passed, [0-9]+ failed)' | sed "s/^/   $name: /"
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$line" ]; then
		[ $rc -eq 124 ] && why="timed out after $timeout_s s" || why="exited $rc"
		echo "FAIL $name: $why without a summary line"
		total_fail=$((total_fail + 1))
		continue
	fi
	p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name: exited $rc"
		f=1
	fi
	echo "   $name: $line"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
