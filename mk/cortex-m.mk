# mk/cortex-m.mk - the library on a Cortex-M4 under QEMU (not part of
# `make test`; CI runs it).
#   make check-cortex-m   builds mbedTLS from Debian's source package
#                         (scripts/apt-private.sh: apt's checks, private
#                         folders; kept in $(CM_BUILD) between runs) with
#                         port/mbedtls/sb_mbedtls_cortex_m.h, the library
#                         and newlib-nano images for QEMU's mps2-an386, and
#                         runs under semihosting, each bounded by a
#                         time-out: the unit tests (tests/unit, but the
#                         POSIX port's), and tests/embedded/cortexm/tls_main.c
#                         (read + renew over TLS against an mbedTLS server in
#                         the image; peak heap and stack printed; fails past
#                         64 KiB of heap). Then the linked sizes (library,
#                         mbedTLS client-only and full, newlib-nano) of a
#                         firmware-like image, tests/embedded/cortexm/size_probe.c.

CM_CC ?= arm-none-eabi-gcc
CM_AR ?= arm-none-eabi-ar
CM_BUILD ?= build-cortex-m
CM_TIMEOUT ?= 300
CM_ARCH := -mcpu=cortex-m4 -mthumb -mfloat-abi=soft
CM_OPT ?= -Os -g
CM_COMMON = $(CM_ARCH) $(CM_OPT) -ffunction-sections -fdata-sections
CM_PACKAGES := gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm \
	dpkg-dev openssl libjsmn-dev
CM_SRC := $(CM_BUILD)/mbedtls-src/mbedtls
CM_ABS = $(abspath $(CM_BUILD))

# The mbedTLS configurations: the client-only one a board would use, the
# same with the server and the board's heap for the test images, and
# mbedTLS's default one (bare-metal) for the size table.
CM_CFG_client = -I$(CURDIR)/port/mbedtls '-DMBEDTLS_CONFIG_FILE="sb_mbedtls_cortex_m.h"'
CM_CFG_test = $(CM_CFG_client) -DSB_MBEDTLS_WITH_SERVER -DSB_MBEDTLS_BOARD_HEAP
CM_CFG_full = -I$(CURDIR)/tests/embedded/cortexm \
	'-DMBEDTLS_USER_CONFIG_FILE="mbedtls_full_bare_metal.h"'
CM_CONFIGS := port/mbedtls/sb_mbedtls_cortex_m.h \
	tests/embedded/cortexm/mbedtls_full_bare_metal.h

CM_LDFLAGS = --specs=nano.specs --specs=nosys.specs -nostartfiles \
	-T tests/embedded/cortexm/mps2_an386.ld -Wl,--gc-sections \
	-Wl,--wrap=mbedtls_calloc -Wl,-Map=$@.map
CM_INC = -Iinclude -Isrc -Itests/embedded -Itests/embedded/cortexm \
	-I$(CM_BUILD)/include -I$(CM_BUILD)/gen -isystem $(CM_SRC)/include
CM_BOARD := tests/embedded/cortexm/board.c
# The board has no threads: its own small-stack runner for the unit tests.
CM_UNIT_SUPPORT := $(filter-out %_pthread.c,$(UNIT_SUPPORT)) \
	tests/embedded/cortexm/small_stack_board.c
CM_UNITS := $(filter-out test_port_posix,$(UNIT_SRCS:tests/unit/%.c=%))
CM_UNIT_IMGS := $(CM_UNITS:%=$(CM_BUILD)/unit/%.elf)
CM_LIB_SRCS := $(wildcard src/*.c)

.PHONY: check-cortex-m cortex-m-deps cortex-m-images cortex-m-sizes

cortex-m-deps:
	@sh scripts/install-deps.sh $(CM_PACKAGES)

$(CM_BUILD)/mbedtls-src/.done:
	@sh scripts/apt-private.sh source $(CM_BUILD)/mbedtls-src mbedtls
	@touch $@

$(CM_BUILD)/include/jsmn.h:
	@mkdir -p $(dir $@)
	cp /usr/include/jsmn.h $@

# mbedTLS, one archive per configuration (-std=c99: mbedTLS's own).
$(CM_BUILD)/mbedtls-%/libmbedtls.a: $(CM_BUILD)/mbedtls-src/.done $(CM_CONFIGS)
	@rm -rf $(dir $@)obj && mkdir -p $(dir $@)obj
	@echo "cortex-m: mbedTLS $$(cat $(CM_BUILD)/mbedtls-src/VERSION), $* configuration"
	@cd $(dir $@)obj && ls $(CM_ABS)/mbedtls-src/mbedtls/library/*.c | \
		xargs -P 2 -n 8 $(CM_CC) $(CM_COMMON) -std=c99 $(CM_CFG_$*) \
		-I$(CM_ABS)/mbedtls-src/mbedtls/include -c
	@rm -f $@ && $(CM_AR) rcs $@ $(dir $@)obj/*.o

# The library, built against each configuration (the structs differ).
$(CM_BUILD)/lib-%/libsonarbadge.a: $(CM_LIB_SRCS) $(HEADERS) $(CM_CONFIGS) \
		$(CM_BUILD)/mbedtls-src/.done $(CM_BUILD)/include/jsmn.h mk/cortex-m.mk
	@rm -rf $(dir $@)obj && mkdir -p $(dir $@)obj
	@cd $(dir $@)obj && for f in $(CM_LIB_SRCS); do echo $(CURDIR)/$$f; done | \
		xargs -P 2 -n 4 $(CM_CC) $(CM_COMMON) $(CSTD) $(WARN) $(CM_CFG_$*) \
		$(patsubst -I%,-I$(CURDIR)/%,$(filter -I%,$(CM_INC))) \
		-isystem $(CM_ABS)/mbedtls-src/mbedtls/include -c
	@rm -f $@ && $(CM_AR) rcs $@ $(dir $@)obj/*.o

$(CM_BUILD)/gen/certs.h: scripts/embed-certs.sh tests/standin/gen_certs.sh
	@mkdir -p $(dir $@)
	@bash tests/standin/gen_certs.sh $(CM_BUILD)/certs >/dev/null
	@sh scripts/embed-certs.sh $(CM_BUILD)/certs $@

CM_TEST_LIBS = $(CM_BUILD)/lib-test/libsonarbadge.a $(CM_BUILD)/mbedtls-test/libmbedtls.a

$(CM_BUILD)/unit/%.elf: tests/unit/%.c $(CM_UNIT_SUPPORT) tests/unit/*.h $(CM_BOARD) \
		tests/embedded/cortexm/*.h tests/embedded/cortexm/mps2_an386.ld $(CM_TEST_LIBS)
	@mkdir -p $(dir $@)
	$(CM_CC) $(CM_COMMON) $(CSTD) $(WARN) $(CM_CFG_test) $(CM_INC) $(UNIT_DEFS) \
		-Itests/unit -o $@ $< $(CM_UNIT_SUPPORT) $(CM_BOARD) $(CM_TEST_LIBS) \
		$(CM_LDFLAGS)

$(CM_BUILD)/unit/test_jsontestsuite.elf: $(CM_BUILD)/gen/jsontestsuite.txt
$(CM_BUILD)/unit/test_jsontestsuite.elf: private UNIT_DEFS = \
	-DJSONTS_INDEX='"$(CM_BUILD)/gen/jsontestsuite.txt"'

CM_TLS_SRCS := tests/embedded/cortexm/tls_main.c tests/embedded/cortexm/memport.c \
	tests/embedded/mini_sonar.c $(CM_BOARD)

$(CM_BUILD)/tls.elf: $(CM_TLS_SRCS) tests/embedded/*.h tests/embedded/cortexm/*.h \
		tests/embedded/cortexm/mps2_an386.ld $(CM_BUILD)/gen/certs.h $(CM_TEST_LIBS)
	$(CM_CC) $(CM_COMMON) $(CSTD) $(WARN) $(CM_CFG_test) $(CM_INC) \
		-o $@ $(CM_TLS_SRCS) $(CM_TEST_LIBS) $(CM_LDFLAGS)

# Size probes: the same firmware-like program against mbedTLS's client-only
# and full configurations.
$(CM_BUILD)/size-%.elf: tests/embedded/cortexm/size_probe.c $(CM_BOARD) \
		tests/embedded/cortexm/board.h tests/embedded/cortexm/mps2_an386.ld \
		$(CM_BUILD)/lib-%/libsonarbadge.a $(CM_BUILD)/mbedtls-%/libmbedtls.a
	$(CM_CC) $(CM_COMMON) $(CSTD) $(WARN) $(CM_CFG_$*) $(CM_INC) -o $@ \
		tests/embedded/cortexm/size_probe.c $(CM_BOARD) \
		$(CM_BUILD)/lib-$*/libsonarbadge.a $(CM_BUILD)/mbedtls-$*/libmbedtls.a \
		$(CM_LDFLAGS)

cortex-m-images: $(CM_UNIT_IMGS) $(CM_BUILD)/tls.elf $(CM_BUILD)/size-client.elf \
	$(CM_BUILD)/size-full.elf

cortex-m-sizes: $(CM_BUILD)/size-client.elf $(CM_BUILD)/size-full.elf
	@python3 scripts/cortex-m-sizes.py $(CM_BUILD)/size-client.elf.map \
		$(CM_BUILD)/size-full.elf.map

check-cortex-m: cortex-m-deps deps
	@mkdir -p $(CM_BUILD)
	@$(MAKE) --no-print-directory -j2 cortex-m-images >$(CM_BUILD)/build.log 2>&1 || \
		{ tail -n 30 $(CM_BUILD)/build.log; echo "FAIL cortex-m: build (see $(CM_BUILD)/build.log)"; \
		  echo "0 passed, 1 failed"; exit 1; }
	@echo "== linked sizes (bytes) of tests/embedded/cortexm/size_probe.c, Cortex-M4 -Os"
	@$(MAKE) --no-print-directory cortex-m-sizes
	@echo "== under qemu-system-arm -M mps2-an386 (semihosting, $(CM_TIMEOUT) s each at most)"
	@CM_TIMEOUT=$(CM_TIMEOUT) sh scripts/run-cortex-m.sh $(CM_UNIT_IMGS) $(CM_BUILD)/tls.elf
