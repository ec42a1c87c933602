# Two commands set the project up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PYTHON := $(VENV)/bin/python
BIN := $(VENV)/bin
VAR := $(CURDIR)/var
SAO := node_modules/tryton-sao
DEMO_DB := demo
HOST ?= 127.0.0.1
PORT ?= 8000
# Test databases are cached per content of addons/, so a change rebuilds them.
ADDONS_HASH = $(shell find addons -type f -not -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha1sum | sha1sum | cut -c1-12)
ENGINES ?= sqlite $(if $(findstring postgresql,$(TRYTOND_DATABASE_URI)),postgresql)
PYTEST_ARGS ?=

.PHONY: run run-pg upgrade test bench install sao demo-db clean

install: $(VENV)/.installed
$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[postgresql,production,related,test]'
	touch $@

# The web client, with the project's custom.js and custom.css (web/) linked
# into its root ([web] root), where its index.html loads them
sao: $(SAO)/index.html $(SAO)/custom.js $(SAO)/custom.css
$(SAO)/index.html:
	npm install --no-save --no-audit --no-fund --install-strategy=nested \
		--omit=dev tryton-sao@8.0
	test -f $@
$(SAO)/custom.%: web/custom.% | $(SAO)/index.html
	ln -sfn $(CURDIR)/web/custom.$* $@

# The configurations of make run (SQLite) and make run-pg (PostgreSQL), made
# once from the project's one template (production/config.py): each holds
# the whistleblower key of its data, so it is written readable by its owner
# only (mode 0600), complete before it appears, and never rewritten.
$(VAR)/trytond.conf: | install
	$(PYTHON) -m production.config $@ --uri sqlite:// --data-path $(VAR)/db
$(VAR)/trytond-pg.conf: | install
	$(PYTHON) -m production.config $@ --data-path $(VAR)/filestore \
		--uri $${TRYTOND_DATABASE_URI:-postgresql://postgres@127.0.0.1:5432/}

demo-db: $(VAR)/db/$(DEMO_DB).sqlite
$(VAR)/db/$(DEMO_DB).sqlite: | install $(VAR)/trytond.conf
	$(PYTHON) -m demo --config $(VAR)/trytond.conf --database $(DEMO_DB)

# The web process and the cron on the SQLite demo database at HOST:PORT (given
# on each run, never kept in the file) until Ctrl+C stops both: demo/run.py
run: install sao demo-db
	@$(PYTHON) -m demo.run --config $(VAR)/trytond.conf --database $(DEMO_DB) \
		--host $(HOST) --port $(PORT)

# Production style on PostgreSQL: the processes of the Procfile (gunicorn
# with WORKERS web processes, trytond-cron and trytond-worker) run by honcho
# on database PG_DB at HOST:PORT; a missing database is created first, with
# the demo data when DEMO=1. The PostgreSQL server is TRYTOND_DATABASE_URI's
# when var/trytond-pg.conf is first written, then that file's.
PG_DB ?= complaints
WORKERS ?= 2
run-pg: install sao $(VAR)/trytond-pg.conf
	$(PYTHON) -m production run --config $(VAR)/trytond-pg.conf \
		--database $(PG_DB) --workers $(WORKERS) --listen $(HOST):$(PORT) \
		$(if $(DEMO),--demo)

# Update a database to the code after a change of the modules (trytond-admin
# -u, activating the modules and dependencies it lacks): make run-pg's
# PG_DB, or make run's SQLite demo with SQLITE=1. Starting never updates.
UPGRADE_CONFIG = $(VAR)/$(if $(SQLITE),trytond.conf,trytond-pg.conf)
UPGRADE_DB = $(if $(SQLITE),$(DEMO_DB),$(PG_DB))
upgrade: install
	$(PYTHON) -m production upgrade --config $(UPGRADE_CONFIG) \
		--database $(UPGRADE_DB)

# The engines' passes run side by side, each printed whole when it ends.
test: install sao
	@$(MAKE) --no-print-directory --output-sync=target -j$(words $(ENGINES)) \
		$(addprefix test-,$(ENGINES))

test-sqlite:
	@echo "== test suite on SQLite"
	@if [ -x /usr/bin/chromium ]; then marks='' ; else \
		echo "Browser tests not run: /usr/bin/chromium is missing (apt-get install chromium to run them)."; \
		marks='not browser'; fi; \
	TRYTOND_DATABASE_URI=sqlite:// DB_NAME=:memory: \
	DB_CACHE=$(VAR)/cache/sqlite-$(ADDONS_HASH) \
	$(BIN)/pytest -m "not postgresql$${marks:+ and $$marks}" $(PYTEST_ARGS)

# The test databases are cached as template databases of the server
# (test-<hash of the modules>): a copy of a template takes a tenth of a
# pg_restore. The templates of other code are dropped first.
PG_TEMPLATES_STAMP = $(VAR)/cache/postgresql-templates
test-postgresql:
	@echo "== test suite on PostgreSQL ($(TRYTOND_DATABASE_URI))"
	@mkdir -p $(VAR)/cache
	@if [ "$$(cat $(PG_TEMPLATES_STAMP) 2>/dev/null)" != "$(ADDONS_HASH)" ]; then \
		psql -d "$(TRYTOND_DATABASE_URI)" -Atc \
			"SELECT datname FROM pg_database WHERE datname LIKE 'test-%'" \
		| while read -r name; do \
			dropdb --maintenance-db="$(TRYTOND_DATABASE_URI)" --if-exists "$$name"; done; \
		echo "$(ADDONS_HASH)" > $(PG_TEMPLATES_STAMP); fi
	TRYTOND_DATABASE_URI=$(TRYTOND_DATABASE_URI) DB_NAME=test_$$$$ \
	DB_CACHE=postgresql:// \
	$(BIN)/pytest -m "not browser and not sqlite_demo" $(PYTEST_ARGS)

bench: install
	TRYTOND_DATABASE_URI=$${TRYTOND_DATABASE_URI:-postgresql://postgres@127.0.0.1:5432/} \
	$(PYTHON) -m benchmarks

clean:
	rm -rf $(VAR) test-output
