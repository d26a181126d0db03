# CivicFlow: `make run` and `make test` are all a newcomer needs; both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: help run test lint typecheck tck bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $@

# `run` checks the example models (and, when ../shared is there, the OMG MIWG reference
# models; exit status 1 only means "models with findings" and is accepted), then runs the demo:
# a simulated month of permit applications through the engine on civicflow-demo.db, with KPIs,
# bottlenecks and hand-offs mined from the engine's history and report.html.
REFERENCE_MODELS := $(wildcard ../shared/data/bpmn/miwg-reference/*.bpmn)

run: $(STAMP) ## Set up, check the example models, then run the simulated-month demo
	$(BIN)/civicflow --version
	$(BIN)/civicflow check --brief examples/*.bpmn $(REFERENCE_MODELS) || [ $$? -eq 1 ]
	$(BIN)/civicflow check examples/*.bpmn || [ $$? -eq 1 ]
	$(BIN)/civicflow demo

test: $(STAMP) ## Set up, then lint, type-check and run every test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo
	$(BIN)/python -m pytest -q

lint: $(STAMP) ## ruff, mypy and the layering contracts only
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

tck: $(STAMP) ## Run the DMN TCK cases in ../shared/data/dmn-tck
	$(BIN)/python -m civicflow.dmn.tck ../shared/data/dmn-tck

bench: $(BENCH_STAMP) ## Run every benchmark against its peer (slow)
	@for b in benchmarks/*_bench.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
