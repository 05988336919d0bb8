"""Notebooks that use a saved model also run on their own, when no model was saved yet.

`make test` runs every notebook in order (so notebook 04 finds the model notebook 03
saved); this test runs such notebooks again with an empty models folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_notebooks

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NEEDS_A_MODEL = [
    "04_evaluate_the_cnn.ipynb",
    "05_inside_the_cnn.ipynb",
    "06_draw_a_digit.ipynb",
]


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NEEDS_A_MODEL)
def test_notebook_runs_without_a_saved_model(notebook, tmp_path):
    models = tmp_path / "models"
    result = run_notebooks([NOTEBOOKS / notebook], models)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert not models.exists() or not any(models.iterdir())  # it trained, and saved nothing
