"""Build the static book into _build/book/ (`make book`), offline.

1. Execute every notebook with nbclient, widget state stored, in book mode
   (`MNIST_CNN_BOOK=1`: the digit browser and the drawing pad carry what they need to work
   without a kernel) and with a fresh models folder, so notebook 03 trains the model that
   notebooks 04-06 (and the drawing pad) use.
2. Make each notebook a page (pages.py): Plotly charts drawn by the site's plotly.js when
   they come near the screen, widgets that need a kernel shown as plain HTML, the
   run-elsewhere cells kept for the download but not shown.
3. Put what the pages load into the site (assets.py): require.js, the widgets' modules and
   anywidget, plotly.js's cartesian bundle, axe-core for the tests (from the npm registry
   with `npm pack`, cached in _build/npm/), the theme's icons as a small stylesheet, a
   favicon.
4. Run Sphinx with MyST-NB and the book theme (book/conf.py), then write the pages' text for
   the search page opened from file://.

Usage: python book/build.py [--skip-execute] [--fetch-scripts]
  --skip-execute   reuse the notebooks executed last time
  --fetch-scripts  only fetch the npm packages into _build/npm/ (`make` does it at setup, so
                   that `make book` itself needs no network)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import assets
import pages

REPOSITORY = Path(__file__).resolve().parents[1]
BOOK = REPOSITORY / "book"
BUILD = REPOSITORY / "_build"
SOURCE = BUILD / "book-source"
EXECUTED = BUILD / "executed"
OUTPUT = BUILD / "book"
log = assets.log


def execute(notebook: Path, destination: Path) -> float:
    """Run `notebook` top to bottom into `destination`, widget state stored; returns seconds."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    started = time.perf_counter()
    nb = nbformat.read(notebook, as_version=4)
    for attempt in (1, 2):
        client = NotebookClient(
            nb,
            # No cell needs more than a minute; a reply lost between kernel and client (seen
            # twice here, on a loaded machine: both sides idle) ends in a retry, not a stall.
            timeout=300,
            kernel_name="python3",
            store_widget_state=True,
            resources={"metadata": {"path": str(destination.parent)}},
        )
        try:
            client.execute()
            break
        except (CellTimeoutError, DeadKernelError) as error:
            if attempt == 2:
                raise
            log(
                f"{notebook.name}: {type(error).__name__} (no reply in {client.timeout} s, or the "
                "kernel ended); running it again"
            )
            nb = nbformat.read(notebook, as_version=4)
    partial = destination.with_name(f".{destination.name}.partial")
    nbformat.write(nb, partial)
    os.replace(partial, destination)  # a build stopped here leaves no half-written notebook
    return time.perf_counter() - started


def prepare_page(notebook: Path) -> dict[str, int]:
    """Make the executed `notebook` (a copy in the book's source) a page: see pages.py."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    done = pages.prepare_for_the_book(nb)
    nbformat.write(nb, notebook)
    return done


def repository_url() -> str:
    """The repository address in pyproject.toml, read as the notebooks' badges read it."""
    sys.path.insert(0, str(REPOSITORY / "tools"))
    from sync_notebooks import repository_url as read

    return read()


def teachers_page(url: str) -> str:
    """notebooks/README.md as a page of the book, its links to the rest of the repository
    pointing at GitHub."""
    text = (REPOSITORY / "notebooks" / "README.md").read_text(encoding="utf-8")
    return re.sub(r"\]\(\.\./([^)]+)\)", lambda m: f"]({url}/blob/main/{m.group(1)})", text)


def search_texts() -> str:
    """Each page's text, by file name, as search-offline.js gives it to Sphinx's search on
    pages opened from file:// (where the search cannot fetch them): the main part of the
    page, its sections and their ids kept, without scripts, outputs or pictures."""
    from bs4 import BeautifulSoup

    texts = {}
    for page in sorted(OUTPUT.glob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        main = soup.find(attrs={"role": "main"})
        if main is None:
            continue
        for unwanted in main.select("script, style, img, svg, .cell_output, .headerlink"):
            unwanted.decompose()
        texts[page.name] = f'<div role="main">{main.decode_contents()}</div>'
    return f"window.MNIST_CNN_PAGE_TEXTS = {json.dumps(texts, separators=(',', ':'))};\n"


def check_pages() -> None:
    """Refuse a site whose pages ask for an icon the icon stylesheet lacks, or load the
    theme's icon script."""
    for page in sorted(OUTPUT.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        missing = assets.icons_used(text) - assets.ICONS
        if missing:
            sys.exit(f"{page.name} shows icons {sorted(missing)}: add them to assets.ICONS")
        if "fontawesome.js" in text:
            sys.exit(f"{page.name} loads fontawesome.js; book/_templates/layout.html drops it")


def check_executed(notebooks: list[Path]) -> None:
    """Refuse to build from executed notebooks that are missing, older than their source,
    unreadable (an earlier build stopped part way, or a notebook changed since), or left
    from a notebook that no longer exists."""
    import nbformat

    missing = [n.name for n in notebooks if not (EXECUTED / n.name).is_file()]
    stale = [
        n.name
        for n in notebooks
        if n.name not in missing and (EXECUTED / n.name).stat().st_mtime < n.stat().st_mtime
    ]
    damaged = []
    for notebook in notebooks:
        if notebook.name not in missing + stale:
            try:
                nbformat.read(EXECUTED / notebook.name, as_version=4)
            except Exception:  # empty, cut off or not JSON: all mean "execute it again"
                damaged.append(notebook.name)
    sources = {n.name for n in notebooks}
    orphans = sorted(n.name for n in EXECUTED.glob("*.ipynb") if n.name not in sources)
    if missing or stale or damaged or orphans:
        problems = "; ".join(
            f"{what}: {', '.join(names)}"
            for what, names in (
                ("not executed", missing),
                ("changed since", stale),
                ("unreadable", damaged),
                ("no longer in notebooks/", orphans),
            )
            if names
        )
        sys.exit(
            f"--skip-execute needs every notebook executed by an earlier build ({problems}). "
            f"Run python book/build.py without --skip-execute."
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--skip-execute", action="store_true", help="reuse the notebooks executed last time"
    )
    parser.add_argument(
        "--fetch-scripts", action="store_true", help="only fetch the npm packages, then stop"
    )
    arguments = parser.parse_args()
    if arguments.fetch_scripts:
        assets.fetch_all()
        return
    started = time.perf_counter()
    notebooks = sorted((REPOSITORY / "notebooks").glob("[0-9][0-9]_*.ipynb"))

    if arguments.skip_execute:
        check_executed(notebooks)
    else:
        shutil.rmtree(EXECUTED, ignore_errors=True)
        EXECUTED.mkdir(parents=True)
        models = BUILD / "models"
        shutil.rmtree(models, ignore_errors=True)
        # The kernels inherit this environment, and start with figure_alt_text.py, so that
        # every figure they show carries a description for its alt text.
        os.environ["MNIST_CNN_BOOK"] = "1"
        os.environ["MNIST_CNN_MODELS"] = str(models)
        startup = BUILD / "ipython" / "profile_default" / "startup"
        shutil.rmtree(BUILD / "ipython", ignore_errors=True)
        startup.mkdir(parents=True)
        shutil.copy(BOOK / "figure_alt_text.py", startup / "50-figure-alt-text.py")
        os.environ["IPYTHONDIR"] = str(BUILD / "ipython")
        for notebook in notebooks:
            seconds = execute(notebook, EXECUTED / notebook.name)
            log(f"executed {notebook.name} in {seconds:.0f} s")

    # Sphinx does not re-copy static files into an existing output: start afresh.
    shutil.rmtree(SOURCE, ignore_errors=True)
    shutil.rmtree(OUTPUT, ignore_errors=True)
    SOURCE.mkdir(parents=True)
    url = repository_url()
    for name in ("conf.py", "appendix_forward_pass.md"):
        shutil.copy(BOOK / name, SOURCE / name)
    index = (BOOK / "index.md").read_text(encoding="utf-8").replace("{repository}", url)
    (SOURCE / "index.md").write_text(index, encoding="utf-8")
    (SOURCE / "README.md").write_text(teachers_page(url), encoding="utf-8")
    shutil.copytree(BOOK / "_templates", SOURCE / "_templates")
    shutil.copy(REPOSITORY / "mnist_cnn" / "static" / "drawing_pad.js", SOURCE)
    shutil.copytree(REPOSITORY / "docs" / "images", SOURCE / "images")
    shutil.copytree(BOOK / "static", SOURCE / "extra")
    assets.install_scripts(SOURCE / "extra" / "js")
    (SOURCE / "extra" / "icons.css").write_text(assets.icons_css(), encoding="utf-8")
    assets.favicon_png(SOURCE / "favicon.png")
    for notebook in (EXECUTED / source.name for source in notebooks):
        shutil.copy(notebook, SOURCE / notebook.name)
        done = prepare_page(SOURCE / notebook.name)
        if any(done.values()):
            log(f"{notebook.name}: " + ", ".join(f"{n} {what}" for what, n in done.items() if n))

    subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "html",
            "-q",
            "-d",
            str(BUILD / "doctrees"),
            str(SOURCE),
            str(OUTPUT),
        ],
        check=True,
        env={**os.environ, "MNIST_CNN_REPOSITORY": url},
    )
    check_pages()
    (OUTPUT / "_static" / "search-texts.js").write_text(search_texts(), encoding="utf-8")
    pages = sorted(OUTPUT.glob("*.html"))
    log(
        f"{len(pages)} pages in {OUTPUT.relative_to(REPOSITORY)}/ in "
        f"{time.perf_counter() - started:.0f} s; open {OUTPUT / 'index.html'}"
    )
    for page in pages:
        log(f"  {page.name:32} {page.stat().st_size / 1e6:5.2f} MB")


if __name__ == "__main__":
    main()
