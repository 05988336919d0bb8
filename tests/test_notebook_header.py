"""Every notebook starts with the generated header, and its setup cell does the right thing
in the repository, in a clone that is not installed, and in Colab/Kaggle (nothing there)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import sync_notebooks  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 6


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_every_notebook_carries_the_current_header(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    tags = [sorted(cell.get("metadata", {}).get("tags", [])) for cell in notebook["cells"]]
    assert tags.count(["header-badges"]) == 1 and tags.count(["setup-anywhere"]) == 1
    assert tags[1:3] == [["header-badges"], ["setup-anywhere"]], "header is not after the title"
    current = sync_notebooks.with_header(notebook, path.name, sync_notebooks.repository_url())
    assert sync_notebooks.dumps(current) == path.read_text(encoding="utf-8"), (
        f"{path.name} is stale: run `python tools/sync_notebooks.py`"
    )


def test_the_header_is_generated_from_pyproject_and_is_idempotent(tmp_path):
    url = sync_notebooks.repository_url()
    assert url.startswith("https://github.com/")
    name = "03_train_the_cnn.ipynb"
    notebook = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))
    once = sync_notebooks.with_header(notebook, name, url)
    twice = sync_notebooks.with_header(once, name, url)
    assert twice == once
    badges = "".join(once["cells"][1]["source"])
    owner_name = url.removeprefix("https://github.com/")
    assert f"colab.research.google.com/github/{owner_name}/blob/main/notebooks/{name}" in badges
    assert f"kaggle.com/kernels/welcome?src={url}/blob/main/notebooks/{name}" in badges
    assert f"mybinder.org/v2/gh/{owner_name}/main?urlpath=lab/tree/notebooks/{name}" in badges
    assert f"git+{url}" in "".join(once["cells"][2]["source"])


def test_a_repository_address_that_is_not_github_is_refused(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\n[project.urls]\nRepository = "https://x.org/a"\n')
    with pytest.raises(ValueError, match="https://github.com/OWNER/NAME"):
        sync_notebooks.repository_url(pyproject)


def test_the_check_mode_finds_a_stale_notebook(tmp_path):
    source = ROOT / "notebooks" / "05_inside_the_cnn.ipynb"
    notebook = json.loads(source.read_text(encoding="utf-8"))
    notebook["cells"] = [c for c in notebook["cells"] if "tags" not in c.get("metadata", {})]
    (tmp_path / source.name).write_text(sync_notebooks.dumps(notebook), encoding="utf-8")
    stale = sync_notebooks.stale_notebooks
    assert stale(tmp_path, write=False, readme=None) == [tmp_path / source.name]
    assert stale(tmp_path, write=True, readme=None) == [tmp_path / source.name]
    assert stale(tmp_path, write=False, readme=None) == []


def test_the_readme_carries_the_badges_of_the_first_notebook(tmp_path):
    url = sync_notebooks.repository_url()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert sync_notebooks.readme_with_badges(readme, NOTEBOOKS[0].name, url) == readme, (
        "README.md's badges are stale: run `python tools/sync_notebooks.py`"
    )
    assert "colab.research.google.com/github/" in readme
    with pytest.raises(ValueError, match="notebook-badges:start"):
        sync_notebooks.readme_with_badges("# no markers\n", NOTEBOOKS[0].name, url)


class FakeShell:
    """Records the `%pip` lines the setup cell runs, with `{...}` expanded as IPython does."""

    def __init__(self):
        self.magics: list[tuple[str, str]] = []

    def run_line_magic(self, name, line, _stack_depth=1):
        caller = sys._getframe(1)
        self.magics.append((name, line.format(**{**caller.f_globals, **caller.f_locals})))


def run_setup_cell(monkeypatch, folder: Path, *, installed: bool) -> tuple[FakeShell, list]:
    from IPython.core.inputtransformer2 import TransformerManager

    url = sync_notebooks.repository_url()
    badges, setup = sync_notebooks.header_cells("01_explore_mnist.ipynb", url)
    source = "".join(setup["source"])
    code = TransformerManager().transform_cell(source)
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        if name == "mnist_cnn" and not installed:
            return None
        return real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    monkeypatch.chdir(folder)
    monkeypatch.setattr(sys, "path", list(sys.path))
    shell = FakeShell()
    exec(compile(code, "setup-cell", "exec"), {"get_ipython": lambda: shell})
    return shell, sys.path


def test_the_setup_cell_does_nothing_in_the_repository(monkeypatch):
    shell, _ = run_setup_cell(monkeypatch, ROOT / "notebooks", installed=True)
    assert shell.magics == []


def test_the_setup_cell_installs_a_clone_that_is_not_installed(monkeypatch, tmp_path):
    clone = tmp_path / "my clone"
    (clone / "mnist_cnn").mkdir(parents=True)
    (clone / "notebooks").mkdir()
    shell, path = run_setup_cell(monkeypatch, clone / "notebooks", installed=False)
    assert shell.magics == [("pip", f'install --quiet -e "{clone.resolve()}"')]
    assert path[0] == str(clone.resolve())


def test_the_setup_cell_installs_from_the_repository_url_elsewhere(monkeypatch, tmp_path):
    shell, _ = run_setup_cell(monkeypatch, tmp_path, installed=False)
    url = sync_notebooks.repository_url()
    assert shell.magics == [("pip", f'install --quiet "mnist-cnn @ git+{url}"')]
