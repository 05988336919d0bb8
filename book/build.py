"""Build the static book into _build/book/ (`make book`), offline.

1. Execute every notebook with nbclient, widget state stored, in book mode
   (`MNIST_CNN_BOOK=1`: the digit browser and the drawing pad carry what they need to work
   without a kernel) and with a fresh models folder, so notebook 03 trains the model that
   notebooks 04-06 (and the drawing pad) use.
2. Give every Plotly chart a `text/html` version that loads no script (the site loads its
   own plotly.min.js once per page), instead of plotly's CDN.
3. Put the scripts the pages need into the site: require.js, the widgets' html-manager and
   anywidget (from the npm registry with `npm pack`, cached in _build/npm/), plotly.min.js
   (from the plotly wheel).
4. Run Sphinx with MyST-NB and the book theme (book/conf.py).

Usage: python book/build.py [--skip-execute] [--fetch-scripts]
  --skip-execute   reuse the notebooks executed last time
  --fetch-scripts  only fetch the npm packages into _build/npm/ (`make` does it at setup, so
                   that `make book` itself needs no network)
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
BOOK = REPOSITORY / "book"
BUILD = REPOSITORY / "_build"
SOURCE = BUILD / "book-source"
EXECUTED = BUILD / "executed"
OUTPUT = BUILD / "book"
NPM_CACHE = BUILD / "npm"
PLOTLY_MIME = "application/vnd.plotly.v1+json"

#: npm packages: name -> (version, {file in the package: where it goes under js/}).
NPM_PACKAGES = {
    "requirejs": ("2.3.8", {"require.js": "require.js"}),
    # html-manager 1.0.x is the embedder of ipywidgets 8.1.
    "@jupyter-widgets/html-manager": ("1.0.15", {"dist/": ""}),
    # anywidget's front end must match the Python package's version.
    "anywidget": (importlib.metadata.version("anywidget"), {"dist/index.js": "anywidget.js"}),
}
#: html-manager's dist/ holds source maps and a second bundle the pages never load.
SKIPPED_SUFFIXES = (".map", ".LICENSE.txt", "embed.js", "libembed-amd.js")


def log(message: str) -> None:
    print(f"[book] {message}", flush=True)


def npm_tarball(name: str, version: str) -> Path:
    """The package's tarball from the npm registry, kept in _build/npm/ for the next build."""
    NPM_CACHE.mkdir(parents=True, exist_ok=True)
    stem = name.lstrip("@").replace("/", "-")
    tarball = NPM_CACHE / f"{stem}-{version}.tgz"
    if not tarball.is_file():
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("npm is needed once to fetch the book's scripts (apt-get install npm).")
        log(f"npm pack {name}@{version}")
        subprocess.run(
            [npm, "pack", "--silent", f"{name}@{version}"],
            cwd=NPM_CACHE,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return tarball


def install_scripts(target: Path) -> None:
    """Copy every script the pages load into `target` (served as _static/js/)."""
    target.mkdir(parents=True, exist_ok=True)
    for name, (version, files) in NPM_PACKAGES.items():
        with tarfile.open(npm_tarball(name, version)) as archive:
            for member in archive.getmembers():
                if not member.isfile():
                    continue
                path = member.name.removeprefix("package/")
                for source, destination in files.items():
                    if source.endswith("/") and path.startswith(source):
                        if path.endswith(SKIPPED_SUFFIXES):
                            continue
                        out = target / destination / path.removeprefix(source)
                    elif path == source:
                        out = target / destination
                    else:
                        continue
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(archive.extractfile(member).read())
    import plotly

    shutil.copy(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", target)


def execute(notebook: Path, destination: Path) -> float:
    """Run `notebook` top to bottom into `destination`, widget state stored; returns seconds."""
    import nbformat
    from nbclient import NotebookClient

    started = time.perf_counter()
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(
        nb,
        timeout=900,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(destination.parent)}},
    )
    client.execute()
    partial = destination.with_name(f".{destination.name}.partial")
    nbformat.write(nb, partial)
    os.replace(partial, destination)  # a build stopped here leaves no half-written notebook
    return time.perf_counter() - started


#: The cells tools/sync_notebooks.py puts at the top of every notebook: "Open in Colab"
#: badges (images from those services, which an offline book must not fetch) and the setup
#: cell that installs the package elsewhere. A book reader needs neither.
RUN_ELSEWHERE_TAGS = {"header-badges", "setup-anywhere"}


def prepare_for_the_book(notebook: Path) -> int:
    """Drop the run-elsewhere cells and give each Plotly output a text/html version that
    loads no script; returns how many charts."""
    import nbformat
    import plotly.io

    nb = nbformat.read(notebook, as_version=4)
    nb.cells = [
        cell
        for cell in nb.cells
        if not RUN_ELSEWHERE_TAGS & set(cell.get("metadata", {}).get("tags", []))
    ]
    count = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if PLOTLY_MIME in data:
                figure = data.pop(PLOTLY_MIME)
                data["text/html"] = plotly.io.to_html(
                    figure,
                    include_plotlyjs=False,
                    include_mathjax=False,
                    full_html=False,
                    validate=False,
                )
                count += 1
    nbformat.write(nb, notebook)
    return count


def check_executed(notebooks: list[Path]) -> None:
    """Refuse to build from executed notebooks that are missing or older than their source
    (an earlier build stopped part way, or a notebook changed since)."""
    missing = [n.name for n in notebooks if not (EXECUTED / n.name).is_file()]
    stale = [
        n.name
        for n in notebooks
        if n.name not in missing and (EXECUTED / n.name).stat().st_mtime < n.stat().st_mtime
    ]
    if missing or stale:
        problems = "; ".join(
            f"{what}: {', '.join(names)}"
            for what, names in (("not executed", missing), ("changed since", stale))
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
        for name, (version, _) in NPM_PACKAGES.items():
            log(f"have {npm_tarball(name, version).relative_to(REPOSITORY)}")
        return
    started = time.perf_counter()
    notebooks = sorted((REPOSITORY / "notebooks").glob("[0-9][0-9]_*.ipynb"))

    if arguments.skip_execute and EXECUTED.is_dir():
        check_executed(notebooks)
    else:
        shutil.rmtree(EXECUTED, ignore_errors=True)
        EXECUTED.mkdir(parents=True)
        models = BUILD / "models"
        shutil.rmtree(models, ignore_errors=True)
        # The kernels inherit this environment.
        os.environ["MNIST_CNN_BOOK"] = "1"
        os.environ["MNIST_CNN_MODELS"] = str(models)
        for notebook in notebooks:
            seconds = execute(notebook, EXECUTED / notebook.name)
            log(f"executed {notebook.name} in {seconds:.0f} s")

    # Sphinx does not re-copy static files into an existing output: start afresh.
    shutil.rmtree(SOURCE, ignore_errors=True)
    shutil.rmtree(OUTPUT, ignore_errors=True)
    SOURCE.mkdir(parents=True)
    for name in ("conf.py", "index.md", "appendix_forward_pass.md"):
        shutil.copy(BOOK / name, SOURCE / name)
    # Notebooks 04 and 06 link to the series' table of contents.
    readme = (REPOSITORY / "notebooks" / "README.md").read_text()
    (SOURCE / "README.md").write_text(f"---\norphan: true\n---\n\n{readme}")
    shutil.copy(REPOSITORY / "mnist_cnn" / "static" / "drawing_pad.js", SOURCE)
    shutil.copytree(REPOSITORY / "docs" / "images", SOURCE / "images")
    install_scripts(SOURCE / "extra" / "js")
    for notebook in sorted(EXECUTED.glob("*.ipynb")):
        shutil.copy(notebook, SOURCE / notebook.name)
        charts = prepare_for_the_book(SOURCE / notebook.name)
        if charts:
            log(f"{notebook.name}: {charts} Plotly chart(s) without the CDN")

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
    )
    pages = sorted(OUTPUT.glob("*.html"))
    log(
        f"{len(pages)} pages in {OUTPUT.relative_to(REPOSITORY)}/ in "
        f"{time.perf_counter() - started:.0f} s; open {OUTPUT / 'index.html'}"
    )
    for page in pages:
        log(f"  {page.name:32} {page.stat().st_size / 1e6:5.2f} MB")


if __name__ == "__main__":
    main()
