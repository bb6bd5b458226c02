# aiblocs: `make run` runs the main job, `make test` runs lint and the whole test suite.
# Both build .venv with Python >= 3.12 (Mesa 3.5 needs it; the default python3 here is 3.11).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PYTHON_CANDIDATES := python3.14 python3.13 python3.12 $(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3) $(wildcard /root/.pyenv/versions/3.1[2-9]*/bin/python3) python3
BASE_PYTHON := $(shell for p in $(PYTHON_CANDIDATES); do \
	if $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then echo $$p; break; fi; done)

.PHONY: venv run test lint bench clean docs docs-figures attribution mutation test-deep

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(BASE_PYTHON)" ]; then \
		echo "error: no Python >= 3.12 found (tried: $(PYTHON_CANDIDATES)). Mesa 3.5 needs Python 3.12+; install one (e.g. pyenv install 3.12) and retry." >&2; exit 1; fi
	@if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then \
		rm -rf $(VENV); echo "creating $(VENV) with $(BASE_PYTHON)"; $(BASE_PYTHON) -m venv $(VENV); fi
	$(PY) -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored: it is neither" || true
	$(PY) -m pip install -q -e ".[dev,dist,viz,docs,ema]" 2>&1 | grep -v "is ignored: it is neither"; \
		test $${PIPESTATUS[0]} -eq 0
	$(PY) scripts/fetch_solara_assets.py
	@touch $@

venv: $(VENV)/.installed

run: venv
	$(VENV)/bin/aiblocs compare --regimes containment managed_access managed_access_cn_block open \
		--seeds 100 --n-adopters 20000 --workers 2 --out results/compare
	@echo "report: results/compare/report.md (figures and CSV tables beside it)"

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: venv lint
	@$(PY) -m aiblocs.provenance
	$(VENV)/bin/pytest -q

attribution: venv  # docs/attribution.md and docs/levers.md (about 10 minutes on 2 cores)
	$(VENV)/bin/aiblocs explain --seeds 40 --n-adopters 5000 --workers 2 --out results/explain
	$(VENV)/bin/aiblocs explain --seeds 40 --n-adopters 5000 --workers 2 --calibrated \
		--out results/explain_cal
	$(VENV)/bin/aiblocs levers --seeds 30 --n-adopters 5000 --workers 2 --out results/levers
	$(PY) scripts/attribution_docs.py

# the documentation site into site/ (offline: no CDN, no plugin that downloads); warnings fail
docs: venv
	$(VENV)/bin/mkdocs build --strict --site-dir site

# redraw the docs figures that come from stored CSV tables (no model runs)
docs-figures: venv
	$(PY) -m aiblocs.calibration.report docs/calibration
	@for d in docs/sensitivity/sensitivity docs/sensitivity/discover; do \
		if [ -f $$d/meta.json ]; then $(PY) -m aiblocs.sensitivity.results $$d; fi; done

# Property tests with ten times the examples of the CI profile (tests/conftest.py).
test-deep: venv
	$(VENV)/bin/pytest -q -p no:cacheprovider --hypothesis-profile=deep \
		tests/test_reliability_invariants.py

# Mutation testing of the model and the analysis code (mutmut; resumable); writes docs/testing.md.
mutation: venv
	nice -n 10 $(PY) scripts/mutation.py run --workers 2

bench: venv
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) results .pytest_cache site
