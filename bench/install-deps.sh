#!/bin/sh
# bench/install-deps.sh - the Debian packages `make bench` needs (and only
# it: `make test` keeps its own, smaller set). scripts/install-deps.sh does
# the work: as root it installs what is missing, otherwise it says what is.
exec sh "$(dirname "$0")/../scripts/install-deps.sh" \
	nginx openssl curl python3 python3-requests valgrind time gnuplot-nox \
	gcc-arm-none-eabi libnewlib-arm-none-eabi binutils ca-certificates
