"""Every notebook, with each `answer = ...` replaced by its exercise's own solution, runs top to
bottom and every checker says "Correct": the solutions work with the notebooks' real variables,
models and data, not only with the small ones of tests/test_exercises.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mnist_cnn.exercises import Exercise, ex01, ex02, ex03, ex04, ex05, ex06

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
MODULES = [ex01, ex02, ex03, ex04, ex05, ex06]


def exercises_of(module) -> dict[str, Exercise]:
    return {ex.name: ex for ex in vars(module).values() if isinstance(ex, Exercise)}


def solved(notebook: dict, module) -> tuple[dict, list[int]]:
    """The notebook with every blank answer replaced by the solution; the solved cells' indices."""
    exercises = exercises_of(module)
    solved_cells = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code" or "exercise" not in cell["metadata"].get("tags", []):
            continue
        source = "".join(cell["source"])
        checked = re.search(r"\b(ex0\d\.\w+)\.check\(", source)
        if not checked:
            continue
        exercise = exercises[checked.group(1)]
        blank = re.compile(rf"^{exercise.answer_name} = \.\.\..*$", re.MULTILINE)
        assert blank.search(source), f"{exercise.name}: no blank answer line"
        cell["source"] = blank.sub(lambda _, code=exercise.solution_code: code, source)
        solved_cells.append(index)
    return notebook, solved_cells


@pytest.mark.slow
def test_every_solution_is_correct_in_its_notebook(tmp_path, monkeypatch):
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("MNIST_CNN_MODELS", str(tmp_path / "models"))  # 03 saves, 04-06 load
    for module, path in zip(MODULES, sorted(NOTEBOOKS.glob("0*.ipynb")), strict=True):
        notebook, cells = solved(json.loads(path.read_text()), module)
        assert len(cells) >= 3, path.name
        client = nbclient.NotebookClient(
            _as_node(notebook),
            timeout=900,
            kernel_name="python3",
            resources={"metadata": {"path": str(NOTEBOOKS)}},
        )
        executed = client.execute()
        for index in cells:
            texts = [
                "".join(output.get("data", {}).get("text/plain", ""))
                for output in executed.cells[index].outputs
            ]
            verdict = next((text for text in texts if ": " in text), repr(texts))
            assert verdict.startswith("Correct"), f"{path.name} cell {index}: {verdict}"


def _as_node(notebook: dict):
    import nbformat

    # nbclient needs each cell source as one string, as nbformat.reads gives it
    return nbformat.reads(json.dumps(notebook), as_version=4)
