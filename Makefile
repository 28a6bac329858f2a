# Samordning: `make run` serves the demo, `make test` runs every test. `make help` lists targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PASSWORD ?= demo
export DEMO_PASSWORD

# A working Python >= 3.12: PYTHON=... wins, then python3.13, python3.12, python3,
# then pyenv's versions folder (its shims exit 127 unless a version is selected).
PYTHON ?= $(shell for c in python3.13 python3.12 python3 \
	$$(ls -d $$(pyenv root 2>/dev/null || echo $$HOME/.pyenv)/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	  if $$c -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then \
	    command -v $$c 2>/dev/null || echo $$c; break; fi; done)

.PHONY: help venv run demo-reset serve migrate seed test test-fast lint format chromium clean bench messages

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
	  echo "No Python 3.12 or newer found. Install one, or run: make PYTHON=/path/to/python3.12 ..."; exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv and install the project with its dev tools

migrate: venv ## Apply database migrations
	$(PY) manage.py migrate --noinput

seed: migrate ## Load the demo data (idempotent) and print the demo users
	DEBUG=1 $(PY) manage.py seed_demo

run: venv ## Serve the demo at http://127.0.0.1:8000 (runserver + task worker + scheduler; DEBUG on, SQLite, 2FA off)
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py collectstatic --noinput -v0
	DEBUG=1 $(PY) manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/ (Django runserver with DEBUG=1; Ctrl-C stops)"
	@echo "Demo mode: two-factor login is OFF (REQUIRE_2FA=0). Production requires it."
	@echo "Background tasks: the worker (manage.py db_worker) and the scheduler (manage.py run_scheduler) run beside the server."
	@echo "Mail: printed here by the worker (console backend), never sent. Production sends by SMTP (EMAIL_HOST etc., docs/operations.md)."
	DEBUG=1 REQUIRE_2FA=0 $(PY) tools/run_dev.py $(HOST):$(PORT)

demo-reset: venv ## Recreate the demo from scratch: a new SQLite database db.sqlite3, migrated and seeded
	@if [ -n "$$DATABASE_URL" ]; then \
	  echo "demo-reset only replaces the embedded SQLite demo database; unset DATABASE_URL."; exit 1; fi
	rm -f db.sqlite3 db.sqlite3-*
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo

serve: venv ## Production-like: gunicorn (gunicorn.conf.py) with DEBUG off (needs SECRET_KEY; plain HTTP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 $(VENV)/bin/gunicorn -c gunicorn.conf.py samordning.wsgi -b $(HOST):$(PORT)

chromium: ## Make sure Debian's chromium is there for the browser tests
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ]; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "Browser tests need Debian's chromium. Run: sudo apt-get install -y chromium"; exit 1; fi

test: venv chromium ## Run the whole test suite (DATABASE_URL picks the database; SQLite by default)
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: venv ## The suite without the browser journeys
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

lint: venv ## ruff check, ruff format --check, the import layers, mypy, makemigrations --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DEBUG=1 $(VENV)/bin/mypy samordning enterprises participants placements reports demo
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

format: venv ## Format and fix what ruff can
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: venv ## Update the English catalogue from the Swedish source strings; compile it and locale/sv (needs GNU gettext)
	DEBUG=1 $(PY) manage.py makemessages -l en_GB --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=templates/admin
	DEBUG=1 $(PY) manage.py compilemessages -l en_GB -l sv --ignore=.venv

bench: venv ## Benchmarks (figures, not pass/fail); BENCH_DB=postgres://... adds the demo and the national set served by gunicorn (BENCH_DB and BENCH_DB_demo are dropped and rebuilt)
	DEBUG=1 $(PY) bench/funder_overview.py --scale $${SCALE:-20}
	@if [ -n "$$BENCH_DB" ]; then \
	  DEBUG=1 $(PY) bench/national.py --database-url "$$BENCH_DB"_demo --participants 0 --statistics && \
	  DEBUG=1 $(PY) bench/national.py --database-url "$$BENCH_DB" --participants $${PARTICIPANTS:-1000000} --statistics && \
	  DEBUG=1 $(PY) bench/serve.py --requests $${REQUESTS:-60} \
	    --database-url demo="$$BENCH_DB"_demo --database-url national="$$BENCH_DB"; \
	else echo "Set BENCH_DB to a throwaway PostgreSQL database for the national benchmark (docs/performance.md)."; fi

clean: ## Remove the virtualenv, the SQLite database and collected static files
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles
