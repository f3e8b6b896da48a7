# mk/sanitize.mk - the suite under the sanitizers and under valgrind.
#
#   make check-san        the whole suite (unit tests, fuzz corpus replays,
#                         end-to-end) built with -fsanitize=address,undefined
#                         and halt-on-error, in build-san/: make test SAN=1
#   make check-valgrind   the end-to-end suites (tests/e2e/*_test.py) with the
#                         command under valgrind memcheck: any error or any
#                         definitely lost block fails the command (exit 99),
#                         time-outs scaled by SB_TEST_SLOW.

VALGRIND ?= valgrind
VALGRIND_FLAGS ?= --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite -q
VALGRIND_SLOW ?= 8
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
	@p=0; f=0; for t in tests/e2e/*_test.py; do \
		echo "== valgrind $$(basename $$t .py)"; \
		out=$$(BUILD=$(BUILD) SB_TEST_SLOW=$(VALGRIND_SLOW) \
			SB_TEST_WRAPPER="$(VALGRIND) $(VALGRIND_FLAGS)" \
			timeout 1800 python3 $$t 2>&1); rc=$$?; \
		printf '%s\n' "$$out" | grep -vE '^[0-9]+ passed, [0-9]+ failed' | sed '/^$$/d'; \
		line=$$(printf '%s\n' "$$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1); \
		if [ -z "$$line" ]; then echo "FAIL $$t: exited $$rc without a summary"; f=$$((f + 1)); continue; fi; \
		echo "   $$line"; \
		p=$$((p + $$(echo "$$line" | sed -E 's/^([0-9]+) passed.*/\1/'))); \
		f=$$((f + $$(echo "$$line" | sed -E 's/.* ([0-9]+) failed.*/\1/'))); \
		if [ $$rc -ne 0 ] && [ "$$(echo "$$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')" -eq 0 ]; then f=$$((f + 1)); fi; \
	done; echo "valgrind: $$p passed, $$f failed"; [ $$f -eq 0 ]
