"""Browser tests: a real JupyterLab, driven by Debian's Chromium through Playwright.

A session fixture starts JupyterLab on 127.0.0.1 with a random token, in a temporary copy
of notebooks/ (and a temporary models folder), and stops it afterwards. When a test fails,
a screenshot and the page's console log are saved under test-artifacts/.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
ARTIFACTS = REPOSITORY / "test-artifacts"
#: Debian's chromium; MNIST_CNN_CHROMIUM or another Chromium-based browser on PATH also works.
CHROMIUM = os.environ.get("MNIST_CNN_CHROMIUM") or next(
    (
        found
        for name in ("chromium", "chromium-browser", "google-chrome")
        if (found := shutil.which(name))
    ),
    "/usr/bin/chromium",
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Set to a folder (e.g. docs/images) to save the README pictures while the tests run.
SCREENSHOTS = os.environ.get("MNIST_CNN_SCREENSHOTS")


@dataclass
class Lab:
    url: str
    token: str
    notebooks: Path
    models: Path
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def _serve(tmp_path_factory, module: str, app: str):
    """Start `python -m module` (jupyterlab or notebook) on a copy of notebooks/."""
    if not Path(CHROMIUM).exists():
        message = "Chromium is not installed: `apt-get install chromium` (.ci/run does it)."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    root = tmp_path_factory.mktemp(module)
    notebooks = root / "notebooks"
    shutil.copytree(REPOSITORY / "notebooks", notebooks)
    models = root / "models"
    port, token = _free_port(), secrets.token_hex(16)
    environment = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(root / "config"),
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        "MNIST_CNN_MODELS": str(models),
    }
    log = root / f"{module}.log"
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                module,
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={port}",
                "--ServerApp.port_retries=0",
                "--ServerApp.allow_root=True",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={notebooks}",
                f"--{app}.expose_app_in_browser=True",
            ],
            env=environment,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"{module} did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
    yield Lab(url, token, notebooks, models, log)
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """JupyterLab, as `make lab` starts it."""
    yield from _serve(tmp_path_factory, "jupyterlab", "LabApp")


@pytest.fixture(scope="session")
def notebook7(tmp_path_factory):
    """The classic-looking Jupyter Notebook 7 front end (`jupyter notebook`)."""
    yield from _serve(tmp_path_factory, "notebook", "JupyterNotebookApp")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = request.node.name.replace("/", "_")
        screenshot, log = ARTIFACTS / f"{name}.png", ARTIFACTS / f"{name}.console.log"
        try:
            page.screenshot(path=str(screenshot), full_page=True)
        except Exception as error:  # the page may be gone; the log is still worth saving
            console.append(f"(screenshot failed: {error})")
        log.write_text("\n".join(console))
        print(f"\nbrowser test failed: screenshot {screenshot}\n  console log {log}")
    context.close()


def save_picture(locator, name: str) -> None:
    """Save a README picture of `locator` when MNIST_CNN_SCREENSHOTS names a folder."""
    if SCREENSHOTS:
        folder = Path(SCREENSHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        locator.scroll_into_view_if_needed()
        locator.screenshot(path=str(folder / name))


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory) -> Path:
    """The model notebook 03 saves when its training runs to the end (the browser test of
    notebook 03 presses Stop, so the model it leaves behind is only partly trained)."""
    import mnist_cnn

    folder = tmp_path_factory.mktemp("trained")
    model = mnist_cnn.load_or_train(folder / "none.keras", seed=0)  # trains, as nothing is there
    return mnist_cnn.save_model(model, folder / "tutorial_cnn.keras")
