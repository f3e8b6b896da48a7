# mk/limits.mk - the suite with small caps (not part of `make test`).
#   make check-limits   the library, the command, the unit tests and the
#                       fuzz replays built in $(LIMITS_BUILD) with the caps
#                       of include/sonarbadge/sb_limits.h lowered
#                       (LIMITS_FLAGS), then the unit tests, the fuzz
#                       replays and the end-to-end suites run there (as
#                       tests/run.sh does, SB_SUITES="unit e2e"). The caps
#                       are small enough that the tests written against
#                       them (test_http, test_json, test_projects, ...) and
#                       the stand-in's faults meet each one, and large
#                       enough for every normal answer of the stand-in.
#                       The end-to-end tests that assert a default cap are
#                       skipped, each said with its reason (LIMITS_SKIP).

LIMITS_BUILD ?= build-limits

# What the stand-in sends (measured): heads under 200 bytes and 6 fields,
# a page of 50 projects 7 KB and 660 JSON tokens 3 deep,
# api/webservices/list 8 deep, badge tokens of 44 characters (sqb_ and 40
# hex digits), badge SVGs under 1 KB; the test PKI's files are under 2 KB.
LIMITS_FLAGS := -DSB_MAX_HEADER_BYTES=2048 -DSB_MAX_HEADERS=16 \
	-DSB_MAX_CHUNK_LINE=64 -DSB_MAX_BODY_BYTES=65536 \
	-DSB_MAX_JSON_TOKENS=1024 -DSB_MAX_JSON_DEPTH=12 \
	-DSB_MAX_REQUEST_BYTES=2048 -DSB_MAX_TOKEN_LEN=48 \
	-DSB_MAX_USER_TOKEN_LEN=128 -DSB_MAX_KEY_LEN=64 -DSB_MAX_HOST_LEN=64 \
	-DSB_MAX_PATH_LEN=64 -DSB_MAX_CA_FILE_BYTES=16384 \
	-DSB_MAX_MESSAGE_LEN=256 -DSB_MAX_BADGE_BYTES=8192 \
	-DSB_PROJECTS_PAGE_SIZE=50 -DSB_MAX_PROJECT_PAGES=100

# NAME=WHY;... (tests/e2e/sbtest_common.py): what each one asserts that
# only the default caps give.
LIMITS_SKIP := t_urls_formats_branch=expects the default key cap (longer than 400) in its message;\
t_json_100000_tokens=its answer of 100,000 tokens passes the body cap (64 KiB here) before the token cap;\
t_json_nested_too_deep=expects the default depth cap (64 levels) in its message;\
t_bulk_rotate_one_connection=counts pages of 500 projects (50 here);\
t_echoed_token_cut_short=needs a 300-character project key to push the message past its cap (keys of 64 here);\
t_connect_request_with_long_names=needs a 242-character host name (64 here)

.PHONY: check-limits

# The build folder is started afresh when the caps change (the objects do
# not depend on CFLAGS).
check-limits: deps
	@mkdir -p $(LIMITS_BUILD)
	@echo '$(LIMITS_FLAGS)' >$(LIMITS_BUILD)/caps.new
	@cmp -s $(LIMITS_BUILD)/caps.new $(LIMITS_BUILD)/caps || \
		{ rm -rf $(LIMITS_BUILD) && mkdir -p $(LIMITS_BUILD) && \
		  echo '$(LIMITS_FLAGS)' >$(LIMITS_BUILD)/caps; }
	@rm -f $(LIMITS_BUILD)/caps.new
	@$(MAKE) --no-print-directory -j2 BUILD=$(LIMITS_BUILD) \
		CFLAGS='$(LIMITS_FLAGS)' all tests examples \
		>$(LIMITS_BUILD)/build.log 2>&1 || \
		{ tail -n 30 $(LIMITS_BUILD)/build.log; \
		  echo "FAIL check-limits: build (see $(LIMITS_BUILD)/build.log)"; \
		  echo "0 passed, 1 failed"; exit 1; }
	@echo "== caps: $(LIMITS_FLAGS)"
	@BUILD=$(LIMITS_BUILD) CFLAGS='$(LIMITS_FLAGS)' SB_SUITES="unit e2e" \
		SB_TEST_SKIP='$(LIMITS_SKIP)' sh tests/run.sh
