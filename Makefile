# Test and development entry points for the snowspoke.jira collection (run `make help`).
# Everything runs through the project virtualenv (.venv), which `make venv` creates and keeps in sync with
# requirements-dev.txt (the pinned toolchain; it includes requirements.txt, the collection's runtime requirements).
# Nothing here needs the internet beyond the Python package index.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
# The requirements files `make venv` installs, and a copy of them as last installed: it reinstalls only when
# they differ from it.
REQUIREMENTS := requirements.txt requirements-dev.txt
VENV_STAMP := $(VENV)/requirements.installed.txt

NAMESPACE := $(shell sed -n 's/^namespace: *//p' galaxy.yml)
NAME := $(shell sed -n 's/^name: *//p' galaxy.yml)
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
COLLECTIONS_ROOT := $(CURDIR)/.cache/collections
COLLECTION_LINK := $(COLLECTIONS_ROOT)/ansible_collections/$(NAMESPACE)/$(NAME)

# Tests run the collection from the link above, and find the project's tools first on PATH.
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS_ROOT)
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

# Extra pytest arguments, e.g. `make unit PYTEST_ARGS='-k oauth -x'`.
PYTEST_ARGS ?=
# Unit tests are quick: one process beats xdist's start-up cost. Integration tests spend their time waiting on
# ansible-playbook subprocesses, so two workers (one per core) pay off; loadgroup keeps the cases that share one
# playbook run (pytest.mark.xdist_group, e.g. tests/integration/test_bad_input.py) on one worker.
UNIT_ARGS ?=
INTEGRATION_ARGS ?= -n 2 --dist loadgroup
# pytest exits 5 when it collects no test; set ALLOW_EMPTY=1 to accept that (a stage with no tests yet).
ALLOW_EMPTY ?= 0
# Extra `ansible-test sanity` arguments, e.g. `make sanity SANITY_ARGS='--test pep8'`.
SANITY_ARGS ?=

# Stages of `make test`, cheapest feedback first, pytest last so its summary closes the output.
TEST_STAGES := venv lint changelog-lint docs-lint galaxy-check sanity unit integration

.PHONY: help venv collection unit integration sanity lint test docs demo bench stress clean build galaxy-check docs-lint \
	changelog-lint

help: ## Show this help
	@echo 'Targets:'
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  %-15s %s\n", $$1, $$2 }'
	@echo 'Variables: PYTEST_ARGS, UNIT_ARGS, INTEGRATION_ARGS (default -n 2 --dist loadgroup), ALLOW_EMPTY=1, SANITY_ARGS, PYTHON,'
	@echo '  LINT_EXTRAS, FORCE=1 (run galaxy-check and docs-lint even when their inputs are unchanged)'

venv: $(VENV_PY) ## Create .venv with python3 (or PYTHON=...) if missing; install requirements-dev.txt if changed
	@if ! cat $(REQUIREMENTS) | cmp -s - $(VENV_STAMP); then \
		$(VENV_PY) -m pip install --disable-pip-version-check --quiet -r requirements-dev.txt; \
		cat $(REQUIREMENTS) > $(VENV_STAMP); \
		echo "venv: installed requirements-dev.txt into $(VENV)"; \
	fi

$(VENV_PY):
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; v == (3, 11) or print("venv: warning: Python %d.%d, the project targets 3.11" % v)'
	$(PYTHON) -m venv $(VENV)

collection: ## Link the repo as the collection under .cache/collections (exported as ANSIBLE_COLLECTIONS_PATH)
	@mkdir -p $(dir $(COLLECTION_LINK))
	@ln -sfn ../../../.. $(COLLECTION_LINK)

# Runs pytest on $(1) with extra arguments $(2); exit code 5 (nothing collected) passes only with ALLOW_EMPTY=1.
define run_pytest
	@status=0; $(VENV_PY) -m pytest $(1) $(2) $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ] && [ "$(ALLOW_EMPTY)" = 1 ]; then echo "$(1): no tests collected (ALLOW_EMPTY=1)"; status=0; fi; \
	exit $$status
endef

unit: venv collection ## Run the unit tests (tests/unit)
	$(call run_pytest,tests/unit,$(UNIT_ARGS))

integration: venv collection ## Run the integration tests against the emulators (tests/integration)
	$(call run_pytest,tests/integration,$(INTEGRATION_ARGS))

sanity: venv ## Run ansible-test sanity offline on an exported copy (tools/sanity.py)
	$(VENV_PY) tools/sanity.py $(SANITY_ARGS)

# Sanity tests skipped (tools/sanity.py, SKIPPED_TESTS and EXTERNAL_TOOLS): pslint always (needs PowerShell, the
# collection ships none); shellcheck only when the shellcheck executable is missing (not a Python package).

# Only the directories that exist: git keeps no empty ones, and ansible-lint fails on a missing path.
LINT_PATHS := $(wildcard roles playbooks)

# The AWX and execution-environment checks run first (`make lint LINT_EXTRAS=` skips them). awx-lint lints
# awx/awx_setup.yml with awx.awx on the collections path; the ansible-lint run below covers roles/ and playbooks/.
LINT_EXTRAS ?= awx-lint ee-check
lint: $(LINT_EXTRAS)

lint: venv collection ## Run ansible-lint (production profile, offline; see .ansible-lint) on roles/ and playbooks/
	@if [ -z "$(LINT_PATHS)" ]; then echo "lint: no roles/ or playbooks/ to lint"; exit 0; fi; \
	echo "ansible-lint $(LINT_PATHS)"; \
	ansible-lint $(if $(CI),--nocolor) $(LINT_PATHS)

# --- AWX / Automation Controller and the execution environment (awx/README.md) ---
.PHONY: awx-deps awx-lint ee-check

AWX_PLAYBOOK := awx/awx_setup.yml
# awx.awx for checking AWX_PLAYBOOK offline (no Galaxy here): extracted from the `ansible` package on PyPI, pinned
# by version and sha256 in AWX_PIN; fetched again only when that file changes.
AWX_PIN := awx/lint-requirements.txt
AWX_CACHE := $(CURDIR)/.cache/awx
AWX_COLLECTIONS_ROOT := $(AWX_CACHE)/collections
AWX_MANIFEST := $(AWX_COLLECTIONS_ROOT)/ansible_collections/awx/awx/MANIFEST.json
# Python one-liner: unpack only ansible_collections/awx/awx/ from a wheel (argument 1) into a directory (argument 2).
AWX_EXTRACT := import sys, zipfile; wheel = zipfile.ZipFile(sys.argv[1]); \
	wheel.extractall(sys.argv[2], [n for n in wheel.namelist() if n.startswith("ansible_collections/awx/awx/")])
# The Ansible files besides the playbook: credential types and the two execution-environment files.
AWX_YAML := $(wildcard awx/credential_types/*.yml) awx/execution-environment.yml meta/execution-environment.yml
AWX_YAMLLINT_CONFIG := {extends: default, rules: {line-length: {max: 120}}}
EE_DEF := awx/execution-environment.yml
EE_BUILD := .cache/ee-build
EE_CONTEXT := .cache/ee-context
EE_TARBALL := $(EE_BUILD)/$(NAMESPACE)-$(NAME).tar.gz

awx-deps: $(AWX_MANIFEST) ## Fetch awx.awx (pinned in awx/lint-requirements.txt) into .cache/awx for awx-lint
	@:

$(AWX_MANIFEST): $(AWX_PIN) | $(VENV_PY)
	@rm -rf $(AWX_CACHE)
	@t0=$$(date +%s); \
	$(VENV_PY) -m pip download --disable-pip-version-check --quiet --no-deps --require-hashes -r $(AWX_PIN) \
		-d $(AWX_CACHE)/wheel; \
	$(VENV_PY) -c '$(AWX_EXTRACT)' $(AWX_CACHE)/wheel/*.whl $(AWX_CACHE)/unpacked; \
	mv $(AWX_CACHE)/unpacked $(AWX_COLLECTIONS_ROOT); \
	rm -rf $(AWX_CACHE)/wheel; \
	echo "awx-deps: awx.awx $$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' $@ | head -n 1) in $(AWX_COLLECTIONS_ROOT)" \
		"($$(( $$(date +%s) - t0 ))s)"

awx-lint: export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS_ROOT):$(AWX_COLLECTIONS_ROOT)
awx-lint: venv collection awx-deps ## yamllint the AWX files; syntax-check and ansible-lint awx/awx_setup.yml
	yamllint --strict -d '$(AWX_YAMLLINT_CONFIG)' $(AWX_YAML)
	ansible-playbook --syntax-check -i localhost, $(AWX_PLAYBOOK)
	ansible-lint $(if $(CI),--nocolor) $(AWX_PLAYBOOK) $(AWX_YAML)
	@# ansible-lint's production profile does not check module arguments: this test does, against awx.awx's docs.
	$(VENV_PY) -m pytest -q --no-header -p no:cacheprovider tests/unit/test_awx_credential_types.py -k awx_setup

ee-check: venv ## Check the execution environment: collection tarball, ansible-builder introspect + create
	@rm -rf $(EE_BUILD) $(EE_CONTEXT)
	ansible-galaxy collection build --force --output-path $(EE_BUILD) . >/dev/null
	@mv $(EE_BUILD)/$(NAMESPACE)-$(NAME)-*.tar.gz $(EE_TARBALL)
	@# What ansible-builder will add for the collection: read from the tarball, as the image build does.
	ANSIBLE_COLLECTIONS_PATH=$(EE_BUILD)/collections ansible-galaxy collection install --offline \
		-p $(EE_BUILD)/collections $(EE_TARBALL) >/dev/null
	ansible-builder introspect --sanitize $(EE_BUILD)/collections > $(EE_BUILD)/introspect.yml
	@grep -q "requests.*from collection $(NAMESPACE).$(NAME)" $(EE_BUILD)/introspect.yml || \
		{ cat $(EE_BUILD)/introspect.yml; echo "ee-check: the collection declares no Python requirements"; exit 1; }
	ansible-builder create -f $(EE_DEF) -c $(EE_CONTEXT) --output-filename Containerfile >/dev/null
	@test -f $(EE_CONTEXT)/_build/collections/$(notdir $(EE_TARBALL)) || \
		{ echo "ee-check: the collection tarball is missing from $(EE_CONTEXT)"; exit 1; }
	@echo "ee-check: ok; build the image with: podman build -t $(NAMESPACE)-$(NAME)-ee $(EE_CONTEXT)"

test: ## Every stage of TEST_STAGES (lint, packaging checks, sanity, unit, integration); stops at the first failure
	@start=$$(date +%s); \
	for stage in $(TEST_STAGES); do \
		t0=$$(date +%s); \
		if ! $(MAKE) $$stage; then echo "== make $$stage: FAILED after $$(( $$(date +%s) - t0 ))s"; exit 1; fi; \
		echo "== make $$stage: ok in $$(( $$(date +%s) - t0 ))s"; \
	done; \
	echo "== make test: all stages passed in $$(( $$(date +%s) - start ))s"

# --- Packaging: the tarball Galaxy gets, its import check, the docs and the changelog ---

BUILD_DIR := build
TARBALL := $(BUILD_DIR)/$(NAMESPACE)-$(NAME)-$(VERSION).tar.gz
# A check that passed on exactly these inputs (and toolchain) is skipped: tools/cached.py, stamps in .cache/stamps.
CACHED := $(VENV_PY) tools/cached.py

build: venv ## Build the collection tarball build/<namespace>-<name>-<version>.tar.gz (galaxy.yml build_ignore)
	@rm -f $(TARBALL)
	ansible-galaxy collection build --force --output-path $(BUILD_DIR) .

# galaxy-importer 0.4.x as Galaxy runs it (ansible-doc, ansible-lint on the extracted tarball, metadata, role
# READMEs, changelog, license); tools/galaxy_check.py fails on any warning, printing the importer's findings.
galaxy-check: build ## Import the tarball with galaxy-importer (tools/galaxy-importer.cfg); fail on any warning
	$(CACHED) galaxy-check $(TARBALL) tools/galaxy_check.py tools/galaxy-importer.cfg -- \
		$(VENV_PY) tools/galaxy_check.py $(TARBALL)

# Plugin and role docs (schema, markup, references to this collection and to ansible.builtin) and docs/docsite/.
DOCS_LINT := antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs dependent \
	--disallow-unknown-collection-refs .
docs-lint: venv collection ## antsibull-docs lint-collection-docs --plugin-docs on the collection
	$(CACHED) docs-lint plugins roles meta docs galaxy.yml -- $(DOCS_LINT)

# The fragments, changelogs/changelog.yaml, and CHANGELOG.rst being what antsibull-changelog generates from them.
changelog-lint: venv collection ## antsibull-changelog lint (fragments, changelog.yaml, CHANGELOG.rst up to date)
	antsibull-changelog lint
	antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
	@mkdir -p .cache/changelog
	@antsibull-changelog generate --output .cache/changelog/CHANGELOG.rst
	@diff -u CHANGELOG.rst .cache/changelog/CHANGELOG.rst || \
		{ echo "changelog-lint: CHANGELOG.rst differs from changelogs/changelog.yaml: run antsibull-changelog generate"; \
		exit 1; }

# HTML pages of the collection: antsibull-docs writes RST for every plugin and role, Sphinx renders it with the
# Ansible theme (configuration in tools/docsite/). -W: a warning fails the build.
DOCS_DIR := $(BUILD_DIR)/docs
docs: venv collection ## Regenerate plugins/doc_fragments, then build the HTML docs into build/docs/html
	@if [ ! -f tools/gen_doc_fragments.py ]; then echo "docs: not yet implemented"; exit 1; fi
	$(VENV_PY) tools/gen_doc_fragments.py
	@rm -rf $(DOCS_DIR) && mkdir -p $(DOCS_DIR)/rst && chmod 700 $(DOCS_DIR)/rst
	@cp tools/docsite/index.rst $(DOCS_DIR)/rst/
	antsibull-docs --config-file tools/docsite/antsibull-docs.cfg collection --use-current \
		--dest-dir $(DOCS_DIR)/rst $(NAMESPACE).$(NAME)
	sphinx-build -q -W --keep-going -b html -c tools/docsite -d $(DOCS_DIR)/doctrees $(DOCS_DIR)/rst $(DOCS_DIR)/html
	@echo "docs: open $(DOCS_DIR)/html/index.html"

demo: venv collection ## Run the end-to-end demo against the emulators (tools/demo.py)
	@if [ ! -f tools/demo.py ]; then echo "demo: not yet implemented (tools/demo.py is missing)"; exit 1; fi
	$(VENV_PY) tools/demo.py

# Never part of `make test` (pytest.ini's testpaths leave tests/bench out): ~10 minutes on 2 cores.
bench: venv collection ## Collection vs a uri baseline, 1 to 500 instances (tests/bench; .cache/bench/results.json)
	$(VENV_PY) -m pytest tests/bench -q -p no:cacheprovider $(PYTEST_ARGS)

# Never part of `make test` (pytest.ini's testpaths leave tests/stress out): serial, so trials do not disturb each
# other's timing; -s shows the table it prints (also in .cache/stress/results.json).
stress: venv collection ## Fault table (20 seeds x 10 % and 30 %) and 10 concurrency trials, printed (tests/stress)
	$(VENV_PY) -m pytest tests/stress -s -q -p no:cacheprovider $(PYTEST_ARGS)

clean: ## Remove .cache, build output (tarball, docs) and tests/output (keeps .venv)
	rm -rf .cache $(BUILD_DIR) dist tests/output .pytest_cache $(NAMESPACE)-$(NAME)-*.tar.gz
