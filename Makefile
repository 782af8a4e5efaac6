# mcp-harness: `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TARGET ?= scenarios/postmark/malicious
# pytest-xdist workers: the integration tests mostly wait on containers, so 3 keep 2 cores busy
TEST_JOBS ?= 3

.DEFAULT_GOAL := help
.PHONY: help setup engine tracer images audit test test-unit taxonomy lint bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) ## create .venv and install the harness with its dev tools

engine: ## make sure a Docker engine answers (installs and starts dockerd on a fresh Debian box as root)
	@bash sandbox_images/ensure-engine.sh

tracer: ## make sure the host can trace the server's probe reads (installs bpftrace on Debian as root)
	@bash sandbox_images/ensure-tracer.sh

images: setup engine ## build the sandbox images offline if their inputs changed
	@bash sandbox_images/bootstrap-base.sh
	$(BIN)/mcp-harness images

audit: setup engine tracer ## audit a server: make audit TARGET=scenarios/postmark/malicious
	@bash sandbox_images/bootstrap-base.sh
	$(BIN)/mcp-harness audit $(TARGET) $(ARGS)

test: images tracer ## run every test, Docker integration tests included (TEST_JOBS at a time)
	@bash tests/ensure-browser.sh
	@# any pytest failure fails make (and .ci/run); exit 5 (nothing collected) is named, never green
	$(BIN)/pytest -n $(TEST_JOBS) --dist loadgroup $(PYTEST_ARGS) || { rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; fi; exit $$rc; }

test-unit: setup ## run only the tests that need no Docker engine
	$(BIN)/pytest -m 'not docker' $(PYTEST_ARGS)

taxonomy: images ## audit the scenario corpus in parallel and print the reproduction table (JOBS=n)
	$(BIN)/python -m harness.corpus scenarios $(if $(JOBS),--jobs $(JOBS))

lint: setup ## ruff (lint + format check) and mypy --strict on harness/
	$(BIN)/ruff check harness tests
	$(BIN)/ruff format --check harness tests
	$(BIN)/mypy

bench: setup ## benchmarks (speed goals live here, never in tests)
	$(BIN)/pytest tests/bench --benchmark-enable --benchmark-only -p no:cacheprovider

clean: setup ## remove containers left behind by killed runs
	$(BIN)/mcp-harness clean
