# mk/mbedtls3.mk - build and test against mbedTLS 3.6 LTS as well.
#
#   make check-mbedtls3   unpack Debian 13's mbedTLS 3.6 (signature- and
#                         checksum-verified, nothing installed) into
#                         $(MBEDTLS3_ROOT), build the library, the command,
#                         the tests and the examples against its static
#                         libraries with -Werror in $(MBEDTLS3_BUILD), and run
#                         the whole suite there. When Debian's archive
#                         cannot be reached it says SKIP and succeeds.

MBEDTLS3_BUILD ?= build-mbedtls3
MBEDTLS3_ROOT ?= $(MBEDTLS3_BUILD)/mbedtls
MBEDTLS3_LIBDIR = $(dir $(abspath $(firstword $(wildcard $(MBEDTLS3_ROOT)/usr/lib/*/libmbedcrypto.a))))
# The command and the tests link the static archives; the shared library
# links the shared ones, found at run time through its RUNPATH.
MBEDTLS3_VARS = BUILD=$(MBEDTLS3_BUILD) \
	MBEDTLS_CFLAGS="-I$(abspath $(MBEDTLS3_ROOT))/usr/include" \
	MBEDTLS_LIBS="$(MBEDTLS3_LIBDIR)libmbedtls.a $(MBEDTLS3_LIBDIR)libmbedx509.a $(MBEDTLS3_LIBDIR)libmbedcrypto.a" \
	MBEDTLS_SHLIB_LIBS="-L$(MBEDTLS3_LIBDIR) -Wl,-rpath,$(MBEDTLS3_LIBDIR) -lmbedtls -lmbedx509 -lmbedcrypto"

.PHONY: check-mbedtls3

check-mbedtls3: deps
	@if [ ! -f $(MBEDTLS3_ROOT)/VERSION ]; then \
		rm -rf $(MBEDTLS3_ROOT); \
		sh scripts/fetch-mbedtls3.sh $(MBEDTLS3_ROOT); rc=$$?; \
		if [ $$rc -eq 2 ]; then \
			echo "SKIP check-mbedtls3: Debian's archive is out of reach"; exit 0; \
		elif [ $$rc -ne 0 ]; then exit $$rc; fi; \
	fi; \
	$(MAKE) --no-print-directory mbedtls3-suite

# A second make, so that the library folder is known once unpacked.
.PHONY: mbedtls3-suite
mbedtls3-suite:
	@echo "== suite against mbedTLS $$(cat $(MBEDTLS3_ROOT)/VERSION)"
	@$(MAKE) --no-print-directory all tests examples $(MBEDTLS3_VARS) \
		>$(MBEDTLS3_BUILD)/build.log 2>&1 || { tail -n 30 $(MBEDTLS3_BUILD)/build.log; exit 1; }
	@$(MBEDTLS3_BUILD)/sonarbadge --version
	@# The same variables in the environment: suites that run make (the
	@# static build, make install) build against the same mbedTLS.
	@env $(MBEDTLS3_VARS) sh tests/run.sh
