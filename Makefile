# Two commands matter: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi.py

.PHONY: run test test-pg test-sqlite install translations demo migrate bench clean messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(VENV)/bin/pybabel compile -f -d panel/translations

migrate: install
	$(VENV)/bin/flask db upgrade

demo: migrate
	$(VENV)/bin/flask demo seed

# The panel on http://127.0.0.1:5000 plus a worker that also fires the scheduled jobs; Ctrl-C stops both.
run: demo
	@$(PY) worker.py --with-scheduler & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' INT TERM EXIT; \
	$(VENV)/bin/flask run --host 127.0.0.1 --port 5000

test: install
	$(VENV)/bin/ruff check .
	$(PY) -m tests.run_all

test-pg: install
	$(VENV)/bin/pytest

test-sqlite: install
	TEST_DATABASE=sqlite $(VENV)/bin/pytest -m "not pg_only and not browser"

# Benchmarks on PostgreSQL: a fresh database of their own, 100 000 customers and 150 000 cards,
# beside BENCH_OTHER_TENANTS more tenants of that size (one tenant's speed must not depend on how
# many share the database; BENCH_OTHER_TENANTS=0 measures it alone); the import benchmark makes
# (and drops) one more database beside it.
BENCH_ADMIN_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
BENCH_URL ?= postgresql://postgres@127.0.0.1:5432/regulars_bench
BENCH_OTHER_TENANTS ?= 20
bench: install
	psql "$(BENCH_ADMIN_URL)" -q -c 'DROP DATABASE IF EXISTS regulars_bench WITH (FORCE)' -c 'CREATE DATABASE regulars_bench'
	DATABASE_URL=$(BENCH_URL) $(VENV)/bin/flask db upgrade
	DATABASE_URL=$(BENCH_URL) $(PY) -m bench.generate --customers 100000 --cards 150000 --tenant-slug bench \
		--other-tenants $(BENCH_OTHER_TENANTS)
	DATABASE_URL=$(BENCH_URL) $(PY) -m bench.search --tenant-slug bench
	DATABASE_URL=$(BENCH_URL) $(PY) -m bench.card_lookup --tenant-slug bench
	DATABASE_URL=$(BENCH_URL) $(PY) -m bench.import_file --rows 100000

clean:
	rm -rf $(VENV) instance test-artifacts

# After changing user-visible strings: refresh the catalogs, then translate the new entries.
messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -o panel/translations/messages.pot .
	$(VENV)/bin/pybabel update -i panel/translations/messages.pot -d panel/translations --no-fuzzy-matching
