# symderiv: `make demo` runs the bundled derivations, `make test` runs the tests.
# Each target creates or updates the virtual environment it needs (.venv).
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed-test

.PHONY: venv demo test test-fast test-acceptance lint bench bench-judge clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

## demo: solve and check every bundled problem file (students' mistakes are expected)
demo: venv
	$(PY) scripts/demo.py

## test: lint, then the whole test suite on every core (installs pdflatex/pdftoppm, and KaTeX with
##       chromium and chromium-driver for the audit's browser test, first if missing)
test: venv
	bash scripts/install-tex.sh
	bash scripts/install-browser.sh
	$(PY) -m ruff check symderiv tests benchmarks scripts
	$(PY) -m pytest -q -p no:cacheprovider -n auto --durations=15

## test-acceptance: the long acceptance runs (30 variants of every seed network, twice)
test-acceptance: venv
	SYMDERIV_ACCEPTANCE=1 $(PY) -m pytest -q -p no:cacheprovider -n auto tests/test_variants_seeds.py

## test-fast: the suite without the tests marked slow
test-fast: venv
	$(PY) -m pytest -q -p no:cacheprovider -n auto -m "not slow"

lint: venv
	$(PY) -m ruff check symderiv tests benchmarks scripts

## bench: the generated gradient against hand NumPy, torch and the matmul floor, interleaved, 1 then 2 threads
##        (installs the CPU build of torch 2.13.0 and threadpoolctl; JAX too with `pip install -e '.[jax]'`)
bench: venv
	$(PY) -m pip install --quiet -e '.[bench]'
	# OpenBLAS overrides of this workplace slow current NumPy kernels; unset for the measurement
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) benchmarks/bench_mnist.py --threads 1
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) benchmarks/bench_mnist.py --threads 2

## bench-judge: every bundled claim judged in process: claims/s, median and p99 per claim (targets 100 ms, 2 s)
bench-judge: venv
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) benchmarks/bench_judge.py --rounds 3

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
