# The commands of the README. `make run` and `make test` set everything up on a fresh machine.
VENV   ?= .venv
PYTHON ?= python3
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run setup test test-postgres browser lint format ci clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

## Set up the embedded default (SQLite, demo content, admin login) without serving.
setup: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py ensure_admin --url http://$(HOST):$(PORT)/admin/

## Install, migrate, load the demo content, print the admin login and serve the site.
run: setup
	@echo "Praxisatlas Kleinstadt: http://$(HOST):$(PORT)/"
	$(PY) manage.py runserver $(HOST):$(PORT)

## Install and run the whole test suite (browser tests need Chromium: scripts/ensure-chromium).
test: install
	@scripts/ensure-chromium || true
	$(PY) -m pytest

## The whole suite again against a throwaway PostgreSQL 15 cluster.
test-postgres: install
	scripts/with-postgres $(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

ci:
	CI=true bash .ci/run

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
