# `make run` serves the chat; `make test` runs every check. Each sets up what it needs first.
SHELL := /bin/bash
.DEFAULT_GOAL := run

# The first Python >= 3.11 that actually runs (pyenv shims may exist for versions that don't).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint check-system venv clean messages

$(BIN)/python:
	@[ -n "$(PYTHON)" ] || { echo "Python >= 3.11 is needed: install it, or run make PYTHON=/path/to/python3.11" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# requirements-dev.txt includes requirements.txt: one install (one resolution) covers both.
$(VENV)/.dev-installed: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(VENV)/.runtime-installed $@

venv: $(VENV)/.dev-installed

# The development server runs with DEBUG on unless the environment says otherwise.
run: export DEBUG ?= 1
# The background worker (link previews: django-tasks' db_worker) runs beside the server, in a
# process group of its own (set -m) that is stopped whenever the server stops, Ctrl+C included.
run: $(VENV)/.runtime-installed
	$(BIN)/python manage.py migrate --noinput
	@set -m; $(BIN)/python manage.py db_worker & worker=$$!; set +m; \
	trap 'kill -TERM -- -$$worker 2>/dev/null; wait $$worker' EXIT; \
	echo "Background worker started (pid $$worker): manage.py db_worker"; \
	$(BIN)/python manage.py runserver $(PORT)

# Redis, PostgreSQL's server, Chromium and GNU gettext are real dependencies of the suite: install them
# when we can, stop with a clear message when we cannot. Nothing is ever skipped for want of them.
check-system: $(VENV)/.dev-installed
	@missing=""; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ -n "$$missing" ]; then \
	  echo "Installing$$missing from Debian's packages"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing </dev/null >/dev/null || exit 1; \
	  missing=""; \
	fi; \
	case "$$missing" in *chromium*) \
	  echo "No /usr/bin/chromium: using Playwright's own Chromium"; \
	  $(BIN)/playwright install chromium || { echo "No browser for the e2e tests: install Debian's chromium or run $(BIN)/playwright install chromium" >&2; exit 1; }; \
	  missing="$${missing/ chromium/}";; \
	esac; \
	if [ -n "$$missing" ]; then \
	  echo "The test suite needs$$missing: sudo apt-get install -y$$missing (or brew install$${missing/redis-server/redis})" >&2; \
	  exit 1; \
	fi

# Style, then the architecture's import contracts and the types (pyproject.toml has both).
lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	SECRET_KEY=lint-only $(BIN)/lint-imports --no-cache
	SECRET_KEY=lint-only $(BIN)/mypy

# The whole suite twice, on SQLite and on a PostgreSQL server that the tests start themselves
# (TEST_DATABASE, tests/environment.py), at the same time: much of a run is waiting (browsers,
# server processes, sockets), so they share the machine well. The lint step follows SQLite's
# run, which ends minutes before PostgreSQL's. Each line says which of them it comes from; all
# of them always finish, and any failing fails. The slowest tests are listed at the end of
# each database's run, and the failed ones again at the very end, one line each (a failure's
# message can be a whole page long).
test: check-system
	@logs=$$(mktemp -d); trap 'rm -rf "$$logs"' EXIT; \
	step() { name=$$1; shift; echo "== $$name: $$*"; \
	  ( set -o pipefail; "$$@" 2>&1 | sed -u "s/^/[$$name] /" | tee "$$logs/$$name" ) || echo "$$name" >> "$$logs/failed"; }; \
	suite() { step $$1 env TEST_DATABASE=$$1 $(BIN)/pytest -p no:cacheprovider --durations=25; }; \
	suite postgres & \
	{ suite sqlite; step lint $(MAKE) --no-print-directory lint; } & \
	wait; \
	if [ -s "$$logs/failed" ]; then \
	  grep -hE "^\[[a-z]+\] (FAILED|ERROR) " "$$logs"/* | cut -c1-240 >&2; \
	  echo "make test: failed:" $$(cat "$$logs/failed") >&2; exit 1; \
	fi

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# Load benchmark of the live fan-out (bench/README.md): never part of `make test`. Takes about
# an hour with every variant; `make bench BENCH_ARGS="--quick"` is a 3-minute smoke run.
BENCH_ARGS ?=
.PHONY: bench
$(VENV)/.bench-installed: bench/requirements.txt $(VENV)/.runtime-installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	@touch $@

bench: $(VENV)/.bench-installed
	@command -v redis-server >/dev/null || { echo "The benchmark needs redis-server: sudo apt-get install -y redis-server" >&2; exit 1; }
	$(BIN)/python -m bench $(BENCH_ARGS)

# After changing or adding interface text: update every catalog, translate what is new in
# locale/<language>/LC_MESSAGES/django.po, then `make messages` again to compile it.
# tests/test_translations.py fails until each catalog is complete and compiled.
MESSAGE_SOURCES := --ignore ".venv/*" --ignore "bench/*" --ignore "tests/*" --ignore "e2e/*" --ignore "support/*"
messages: $(VENV)/.runtime-installed
	SECRET_KEY=messages-only $(BIN)/python manage.py makemessages --all --no-location $(MESSAGE_SOURCES)
	SECRET_KEY=messages-only $(BIN)/python manage.py compilemessages --ignore ".venv/*"
