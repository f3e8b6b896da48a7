#!/bin/sh
# check-formats.sh [FILE|DIR]... - fail on a printf/scanf conversion with a
# size_t, ptrdiff_t, intmax_t, long long, char-sized or long double length
# modifier (%zu, %td, %jd, %lld, %hhx, %Lf ...) in C sources: newlib-nano
# and Debian's newlib build print none of them (a Cortex-M sent
# "Content-Length: zu"). Values are cast to unsigned long where bounded,
# or written with sb_dec_u64/sb_dec_i64. Prints each hit as FILE:LINE:
# TEXT and exits 1 when there is one; 0 when there is none.
set -eu
[ $# -gt 0 ] || set -- src port tests/unit tests/fuzz tests/embedded
# A conversion not preceded by an escaped percent ("%%zu" is text).
RE='(^|[^%])(%%)*%[-+ #0]*([0-9]+|[*])?([.]([0-9]+|[*])?)?(hh|ll|z|j|t|L)[diouxXnfFeEgGaAcsp]'
files=$(for p in "$@"; do
	if [ -d "$p" ]; then find "$p" -type f \( -name '*.c' -o -name '*.h' \);
	elif [ -e "$p" ]; then echo "$p"; fi
done | sort)
[ -n "$files" ] || { echo "check-formats: no C files in $*" >&2; exit 2; }
# shellcheck disable=SC2086
if grep -nHE "$RE" $files; then
	echo "check-formats: conversions small C libraries do not print (above)" >&2
	exit 1
fi
exit 0
