# Two commands on a fresh machine: `make local` and `make test`. Everything runs from .venv.
# `make` alone lists the targets. Recipes are silent (@) and progress goes to stderr, so
# stdout carries only a target's own output: `make plan-json | python -m json.tool` works.
PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
STACK   ?= dev
# Folder of the Pulumi.<STACK>.yaml files: yours are here; the test suite's cases in tests/stacks.
STACK_DIR ?= .
PORT    ?= 8080
CONTENT ?= sample_content
MIN_PYTHON := 3.11
# Exit 0 when the interpreter is at least MIN_PYTHON (valid Python 2 and 3).
VERSION_OK := import sys; sys.exit(sys.version_info[:2] < tuple(map(int, '$(MIN_PYTHON)'.split('.'))))
# Run from another make, "Entering directory" lines would land on stdout too.
MAKEFLAGS += --no-print-directory

# The tools read these from their environment as MAKE_ARG_<VARIABLE> (tools/make_args.py), the
# text as typed: no recipe holds $(VARIABLE), so neither make nor a shell evaluates a value.
# Unexported under their own names: make would expand a command-line value to export it.
TOOL_VARIABLES := STACK STACK_DIR PORT CONTENT ENGINE NAME EXPIRES PATHS CLIENT STORE_ARN \
  PROTECTED_BUCKET PUBLIC_BUCKET DRY_RUN TTL
unexport $(TOOL_VARIABLES)
# $(call pass,targets,variables): those targets' tools get those variables.
pass = $(foreach v,$(2),$(eval $(1): export MAKE_ARG_$(v) := $$(value $(v))))
$(call pass,local plan plan-json clients new-client new-stack revoke upload,STACK STACK_DIR)
$(call pass,local upload,CONTENT)
$(call pass,upload,PROTECTED_BUCKET PUBLIC_BUCKET DRY_RUN)
$(call pass,local,PORT ENGINE)
$(call pass,new-client new-stack,NAME EXPIRES PATHS)
$(call pass,revoke,CLIENT STORE_ARN)
$(call pass,grant,STACK STACK_DIR CLIENT TTL PORT)
# make grant PATH=/ex-img/a.png: on the command line PATH would replace the shell's PATH in
# every recipe, and make would expand it to export it. Kept from the recipes, it reaches make
# grant as data; recipes then find programs on the system's default PATH.
ifeq ($(origin PATH),command line)
unexport PATH
$(call pass,grant,PATH)
endif

.DEFAULT_GOAL := help
.PHONY: help venv test integration lint format local bench bench-local plan plan-json snapshots upload docs constraints identities clean clients new-client new-stack revoke grant

# `make | head -1`: the reader may leave early; a closed pipe ends the list quietly, status 0.
help: ## list the targets (this text)
	@trap '' PIPE; { echo "protected-cdn: make <target> [STACK=dev] [STACK_DIR=.] [PORT=8080]"; \
	  awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' \
	  $(MAKEFILE_LIST); } 2>/dev/null || true

venv: $(STAMP) ## create .venv and install the dependencies (needs Python >= 3.11)

# A .venv without a working pip (e.g. made while python3-venv was missing) or made by a Python
# older than MIN_PYTHON is recreated, never reused: otherwise every later run fails with
# "No module named pip" or pip's ResolutionImpossible. The version probe runs on Python 2 too,
# so an old PYTHON is reported as too old rather than as one that cannot run.
# constraints.txt pins every package of the dev venv (the Pulumi SDK's mocks and monitor are
# what the tests, the plan and the snapshots stand on), so a new release changes nothing until
# someone runs `make constraints` on purpose. requirements*.txt keep ranges for users.
$(STAMP): requirements.txt requirements-dev.txt policy/requirements.txt constraints.txt
	@if ! $(PY) -m pip --version >/dev/null 2>&1; then reason="has no working pip (half-made)"; \
	elif ! $(PY) -c "$(VERSION_OK)" >/dev/null 2>&1; then reason="has Python older than $(MIN_PYTHON)"; \
	else reason=; fi; \
	if [ -n "$$reason" ]; then \
	  version=$$($(PYTHON) -c 'import sys; sys.stdout.write("%d %d" % sys.version_info[:2])' 2>/dev/null) || { \
	    echo "make venv: cannot run $(PYTHON). Fix: install Python >= $(MIN_PYTHON) with venv, or make PYTHON=/path/to/python3" >&2; exit 1; }; \
	  set -- $$version; \
	  if [ "$$1" -lt 3 ] || { [ "$$1" -eq 3 ] && [ "$$2" -lt 11 ]; }; then \
	    echo "make venv: Python >= $(MIN_PYTHON) needed, $(PYTHON) is $$1.$$2. Fix: make PYTHON=python3.12 (any 3.11 or newer)" >&2; exit 1; fi; \
	  if [ -e $(VENV) ] || [ -L $(VENV) ]; then \
	    echo "make venv: $(VENV) $$reason; recreating it" >&2; rm -rf $(VENV); fi; \
	  $(PYTHON) -m venv $(VENV) >&2 && $(PY) -m pip --version >/dev/null 2>&1 || { \
	    rm -rf $(VENV); \
	    echo "make venv: $(PYTHON) -m venv made no working pip. Fix: install the venv module (Debian/Ubuntu: sudo apt install python3-venv), then make again" >&2; exit 1; }; \
	fi
	@echo "make venv: installing the dependencies into $(VENV) (first run: about 30 s, plus downloading 92 MB of wheels when pip has no copy)..." >&2
	@$(PY) -m pip install --quiet --upgrade pip >&2
	@$(PY) -m pip install --quiet -r requirements-dev.txt -c constraints.txt >&2
	@touch $(STAMP)

lint: $(STAMP) ## ruff check and format check
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .

format: $(STAMP) ## format and fix the code with ruff
	@$(PY) -m ruff format .
	@$(PY) -m ruff check --fix .

test: lint ## lint, then the whole test suite
	@$(PY) -m pytest -n auto

# Deploys an ephemeral stack to AWS: needs the pulumi CLI, AWS credentials and a Pulumi login.
# Without the CLI or credentials: one line saying nothing ran, and exit 1 (never a green skip).
integration: $(STAMP) ## live test on AWS: deploy, check over HTTPS, destroy (costs money)
	@PROTECTED_CDN_INTEGRATION=1 $(PY) -m tests.integration.live_checks
	@PROTECTED_CDN_INTEGRATION=1 $(PY) -m pytest tests/integration -v -s -rs

# ENGINE=cloudfront-function runs the generated CloudFront Function (default: the stack's edgeRuntime).
local: $(STAMP) ## serve CONTENT through the edge on 127.0.0.1:PORT (STACK's settings, ENGINE)
	@$(PY) -m tools.local_edge.local_edge

# BENCH_PYTHON=/path/to/python3.13 measures under the Lambda runtime's version (stdlib only).
BENCH_PYTHON ?= $(PY)
bench: $(STAMP) ## measure the edge handler (BENCH_PYTHON to pick the interpreter)
	@$(BENCH_PYTHON) benchmarks/edge_bench.py

bench-local: $(STAMP) ## load-test make local: 200 concurrent clients; req/s, latency, threads
	@$(PY) benchmarks/local_edge_load.py --clients 200 --requests 6000

plan: $(STAMP) ## what STACK will create, who needs the token, policy results (offline)
	@$(PY) -m tools.plan.plan

plan-json: $(STAMP) ## the same plan as JSON on stdout
	@$(PY) -m tools.plan.plan --json

# Snapshots and identities are of the test suite's stack cases (tests/stacks/), not of your stacks.
snapshots: $(STAMP) ## accept the plans of tests/stacks/ as tests/snapshots/ (+ new cases' identities)
	@$(PY) -m tests.support.snapshots --write

clients: $(STAMP) ## STACK's named clients: expiry, days left, paths, rotation (never a token)
	@$(PY) -m tools.clients.clients

# NAME=partner-a [EXPIRES=2027-03-31T00:00:00Z] [PATHS='ex-img/partner-a/*'], checked against STACK
new-client: $(STAMP) ## a fresh token for client NAME (checked as STACK would), shown once, with the commands
	@$(PY) -m tools.clients.clients --new=

# STACK=team [NAME=partner-a EXPIRES=… PATHS=…]: Pulumi.team.yaml without tokens, and its tokens
# in .local-tokens/team.env for make local and make plan; then the commands for pulumi up.
new-stack: $(STAMP) ## a new stack file STACK (+ client NAME) and its tokens for make local, offline
	@$(PY) -m tools.clients.new_stack

# CLIENT=partner-a [STORE_ARN=arn:aws:cloudfront::…:key-value-store/…] (default: STACK's clientStoreArn output)
revoke: $(STAMP) ## cut client CLIENT off now in STACK's store (function engine), then the config change
	@$(PY) -m tools.clients.revoke --client=

# CLIENT=partner-a PATH=/ex-img/partner-a/logo.svg (or a prefix /ex-img/partner-a/*) [TTL=1h]
grant: $(STAMP) ## a signed link (grant) for client CLIENT to PATH, TTL long, in STACK
	@$(PY) -m tools.clients.grant

# [PROTECTED_BUCKET=… PUBLIC_BUCKET=…] (default: pulumi stack output --stack STACK) [DRY_RUN=1]
upload: $(STAMP) ## upload CONTENT into STACK's two buckets with boto3, key by key (site model)
	@$(PY) -m tools.upload.upload

identities: $(STAMP) ## accept the URNs a refactor must keep, of tests/stacks/ (tests/identities/)
	@$(PY) -m tests.support.identities --write

docs: $(STAMP) ## regenerate what the input spec renders: Pulumi.yaml config, docs tables, args types
	@$(PY) -m tools.docs.generate --write

# Pins what requirements*.txt pull, at the venv's versions: on a venv installed from
# constraints.txt it rewrites nothing. UPGRADE=1 first upgrades within the ranges.
constraints: $(STAMP) ## pin .venv's versions in constraints.txt (UPGRADE=1 upgrades first)
	@$(if $(UPGRADE),$(PY) -m pip install --quiet --upgrade -r requirements-dev.txt >&2)
	@$(PY) -m tests.support.constraints --write
	@touch $(STAMP)

clean: ## remove .venv and .build
	@rm -rf $(VENV) .build
