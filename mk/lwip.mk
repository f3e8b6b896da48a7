# mk/lwip.mk - the lwIP port (port/lwip/), compiled and run on lwIP; none
# of it is part of `make test` (CI runs check-lwip).
#   make port-lwip    compile port/lwip/sb_port_lwip.c with -Werror against
#                     Debian's liblwip-dev (installs only lwIP's packages).
#   make check-lwip   the library over port/lwip on Debian's liblwip0 (lwIP's
#                     unix port) with a loopback interface, against mbedTLS
#                     servers on lwIP sockets in the same process
#                     (tests/embedded/lwip_loopback.c): read and renew over
#                     TLS on one kept-alive connection, connection refused,
#                     time-out, wrong CA. In $(LWIP_BUILD).

LWIP_CFLAGS ?= $(shell pkg-config --cflags lwip 2>/dev/null || echo -I/usr/include/lwip)
LWIP_LIBS ?= -llwip
LWIP_BUILD ?= $(BUILD)/lwip
LWIP_PACKAGES := liblwip-dev liblwip0
# lwIP's headers are not -Wpedantic clean: -isystem keeps their warnings
# out while ours stay errors.
LWIP_ISYSTEM = $(patsubst -I%,-isystem %,$(LWIP_CFLAGS))
LWIP_LIB_OBJS := $(patsubst %.c,$(LWIP_BUILD)/obj/%.o,$(wildcard src/*.c) port/lwip/sb_port_lwip.c)
LWIP_TEST_OBJS := $(patsubst %.c,$(LWIP_BUILD)/obj/%.o,tests/embedded/mini_sonar.c tests/embedded/lwip_loopback.c)

.PHONY: port-lwip check-lwip lwip-deps

lwip-deps:
	@sh scripts/install-deps.sh $(LWIP_PACKAGES)

port-lwip: lwip-deps
	@$(MAKE) --no-print-directory $(LWIP_BUILD)/obj/port/lwip/sb_port_lwip.o
	@echo "port-lwip: port/lwip/sb_port_lwip.c builds against liblwip-dev"

$(LWIP_BUILD)/obj/%.o: %.c $(HEADERS) $(wildcard port/lwip/*.h tests/embedded/*.h) mk/lwip.mk
	@mkdir -p $(dir $@)
	$(CC) -Iinclude -Isrc -Iport/lwip -Itests/embedded $(LWIP_ISYSTEM) \
		$(CSTD) $(OPT) $(WARN) $(MBEDTLS_CFLAGS) $(CFLAGS) -c $< -o $@

$(LWIP_BUILD)/lwip_loopback: $(LWIP_TEST_OBJS) $(LWIP_LIB_OBJS)
	$(CC) -o $@ $^ $(LWIP_LIBS) $(MBEDTLS_LIBS) -lpthread

check-lwip: deps lwip-deps
	@$(MAKE) --no-print-directory $(LWIP_BUILD)/lwip_loopback
	@bash tests/standin/gen_certs.sh $(LWIP_BUILD)/certs >/dev/null
	@timeout 120 $(LWIP_BUILD)/lwip_loopback $(LWIP_BUILD)/certs
