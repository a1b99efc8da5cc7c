# staletrack: `make run` to try it, `make test` to test it. Everything else is optional.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format venv bench bench-assess bench-carriers bench-admin bench-import bench-sweep bench-scorecard bench-whatif bench-replay clean

$(STAMP): requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	@mkdir -p var
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py create_demo_users
	@DJANGO_DEBUG=$${DJANGO_DEBUG:-1} bin/serve

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: bench-assess bench-carriers bench-admin bench-import bench-sweep bench-scorecard bench-whatif bench-replay

bench-assess: $(STAMP)
	$(BIN)/python benchmarks/bench_assess.py

bench-carriers: $(STAMP)
	$(BIN)/python benchmarks/bench_carriers.py

bench-admin: $(STAMP)
	$(BIN)/python benchmarks/bench_admin.py

bench-import: $(STAMP)
	$(BIN)/python benchmarks/bench_import.py

bench-sweep: $(STAMP)
	$(BIN)/python benchmarks/bench_sweep.py

bench-scorecard: $(STAMP)
	$(BIN)/python benchmarks/bench_scorecard.py

bench-whatif: $(STAMP)
	$(BIN)/python benchmarks/bench_whatif.py

bench-replay: $(STAMP)
	$(BIN)/python benchmarks/bench_replay.py

clean:
	rm -rf var .pytest_cache .ruff_cache .hypothesis test-artifacts
