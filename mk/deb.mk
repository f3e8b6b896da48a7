# mk/deb.mk - `make deb`: the Debian packages, built by Debian's own tools
# (dpkg-buildpackage -us -uc -b with debian/ and debhelper) from a copy of
# the source tree, so the tree itself is left as it was:
#   sonarbadge         the command, its man page and bash completion
#   libsonarbadge0     the shared library libsonarbadge.so.0
#   libsonarbadge-dev  headers, static library, .so link, sonarbadge.pc
# The .deb, .changes and .buildinfo files land in $(DEB_OUT); lintian then
# checks them and fails on any error (warnings are printed). As root the
# target installs the packages it needs when they are missing.
#   make deb

DEB_OUT ?= $(BUILD)/deb
DEB_WORK ?= $(BUILD)/deb-build
DEB_TOOLS := dpkg-dev debhelper lintian build-essential libmbedtls-dev libjsmn-dev python3

.PHONY: deb

deb: $(DEB_OUT)/.stamp

$(DEB_OUT)/.stamp: $(filter-out $(DEB_OUT)/%,$(wildcard $(SOURCE_FILES)))
	@sh scripts/install-deps.sh $(DEB_TOOLS)
	@rm -rf $(DEB_WORK) $(DEB_OUT)
	@mkdir -p $(DEB_WORK)/src $(DEB_OUT)
	@if [ -n "$(SOURCE_FILES)" ]; then \
		git ls-files -z -co --exclude-standard | \
			xargs -0 sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done' sh | \
			tar --null -T - -cf - | tar -xf - -C $(DEB_WORK)/src; \
	else \
		tar --exclude='./build*' --exclude=./.git -cf - . | tar -xf - -C $(DEB_WORK)/src; \
	fi
	@echo "deb: dpkg-buildpackage -us -uc -b in $(DEB_WORK)/src (log: $(DEB_WORK)/build.log)"
	@cd $(DEB_WORK)/src && dpkg-buildpackage -us -uc -b >../build.log 2>&1 || \
		{ tail -n 40 ../build.log; exit 1; }
	@cp $(DEB_WORK)/*.deb $(DEB_WORK)/*.changes $(DEB_WORK)/*.buildinfo $(DEB_OUT)/
	@rm -rf $(DEB_WORK)
	@ls -1 $(DEB_OUT)
	@echo "deb: lintian"
	@lintian --fail-on error --display-info $(DEB_OUT)/*.changes; rc=$$?; \
		[ $$rc -eq 0 ] && echo "lintian: no error" || echo "lintian: FAIL"; exit $$rc
	@touch $@
