# One entry point: `make lab` to learn, `make test` to check everything.
# Both create .venv with the machine's python3 when it is missing and re-install
# whenever pyproject.toml changes. Without make (Windows): python make.py lab / test.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PYTEST := $(BIN)/python -m pytest
NBVAL := --nbval-lax --nbval-current-env --nbval-cell-timeout=900
# JupyterLab refuses to start as root without this flag.
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: setup lab train test test-fast test-unit test-notebooks test-ui test-book book screenshots lint format benchmark clean

setup: $(INSTALLED)

# make.py does the work (the same commands without make, e.g. on Windows): it refuses
# Pythons TensorFlow has no wheels for, creates .venv and installs the project.
$(INSTALLED): pyproject.toml
	@$(PYTHON) make.py setup

# The book's tools (Sphinx, MyST-NB, the book theme), in the same .venv, and the widgets'
# scripts from the npm registry (into _build/npm/), so that `make book` needs no network.
BOOK_INSTALLED := $(VENV)/.book-installed
$(BOOK_INSTALLED): pyproject.toml $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[book]'
	$(BIN)/python book/build.py --fetch-scripts
	@touch $@

lab: $(INSTALLED)
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks $(ROOT_FLAG)

# Train the tutorial's CNN from the command line (see `python -m mnist_cnn train --help`).
train: $(INSTALLED)
	$(BIN)/python -m mnist_cnn train

# Everything: unit tests, every notebook under nbval, the static book, then the browser
# tests (tests/ui, the book's included), which need Debian's chromium
# (`apt-get install chromium`; .ci/run installs it).
test: $(INSTALLED)
	$(PYTEST) tests notebooks $(NBVAL) --ignore=tests/ui
	$(MAKE) book
	$(PYTEST) tests/ui

# Unit tests and notebooks, without a browser.
test-fast: $(INSTALLED)
	$(PYTEST) tests notebooks $(NBVAL) --ignore=tests/ui

test-unit: $(INSTALLED)
	$(PYTEST) tests --ignore=tests/ui

test-notebooks: $(INSTALLED)
	$(PYTEST) notebooks $(NBVAL)

test-ui: $(INSTALLED)
	$(PYTEST) tests/ui

# The static book: every notebook executed, with its outputs and working digit browser and
# drawing pad, as a site in _build/book/ (open _build/book/index.html). Offline once set up.
book: $(BOOK_INSTALLED)
	$(BIN)/python book/build.py

# Build the book, then read it in Chromium with the network cut off (tests/ui/test_book.py).
test-book: book
	$(PYTEST) tests/ui/test_book.py tests/ui/test_browser_forward_pass.py

# Regenerate the README pictures in docs/images/ from a real JupyterLab run and the book.
screenshots: book
	MNIST_CNN_SCREENSHOTS=docs/images $(PYTEST) tests/ui

lint: $(INSTALLED)
	$(BIN)/ruff check mnist_cnn tests benchmarks notebooks tools make.py book
	$(BIN)/ruff format --check mnist_cnn tests benchmarks tools make.py book

format: $(INSTALLED)
	$(BIN)/ruff format mnist_cnn tests benchmarks tools make.py book
	$(BIN)/ruff check --fix mnist_cnn tests benchmarks tools make.py book

benchmark: $(INSTALLED)
	$(BIN)/python benchmarks/data_load.py
	$(BIN)/python benchmarks/training.py

clean:
	rm -rf $(VENV) .pytest_cache build _build *.egg-info test-artifacts
