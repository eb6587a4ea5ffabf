# bidflow's two commands: `make demo` and `make test`. Each builds .venv/ on first use.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench setup chromium postgres clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: setup
	$(VENV)/bin/bidflow demo

chromium:
	@scripts/ensure-chromium.sh

postgres:
	@scripts/ensure-postgres.sh

# One worker per core (at most four), a test module per worker at a time: module fixtures
# (a migrated Prefect database, a served app) are built once. Modules start in collection
# order, which puts the slow end-to-end ones first (tests/conftest.py).
test: setup chromium postgres
	$(VENV)/bin/pytest --numprocesses auto --maxprocesses 4 --dist loadfile --no-loadscope-reorder

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

BENCHES := bench/pipeline.py bench/ingest.py bench/ingest_latency.py bench/triage.py bench/draft.py bench/queue_page.py bench/reply_alert.py bench/report.py bench/speed_to_lead.py

bench: setup postgres
	@for script in $(BENCHES); do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
