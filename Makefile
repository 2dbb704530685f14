# Two commands for a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test
# Test files spread over one process per core (pytest-xdist; each file stays in one process, each
# process has its own PostgreSQL database and SQLite files). TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= auto
# Python's bytecode cache on for the tests even where the environment turns it off
# (PYTHONDONTWRITEBYTECODE=1): without it every run compiles every module and pytest rewrites every
# test module's asserts again (make test-fast: 28.6 s instead of 15-16 s). __pycache__ is ignored by git.
TEST_ENV := PYTHONDONTWRITEBYTECODE=

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

.PHONY: venv run test test-fast lint
venv: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/postop run

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(TEST_ENV) TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile

# The tests that need no database and no browser, and take no seconds each (markers set in
# tests/conftest.py): a few seconds in all, not minutes.
test-fast: $(STAMP)
	$(TEST_ENV) $(VENV)/bin/pytest -m "not db and not browser and not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
