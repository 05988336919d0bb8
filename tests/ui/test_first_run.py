"""A learner's first `make lab`: JupyterLab starts as make.py starts it, with the settings
`make setup` installed into .venv, in a git clone set up as `make setup` sets it up. It asks
nothing about Jupyter's news, its terminal shows no warning, and running a notebook and saving
it leaves `git status` clean."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from notebook_page import open_notebook, run_all, wait_until_done

from conftest import REPOSITORY, Lab, _free_port

sys.path.insert(0, str(REPOSITORY))
import make  # noqa: E402

NOTEBOOK = "01_explore_mnist.ipynb"


def git(folder: Path, *arguments: str) -> str:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@t", *arguments]
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=True)
    return result.stdout


@pytest.fixture
def clone(tmp_path) -> Path:
    """A git repository with the project's notebooks and .gitattributes, its nbstripout
    filter configured by make.py for this Python."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    folder = tmp_path / "mnist-cnn"
    shutil.copytree(REPOSITORY / "notebooks", folder / "notebooks")
    for name in (".gitattributes", ".gitignore"):  # .gitignore: Jupyter's checkpoints
        shutil.copy(REPOSITORY / name, folder)
    git(folder, "init", "--quiet")
    git(folder, "add", ".")
    git(folder, "commit", "--quiet", "-m", "the project")
    assert make.configure_git(folder, python=sys.executable)
    return folder


@pytest.fixture
def first_lab(clone, tmp_path):
    """`make lab` in `clone`, with no settings of the user's: a first start."""
    installed = Path(sys.prefix, "etc", "jupyter", "jupyter_server_config.py")
    if not installed.exists():
        pytest.fail(f"{installed} is missing: run `python make.py setup` first")
    port, token = _free_port(), secrets.token_hex(16)
    environment = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "user-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        "MNIST_CNN_MODELS": str(tmp_path / "models"),
    }
    command = make.lab_command(Path(sys.executable)) + [
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True",
    ]
    log = tmp_path / "lab.log"
    with log.open("w") as log_file:
        server = subprocess.Popen(
            command, cwd=clone, env=environment, stdout=log_file, stderr=subprocess.STDOUT
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
                pytest.fail(f"JupyterLab did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
    yield Lab(url, token, clone / "notebooks", tmp_path / "models", log)
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def warnings_in(log: Path) -> list[str]:
    """The server's warning and error lines ([W ...], [E ...], [C ...] but the banner)."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    found = [line for line in lines if re.match(r"\[(W|E)\s", line)]
    return found + [line for line in lines if "Traceback" in line]


@pytest.mark.ui
def test_a_first_run_asks_nothing_warns_nothing_and_leaves_git_clean(first_lab, page, clone):
    open_notebook(page, first_lab, NOTEBOOK)
    time.sleep(5)  # JupyterLab asks about its news a moment after it starts
    asked = page.get_by_text(re.compile("Jupyter news", re.IGNORECASE))
    assert asked.count() == 0, "JupyterLab asked about its news"
    run_all(page)
    result = wait_until_done(page, timeout=300)
    assert not result["errors"], result["errors"]
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    saved = clone / "notebooks" / NOTEBOOK
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        notebook = json.loads(saved.read_text(encoding="utf-8"))
        if any(cell.get("outputs") for cell in notebook["cells"]):
            break
        time.sleep(0.5)
    else:
        pytest.fail("the notebook was not saved with its outputs")
    assert notebook["metadata"]["language_info"].get("version"), "saved as JupyterLab writes it"
    time.sleep(2)  # the server's post-save hook runs right after the file is written
    assert git(clone, "status", "--porcelain") == "", "git sees the saved run as a change"
    assert warnings_in(first_lab.log) == [], first_lab.log.read_text()[-4000:]
