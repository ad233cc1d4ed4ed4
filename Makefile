# MLSys·im — two commands on a fresh Debian/Ubuntu machine with Python >= 3.11:
#   make serve   set up .venv from pinned requirements, build the offline lab site (_site/), serve it
#   make test    set up .venv, install Chromium if missing (Debian package, when root), run the whole test suite
#                (PYTEST_WORKERS=N processes, default 2; PYTEST_ARGS=... passed to pytest)
# Optional: make build, make bench, make clean.

PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
STAMP  := $(VENV)/.mlsys-deps
PORT   ?= 8000
CHROMIUM ?= /usr/bin/chromium
SUDO   := $(shell [ "$$(id -u)" = 0 ] && echo yes)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export MARIMO_SKIP_UPDATE_CHECK := 1

.PHONY: all venv build serve test bench chromium npm clean

all: build

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 needed (set PYTHON=python3.x)"'
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  if [ -n "$(SUDO)" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); \
	  else echo "error: '$(PYTHON) -m venv' failed: install python3-venv (sudo apt-get install python3-venv)"; exit 1; fi; }

$(STAMP): $(VENV)/bin/python requirements/dev.txt pyproject.toml $(wildcard labkit/pyproject.toml)
	$(VPY) -m pip install -q -r requirements/dev.txt
	$(VPY) -m pip install -q --no-build-isolation --no-deps -e .
	@if [ -f labkit/pyproject.toml ]; then $(VPY) -m pip install -q --no-build-isolation --no-deps -e labkit; fi
	@touch $@

venv: $(STAMP)

# node runs Pyodide at build time (to compile the wheels to bytecode); npm fetches Pyodide once
npm:
	@{ command -v node >/dev/null 2>&1 || command -v nodejs >/dev/null 2>&1; } && \
	{ command -v npm >/dev/null 2>&1 || [ -f "$${MLSYS_WASM_CACHE:-$$HOME/.cache/mlsys-wasm}/npm/pyodide-314.0.0.tgz" ]; } || { \
	  if [ -n "$(SUDO)" ]; then echo "installing npm + node (Debian package) to fetch Pyodide and compile wheels"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	  else echo "error: node and npm are needed to build the site (sudo apt-get install npm)"; exit 1; fi; }

build: venv npm
	$(VPY) -m wasm_build --out _site

serve: venv npm
	$(VPY) -m wasm_build serve --out _site --port $(PORT)

chromium:
	@[ -x "$(CHROMIUM)" ] || command -v chromium >/dev/null 2>&1 || { \
	  if [ -n "$(SUDO)" ]; then echo "installing Chromium (Debian package)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "error: Chromium is missing: run 'sudo apt-get install -y chromium' (browser tests need $(CHROMIUM))"; exit 1; fi; }

# pytest exit 5 = no test collected: reported loudly, not an error of the tooling.
# PYTEST_WORKERS test processes (pytest-xdist; each file stays on one worker, one Chromium per worker;
# 0 = no worker processes); the 20 slowest tests are listed at the end so growth is visible.
PYTEST_WORKERS ?= 2
test: venv npm chromium
	@$(VPY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadgroup --durations=20 $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests (exit 5)"; exit 0; fi; exit $$rc

bench: venv npm chromium
	$(VPY) bench/browser_bench.py

clean:
	rm -rf _site .cache/test-site bench/results
