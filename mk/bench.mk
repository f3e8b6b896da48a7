# mk/bench.mk - benchmarks and the second port; none of it is part of
# `make test`.
#   make bench        installs its Debian packages (bench/install-deps.sh,
#                     as root), builds build/sonarbadge and `make static`,
#                     then runs bench/bench.py: nginx on 127.0.0.1 with fixed
#                     answers, sonarbadge vs curl vs Python requests.
#                     Figures: $(BUILD)/bench/results.md, .json, chart.svg.
#                     BENCH_RUNS=30 BENCH_PROJECTS=1000 BENCH_ROT_RUNS=3.
#   make port-lwip    builds port/lwip/sb_port_lwip.c with -Werror against
#                     Debian's liblwip-dev (compile check: no lwIP stack is
#                     linked or run here).

LWIP_CFLAGS ?= $(shell pkg-config --cflags lwip 2>/dev/null || echo -I/usr/include/lwip)

.PHONY: bench bench-deps port-lwip

bench-deps:
	@sh bench/install-deps.sh

bench: bench-deps
	@$(MAKE) --no-print-directory cli static
	@BUILD=$(BUILD) /usr/bin/python3 bench/bench.py

port-lwip: $(BUILD)/port-lwip/sb_port_lwip.o

$(BUILD)/port-lwip/sb_port_lwip.o: port/lwip/sb_port_lwip.c port/lwip/sb_port_lwip.h \
		include/sonarbadge/sb_port.h mk/bench.mk
	@sh bench/install-deps.sh
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 $(WARN) -Iinclude -Iport/lwip $(LWIP_CFLAGS) \
		-c port/lwip/sb_port_lwip.c -o $@
	@echo "port-lwip: port/lwip/sb_port_lwip.c builds against liblwip-dev"
