# mk/bench.mk - benchmarks; not part of `make test`.
#   make bench        installs its Debian packages (bench/install-deps.sh,
#                     as root), builds build/sonarbadge, `make static` and
#                     build/noquickack/sonarbadge (the POSIX port without
#                     TCP_QUICKACK, -DSB_POSIX_NO_QUICKACK: only to measure
#                     what it saves), then runs bench/bench.py: nginx and
#                     the stand-in on 127.0.0.1, sonarbadge vs curl vs
#                     Python requests.
#                     Figures: $(BUILD)/bench/results.md, .json, chart.svg.
#                     BENCH_RUNS=30 BENCH_PROJECTS=1000 BENCH_ROT_RUNS=3
#                     BENCH_JOBS_PROJECTS=300 BENCH_JOBS_RUNS=1
#                     BENCH_PEER_RUNS=1 BENCH_SLOW_PROJECTS=200
#                     BENCH_SPLIT_RUNS=7 (see
#                     bench/bench.py, bench/scale.py).

.PHONY: bench bench-deps

bench-deps:
	@sh bench/install-deps.sh

bench: bench-deps
	@$(MAKE) --no-print-directory cli static
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/noquickack \
		CFLAGS="$(CFLAGS) -DSB_POSIX_NO_QUICKACK" cli
	@BUILD=$(BUILD) /usr/bin/python3 bench/bench.py
