# One command per ritual. `make demo` and `make test` work on a fresh machine.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
PATIENTS ?= 300
export SPINEREG_VAR_DIR ?= $(CURDIR)/var

.PHONY: help install demo serve lint test test-sqlite test-postgres test-browser bench clean

help:
	@echo "make demo  - install, migrate SQLite, load the synthetic cohort and demo users, serve :8000"
	@echo "make test  - lint, types, unit tests on SQLite, database tests on PostgreSQL, browser tests"
	@echo "make bench - run the benchmarks under benchmarks/"

$(UV):
	python3 -m pip install --quiet --user "uv==0.13.*" || python3 -m pip install --quiet "uv==0.13.*"

install: $(UV)
	$(UV) sync --locked

demo: install
	mkdir -p $(SPINEREG_VAR_DIR)
	$(UV) run python manage.py migrate --noinput -v0
	$(UV) run spinereg demo --patients $(PATIENTS)
	$(UV) run spinereg serve 127.0.0.1:8000

serve:
	$(UV) run python manage.py runserver 127.0.0.1:8000

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy
	$(UV) run lint-imports
	$(UV) run python manage.py makemigrations --check --dry-run -v0

test-sqlite: install
	$(UV) run pytest -m "not browser" -q

test-postgres: install
	SPINEREG_TEST_POSTGRES=1 DATABASE_URL=$(PG_URL) $(UV) run pytest -m "not browser" -q tests/registry tests/web tests/cli

test-browser: install
	$(UV) run pytest -m browser -q

test: lint test-sqlite test-postgres test-browser

bench: install
	for script in benchmarks/bench_*.py; do echo "== $$script"; $(UV) run python $$script || exit 1; done

clean:
	rm -rf .venv var test-artifacts .mypy_cache .ruff_cache
