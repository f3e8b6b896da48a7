# sonarbadge - build, test and install.
#   make            build/libsonarbadge.a, build/libsonarbadge.so.* and
#                   build/sonarbadge
#   make test       the whole test suite (installs missing packages as root)
#   make demo       token, renew and urls against the bundled stand-in
#   make install    PREFIX=/usr/local DESTDIR= [LIBDIR=...]

CC ?= cc
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
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
# The shared library links mbedTLS's shared libraries (static archives
# built without -fPIC cannot go into it).
MBEDTLS_SHLIB_LIBS ?= $(MBEDTLS_LIBS)
# sonarbadge.pc names mbedTLS by its .pc files when it has them and
# MBEDTLS_LIBS was not given by hand, else by MBEDTLS_LIBS.
MBEDTLS_PC ?= $(if $(filter command line environment,$(origin MBEDTLS_LIBS)),,$(shell pkg-config --exists mbedtls mbedx509 mbedcrypto 2>/dev/null && echo mbedtls mbedx509 mbedcrypto))

# The shared library: libsonarbadge.so.VERSION, SONAME libsonarbadge.so.MAJOR.
VERSION := $(shell sed -n 's/^\#define SB_VERSION "\(.*\)"/\1/p' include/sonarbadge/sonarbadge.h)
SOMAJOR := $(firstword $(subst ., ,$(VERSION)))
SONAME := libsonarbadge.so.$(SOMAJOR)
SHLIB := libsonarbadge.so.$(VERSION)

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
# The library's objects serve both archives: position-independent, and
# only what is marked SB_API (include/sonarbadge/sb_api.h) visible from
# the shared library. The static archive still holds every function (the
# unit tests and the command use internal ones).
$(LIB_OBJS): LIB_CFLAGS := -fPIC -fvisibility=hidden
# A shared library that misses a symbol fails to link, except under the
# sanitizers, whose run-time comes with the program.
SHLIB_LDFLAGS = -shared -Wl,-soname,$(SONAME) $(if $(SANFLAGS),,-Wl,-z,defs)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_SUPPORT := tests/unit/fake_port.c tests/unit/harness.c \
	tests/unit/small_stack_pthread.c
# small_stack_pthread.c: test_projects runs parses in threads with small
# stacks.
UNIT_LIBS ?= -pthread

HEADERS := $(wildcard include/sonarbadge/*.h src/*.h port/posix/*.h src/cli/*.h)
# The repository's files (tracked, or new and not ignored), for packaging
# and linting; empty outside a git checkout.
SOURCE_FILES := $(shell git ls-files -co --exclude-standard 2>/dev/null)
# What `make install` puts in INCLUDEDIR/sonarbadge.
PUBLIC_HEADERS := $(wildcard include/sonarbadge/*.h) port/posix/sb_port_posix.h

.PHONY: all lib cli tests test unit e2e demo deps install uninstall clean examples

all: lib cli

# Further targets (fuzzing, lint, static build, benchmarks) live in mk/.
-include $(wildcard mk/*.mk)

lib: $(BUILD)/libsonarbadge.a $(BUILD)/libsonarbadge.so
cli: $(BUILD)/sonarbadge

$(BUILD)/obj/%.o: %.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LIB_CFLAGS) -c $< -o $@

$(BUILD)/libsonarbadge.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/$(SHLIB): $(LIB_OBJS)
	$(CC) $(SHLIB_LDFLAGS) $(ALL_LDFLAGS) -o $@ $(LIB_OBJS) $(MBEDTLS_SHLIB_LIBS)

$(BUILD)/libsonarbadge.so: $(BUILD)/$(SHLIB)
	ln -sf $(SHLIB) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $@

$(BUILD)/sonarbadge: $(CLI_OBJS) $(BUILD)/libsonarbadge.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJS) $(BUILD)/libsonarbadge.a $(MBEDTLS_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(UNIT_SUPPORT) tests/unit/*.h $(BUILD)/libsonarbadge.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(UNIT_DEFS) -Itests/unit $(ALL_CFLAGS) -o $@ $< \
		$(UNIT_SUPPORT) $(ALL_LDFLAGS) $(BUILD)/libsonarbadge.a \
		$(MBEDTLS_LIBS) $(UNIT_LIBS)

# test_jsontestsuite reads the names of JSONTestSuite's files from an
# index written here, not with readdir (newlib, for check-cortex-m, has
# none). The folder's time changes when a file is added or removed.
JSONTS_DIR := tests/conformance/JSONTestSuite/test_parsing
%/gen/jsontestsuite.txt: $(JSONTS_DIR)
	@mkdir -p $(dir $@)
	LC_ALL=C ls $(JSONTS_DIR) | grep '\.json$$' >$@.tmp && mv $@.tmp $@

$(BUILD)/tests/test_jsontestsuite: $(BUILD)/gen/jsontestsuite.txt
$(BUILD)/tests/test_jsontestsuite: private UNIT_DEFS = \
	-DJSONTS_INDEX='"$(BUILD)/gen/jsontestsuite.txt"'

tests: $(UNIT_BINS) $(BUILD)/sonarbadge $(BUILD)/libsonarbadge.so

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

# sonarbadge.pc: mbedTLS goes in Requires.private when it has .pc files,
# else in Libs.private (only a static link needs it: the shared library
# records its own dependencies).
$(BUILD)/sonarbadge.pc: sonarbadge.pc.in Makefile
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
		-e 's|@REQUIRES_PRIVATE@|$(MBEDTLS_PC)|g' \
		-e 's|@LIBS_PRIVATE@|$(if $(MBEDTLS_PC),,$(MBEDTLS_LIBS))|g' \
		-e '/^[A-Za-z.]*: *$$/d' $< >$@

.PHONY: $(BUILD)/sonarbadge.pc

install: all $(BUILD)/sonarbadge.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCLUDEDIR)/sonarbadge $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(BUILD)/sonarbadge $(DESTDIR)$(BINDIR)/sonarbadge
	install -m 0644 $(BUILD)/libsonarbadge.a $(DESTDIR)$(LIBDIR)/libsonarbadge.a
	install -m 0644 $(BUILD)/$(SHLIB) $(DESTDIR)$(LIBDIR)/$(SHLIB)
	ln -sf $(SHLIB) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libsonarbadge.so
	install -m 0644 $(PUBLIC_HEADERS) $(DESTDIR)$(INCLUDEDIR)/sonarbadge/
	install -m 0644 $(BUILD)/sonarbadge.pc $(DESTDIR)$(LIBDIR)/pkgconfig/sonarbadge.pc
	install -m 0644 man/sonarbadge.1 $(DESTDIR)$(MANDIR)/man1/sonarbadge.1
	install -m 0644 completion/sonarbadge.bash $(DESTDIR)$(BASHCOMPDIR)/sonarbadge

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sonarbadge $(DESTDIR)$(LIBDIR)/libsonarbadge.a \
		$(DESTDIR)$(LIBDIR)/$(SHLIB) $(DESTDIR)$(LIBDIR)/$(SONAME) \
		$(DESTDIR)$(LIBDIR)/libsonarbadge.so \
		$(DESTDIR)$(LIBDIR)/pkgconfig/sonarbadge.pc \
		$(DESTDIR)$(MANDIR)/man1/sonarbadge.1 $(DESTDIR)$(BASHCOMPDIR)/sonarbadge
	rm -rf $(DESTDIR)$(INCLUDEDIR)/sonarbadge

clean:
	rm -rf $(BUILD)
