# keytrail's single entry point. The README gives two commands: `make demo` and `make test`.
PYTHON ?= python3
PORT ?= 8000
SHELL := /bin/bash

.PHONY: install demo test lint typecheck neo4j-start neo4j-stop bench

install:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[dev]'

demo: install  # make demo PORT=8001 when 8000 is taken
	keytrail demo --port $(PORT)

lint:
	ruff check graph loaders queries api tests bench
	ruff format --check graph loaders queries api tests bench

typecheck:
	mypy graph queries loaders api

# Installs everything, starts the real Neo4j, runs every test against both stores, stops Neo4j.
test: install
	scripts/neo4j-local start
	set -o pipefail; eval "$$(scripts/neo4j-local env)"; \
	  status=0; \
	  $(MAKE) --no-print-directory lint typecheck || status=1; \
	  $(PYTHON) -m pytest $(PYTEST_ARGS) || status=1; \
	  scripts/neo4j-local stop; exit $$status

bench: install
	scripts/neo4j-local start
	eval "$$(scripts/neo4j-local env)"; $(PYTHON) bench/store_write.py
