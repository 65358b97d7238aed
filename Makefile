# Two commands on a fresh machine: `make local` and `make test`. Everything runs from .venv.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
STACK  ?= dev
PORT   ?= 8080
CONTENT ?= sample_content

.PHONY: venv test lint format local bench plan plan-json snapshots clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt policy/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

test: lint
	$(PY) -m pytest

local: $(STAMP)
	$(PY) -m offline.local_edge --stack $(STACK) --content $(CONTENT) --port $(PORT)

# BENCH_PYTHON=/path/to/python3.13 measures under the Lambda runtime's version (stdlib only).
BENCH_PYTHON ?= $(PY)
bench: $(STAMP)
	$(BENCH_PYTHON) benchmarks/edge_bench.py

plan: $(STAMP)
	$(PY) -m offline.plan --stack $(STACK)

plan-json: $(STAMP)
	$(PY) -m offline.plan --stack $(STACK) --json

snapshots: $(STAMP)
	$(PY) -m offline.plan --write-snapshots

clean:
	rm -rf $(VENV) .build
