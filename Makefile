# Two commands on a fresh machine: `make demo` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The PostgreSQL driver and adapter are part of every install: `make test` proves PostgreSQL parity.
LOCKS  := requirements.lock requirements-postgres.lock
STAMP  := $(VENV)/.installed-$(shell cat $(LOCKS) pyproject.toml | cksum | cut -d' ' -f1)
SPARK_STAMP := $(VENV)/.spark-$(shell cat requirements-spark.lock | cksum | cut -d' ' -f1)
# An old DuckDB in its own environment: the tests open the published file with it.
COMPAT := .venv-compat
COMPAT_STAMP := $(COMPAT)/.installed-$(shell cat requirements-compat.lock | cksum | cut -d' ' -f1)
HOME_DIR ?= data
PYTEST_ARGS ?=

# The review pack's PDFs and its browser tests use the operating system's headless Chromium
# (Debian's package), with Liberation Sans, the font the pages name (metric-compatible with Arial).
CHROMIUM_FONT_DIR := /usr/share/fonts/truetype/liberation
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup compat demo test test-fast test-spark dev lint format bench clean browser java report screenshots

$(STAMP): $(LOCKS) pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check $(addprefix -r ,$(LOCKS))
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

# The environment only: packages from the lock, the dbt manifest parsed ahead of runs.
setup: $(STAMP)
	@$(BIN)/python -c "from pipelines.defs.dbt.project import ensure_manifest; ensure_manifest()"

# DuckDB 1.1 (what BI tools' drivers bundle, give or take) for the compatibility tests.
$(COMPAT_STAMP): requirements-compat.lock
	@test -x $(COMPAT)/bin/python || $(PYTHON) -m venv $(COMPAT)
	$(COMPAT)/bin/pip install --quiet --disable-pip-version-check -r requirements-compat.lock
	@rm -f $(COMPAT)/.installed-*
	@touch $(COMPAT_STAMP)

compat: $(COMPAT_STAMP)

# Sample data -> bronze -> marts -> data/published/kam.duckdb, then what was published.
demo: setup
	@test -d $(HOME_DIR)/landing || $(BIN)/kam generate --out $(HOME_DIR)/landing
	$(BIN)/kam run --home $(HOME_DIR)
	@$(BIN)/kam status --home $(HOME_DIR)

# pytest exits 5 when it collected nothing: that is a failure, never a silent pass. The Spark
# parity suite has its own target (pyspark is ~600 MB and its build takes minutes).
test: setup compat browser
	@$(BIN)/python -m pytest -m "not spark" $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi; exit $$status

# Spark parity (dbt-spark session on local[*], Java 17): installs the Spark packages into .venv once,
# then builds the sample data on DuckDB and on Spark and compares every mart.
$(SPARK_STAMP): $(STAMP) requirements-spark.lock
	$(BIN)/pip install --quiet --disable-pip-version-check $(addprefix -r ,$(LOCKS)) -r requirements-spark.lock
	@rm -f $(VENV)/.spark-*
	@touch $(SPARK_STAMP)

test-spark: setup java $(SPARK_STAMP)
	KAM_REQUIRE_SPARK=1 $(BIN)/python -m pytest -m spark $(PYTEST_ARGS)

test-fast: setup compat browser
	$(BIN)/python -m pytest -m "not slow and not spark" $(PYTEST_ARGS)

# Headless Chromium from the OS packages, installed only when missing (a minute; needs root or
# sudo). Never `playwright install`: it downloads a browser build, which fails offline.
browser:
	@if command -v chromium >/dev/null 2>&1 && [ -d $(CHROMIUM_FONT_DIR) ]; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		echo "installing Chromium and fonts-liberation (Debian packages) for the review pack"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-liberation >/dev/null; \
	else \
		echo "the review pack needs Chromium: install your system's chromium package" >&2; exit 1; \
	fi

# Java 17 for the Spark parity suite (pyspark's local[*] session), from the OS packages when missing.
java:
	@if command -v java >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		echo "installing Java 17 (Debian's openjdk-17-jre-headless) for the Spark parity suite"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	else \
		echo "the Spark parity suite needs Java 17: install your system's openjdk-17 package" >&2; exit 1; \
	fi

# The review pack of the current published version of $(HOME_DIR) (docs/report.md).
report: setup browser
	$(BIN)/kam report --home $(HOME_DIR)

# README's pictures of the review pack, from the sample data (make demo's), as committed PNGs.
screenshots: setup browser
	@test -f $(HOME_DIR)/published/kam.duckdb || $(MAKE) demo
	$(BIN)/python -m pipelines.lib.report.screenshots --home $(HOME_DIR) --out docs/img

dev: setup
	$(BIN)/kam dev --home $(HOME_DIR)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(HOME_DIR) dbt_project/target dbt_project/logs .pytest_cache
