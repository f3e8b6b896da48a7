# mk/bench.mk - benchmarks; not part of `make test`.
#   make bench        installs its Debian packages (bench/install-deps.sh,
#                     as root), builds build/sonarbadge and `make static`,
#                     then runs bench/bench.py: nginx on 127.0.0.1 with fixed
#                     answers, sonarbadge vs curl vs Python requests.
#                     Figures: $(BUILD)/bench/results.md, .json, chart.svg.
#                     BENCH_RUNS=30 BENCH_PROJECTS=1000 BENCH_ROT_RUNS=3.

.PHONY: bench bench-deps

bench-deps:
	@sh bench/install-deps.sh

bench: bench-deps
	@$(MAKE) --no-print-directory cli static
	@BUILD=$(BUILD) /usr/bin/python3 bench/bench.py
