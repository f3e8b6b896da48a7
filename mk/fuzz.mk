# mk/fuzz.mk - fuzz targets (tests/fuzz/fuzz_*.c).
#
#   make tests            also builds $(BUILD)/tests/fuzz_replay_TARGET: the
#                         target linked with tests/fuzz/replay_main.c under the
#                         normal compiler (ASan/UBSan with SAN=1); tests/run.sh
#                         runs it over tests/fuzz/corpus/TARGET/.
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="http_response json"]
#                         libFuzzer with clang-14 and ASan/UBSan, each target
#                         for FUZZ_SECONDS; new coverage goes to
#                         $(FUZZ_BUILD)/corpus/TARGET, a crashing input is kept
#                         as tests/fuzz/corpus/TARGET/crash-SHA1 (the replay
#                         then fails until the bug is fixed).
#   make fuzz-build       only build the libFuzzer programs.

FUZZ_TARGETS ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang-14
FUZZ_BUILD ?= build-fuzz
FUZZ_FLAGS ?= -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_MAX_LEN ?= 65536
FUZZ_HEADERS := tests/fuzz/fuzz_common.h

FUZZ_REPLAYS := $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz_replay_%)
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

.PHONY: fuzz fuzz-build

tests: $(FUZZ_REPLAYS)

$(BUILD)/tests/fuzz_replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c \
		$(FUZZ_HEADERS) $(BUILD)/libsonarbadge.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/fuzz $(ALL_CFLAGS) \
		-DFUZZ_CORPUS_DIR='"tests/fuzz/corpus/$*"' -o $@ \
		$< tests/fuzz/replay_main.c $(ALL_LDFLAGS) \
		$(BUILD)/libsonarbadge.a $(MBEDTLS_LIBS)

# The library is compiled into each libFuzzer program with the fuzzer's
# instrumentation (every src/*.c: new modules are picked up by glob).
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_HEADERS) $(wildcard src/*.c) $(HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -Itests/fuzz $(CSTD) $(WARN) $(MBEDTLS_CFLAGS) \
		$(FUZZ_FLAGS) -o $@ $< $(wildcard src/*.c) $(MBEDTLS_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@status=0; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t; \
		echo "== fuzz $$t for $(FUZZ_SECONDS) s"; \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		ASAN_OPTIONS=detect_leaks=1 \
		timeout $$(( $(FUZZ_SECONDS) + 120 )) \
		$(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			-max_len=$(FUZZ_MAX_LEN) -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 \
			-artifact_prefix=tests/fuzz/corpus/$$t/ \
			$(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t \
			>$(FUZZ_BUILD)/fuzz_$$t.log 2>&1; \
		rc=$$?; \
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
			$(FUZZ_BUILD)/fuzz_$$t.log | sed 's/^/   /'; \
		if [ $$rc -ne 0 ]; then \
			status=1; echo "FAIL fuzz $$t (exit $$rc): see $(FUZZ_BUILD)/fuzz_$$t.log"; \
			grep -E 'ERROR|SUMMARY|assertion failed|Test unit written|^Base64:' $(FUZZ_BUILD)/fuzz_$$t.log | head -6; \
		else echo "   ok fuzz $$t"; fi; \
	done; exit $$status
