# mk/lint-scripts.mk - `make lint-scripts`: shellcheck over every shell
# script of the repository (*.sh, *.bash and files with a sh/bash shebang,
# .ci/run included) and over the shell steps of examples/*.yml, and
# yamllint --strict (.yamllint) over examples/*.yml. Both tools are Debian
# packages; as root the target installs them when missing.

LINT_YAML := $(wildcard examples/*.yml)
# Shell scripts: by name, else by their first line.
LINT_SHELL = $(sort $(filter %.sh %.bash,$(SOURCE_FILES)) \
	$(foreach f,$(filter-out %.sh %.bash %.py %.c %.h %.md,$(wildcard $(SOURCE_FILES))), \
	$(if $(shell head -n 1 $(f) 2>/dev/null | grep -E '^#!.*/(env )?(ba|da)?sh'),$(f))))

.PHONY: lint-scripts

lint-scripts:
	@sh scripts/install-deps.sh shellcheck yamllint python3-yaml
	@echo "shellcheck: $(words $(LINT_SHELL)) scripts"
	@shellcheck $(LINT_SHELL)
	@rm -rf $(BUILD)/ci-steps
	@python3 scripts/ci-yaml-scripts.py $(BUILD)/ci-steps $(LINT_YAML)
	@shellcheck -s bash $(BUILD)/ci-steps/*.sh
	@rm -rf $(BUILD)/ci-steps
	@yamllint --strict -c .yamllint $(LINT_YAML)
	@echo "lint-scripts: no findings"
