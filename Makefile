# Two commands for a newcomer: `make build` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DO_NOT_TRACK := 1
# The sample's raw tables carry about 8 % injected defects by design: the quarantine guard
# warns above 10 % here (default 5 %, README "Your own data").
export CUSTSEG_QUARANTINE_WARN_SHARE ?= 0.1

SCALE ?= tiny
SEED ?= 42
AS_OF ?= 2026-06-30
DATA_DIR ?= data/raw
DBT_VARS := {as_of_date: '$(AS_OF)'}
# Earlier weekly as-of dates the sample build backfills into the segment logs (make history).
HISTORY_PERIODS ?= 12
REPORT_DIR ?= warehouse/report

.PHONY: build test install data load dbt history validate publish report freshness docs lint pytest clean bench

## make build: install, generate sample data, load it, dbt build (seeds, models, tests), segment
## history of the earlier weekly as-of dates, GX checkpoint, then publish the BI schemas to
## warehouse/bi.duckdb for readers.
build: install data load dbt history validate publish
	@echo "Done. Warehouse: $${DBT_DUCKDB_PATH:-warehouse/segmentation.duckdb}; for BI tools: warehouse/bi.duckdb"
	@echo "Data Docs: warehouse/gx/gx/uncommitted/data_docs/local_site/index.html  dbt docs: make docs"

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==24.3.1
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# New sample data is a new baseline for the checkpoint's segment-size comparison.
data: install
	$(BIN)/python -m custseg generate --scale $(SCALE) --seed $(SEED) --as-of $(AS_OF) --out $(DATA_DIR)
	rm -f warehouse/gx/duckdb_sizes.json

load: install
	$(BIN)/python -m custseg load --data $(DATA_DIR)

dbt: install
	$(BIN)/dbt build --vars "$(DBT_VARS)"

# Segment sizes over time on a fresh warehouse: the as-of-dependent models the segment logs need,
# run for each of the HISTORY_PERIODS weekly as-of dates before AS_OF (oldest first), then AS_OF
# last, so every table but the logs ends as `make dbt` left it (README "Segment history").
history: install
	$(BIN)/python -m custseg history --as-of $(AS_OF) --periods $(HISTORY_PERIODS)

validate: install
	$(BIN)/python -m custseg validate

# Only after the build and the checkpoint passed (make stops at the first failing step).
publish: install
	$(BIN)/python -m custseg publish

## make report: the offline HTML dashboard of the warehouse (REPORT_DIR/report.html).
report: install
	$(BIN)/python -m custseg report --out $(REPORT_DIR)

# dbt source freshness against the wall clock: the pinned sample (AS_OF=2026-06-30) is stale by
# design; `make build AS_OF=<yesterday>` gives fresh load times (README: "Run it from your orchestrator").
freshness: install
	$(BIN)/dbt source freshness

docs: install
	$(BIN)/dbt docs generate --vars "$(DBT_VARS)"
	@echo "dbt docs: target/index.html (serve with: $(BIN)/dbt docs serve)"

# ruff and sqlfluff, the style checks `make test` also runs (tests_py/test_lint.py).
lint: install
	$(BIN)/pytest -q tests_py/test_lint.py

pytest: install
	$(BIN)/pytest -q --durations=15 tests_py

## make test: the whole suite (ruff and sqlfluff style checks, Python and dbt integration tests).
test: install pytest

## make bench: benchmark 1M/10M/100M events, the plain-SQL floor and the CLV peer
## (docs/benchmarks.md; options: BENCH_ARGS="--scales 10M --skip-generate ...").
BENCH_ARGS ?=
bench: install
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

clean:
	rm -rf target logs warehouse data $(VENV)
