# sonarbadge - build, test and install.
#   make            build/libsonarbadge.a and build/sonarbadge
#   make test       the whole test suite (installs missing packages as root)
#   make demo       token, renew and urls against the bundled stand-in
#   make install    PREFIX=/usr/local DESTDIR=

CC ?= cc
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CSTD ?= -std=c11
OPT ?= -O2 -g
WARN ?= -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla
SAN ?=
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
endif

# mbedTLS: pkg-config where it has a .pc file (3.x), else Debian 2.28's libs.
MBEDTLS_CFLAGS ?= $(shell pkg-config --cflags mbedtls mbedx509 mbedcrypto 2>/dev/null)
MBEDTLS_LIBS ?= $(shell pkg-config --libs mbedtls mbedx509 mbedcrypto 2>/dev/null || echo -lmbedtls -lmbedx509 -lmbedcrypto)

# _FILE_OFFSET_BITS=64: 64-bit file offsets and inode numbers on 32-bit
# systems too (else stat and readdir fail with EOVERFLOW there).
CPPFLAGS += -Iinclude -Isrc -Iport/posix -D_POSIX_C_SOURCE=200809L -D_FILE_OFFSET_BITS=64
ALL_CFLAGS = $(CSTD) $(OPT) $(WARN) $(SANFLAGS) $(MBEDTLS_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

# Every src/*.c is part of the library; src/cli/*.c is the command.
LIB_SRCS := $(wildcard src/*.c) port/posix/sb_port_posix.c
CLI_SRCS := $(wildcard src/cli/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_SUPPORT := tests/unit/fake_port.c tests/unit/harness.c
# test_projects runs parses in threads with small stacks.
UNIT_LIBS ?= -pthread

HEADERS := $(wildcard include/sonarbadge/*.h src/*.h port/posix/*.h src/cli/*.h)

.PHONY: all lib cli tests test unit e2e demo deps install uninstall clean examples

all: lib cli

# Further targets (fuzzing, lint, static build, benchmarks) live in mk/.
-include $(wildcard mk/*.mk)

lib: $(BUILD)/libsonarbadge.a
cli: $(BUILD)/sonarbadge

$(BUILD)/obj/%.o: %.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libsonarbadge.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/sonarbadge: $(CLI_OBJS) $(BUILD)/libsonarbadge.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJS) $(BUILD)/libsonarbadge.a $(MBEDTLS_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(UNIT_SUPPORT) tests/unit/*.h $(BUILD)/libsonarbadge.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(ALL_CFLAGS) -o $@ $< $(UNIT_SUPPORT) \
		$(ALL_LDFLAGS) $(BUILD)/libsonarbadge.a $(MBEDTLS_LIBS) $(UNIT_LIBS)

tests: $(UNIT_BINS) $(BUILD)/sonarbadge

examples: $(BUILD)/examples/get_token

$(BUILD)/examples/get_token: examples/get_token.c $(BUILD)/libsonarbadge.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS) $(BUILD)/libsonarbadge.a $(MBEDTLS_LIBS)

deps:
	@sh scripts/install-deps.sh

# The whole suite: unit tests, then end-to-end tests against the stand-in.
test: deps
	@$(MAKE) --no-print-directory tests examples
	@BUILD=$(BUILD) sh tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory cli
	@BUILD=$(BUILD) sh tests/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/include/sonarbadge
	install -m 0755 $(BUILD)/sonarbadge $(DESTDIR)$(PREFIX)/bin/sonarbadge
	install -m 0644 $(BUILD)/libsonarbadge.a $(DESTDIR)$(PREFIX)/lib/libsonarbadge.a
	install -m 0644 include/sonarbadge/*.h port/posix/sb_port_posix.h \
		$(DESTDIR)$(PREFIX)/include/sonarbadge/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell sed -n 's/^#define SB_VERSION "\(.*\)"/\1/p' include/sonarbadge/sonarbadge.h)|g' \
		-e 's|@LIBS@|$(MBEDTLS_LIBS)|g' sonarbadge.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/sonarbadge.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/sonarbadge $(DESTDIR)$(PREFIX)/lib/libsonarbadge.a \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig/sonarbadge.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/sonarbadge

clean:
	rm -rf $(BUILD)
