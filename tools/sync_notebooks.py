"""Write the header every notebook starts with: badges to open it in Colab, Kaggle and
Binder, and a setup cell that installs the package where it is missing; and the same badges
for the first notebook in README.md (between its `notebook-badges` comment markers).

    python tools/sync_notebooks.py          update notebooks/*.ipynb and README.md in place
    python tools/sync_notebooks.py --check  exit 1 (naming the files) if one is stale

Both cells are generated from the repository address in pyproject.toml's [project.urls]
(the only place it is written) and carry a tag (`header-badges`, `setup-anywhere`), so
running this again replaces them instead of adding copies. They go right after the first
cell (the title and the introduction). Run it after editing or adding a notebook;
tests/test_notebook_header.py fails while a notebook is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlparse

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
README_START, README_END = "<!-- notebook-badges:start -->", "<!-- notebook-badges:end -->"
BRANCH = "main"
BADGES_TAG, SETUP_TAG = "header-badges", "setup-anywhere"

SETUP_SOURCE = """\
# Runs anywhere: in this repository (after `make lab`) it does nothing; in Colab, Kaggle or
# another Jupyter it installs the mnist_cnn package and keeps the TensorFlow already there.
# There, MNIST itself is downloaded on first use.
import importlib.util
import sys
from pathlib import Path

if importlib.util.find_spec("mnist_cnn") is None:
    here = Path.cwd().resolve()
    checkout = next((p for p in (here, *here.parents) if (p / "mnist_cnn").is_dir()), None)
    if checkout:  # a clone of the repository: install it, editable, and import it from there
        %pip install --quiet -e "{{checkout}}"
        sys.path.insert(0, str(checkout))
    else:
        %pip install --quiet "{requirement}\""""


def repository_url(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The Repository address from pyproject.toml's [project.urls]."""
    urls = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"].get("urls", {})
    url = urls.get("Repository", "")
    parsed = urlparse(url)
    if parsed.netloc != "github.com" or len(parsed.path.strip("/").split("/")) != 2:
        raise ValueError(
            f"[project.urls] Repository in {pyproject} must be https://github.com/OWNER/NAME "
            f"(the badges open notebooks from GitHub), got {url!r}."
        )
    return url.rstrip("/")


def badges_source(notebook: str, url: str) -> str:
    """Markdown with the three badges for `notebook` (a file name in notebooks/)."""
    owner_name = urlparse(url).path.strip("/")
    path = f"notebooks/{notebook}"
    github = f"{url}/blob/{BRANCH}/{path}"
    links = [
        (
            "Open in Colab",
            "https://colab.research.google.com/assets/colab-badge.svg",
            f"https://colab.research.google.com/github/{owner_name}/blob/{BRANCH}/{path}",
        ),
        (
            "Open in Kaggle",
            "https://kaggle.com/static/images/open-in-kaggle.svg",
            f"https://kaggle.com/kernels/welcome?src={github}",
        ),
        (
            "Launch Binder",
            "https://mybinder.org/badge_logo.svg",
            f"https://mybinder.org/v2/gh/{owner_name}/{BRANCH}?urlpath=lab/tree/{path}",
        ),
    ]
    return " ".join(f"[![{alt}]({image})]({target})" for alt, image, target in links)


def setup_source(url: str) -> str:
    return SETUP_SOURCE.format(requirement=f"mnist-cnn @ git+{url}")


def header_cells(notebook: str, url: str) -> list[dict]:
    return [
        {
            "cell_type": "markdown",
            "id": BADGES_TAG,
            "metadata": {"tags": [BADGES_TAG]},
            "source": badges_source(notebook, url).splitlines(keepends=True),
        },
        {
            "cell_type": "code",
            "execution_count": None,
            "id": SETUP_TAG,
            "metadata": {"tags": [SETUP_TAG]},
            "outputs": [],
            "source": setup_source(url).splitlines(keepends=True),
        },
    ]


def _tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def with_header(notebook: dict, name: str, url: str) -> dict:
    """`notebook` with its header cells (re)placed after the first cell."""
    cells = [cell for cell in notebook["cells"] if not _tags(cell) & {BADGES_TAG, SETUP_TAG}]
    position = 1 if cells and cells[0]["cell_type"] == "markdown" else 0
    return {**notebook, "cells": [*cells[:position], *header_cells(name, url), *cells[position:]]}


def dumps(notebook: dict) -> str:
    """The notebook as Jupyter writes it (nbformat: one-space indent, sorted keys)."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def readme_with_badges(text: str, first_notebook: str, url: str) -> str:
    """README text with the badges of `first_notebook` between the markers."""
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise ValueError(
            f"README.md must hold the lines {README_START} and {README_END} (in that order) "
            f"where the badges go."
        )
    block = f"{README_START}\n{badges_source(first_notebook, url)}\n"
    return text[:start] + block + text[end:]


def stale_notebooks(folder: Path = NOTEBOOKS, *, write: bool, readme: Path | None = README):
    """Notebooks (and README.md) whose header is missing or out of date (rewritten when
    `write`)."""
    url = repository_url()
    stale = []
    names = sorted(path.name for path in folder.glob("*.ipynb"))
    if readme is not None and names:
        text = readme.read_text(encoding="utf-8")
        updated = readme_with_badges(text, names[0], url)
        if updated != text:
            stale.append(readme)
            if write:
                readme.write_text(updated, encoding="utf-8")
    for path in sorted(folder.glob("*.ipynb")):
        text = path.read_text(encoding="utf-8")
        updated = dumps(with_header(json.loads(text), path.name, url))
        if updated != text:
            stale.append(path)
            if write:
                path.write_text(updated, encoding="utf-8")
    return stale


def main(arguments: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    options = parser.parse_args(arguments)
    stale = stale_notebooks(write=not options.check)
    for path in stale:
        print(f"{'stale' if options.check else 'updated'}: {path.relative_to(ROOT)}")
    if options.check and stale:
        print("Run `python tools/sync_notebooks.py` to update them.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
