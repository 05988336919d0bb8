"""Every notebook, with each `answer = ...` replaced by its exercise's own solution, runs top to
bottom and every checker says "Correct": the solutions work with the notebooks' real variables,
models and data, not only with the small ones of tests/test_exercises.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import run_notebooks
from mnist_cnn.exercises import Exercise, ex01, ex02, ex03, ex04, ex05, ex06

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
MODULES = [ex01, ex02, ex03, ex04, ex05, ex06]


def exercises_of(module) -> dict[str, Exercise]:
    return {ex.name: ex for ex in vars(module).values() if isinstance(ex, Exercise)}


def check_call(source: str) -> tuple[str, int, int] | None:
    """The exercise a cell checks and where its `exNN.qK.check(...)` call starts and ends,
    over several lines and before a trailing comment if need be."""
    start = re.search(r"^(ex0\d\.\w+)\.check\(", source, re.MULTILINE)
    if not start:
        return None
    depth = 0
    for end in range(start.end() - 1, len(source)):
        depth += {"(": 1, ")": -1}.get(source[end], 0)
        if depth == 0:
            return start.group(1), start.start(), end + 1
    raise AssertionError(f"unbalanced parentheses in {source!r}")


def solved(notebook: dict, module) -> tuple[dict, list[int]]:
    """The notebook with every blank answer replaced by the solution, and each check turned
    into an assertion that it says "Correct"; returns it and the solved cells' indices."""
    exercises = exercises_of(module)
    solved_cells, names = [], set()
    for index, cell in enumerate(notebook["cells"]):
        tags = cell["metadata"].get("tags", [])
        if cell["cell_type"] != "code" or not {"exercise", "experiment"} & set(tags):
            continue
        source = "".join(cell["source"])
        checked = check_call(source)
        if not checked:
            continue
        name, start, end = checked
        exercise = exercises[name]
        call = source[start:end]
        source = (
            source[:start]
            + f"_verdict = {call}\nassert _verdict, repr(_verdict)  # must be Correct"
            + source[end:]
        )
        if exercise.answer_name is None:  # an experiment: its `name = ...` lines are the run
            blanks = re.compile(r"^\w+ = \.\.\..*\n", re.MULTILINE)
            first = blanks.search(source)
            assert first, f"{exercise.name}: no blank lines"
            rest = blanks.sub("", source[first.end() :])
            source = source[: first.start()] + exercise.solution_code + "\n" + rest
        else:
            blank = re.compile(rf"^{exercise.answer_name} = \.\.\..*$", re.MULTILINE)
            assert blank.search(source), f"{exercise.name}: no blank answer line"
            source = blank.sub(lambda _, code=exercise.solution_code: code, source)
        cell["source"] = source
        solved_cells.append(index)
        names.add(name)
    assert names == set(exercises), f"never solved: {sorted(set(exercises) - names)}"
    return notebook, solved_cells


def test_every_check_call_is_found_and_solved():
    """The solver finds every checker call, including one over two lines or before a comment."""
    for module, path in zip(MODULES, sorted(NOTEBOOKS.glob("0*.ipynb")), strict=True):
        notebook, cells = solved(json.loads(path.read_text()), module)
        for index in cells:
            source = notebook["cells"][index]["source"]
            assert "_verdict = ex0" in source and "= ..." not in source, source
            compile(source.replace("%pip", "#"), path.name, "exec")


@pytest.mark.slow
def test_every_solution_is_correct_in_its_notebook(tmp_path):
    """Run the solved notebooks with nbval in a separate pytest process (as `make test`
    runs the notebooks themselves); each check asserts that it says "Correct"."""
    paths = []
    for module, path in zip(MODULES, sorted(NOTEBOOKS.glob("0*.ipynb")), strict=True):
        notebook, cells = solved(json.loads(path.read_text()), module)
        assert len(cells) >= 3, path.name
        (tmp_path / path.name).write_text(json.dumps(notebook))
        paths.append(str(tmp_path / path.name))
    # 03 saves its model in tmp_path/models; 04-06 load it from there.
    result = run_notebooks(paths, tmp_path / "models", cwd=tmp_path, timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:]
