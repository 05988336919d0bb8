# One entry point: `make lab` to learn, `make test` to check everything.
# Every target runs the command of the same name in make.py, which works without make too
# (Windows: `py make.py lab`): one implementation, so `make X` and `python make.py X` mean
# the same (tests/test_make.py keeps the two lists equal). `python make.py` lists them all.
# make.py sets up .venv first when it is missing or out of date, with $(PYTHON):
# `make lab PYTHON=python3.12` picks another installed Python.

PYTHON ?= python3
MAKE_PY := $(PYTHON) make.py

.PHONY: setup lab train test test-fast test-unit test-notebooks test-ui test-book test-colab test-lowest book screenshots lint format benchmark clean

# Create .venv, install the project, JupyterLab's settings and the notebook filter for git.
setup:
	@$(MAKE_PY) $@

# Open the notebooks in JupyterLab.
lab:
	@$(MAKE_PY) $@

# Train the tutorial's CNN from the command line (see `python -m mnist_cnn train --help`).
train:
	@$(MAKE_PY) $@

# Everything: unit tests, every notebook under nbval, the static book, then the browser
# tests (tests/ui, the book's included), which need Debian's chromium.
test:
	@$(MAKE_PY) $@

# Unit tests and notebooks, without a browser.
test-fast:
	@$(MAKE_PY) $@

test-unit:
	@$(MAKE_PY) $@

test-notebooks:
	@$(MAKE_PY) $@

test-ui:
	@$(MAKE_PY) $@

# Build the book, then read it in Chromium with the network cut off.
test-book:
	@$(MAKE_PY) $@

# Unit tests and notebooks under Colab's published package versions, in .venv-colab.
test-colab:
	@$(MAKE_PY) $@

# Unit tests and notebooks with every dependency at its declared floor, in .venv-lowest.
test-lowest:
	@$(MAKE_PY) $@

# The static book in _build/book/ (open _build/book/index.html); offline once set up.
book:
	@$(MAKE_PY) $@

# Regenerate the README pictures in docs/images/ from a real JupyterLab run and the book.
screenshots:
	@$(MAKE_PY) $@

lint:
	@$(MAKE_PY) $@

format:
	@$(MAKE_PY) $@

benchmark:
	@$(MAKE_PY) $@

clean:
	@$(MAKE_PY) $@
