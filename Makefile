# rustorch_wasm — one place for the project's commands.
#   make setup   toolchain + .venv (Python 3.10) + package with dev extras (idempotent)
#   make run     the main job
#   make test    setup + all tests
#   make bench   asv over RANGE (default HEAD~50..HEAD)
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RANGE ?= HEAD~50..HEAD

.PHONY: setup toolchain engines wasm run test bench report peers clean

setup: toolchain $(STAMP) wasm engines

toolchain:
	@bash scripts/setup_toolchain.sh

# node/chromium/lavapipe (apt, as root) and js/ npm deps for the other engines; never fails setup.
engines:
	@bash scripts/setup_engines.sh

$(PY):
	@py=$$(bash scripts/find_python310.sh) || exit 1; \
	echo "creating $(VENV) with $$py"; \
	"$$py" -m venv $(VENV)

$(STAMP): pyproject.toml hatch_build.py | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

# Rebuild the kernels when the crate changed since the last build (cheap no-op otherwise).
wasm: $(STAMP)
	@$(PY) -m rustorch_wasm._build

run: setup
	$(PY) scripts/kernel_report.py

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) scripts/bench.py --range '$(RANGE)'

report: setup
	$(PY) scripts/kernel_report.py --markdown docs/benchmarks.md

# Ours (Wasmer, V8, Chromium) beside TF.js-wasm and numpy -> docs/peers.md
peers: setup
	$(PY) scripts/peer_report.py

clean:
	rm -rf $(VENV) rustorch_wasm/_kernels.wasm rustorch_wasm/_kernels.wasm.src-sha256
