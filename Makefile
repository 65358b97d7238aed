# Two commands on a fresh machine: `make local` and `make test`. Everything runs from .venv.
# `make` alone lists the targets. Recipes are silent (@) and progress goes to stderr, so
# stdout carries only a target's own output: `make plan-json | python -m json.tool` works.
PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
STACK   ?= dev
PORT    ?= 8080
CONTENT ?= sample_content
MIN_PYTHON := 3.11
# Run from another make, "Entering directory" lines would land on stdout too.
MAKEFLAGS += --no-print-directory

.DEFAULT_GOAL := help
.PHONY: help venv test lint format local bench plan plan-json snapshots docs constraints identities clean

help: ## list the targets (this text)
	@echo "protected-cdn: make <target> [STACK=dev] [PORT=8080]"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

venv: $(STAMP) ## create .venv and install the dependencies (needs Python >= 3.11)

# A .venv without a working pip (e.g. made while python3-venv was missing) is recreated,
# never reused: otherwise every later run fails with "No module named pip".
$(STAMP): requirements.txt requirements-dev.txt policy/requirements.txt
	@if ! $(PY) -m pip --version >/dev/null 2>&1; then \
	  version=$$($(PYTHON) -c 'import sys; print(*sys.version_info[:2])' 2>/dev/null) || { \
	    echo "make venv: cannot run $(PYTHON). Fix: install Python >= $(MIN_PYTHON) with venv, or make PYTHON=/path/to/python3" >&2; exit 1; }; \
	  set -- $$version; \
	  if [ "$$1" -lt 3 ] || { [ "$$1" -eq 3 ] && [ "$$2" -lt 11 ]; }; then \
	    echo "make venv: Python >= $(MIN_PYTHON) needed, $(PYTHON) is $$1.$$2. Fix: make PYTHON=python3.12 (any 3.11 or newer)" >&2; exit 1; fi; \
	  if [ -e $(VENV) ] || [ -L $(VENV) ]; then \
	    echo "make venv: $(VENV) has no working pip (half-made); recreating it" >&2; rm -rf $(VENV); fi; \
	  $(PYTHON) -m venv $(VENV) >&2 && $(PY) -m pip --version >/dev/null 2>&1 || { \
	    rm -rf $(VENV); \
	    echo "make venv: $(PYTHON) -m venv made no working pip. Fix: install the venv module (Debian/Ubuntu: sudo apt install python3-venv), then make again" >&2; exit 1; }; \
	fi
	@$(PY) -m pip install --quiet --upgrade pip >&2
	@$(PY) -m pip install --quiet -r requirements-dev.txt >&2
	@touch $(STAMP)

lint: $(STAMP) ## ruff check and format check
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .

format: $(STAMP) ## format and fix the code with ruff
	@$(PY) -m ruff format .
	@$(PY) -m ruff check --fix .

test: lint ## lint, then the whole test suite
	@$(PY) -m pytest

local: $(STAMP) ## serve CONTENT through the edge on 127.0.0.1:PORT (STACK's settings)
	@$(PY) -m offline.local_edge --stack $(STACK) --content $(CONTENT) --port $(PORT)

# BENCH_PYTHON=/path/to/python3.13 measures under the Lambda runtime's version (stdlib only).
BENCH_PYTHON ?= $(PY)
bench: $(STAMP) ## measure the edge handler (BENCH_PYTHON to pick the interpreter)
	@$(BENCH_PYTHON) benchmarks/edge_bench.py

plan: $(STAMP) ## what STACK will create, who needs the token, policy results (offline)
	@$(PY) -m offline.plan --stack $(STACK)

plan-json: $(STAMP) ## the same plan as JSON on stdout
	@$(PY) -m offline.plan --stack $(STACK) --json

snapshots: $(STAMP) ## accept the current plans as tests/snapshots/
	@$(PY) -m offline.plan --write-snapshots

docs: $(STAMP) ## regenerate Pulumi.yaml's config block and README's table from CONFIG_KEYS
	@$(PY) -m offline.docs --write

clean: ## remove .venv and .build
	@rm -rf $(VENV) .build
