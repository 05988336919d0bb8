"""For every pytest run here (tests/ and notebooks/): models that tests, or notebooks run by
nbval, save go to a temporary folder, never into the repository's models/, which belongs to
the learner."""

from __future__ import annotations

import os
import shutil
import tempfile

_MODELS: str | None = None


def pytest_configure(config):
    global _MODELS
    if not os.environ.get("MNIST_CNN_MODELS"):
        _MODELS = tempfile.mkdtemp(prefix="mnist-cnn-test-models-")
        os.environ["MNIST_CNN_MODELS"] = _MODELS


def pytest_unconfigure(config):
    if _MODELS:
        shutil.rmtree(_MODELS, ignore_errors=True)
