# mk/lint.mk - static analysis: `make lint` runs cppcheck and clang-tidy over
# the library (src/), the POSIX port and the command (src/cli/) and fails on
# any finding. Both tools are Debian packages (cppcheck, clang-tidy); as root
# `make lint` installs them when missing.
#
# `make lint-formats` (part of `make lint`): no printf/scanf conversion
# with a z, t, j, ll, hh or L length modifier in src/, port/ and the
# tests' C files (scripts/check-formats.sh; newlib-nano prints none of
# them). It first checks itself on tests/lint/: every line of
# formats_bad.txt must be reported, nothing of formats_ok.txt.
#
# Suppressions live next to the code they concern, as
# "cppcheck-suppress ID" / "NOLINT(check)" comments with a reason.

LINT_SRCS := $(wildcard src/*.c) $(wildcard src/cli/*.c) $(wildcard port/posix/*.c)
CLANG_TIDY ?= clang-tidy
CPPCHECK ?= cppcheck

# Curated: real bug finders, not style. Left out, each for a reason:
#  - clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling
#    and .strcpy: flag every memcpy/snprintf/strcpy, bounded or not (C11
#    Annex K does not exist on glibc); the two strcpy calls (cli_files.c,
#    main.c) copy a literal or a string whose length was checked;
#  - clang-analyzer-valist.Uninitialized: false positive of clang 14 on
#    every va_start/vsnprintf pair (sb_fmt, sb_client_fail, cli_error);
#  - cert-err33-c: unchecked printf/fprintf results in the CLI (stdout
#    errors are caught once with ferror() at exit);
#  - cert-err34-c: sb_http_date's sscanf conversions have field widths of
#    at most 4 digits, which cannot overflow an int;
#  - bugprone-implicit-widening-of-multiplication-result and
#    bugprone-narrowing-conversions: constant caps (4u * 1024u * 1024u) and
#    char literals in ternaries, no value is lost;
#  - bugprone-easily-swappable-parameters, bugprone-reserved-identifier
#    (_GNU_SOURCE is defined on purpose), bugprone-assignment-in-if-condition:
#    style.
LINT_TIDY_CHECKS ?= -*,clang-analyzer-*,\
-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,\
-clang-analyzer-security.insecureAPI.strcpy,-clang-analyzer-valist.Uninitialized,\
bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,\
-bugprone-assignment-in-if-condition,-bugprone-implicit-widening-of-multiplication-result,\
-bugprone-narrowing-conversions,\
cert-str34-c,cert-flp30-c,cert-msc30-c,cert-msc50-c,\
misc-redundant-expression,performance-no-int-to-ptr

LINT_CPPCHECK_FLAGS ?= --quiet --error-exitcode=1 --std=c11 --inline-suppr \
	--enable=warning,portability,performance \
	--suppress=missingIncludeSystem \
	-D__linux__ -D__GNUC__ -U__cplusplus \
	-Iinclude -Isrc -Iport/posix

.PHONY: lint lint-deps lint-cppcheck lint-tidy lint-formats

lint-deps:
	@missing=""; \
	command -v $(CPPCHECK) >/dev/null || missing="$$missing cppcheck"; \
	command -v $(CLANG_TIDY) >/dev/null || missing="$$missing clang-tidy"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
		else echo "lint: missing$$missing (apt-get install$$missing)" >&2; exit 1; fi; \
	fi

lint-cppcheck: lint-deps
	$(CPPCHECK) $(LINT_CPPCHECK_FLAGS) $(LINT_SRCS)

lint-tidy: lint-deps
	@status=0; for f in $(LINT_SRCS); do \
		out=$$($(CLANG_TIDY) --quiet --warnings-as-errors='*' \
			--checks='$(LINT_TIDY_CHECKS)' $$f -- \
			$(CPPFLAGS) $(CSTD) $(MBEDTLS_CFLAGS) 2>&1) || status=1; \
		printf '%s\n' "$$out" | grep -v 'warnings\? generated\.$$' | sed '/^$$/d'; \
	done; \
	[ $$status -eq 0 ] && echo "clang-tidy: $(words $(LINT_SRCS)) files, no findings"; \
	exit $$status

lint-formats:
	@want=$$(grep -cE '^(printf|sscanf)' tests/lint/formats_bad.txt); \
	got=$$(sh scripts/check-formats.sh tests/lint/formats_bad.txt 2>/dev/null | wc -l); \
	if [ "$$got" -ne "$$want" ]; then \
		echo "lint-formats: the check found $$got of the $$want conversions of tests/lint/formats_bad.txt" >&2; exit 1; fi; \
	sh scripts/check-formats.sh tests/lint/formats_ok.txt || { \
		echo "lint-formats: the check rejects tests/lint/formats_ok.txt" >&2; exit 1; }; \
	sh scripts/check-formats.sh && echo "lint-formats: no z/t/j/ll/hh/L conversion (checked on $$want fixture lines first)"

lint: lint-formats lint-cppcheck lint-tidy
	@echo "lint: no findings"
