# Two commands for a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

.PHONY: venv run test lint
venv: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/postop run

test: $(STAMP)
	$(VENV)/bin/ruff check .
	TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) $(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
