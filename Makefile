# Näringsliv CRM: `make run` to try it, `make test` to test it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The app runs the production config unless told otherwise: `make run` and its commands ask for development.
CRM_ENV ?= development
FLASK := CRM_ENV=$(CRM_ENV) $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# Links in mail and calendar files point here: where `make run` serves, unless set (e.g. behind a proxy).
BASE_URL ?= http://$(HOST):$(PORT)
SCALE ?= 1.0

.PHONY: run test test-sqlite test-postgresql system-deps node-deps translations lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d crm/translations

run: $(VENV)/.installed translations
	$(FLASK) db upgrade
	CRM_BASE_URL=$(BASE_URL) $(FLASK) seed-demo
	CRM_BASE_URL=$(BASE_URL) $(FLASK) serve --host $(HOST) --port $(PORT)

system-deps:
	bash scripts/install-system-deps.sh

# ical.js for the calendar checks (tests/calendar/checks.py: icaljs_instants), at the version in the lock file.
node-deps: tests/js/node_modules/.installed

tests/js/node_modules/.installed: tests/js/package.json tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund
	touch $@

PYTEST := $(BIN)/pytest -q -p no:cacheprovider
TEST_LOGS := .pytest_cache/logs

# The SQLite and the PostgreSQL pass run at the same time, each writing its own log (TEST_LOGS/<db>.log).
# Printed at the end: each pass's summary line, and the whole log of a pass that failed. Fails if either fails.
# The PostgreSQL pass leaves out the tests that use no database and the browser sweeps of markup (axe, layout,
# menu); both run in the SQLite pass (see pytest_collection_modifyitems in tests/conftest.py; `--all-tests`
# runs them on PostgreSQL too). Every other test, browser flows included, runs on both databases.
test: system-deps $(VENV)/.installed-dev translations node-deps
	@mkdir -p $(TEST_LOGS)
	@echo "pytest --db=sqlite and --db=postgresql at the same time; logs in $(TEST_LOGS)/"
	@$(PYTEST) --db=sqlite > $(TEST_LOGS)/sqlite.log 2>&1 & sqlite=$$!; \
	$(PYTEST) --db=postgresql > $(TEST_LOGS)/postgresql.log 2>&1 & postgresql=$$!; \
	wait $$sqlite; sqlite_status=$$?; wait $$postgresql; postgresql_status=$$?; \
	for pass in sqlite postgresql; do \
	  status=$${pass}_status; \
	  if [ "$${!status}" -ne 0 ]; then echo "=== $$pass: FAILED ($(TEST_LOGS)/$$pass.log) ==="; cat $(TEST_LOGS)/$$pass.log; fi; \
	done; \
	echo "sqlite:     $$(tail -n 1 $(TEST_LOGS)/sqlite.log)"; \
	echo "postgresql: $$(tail -n 1 $(TEST_LOGS)/postgresql.log)"; \
	[ $$sqlite_status -eq 0 ] && [ $$postgresql_status -eq 0 ]

test-sqlite: $(VENV)/.installed-dev translations node-deps
	$(PYTEST) --db=sqlite

test-postgresql: $(VENV)/.installed-dev translations node-deps
	$(PYTEST) --db=postgresql

# Generated data at SCALE (1.0 = 100,000 companies) on SQLite and PostgreSQL; see BENCHMARKS.md.
bench: system-deps $(VENV)/.installed-dev translations
	$(BIN)/python -m crm.benchmark.bench --scale $(SCALE)

# Style (ruff) and the layer contract (import-linter, pyproject.toml; see ARCHITECTURE.md).
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache
