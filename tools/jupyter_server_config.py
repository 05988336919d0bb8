"""Jupyter server settings for this project's .venv: `python make.py setup` copies this file
to .venv/etc/jupyter/jupyter_server_config.py, where `make lab` (and any Jupyter started from
.venv) reads it.

After a notebook is saved, git is told that its file still matches what is committed when
only outputs, execution counts or the Python's details changed (the nbstripout filter named
in .gitattributes removes exactly those). Git alone would list such a notebook as modified
(it sees the file's size change and skips the filter), and a later `git pull` would stop on
it. A notebook whose code or text was edited is left alone: it shows as modified, as it is.

Two warnings a first start would print and a learner can do nothing about are left out: that a
notebook without outputs "is not trusted" (there is nothing in it to trust), and tornado's
complaint that jupyter_server's default websocket ping timeout (90 s) exceeds its ping
interval (30 s).
"""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path


def _git(folder: Path, *arguments: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", *arguments], cwd=folder, capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def refresh_git_index(os_path: str, model: dict, contents_manager=None, **_) -> bool:
    """Mark a saved notebook unchanged in git's index when, filtered, it is what the index
    holds. Returns True when it did; never fails a save."""
    if model.get("type") != "notebook":
        return False
    path = Path(os_path)
    folder = path.parent
    staged = _git(folder, "rev-parse", "--verify", "--quiet", f":./{path.name}")
    if not staged:
        return False  # not tracked, or not in a git checkout
    # What `git add` would store: the file through the filter .gitattributes names.
    filtered = _git(folder, "hash-object", f"--path={path.name}", "--", path.name)
    if filtered != staged:
        return False  # edited, or the filter is not set up: git status shows the truth
    return _git(folder, "add", "--", path.name) is not None  # same content, fresh file stats


class NothingToTrust(logging.Filter):
    """Drop "Notebook X is not trusted" for a notebook that has no outputs."""

    def __init__(self, root: str | None = None):
        super().__init__()
        self.root = root  # the server's root_dir, read from the server when not given

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != "Notebook %s is not trusted" or not record.args:
            return True
        try:
            if self.root is None:
                from jupyter_server.serverapp import ServerApp

                self.root = ServerApp.instance().root_dir
            path = Path(self.root, str(record.args[0]))
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except Exception:  # unreadable or not a notebook: keep the warning
            return True
        return any(cell.get("outputs") for cell in cells)


c = get_config()  # noqa: F821 (Jupyter's config loader provides it)
c.FileContentsManager.post_save_hook = refresh_git_index
c.ServerApp.tornado_settings = {"ws_ping_timeout": 30_000}  # = the ping interval (ms)
logging.getLogger("ServerApp").addFilter(NothingToTrust())
