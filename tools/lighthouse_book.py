"""Lighthouse's scores for pages of the built book (`make book` first), as a phone sees them.

    python tools/lighthouse_book.py                      every page, one run each
    python tools/lighthouse_book.py 01_explore_mnist.html 04_evaluate_the_cnn.html --runs 3

Serves _build/book/ on 127.0.0.1 and runs Lighthouse (from the npm registry, installed once
into _build/npm/lighthouse/) against the system's Chromium with its default settings: a
mid-range phone on a throttled (simulated) 4G connection. Prints each run's category scores
and the median; exits 1 when a page scores under 100 for accessibility. Not part of `make
test`: performance scores depend on the machine's load.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "book"
INSTALL = ROOT / "_build" / "npm" / "lighthouse"
VERSION = "13.5.0"
CHROMIUM = os.environ.get("MNIST_CNN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def lighthouse() -> Path:
    """The lighthouse command, installed from the npm registry on first use."""
    command = INSTALL / "node_modules" / ".bin" / "lighthouse"
    if not command.exists():
        INSTALL.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--silent", "--prefix", str(INSTALL), f"lighthouse@{VERSION}"],
            check=True,
        )
    return command


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def scores(command: Path, url: str) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        subprocess.run(
            [
                str(command),
                url,
                "--quiet",
                "--output=json",
                f"--output-path={report}",
                "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            ],
            check=True,
            env={**os.environ, "CHROME_PATH": CHROMIUM},
        )
        result = json.loads(report.read_text())
    found = {name: round(100 * result["categories"][name]["score"]) for name in CATEGORIES}
    audits = result["audits"]
    found["failed accessibility audits"] = [
        reference["id"]
        for reference in result["categories"]["accessibility"]["auditRefs"]
        if audits[reference["id"]]["score"] == 0
    ]
    found["FCP"] = audits["first-contentful-paint"]["displayValue"]
    found["LCP"] = audits["largest-contentful-paint"]["displayValue"]
    found["TBT"] = audits["total-blocking-time"]["displayValue"]
    found["bytes"] = audits["total-byte-weight"]["numericValue"]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", help="page file names (default: every page)")
    parser.add_argument("--runs", type=int, default=1, help="runs per page (median shown)")
    arguments = parser.parse_args()
    if not (SITE / "index.html").is_file():
        sys.exit("the book is not built: run `make book` first.")
    pages = arguments.pages or sorted(
        p.name for p in SITE.glob("*.html") if p.name != "genindex.html"
    )
    command = lighthouse()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(SITE))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    below = []
    try:
        for page in pages:
            runs = [scores(command, f"http://127.0.0.1:{server.server_port}/{page}")
                    for _ in range(arguments.runs)]  # fmt: skip
            for number, run in enumerate(runs, start=1):
                print(f"{page} run {number}: {run}")
            median = {name: statistics.median(run[name] for run in runs) for name in CATEGORIES}
            print(f"{page} median: {median}")
            if median["accessibility"] < 100:
                below.append(page)
    finally:
        server.shutdown()
    if below:
        sys.exit(f"accessibility under 100: {', '.join(below)}")


if __name__ == "__main__":
    main()
