# staletrack: `make run` to try it, `make test` to test it. Everything else is optional.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run serve-production totp test lint format venv bench bench-static bench-assess bench-carriers bench-admin bench-import bench-sweep bench-scorecard bench-whatif bench-replay bench-webhooks bench-messages bench-api clean

$(STAMP): requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

venv: $(STAMP)

# A first look on one's own machine: DEBUG on (the settings then take their public development key).
run: export DJANGO_DEBUG := $(or $(DJANGO_DEBUG),1)
run: $(STAMP)
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py create_demo_users
	@bin/serve

# gunicorn, a worker and beat on PostgreSQL and Redis, from the environment of docs/deploy.md.
serve-production: $(STAMP)
	bin/serve --production --migrate

# The demo owner's current authenticator code (make run gives `owner` a second factor).
totp: export DJANGO_DEBUG := $(or $(DJANGO_DEBUG),1)
totp: $(STAMP)
	@$(BIN)/python manage.py demo_totp

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Benchmarks run with DEBUG off (as in production: no query log) on a throwaway key unless one is set, and
# the pages they render find their static files collected as in production (hashed names, bench-static).
BENCHES := assess carriers admin import sweep scorecard whatif replay webhooks messages api
BENCH_TARGETS := bench bench-static $(addprefix bench-,$(BENCHES))
$(BENCH_TARGETS): export DJANGO_SECRET_KEY := $(or $(DJANGO_SECRET_KEY),benchmark-only-key-never-used-to-serve-anything-0123456789)
$(BENCH_TARGETS): export DJANGO_STATIC_ROOT := $(CURDIR)/var/bench-static

bench-static: $(STAMP)
	$(BIN)/python manage.py collectstatic --noinput -v0

bench: $(addprefix bench-,$(BENCHES))

# The pages these two render need the collected static files.
bench-admin bench-scorecard: bench-static

$(addprefix bench-,$(BENCHES)): bench-%: $(STAMP)
	$(BIN)/python benchmarks/bench_$*.py

clean:
	rm -rf var .pytest_cache .ruff_cache .hypothesis test-artifacts
