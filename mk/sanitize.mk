# mk/sanitize.mk - the suite under the sanitizers and under valgrind.
#
#   make check-san        the whole suite (unit tests, fuzz corpus replays,
#                         end-to-end) built with -fsanitize=address,undefined
#                         and halt-on-error, in build-san/: make test SAN=1
#   make check-valgrind   the end-to-end suites (tests/e2e/*_test.py) with the
#                         command under valgrind memcheck: any error or any
#                         definitely lost block fails the command (exit 99),
#                         time-outs scaled by SB_TEST_SLOW, two suites at
#                         a time (scripts/run-valgrind.sh).

VALGRIND ?= valgrind
VALGRIND_FLAGS ?= --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite -q
VALGRIND_SLOW ?= 8
# Suites run at once (each under memcheck is one busy core).
VALGRIND_JOBS ?= 2
SAN_BUILD ?= build-san

.PHONY: check-san check-valgrind

check-san:
	@$(MAKE) --no-print-directory test SAN=1 BUILD=$(SAN_BUILD)

check-valgrind: deps
	@command -v $(VALGRIND) >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends valgrind >/dev/null; \
		else echo "check-valgrind: valgrind is missing (apt-get install valgrind)" >&2; exit 1; fi; }
	@$(MAKE) --no-print-directory cli
	@BUILD=$(BUILD) SLOW=$(VALGRIND_SLOW) JOBS=$(VALGRIND_JOBS) \
		VALGRIND="$(VALGRIND) $(VALGRIND_FLAGS)" sh scripts/run-valgrind.sh
