"""make.py, the commands the Makefile runs: the same list in both, Pythons and systems refused
before pip runs, a stale or pip-less .venv explained or repaired, and the git filter that keeps
saved notebooks out of `git status`."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import make  # noqa: E402

POSIX_ONLY = pytest.mark.skipif(os.name == "nt", reason="the fake python is a shell script")


def makefile_targets() -> tuple[list[str], list[str], dict[str, list[str]]]:
    """The Makefile's .PHONY list, its rules in order, and each rule's recipe lines."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    phony = re.search(r"^\.PHONY:(.*)$", text, re.MULTILINE).group(1).split()
    rules, recipes, current = [], {}, None
    for line in text.splitlines():
        rule = re.match(r"^([\w.-]+):(?!=)", line)
        if rule and rule.group(1) != ".PHONY":
            current = rule.group(1)
            rules.append(current)
            recipes[current] = []
        elif line.startswith("\t") and current:
            recipes[current].append(line.strip())
    return phony, rules, recipes


def test_the_makefile_and_make_py_offer_the_same_commands():
    phony, rules, recipes = makefile_targets()
    assert rules == list(make.TARGETS), "the Makefile's rules and make.TARGETS differ"
    assert sorted(phony) == sorted(make.TARGETS)
    for name in rules:  # each one runs make.py's command of the same name, nothing else
        assert recipes[name] == ["@$(MAKE_PY) $@"], f"{name}: {recipes[name]}"


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in make.TARGETS if f"make {name}`" not in readme]
    assert not missing, f"README.md does not mention: {missing}"


def test_make_py_test_builds_the_book_and_runs_the_browser_tests(monkeypatch):
    commands = []
    monkeypatch.setattr(make, "run", lambda *command, env=None: commands.append(command))
    monkeypatch.setattr(make, "BOOK_INSTALLED", ROOT / "pyproject.toml")  # tools "installed"
    make.TARGETS["test"][0]()
    text = [" ".join(map(str, command)) for command in commands]
    steps = [
        next(i for i, c in enumerate(text) if "pytest tests notebooks" in c),
        next(i for i, c in enumerate(text) if c.endswith("book/build.py")),
        next(i for i, c in enumerate(text) if c.endswith("pytest tests/ui")),
    ]
    assert steps == sorted(steps), text  # unit tests and notebooks, the book, then the browser


def test_an_unknown_command_lists_them_all(capsys):
    assert make.main(["tset"]) == 2
    out = capsys.readouterr().out
    assert "got tset" in out and all(name in out for name in make.TARGETS)


# -- Pythons and systems ------------------------------------------------------------------


@pytest.mark.parametrize(
    "version, system, machine",
    [((3, 12, 4), "Darwin", "x86_64"), ((3, 13, 1), "Darwin", "arm64"), ((3, 13, 1), "Linux", "")],
)
def test_supported_combinations_pass(version, system, machine):
    assert make.python_problem(version, system, machine) is None


def test_an_intel_mac_with_python_3_13_is_told_to_use_3_12():
    message = make.python_problem((3, 13, 2), "Darwin", "x86_64")
    assert "Intel Mac" in message and "2.16.2" in message
    assert "`python3.12 make.py lab`" in message


def test_windows_with_python_3_14_is_told_which_py_to_run():
    message = make.python_problem((3, 14, 0), "Windows", "AMD64", command="test")
    assert "Python 3.14.0 has no TensorFlow release" in message
    assert "`py -3.12 make.py test`" in message


def refused_before_pip(tmp_path: Path, version: tuple, system: str, machine: str) -> str:
    """Run make.py setup in a process that looks like `system` with Python `version`;
    anything that would run pip or create .venv fails the test."""
    code = textwrap.dedent(
        f"""
        import platform, sys
        sys.path.insert(0, {str(ROOT)!r})
        import make
        platform.system = lambda: {system!r}
        platform.machine = lambda: {machine!r}
        sys.version_info = {version!r}
        make.VENV = make.Path({str(tmp_path / ".venv")!r})
        def no(*command, **options):
            raise SystemExit("ran " + " ".join(map(str, command)))
        make.run = no
        make.main(["lab"])
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1, result
    assert "ran " not in result.stderr and not (tmp_path / ".venv").exists()
    return result.stderr


def test_make_py_refuses_an_intel_mac_with_python_3_13_before_pip(tmp_path):
    message = refused_before_pip(tmp_path, (3, 13, 0, "final", 0), "Darwin", "x86_64")
    assert "Intel Mac" in message and "python3.12 make.py lab" in message


def test_make_py_refuses_python_3_14_on_windows_before_pip(tmp_path):
    message = refused_before_pip(tmp_path, (3, 14, 0, "final", 0), "Windows", "AMD64")
    assert "py -3.12 make.py lab" in message


def test_a_long_windows_path_without_long_paths_is_refused_with_the_setting():
    def venv(length: int) -> Path:  # a clone folder path of `length` characters
        return Path("C:/Users/" + "x" * (length - len("C:/Users/"))) / ".venv"

    message = make.long_path_problem(venv(72), enabled=False)
    assert "LongPathsEnabled" in message and "Enable Win32 long paths" in message
    assert "C:\\src\\mnist-cnn" in message
    assert make.long_path_problem(venv(72), enabled=True) is None
    assert make.long_path_problem(venv(71), enabled=False) is None


# -- a stale .venv --------------------------------------------------------------------------


def fake_venv(folder: Path, script: str | None) -> Path:
    """A venv folder whose python is `script` (a shell script), or has none."""
    bin_folder = folder / ("Scripts" if os.name == "nt" else "bin")
    bin_folder.mkdir(parents=True)
    (folder / "pyvenv.cfg").write_text("home = /gone/python/bin\nversion = 3.11.7\n")
    if script is not None:
        python = make.venv_python(folder)
        python.write_text("#!/bin/sh\n" + script)
        python.chmod(0o755)
    return folder


def test_a_venv_without_python_is_explained_with_how_to_remove_it(tmp_path):
    state = make.inspect_venv(fake_venv(tmp_path / ".venv", None))
    assert "not a working virtual environment" in state["problem"]
    assert "rm -rf .venv" in state["problem"] and "rmdir /s /q .venv" in state["problem"]


@POSIX_ONLY
def test_a_venv_whose_python_is_gone_is_explained(tmp_path):
    state = make.inspect_venv(fake_venv(tmp_path / ".venv", "exit 127\n"))
    assert "does not start" in state["problem"] and "/gone/python/bin" in state["problem"]
    assert "rm -rf .venv" in state["problem"]


@POSIX_ONLY
def test_a_venv_made_by_an_unsupported_python_is_explained(tmp_path):
    answer = json.dumps({"version": [3, 14, 0], "missing": []})
    state = make.inspect_venv(fake_venv(tmp_path / ".venv", f"echo '{answer}'\n"))
    assert "made by Python 3.14.0" in state["problem"] and "rm -rf .venv" in state["problem"]


def test_a_venv_without_pip_is_detected_and_pip_added(tmp_path):
    """What `uv venv` and `uv sync` leave: a working Python with no pip."""
    venv = tmp_path / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    state = make.inspect_venv(venv)
    assert tuple(state["version"]) == tuple(sys.version_info[:3])
    assert "pip" in state["missing"] and "mnist-cnn" in state["missing"]
    assert not make._has_pip(venv)
    make.ensure_pip(venv)
    assert make._has_pip(venv)
    assert "pip" not in make.inspect_venv(venv)["missing"]


def test_a_complete_venv_needs_nothing():
    """The environment these tests run in was set up by make.py (or CI's own steps)."""
    if Path(sys.prefix).resolve() != make.VENV.resolve():
        pytest.skip("not running from the project's .venv")
    assert make.inspect_venv()["missing"] == []


# -- JupyterLab's settings and the git filter --------------------------------------------


def test_settings_for_a_quiet_first_start_are_installed_into_the_venv(tmp_path):
    make.install_settings(tmp_path)
    written = json.loads((tmp_path / "share/jupyter/lab/settings/overrides.json").read_text())
    notification = written["@jupyterlab/apputils-extension:notification"]
    assert notification == {"fetchNews": "false", "checkForUpdates": False}
    schema = Path(sys.prefix, "share/jupyter/lab/schemas/@jupyterlab/apputils-extension")
    if (schema / "notification.json").exists():  # the keys are JupyterLab's own
        properties = json.loads((schema / "notification.json").read_text())["properties"]
        assert set(notification) <= set(properties)
        fetch_news = properties["fetchNews"]  # JupyterLab 4.2 lists an enum, 4.3+ oneOf
        choices = fetch_news.get("enum") or [choice["const"] for choice in fetch_news["oneOf"]]
        assert "false" in choices


def git(folder: Path, *arguments: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def executed_copy(notebook: dict) -> dict:
    """`notebook` as Jupyter saves it after a run: outputs, counts, the Python's details."""
    ran = json.loads(json.dumps(notebook))
    for count, cell in enumerate(c for c in ran["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = count + 1
        cell["outputs"] = [{"name": "stdout", "output_type": "stream", "text": ["ran\n"]}]
        cell["metadata"]["execution"] = {"iopub.status.busy": "2026-11-30T00:00:00Z"}
    ran["metadata"]["language_info"] = {
        "codemirror_mode": {"name": "ipython", "version": 3},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3",
        "version": "3.11.7",
    }
    ran["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    return ran


@pytest.fixture
def repository(tmp_path) -> Path:
    """A git repository holding the project's .gitattributes and its first notebook."""
    pytest.importorskip("nbstripout")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    folder = tmp_path / "repo"
    (folder / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / ".gitattributes", folder / ".gitattributes")
    shutil.copy(ROOT / "notebooks" / "01_explore_mnist.ipynb", folder / "notebooks")
    git(folder, "init", "--quiet")
    git(folder, "add", ".")
    git(folder, "commit", "--quiet", "-m", "start")
    return folder


def save_executed(folder: Path) -> None:
    path = folder / "notebooks" / "01_explore_mnist.ipynb"
    ran = executed_copy(json.loads(path.read_text(encoding="utf-8")))
    path.write_text(json.dumps(ran, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def server_config() -> dict:
    """tools/jupyter_server_config.py run as Jupyter runs it: {"hook": ..., "config": ...}."""
    from traitlets.config import Config

    config = Config()
    namespace = {"get_config": lambda: config}
    source = (ROOT / "tools" / "jupyter_server_config.py").read_text(encoding="utf-8")
    exec(compile(source, "jupyter_server_config.py", "exec"), namespace)
    return {"hook": namespace["refresh_git_index"], "config": config, "namespace": namespace}


def saved(folder: Path, hook) -> bool:
    """Call the server's post-save hook as Jupyter calls it after saving the notebook."""
    path = folder / "notebooks" / "01_explore_mnist.ipynb"
    return hook(os_path=str(path), model={"type": "notebook"}, contents_manager=None)


def test_the_server_config_installs_the_post_save_hook():
    loaded = server_config()
    assert loaded["config"].FileContentsManager.post_save_hook is loaded["hook"]


def test_the_trust_warning_is_dropped_only_for_notebooks_without_outputs(tmp_path):
    import logging

    quiet = server_config()["namespace"]["NothingToTrust"](root=str(tmp_path))
    plain = {"cells": [{"cell_type": "code", "outputs": [], "source": "1"}]}
    ran = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "stream"}]}]}
    (tmp_path / "plain.ipynb").write_text(json.dumps(plain))
    (tmp_path / "ran.ipynb").write_text(json.dumps(ran))

    def warning(message, *args):
        return logging.LogRecord("ServerApp", logging.WARNING, "", 0, message, args, None)

    assert not quiet.filter(warning("Notebook %s is not trusted", "plain.ipynb"))
    assert quiet.filter(warning("Notebook %s is not trusted", "ran.ipynb"))
    assert quiet.filter(warning("Notebook %s is not trusted", "missing.ipynb"))
    assert quiet.filter(warning("Something else about %s", "plain.ipynb"))
    config = server_config()["config"]
    assert config.ServerApp.tornado_settings["ws_ping_timeout"] == 30_000


def test_a_saved_run_leaves_git_status_clean_once_set_up(repository):
    assert make.configure_git(repository, python=sys.executable)
    save_executed(repository)
    assert git(repository, "diff") == ""  # the filter: nothing but outputs changed...
    # ...yet git lists the file, having seen its size change (it skips the filter then).
    assert "01_explore_mnist.ipynb" in git(repository, "status", "--porcelain")
    assert saved(repository, server_config()["hook"])
    assert git(repository, "status", "--porcelain") == ""
    assert git(repository, "diff", "--cached") == ""  # nothing staged: the same content


def test_an_edited_notebook_still_shows_as_modified(repository):
    make.configure_git(repository, python=sys.executable)
    path = repository / "notebooks" / "01_explore_mnist.ipynb"
    notebook = executed_copy(json.loads(path.read_text(encoding="utf-8")))
    notebook["cells"][0]["source"].append("\nMy own note.\n")
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert not saved(repository, server_config()["hook"])
    assert git(repository, "status", "--porcelain") == " M notebooks/01_explore_mnist.ipynb\n"
    assert "My own note." in git(repository, "diff")


def test_without_the_filter_a_saved_run_is_a_change(repository):
    save_executed(repository)
    assert not saved(repository, server_config()["hook"])
    assert "01_explore_mnist.ipynb" in git(repository, "status", "--porcelain")


def test_outside_git_the_hook_does_nothing(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_explore_mnist.ipynb").write_text("{}")
    assert not saved(tmp_path, server_config()["hook"])


def test_the_committed_notebooks_are_what_the_filter_writes():
    """Otherwise `git status` would show untouched notebooks as modified after setup."""
    pytest.importorskip("nbstripout")
    command = make.strip_command(sys.executable)
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        original = path.read_bytes()
        result = subprocess.run(shlex.split(command), input=original, capture_output=True)
        assert result.returncode == 0, result.stderr
        assert result.stdout == original, f"nbstripout changes {path.name}"


def test_the_gitattributes_name_the_filter_for_notebooks():
    attributes = (ROOT / ".gitattributes").read_text(encoding="utf-8")
    assert re.search(r"^\*\.ipynb .*filter=nbstripout", attributes, re.MULTILINE)


def test_uv_lock_is_ignored_on_purpose():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    result = subprocess.run(["git", "check-ignore", "-q", "uv.lock"], cwd=ROOT)
    assert result.returncode == 0, "uv.lock would show as untracked after `uv run`"
