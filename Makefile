# Näringsliv CRM: `make run` to try it, `make test` to test it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# Links in mail and calendar files point here: where `make run` serves, unless set (e.g. behind a proxy).
BASE_URL ?= http://$(HOST):$(PORT)
SCALE ?= 1.0

.PHONY: run test test-sqlite test-postgresql system-deps translations lint bench clean

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

test: system-deps $(VENV)/.installed-dev translations
	$(BIN)/pytest -q -p no:cacheprovider --db=sqlite
	$(BIN)/pytest -q -p no:cacheprovider --db=postgresql

test-sqlite: $(VENV)/.installed-dev translations
	$(BIN)/pytest -q -p no:cacheprovider --db=sqlite

test-postgresql: $(VENV)/.installed-dev translations
	$(BIN)/pytest -q -p no:cacheprovider --db=postgresql

# Generated data at SCALE (1.0 = 100,000 companies) on SQLite and PostgreSQL; see BENCHMARKS.md.
bench: system-deps $(VENV)/.installed-dev translations
	$(BIN)/python -m crm.benchmark.bench --scale $(SCALE)

# Style (ruff) and the layer contract (import-linter, pyproject.toml; see ARCHITECTURE.md).
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache
