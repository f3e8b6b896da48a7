# mk/cross.mk - off this machine's architecture (none of it is part of
# `make test`; CI runs it).
#   make check-cross   the unit tests, the fuzz replays and the end-to-end
#                      suite tests/e2e/e2e_test.py, built with Debian's cross
#                      compilers against each target's own libmbedtls-dev and
#                      libjsmn-dev (unpacked privately, scripts/apt-private.sh)
#                      and run under qemu-user: armhf (32-bit ARM) and s390x
#                      (64-bit big-endian). In $(CROSS_BUILD)/ARCH; the
#                      unpacked packages stay there between runs.
#                      CROSS_ARCHES="armhf s390x" picks the targets.

CROSS_ARCHES ?= armhf s390x
CROSS_BUILD ?= build-cross

.PHONY: check-cross

check-cross:
	@CROSS_BUILD=$(CROSS_BUILD) sh scripts/check-cross.sh $(CROSS_ARCHES)
