# The two commands a newcomer needs: `make run` and `make test`. Both set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < requirements.txt | cut -d' ' -f1)

.PHONY: install run test test-fast lint bench bench-smoke clean

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

## Set up (venv, packages, database, admin user) and start web + workers (+ API sandbox without keys).
run: install
	$(BIN)/python scripts/devstack.py

## Set up and run the whole test suite; the exit status is the suite's.
test: install
	$(BIN)/python -m pytest

## The unit tests only (no real processes or browser).
test-fast: install
	$(BIN)/python -m pytest -m "not system and not browser"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	@for script in bench/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

## The same scripts at small sizes: they must run end to end (CI does this); the figures mean little.
bench-smoke: install
	$(BIN)/python bench/admin.py --designs 300 --requests 3
	$(BIN)/python bench/bulk.py --designs 5000
	$(BIN)/python bench/generation.py --designs 20 --concurrency 5 --latency 0.2 --ingest-samples 5
	$(BIN)/python bench/publishing.py --designs 6 --rate 120 --publish-limit 20 --publish-window 30
	$(BIN)/python bench/ratelimit.py --designs 4 --account-rate 9 --configured-rate 120 --workers 2
	$(BIN)/python bench/load.py --designs 20 --sessions 3 --time-limit 300
	$(BIN)/python bench/listings.py --designs 500 --terms 50
	$(BIN)/python bench/print.py --designs 4 --concurrency 2 --latency 2 --review-designs 100
	$(BIN)/python bench/duplicates.py --designs 2000 --bases 50 --samples 20
	$(BIN)/python bench/order_sync.py --orders 300 --rate 6000
	$(BIN)/python bench/sales.py --designs 500 --lines 2000 --requests 2
	$(BIN)/python bench/soak.py --designs 40 --time-limit 300 --requests 1

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
