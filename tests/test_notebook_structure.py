"""The notebooks keep the series' shape: committed without outputs, a further reading list, and a
last cell that links the next notebook (the last one back to the first)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("0*.ipynb"))


def test_there_are_six_notebooks():
    assert [path.name[:2] for path in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_shape(path):
    notebook = json.loads(path.read_text())
    cells = notebook["cells"]
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    for cell in cells:
        if cell["cell_type"] == "code":
            assert cell["execution_count"] is None and cell["outputs"] == [], (
                "commit without outputs"
            )
    text = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
    assert "## Further reading" in text
    for site in ("yann.lecun.com/exdb/mnist", "cnn-explainer", "d2l.ai", "fastbook", "keras.io"):
        assert site in text, f"{path.name}: further reading lacks {site}"
    last = cells[-1]
    assert last["cell_type"] == "markdown"
    links = re.findall(r"\]\((0\d_[a-z_]+\.ipynb)\)", "".join(last["source"]))
    following = NOTEBOOKS[(NOTEBOOKS.index(path) + 1) % len(NOTEBOOKS)].name
    assert following in links, f"{path.name}: the last cell should link {following}"
