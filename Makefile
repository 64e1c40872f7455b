# keytrail's single entry point. The README gives two commands: `make demo` and `make test`.
PYTHON ?= python3
PORT ?= 8000
SHELL := /bin/bash

.PHONY: install demo test lint typecheck neo4j-start neo4j-stop bench page chromium frontend-test

install:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[dev]'

demo: install page  # make demo PORT=8001 when 8000 is taken
	keytrail demo --port $(PORT)

# The web page (frontend/) is built into the Python package (api/static), so `keytrail serve`
# and an installed wheel serve it without Node. npm ci and the build run only when their inputs changed.
PAGE_SOURCES := $(shell find frontend/src -type f 2>/dev/null) frontend/index.html frontend/vite.config.ts \
	frontend/tsconfig.json frontend/package.json
NPM_STAMP := frontend/node_modules/.package-lock.json

page: api/static/index.html

$(NPM_STAMP): frontend/package-lock.json frontend/package.json
	@command -v npm >/dev/null || { echo "the web page needs Node.js 20.19+ and npm (frontend/)" >&2; exit 1; }
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

api/static/index.html: $(PAGE_SOURCES) $(NPM_STAMP)
	cd frontend && npm run build

# The browser tests drive Debian's Chromium; installed here when missing (playwright cannot download browsers).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends chromium; \
	fi

# Types, unit tests (vitest), then the end-to-end tests in real Chromium against a real `keytrail demo`.
frontend-test: page chromium
	cd frontend && npm run typecheck && npm test && npm run e2e

lint:
	ruff check graph loaders queries api tests bench
	ruff format --check graph loaders queries api tests bench

typecheck:
	mypy graph queries loaders api

# Installs everything, starts the real Neo4j, runs every test against both stores, stops Neo4j.
test: install page chromium
	scripts/neo4j-local start
	set -o pipefail; eval "$$(scripts/neo4j-local env)"; \
	  status=0; \
	  $(MAKE) --no-print-directory lint typecheck || status=1; \
	  $(PYTHON) -m pytest $(PYTEST_ARGS) || status=1; \
	  scripts/neo4j-local stop; \
	  $(MAKE) --no-print-directory frontend-test || status=1; \
	  exit $$status

bench: install
	scripts/neo4j-local start
	eval "$$(scripts/neo4j-local env)"; $(PYTHON) bench/store_write.py
