# Two commands do all the set-up; each needs only Python 3.11 and make:
#   make book   create .venv from requirements.lock and build the executed HTML book into _build/html
#   make test   the same environment plus the test tools (requirements-dev.lock), then every stage of
#               the gate (see STAGES); every stage runs and reports, and a summary ends the run
# Both are idempotent: the environment is refreshed only when a lock file changes, and `make book`
# re-executes only the chapters that changed (jupyter-cache).
#
# The environment is installed by uv (pip-installed from PyPI into .venv first) from the lock files,
# which pin exact versions resolved from requirements*.txt. After editing a requirement file, run
# `make lock` and commit the requirement files and the locks together; until then every target that
# installs stops with a message saying so.

PYTHON     ?= python3
VENV       := .venv
BIN        := $(VENV)/bin
UV_VERSION := 0.13.9
UV         := $(BIN)/uv
UV_INSTALL := $(UV) pip install --python $(BIN)/python
# Chapters must run with Jupyter's inline backend to emit figures: the book build never inherits
# MPLBACKEND=Agg (tools/build_book.py removes it), and it runs under a watchdog.
BUILD_BOOK := $(BIN)/python tools/build_book.py -W -n --keep-going
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# The uv cache may sit on another file system than .venv: copy instead of warning that hard links fail.
export UV_LINK_MODE := copy

# The two pytest workers (-n 2) already fill both cores: a multithreaded BLAS in each would
# oversubscribe them, and OpenBLAS's spinning threads are many times slower than one thread when
# the cores are busy. The book build runs one kernel at a time and keeps the default.
PYTEST_ENV := MPLBACKEND=Agg OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

# The stages of `make test`, in order. Add a stage by appending its target name here.
STAGES := lint unit notebooks book-strict book-check browser

.PHONY: book test lint unit notebooks book-strict book-check browser assign lock lock-check clean

lock-check:
	@$(PYTHON) tools/lock.py --check

$(UV):
	@echo "[env] creating $(VENV) with $$($(PYTHON) --version) and installing uv $(UV_VERSION) from PyPI"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q "uv==$(UV_VERSION)"

$(VENV)/.stamp-base: requirements.lock pyproject.toml | $(UV)
	@$(PYTHON) tools/lock.py --check
	@echo "[env] installing the book environment (requirements.lock) with uv"
	$(UV_INSTALL) -r requirements.lock
	$(UV_INSTALL) --no-deps -e .
	touch $@

$(VENV)/.stamp-dev: $(VENV)/.stamp-base requirements-dev.lock
	@$(PYTHON) tools/lock.py --check
	@echo "[env] installing the test environment (requirements-dev.lock) and neurocourse[grade] with uv"
	$(UV_INSTALL) -r requirements-dev.lock
	$(UV_INSTALL) --no-deps -e ".[grade]"
	touch $@

# Re-resolve both lock files from requirements*.txt (needs the package index).
lock: | $(UV)
	UV=$(UV) $(PYTHON) tools/lock.py

# jupyter-cache keys each page on its own source only; when the package changes, the cached outputs
# of pages that import it are stale, so the cache (and Sphinx's parsed pages) are dropped.
PKG_SOURCES := $(shell find neurocourse web -name '*.py' -o -name '*.json' -o -name '*.js' -o -name '*.css' 2>/dev/null)
_build/.stamp-pkg: $(PKG_SOURCES)
	rm -rf _build/.jupyter_cache _build/.doctrees
	mkdir -p _build && touch $@

book: lock-check $(VENV)/.stamp-base _build/.stamp-pkg
	$(BUILD_BOOK)

test: lock-check $(VENV)/.stamp-dev
	@$(BIN)/python tools/run_stages.py $(STAGES)

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check .

# pytest-timeout turns a hung test into a loud failure; the bounds are far above any test's duration
# (the slowest takes tens of seconds), so they hold on a loaded machine. No test depends on wall time.
unit: $(VENV)/.stamp-dev
	$(PYTEST_ENV) $(BIN)/pytest -q -n 2 --durations=10 --timeout=900 --ignore=tests/test_browser.py tests

notebooks: $(VENV)/.stamp-dev
	$(BIN)/neurocourse assign --check
	$(PYTEST_ENV) $(BIN)/pytest -q -n 2 --dist loadscope --timeout=900 --nbval-lax --nbval-current-env \
	    --nbval-kernel-startup-timeout=300 -p no:cacheprovider exercises solutions

# The gating build re-reads every page (--all) and executes every chapter afresh (cache cleared).
book-strict: $(VENV)/.stamp-dev
	rm -rf _build/.jupyter_cache
	$(BUILD_BOOK) --all

book-check: $(VENV)/.stamp-dev
	$(BIN)/python tools/check_built_book.py _build/html

# The built book in headless Chromium (Debian's /usr/bin/chromium, .ci/run installs it) with the
# network off: no external request, no console error, no raw TeX, every widget drawn, figures readable.
browser: $(VENV)/.stamp-dev
	NEUROCOURSE_BOOK_HTML=_build/html $(BIN)/pytest -q -p no:cacheprovider --timeout=900 tests/test_browser.py

assign: $(VENV)/.stamp-base
	$(BIN)/neurocourse assign

clean:
	rm -rf _build
