"""The project's commands, the same on Windows, macOS and Linux (the Makefile runs these too).

    python make.py COMMAND        (Windows: py make.py COMMAND; with make: make COMMAND)

Every command but `clean` first sets up .venv when it is missing or out of date: it checks
this Python and system, creates .venv, installs the project with its `lab` and `test` extras,
installs JupyterLab's settings into .venv and tells git to strip notebook outputs
(nbstripout, named in .gitattributes). Only the standard library is used here: this runs
before anything is installed. `python make.py` alone lists the commands.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

#: TensorFlow ships wheels for these Pythons (keep in step with requires-python in pyproject.toml).
OLDEST, NEWEST = (3, 10), (3, 13)
#: Intel Macs: TensorFlow stopped at 2.16.2, whose wheels are for Python 3.9 to 3.12.
NEWEST_INTEL_MAC = (3, 12)
#: The longest path inside TensorFlow's wheel (2.16-2.21), counted from site-packages.
LONGEST_TENSORFLOW_PATH = 163
WINDOWS_MAX_PATH = 260
ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
INSTALLED = VENV / ".installed"
BOOK_INSTALLED = VENV / ".book-installed"
NBVAL = ["--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout=900"]
LINTED = ["mnist_cnn", "tests", "benchmarks", "tools", "make.py", "book"]
#: What `setup` installs and later checks is still there (uv's `sync` removes what its
#: lock does not name, pip included).
NEEDED = ["mnist-cnn", "pip", "jupyterlab", "ipykernel", "pytest", "nbval", "nbstripout"]
#: JupyterLab settings for a quiet first start: no question about Jupyter's news, no check
#: for updates (pip owns the version in .venv).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}
}
SERVER_CONFIG = ROOT / "tools" / "jupyter_server_config.py"
#: What nbstripout removes beyond outputs and execution counts: what Jupyter writes about the
#: Python that ran the notebook (the committed notebooks name only the language).
STRIPPED_KEYS = " ".join(
    f"metadata.language_info.{key}"
    for key in (
        "codemirror_mode",
        "file_extension",
        "mimetype",
        "nbconvert_exporter",
        "pygments_lexer",
        "version",
    )
)


def scripts_folder(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


def venv_python(venv: Path = VENV) -> Path:
    return scripts_folder(venv) / ("python.exe" if os.name == "nt" else "python")


VENV_PYTHON = venv_python()


# -- checks made before anything is installed -------------------------------------------


def _version_text(version) -> str:
    return ".".join(str(part) for part in tuple(version)[:3])


def _with(python: str, command: str = "lab", system: str | None = None) -> str:
    """How to run `command` with another Python, on this system."""
    system = system or platform.system()
    version = python.removeprefix("python")
    if system == "Windows":
        return f"`py -{version} make.py {command}`"
    return f"`{python} make.py {command}` (with make: `make {command} PYTHON={python}`)"


def python_problem(
    version: tuple[int, ...],
    system: str | None = None,
    machine: str | None = None,
    command: str = "lab",
) -> str | None:
    """Why this Python on this system cannot run the project, or None when it can."""
    system = system or platform.system()
    machine = (machine or platform.machine()).lower()
    found = _version_text(version)
    oldest, newest = (".".join(map(str, v)) for v in (OLDEST, NEWEST))
    install = "Install one (python.org, pyenv, `uv python install 3.12` or conda) and run"
    if not OLDEST <= tuple(version[:2]) <= NEWEST:
        reason = "is too old" if tuple(version[:2]) < OLDEST else "has no TensorFlow release yet"
        return (
            f"Python {found} {reason}: mnist-cnn needs Python {oldest} to {newest}. {install} "
            f"this with it, e.g. {_with('python3.12', command, system)}."
        )
    if system == "Darwin" and machine in ("x86_64", "i386") and version[:2] > NEWEST_INTEL_MAC:
        return (
            f"Python {found} on an Intel Mac: TensorFlow's last release for Intel Macs (2.16.2) "
            f"has wheels for Python 3.10 to 3.12 only, so pip would find no TensorFlow. "
            f"{install} this with it, e.g. {_with('python3.12', command, system)}."
        )
    return None


def long_paths_enabled() -> bool:
    """Windows' LongPathsEnabled setting (True elsewhere: only Windows has the limit)."""
    if os.name != "nt":
        return True
    import winreg

    try:
        folder = r"SYSTEM\CurrentControlSet\Control\FileSystem"
        key = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, folder)
        return winreg.QueryValueEx(key, "LongPathsEnabled")[0] == 1
    except OSError:
        return False


def long_path_problem(venv: Path = VENV, enabled: bool | None = None) -> str | None:
    """Why TensorFlow's files would not fit under `venv` on Windows, or None."""
    if enabled is None:
        enabled = long_paths_enabled()
    site_packages = venv / "Lib" / "site-packages"
    longest = len(str(site_packages)) + 1 + LONGEST_TENSORFLOW_PATH
    if enabled or longest < WINDOWS_MAX_PATH:
        return None
    return (
        f"TensorFlow's files would not fit: its deepest file is {LONGEST_TENSORFLOW_PATH} "
        f"characters below {site_packages}, {longest} in all, and Windows stops at "
        f"{WINDOWS_MAX_PATH} unless long paths are on. Either turn them on (as administrator, "
        f"in PowerShell: New-ItemProperty -Path "
        f'"HKLM:\\SYSTEM\\CurrentControlSet\\Control\\FileSystem" -Name "LongPathsEnabled" '
        f'-Value 1 -PropertyType DWORD -Force; or Group Policy "Enable Win32 long paths"), or '
        f"clone the repository into a short folder such as C:\\src\\mnist-cnn."
    )


#: Run by .venv's Python: what setup needs to know about it, as one line of JSON.
PROBE = """
import json, sys
from importlib import metadata
missing = []
for name in NAMES:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        missing.append(name)
print(json.dumps({"version": list(sys.version_info[:3]), "missing": missing}))
"""


def inspect_venv(venv: Path = VENV, needed=tuple(NEEDED)) -> dict:
    """What is in `venv`: {"exists", "version", "missing"} or {"exists", "problem"}."""
    python = venv_python(venv)
    remove = (
        f"Remove it (`rmdir /s /q {venv.name}` on Windows, `rm -rf {venv.name}` elsewhere) and "
        f"run this again: it is rebuilt from scratch."
    )
    if not venv.exists():
        return {"exists": False}
    if not (venv / "pyvenv.cfg").exists() or not python.exists():
        return {
            "exists": True,
            "problem": f"{venv} is not a working virtual environment: it has no {python.name} "
            f"in {python.parent.name}/ (made on another system, or half deleted). {remove}",
        }
    probe = PROBE.replace("NAMES", repr(list(needed)))
    try:
        command = [python, "-I", "-c", probe]  # -I: not this folder's mnist_cnn.egg-info
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        state = json.loads(result.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError):
        home = _pyvenv_cfg(venv).get("home", "?")
        return {
            "exists": True,
            "problem": f"{venv}'s Python does not start: it was made by a Python (in {home}) "
            f"that has since been removed or moved. {remove}",
        }
    version = tuple(state["version"])
    problem = python_problem(version)
    if problem:
        return {
            "exists": True,
            "problem": f"{venv} was made by Python {_version_text(version)}, which cannot run "
            f"the project. {remove}\n{problem}",
        }
    return {"exists": True, "version": version, "missing": state["missing"]}


def _pyvenv_cfg(venv: Path) -> dict[str, str]:
    try:
        lines = (venv / "pyvenv.cfg").read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    return {k.strip(): v.strip() for k, _, v in (line.partition("=") for line in lines)}


# -- setting up .venv --------------------------------------------------------------------


def run(*command: object, env: dict | None = None) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    result = subprocess.run([str(part) for part in command], cwd=ROOT, env=env)
    if result.returncode:
        sys.exit(result.returncode)


def ensure_pip(venv: Path = VENV) -> None:
    """Add pip to a `venv` made without it (`uv venv`, `uv sync`), from Python's own copy."""
    print(f"{venv.name} has no pip (uv makes environments without it); adding it.", flush=True)
    result = subprocess.run([venv_python(venv), "-m", "ensurepip", "--upgrade"], cwd=ROOT)
    if result.returncode:
        sys.exit(
            f"{venv} has no pip and its Python cannot add it (no ensurepip module). Remove "
            f"{venv.name} and run this again, or install with uv: `uv pip install -e "
            f'".[lab,test]"`.'
        )


def install_settings(venv: Path = VENV) -> None:
    """Jupyter's settings, where Jupyter in `venv` reads them: JupyterLab's for a quiet first
    start, and the server's (tools/jupyter_server_config.py) for a clean `git status`."""
    files = {
        venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json": (
            json.dumps(LAB_SETTINGS, indent=2) + "\n"
        ),
        venv / "etc" / "jupyter" / "jupyter_server_config.py": SERVER_CONFIG.read_text("utf-8"),
    }
    for path, text in files.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")


def strip_command(python: Path | str) -> str:
    """The git clean filter that strips a notebook's outputs with nbstripout."""
    return f"{Path(python).as_posix()} -m nbstripout --keep-id --extra-keys '{STRIPPED_KEYS}'"


def configure_git(root: Path = ROOT, python: Path | str | None = None) -> bool:
    """Point the nbstripout filter named in .gitattributes at .venv's nbstripout.

    The path is relative to the checkout (git runs filters from its top folder), so every
    worktree and clone uses its own .venv. Returns False outside a git checkout.
    """
    if shutil.which("git") is None or not (root / ".git").exists():
        return False
    if python is None:
        python = venv_python(root / ".venv").relative_to(root)
    settings = {
        "filter.nbstripout.clean": strip_command(python),
        "filter.nbstripout.smudge": "cat",
        "diff.ipynb.textconv": f"{Path(python).as_posix()} -m nbstripout -t",
    }
    for key, value in settings.items():
        subprocess.run(["git", "config", key, value], cwd=root, check=True)
    return True


def up_to_date(state: dict) -> bool:
    pyproject = ROOT / "pyproject.toml"
    fresh = INSTALLED.exists() and INSTALLED.stat().st_mtime >= pyproject.stat().st_mtime
    return fresh and not state.get("missing")


def setup(command: str = "setup") -> None:
    """Create .venv with this Python and install the project, when pyproject.toml changed
    or something it needs went missing; then install the settings and the git filter."""
    problem = python_problem(sys.version_info, command=command)
    if problem:
        sys.exit(problem)
    state = inspect_venv()
    if "problem" in state:
        sys.exit(state["problem"])
    if state["exists"] and tuple(state["version"][:2]) != sys.version_info[:2]:
        print(
            f"note: {VENV.name} was made by Python {_version_text(state['version'])}, so it "
            f"keeps that one; remove {VENV.name} to rebuild it with this Python "
            f"({_version_text(sys.version_info)}).",
            flush=True,
        )
    if not up_to_date(state):
        problem = long_path_problem()
        if problem:
            sys.exit(problem)
        if not state["exists"]:
            run(sys.executable, "-m", "venv", VENV)
        elif state["missing"]:
            print(f"{VENV.name} lacks {', '.join(state['missing'])}: installing.", flush=True)
        if "pip" in state.get("missing", ["pip"]) and not _has_pip(VENV):
            ensure_pip()
        install(VENV)
        INSTALLED.touch()
    install_settings()
    configure_git()


def _has_pip(venv: Path) -> bool:
    check = [venv_python(venv), "-c", "import pip"]
    return subprocess.run(check, capture_output=True).returncode == 0


def install(venv: Path) -> None:
    python = venv_python(venv)
    run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    # Environments made before 0.1 depended on tensorflow-cpu; both wheels write the same
    # `tensorflow` folder, so drop it before `tensorflow` is installed next to it.
    has_cpu_build = "import importlib.metadata as m; m.version('tensorflow-cpu')"
    if subprocess.run([python, "-c", has_cpu_build], capture_output=True).returncode == 0:
        run(python, "-m", "pip", "uninstall", "--yes", "--quiet", "tensorflow-cpu")
    run(python, "-m", "pip", "install", "--quiet", "-e", ".[lab,test]")


# -- the commands ------------------------------------------------------------------------


def tool(name: str) -> Path:
    return scripts_folder(VENV) / (f"{name}.exe" if os.name == "nt" else name)


def pytest(*arguments: str, env: dict | None = None, python: Path = VENV_PYTHON) -> None:
    run(python, "-m", "pytest", *arguments, env=env)


def lab_command(python: Path = VENV_PYTHON) -> list[str]:
    """JupyterLab on notebooks/, as `make lab` starts it."""
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0  # JupyterLab refuses root without it
    return [str(python), "-m", "jupyterlab", "--ServerApp.root_dir=notebooks"] + (
        ["--allow-root"] if as_root else []
    )


def lab() -> None:
    run(*lab_command())


def book() -> None:
    """The static book in _build/book/; the book's tools are installed on first use."""
    pyproject = ROOT / "pyproject.toml"
    if not BOOK_INSTALLED.exists() or BOOK_INSTALLED.stat().st_mtime < pyproject.stat().st_mtime:
        run(VENV_PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[book]")
        run(VENV_PYTHON, "book/build.py", "--fetch-scripts")
        BOOK_INSTALLED.touch()
    run(VENV_PYTHON, "book/build.py")


def test() -> None:
    test_fast()
    book()
    pytest("tests/ui")


def test_fast() -> None:
    pytest("tests", "notebooks", *NBVAL, "--ignore=tests/ui")


def test_book() -> None:
    book()
    pytest("tests/ui/test_book.py", "tests/ui/test_browser_forward_pass.py")


def screenshots() -> None:
    book()
    pytest("tests/ui", env={**os.environ, "MNIST_CNN_SCREENSHOTS": "docs/images"})


def lint() -> None:
    run(tool("ruff"), "check", *LINTED, "notebooks")
    run(tool("ruff"), "format", "--check", *LINTED)


def format_code() -> None:
    run(tool("ruff"), "format", *LINTED)
    run(tool("ruff"), "check", "--fix", *LINTED)


def benchmark() -> None:
    run(VENV_PYTHON, "benchmarks/data_load.py")
    run(VENV_PYTHON, "benchmarks/training.py")


CLEANED = [".venv", ".venv-colab", ".venv-lowest", ".pytest_cache", "build", "_build"]


def clean() -> None:
    for name in [*CLEANED, "test-artifacts", *(p.name for p in ROOT.glob("*.egg-info"))]:
        path = ROOT / name
        if path.exists():
            print(f"removing {name}", flush=True)
            shutil.rmtree(path)


# -- the two other stacks CI tests: Colab's, and the lowest versions pyproject allows ------

COLAB_VENV, LOWEST_VENV = ROOT / ".venv-colab", ROOT / ".venv-lowest"
COLAB_STACK = ROOT / ".ci" / "colab-stack.txt"
#: Test tools Colab does not have, installed under Colab's versions of what they need.
COLAB_TEST_TOOLS = [
    "pytest",
    "nbval",
    "hypothesis",
    "pytest-timeout",
    "pyyaml",
    "packaging",
    "colorspacious",  # tests/test_palette.py
]


def _fresh_venv(venv: Path) -> Path:
    problem = python_problem(sys.version_info, command=f"test-{venv.name[6:]}")
    if problem:
        sys.exit(problem)
    if venv.exists():
        shutil.rmtree(venv)
    run(sys.executable, "-m", "venv", venv)
    return venv_python(venv)


def _versions(python: Path, names: list[str]) -> dict[str, str]:
    code = (
        "import json, sys, importlib.metadata as m; "
        "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"
    )
    result = subprocess.run([python, "-c", code, *names], capture_output=True, text=True)
    return json.loads(result.stdout)


def test_colab() -> None:
    """Colab's published versions (.ci/colab-stack.txt), the project installed over them as
    the notebooks' setup cell does, then the unit tests and every notebook."""
    python = _fresh_venv(COLAB_VENV)
    run(python, "-m", "pip", "install", "--quiet", "-r", COLAB_STACK)
    colab = {
        line.split("==")[0].lower(): line.split("==")[1]
        for line in COLAB_STACK.read_text(encoding="utf-8").splitlines()
        if "==" in line and not line.startswith("#")
    }
    run(python, "-m", "pip", "install", "--quiet", "-e", ".")  # what the setup cell does
    kept = ["tensorflow", "keras", "numpy", "ipywidgets", "anywidget", "plotly", "ipykernel"]
    now = _versions(python, kept)
    changed = {name: f"{colab[name]} -> {now[name]}" for name in kept if now[name] != colab[name]}
    if changed:
        sys.exit(f"installing mnist-cnn changed Colab's own packages: {changed}")
    print(f"Colab's packages kept: {now}", flush=True)
    run(python, "-m", "pip", "install", "--quiet", "-c", COLAB_STACK, *COLAB_TEST_TOOLS)
    pytest("tests", "notebooks", *NBVAL, "--ignore=tests/ui", python=python)


def test_lowest() -> None:
    """Every direct dependency at the lowest version pyproject.toml allows (uv's
    `--resolution lowest-direct`), then the unit tests and every notebook."""
    python = _fresh_venv(LOWEST_VENV)
    run(python, "-m", "pip", "install", "--quiet", "uv")  # a resolver that can pick the floor
    uv = scripts_folder(LOWEST_VENV) / ("uv.exe" if os.name == "nt" else "uv")
    pins = LOWEST_VENV / "lowest.txt"
    run(
        uv, "pip", "compile", "--quiet", "pyproject.toml", "--extra", "lab", "--extra", "test",
        "--resolution", "lowest-direct", "--python", python, "--output-file", pins,
    )  # fmt: skip
    run(uv, "pip", "install", "--python", python, "-r", pins)
    run(uv, "pip", "install", "--python", python, "--no-deps", "-e", ".")
    print(pins.read_text(encoding="utf-8"), flush=True)
    pytest("tests", "notebooks", *NBVAL, "--ignore=tests/ui", python=python)


#: Every command: what it does (shown by `python make.py`), and whether .venv is set up first.
TARGETS: dict[str, tuple[Callable[[], None], str]] = {
    "setup": (lambda: None, "create .venv and install the project (every command does it first)"),
    "lab": (lab, "open the notebooks in JupyterLab"),
    "train": (lambda: run(VENV_PYTHON, "-m", "mnist_cnn", "train"), "train the tutorial's CNN"),
    "test": (test, "every test: unit, notebooks, the static book, the browser tests"),
    "test-fast": (test_fast, "unit tests and notebooks, without a browser"),
    "test-unit": (lambda: pytest("tests", "--ignore=tests/ui"), "the unit tests only"),
    "test-notebooks": (lambda: pytest("notebooks", *NBVAL), "every notebook under nbval"),
    "test-ui": (lambda: pytest("tests/ui"), "the browser tests (needs chromium)"),
    "test-book": (test_book, "build the book, then read it in Chromium"),
    "test-colab": (test_colab, "unit tests and notebooks with Colab's packages (.venv-colab)"),
    "test-lowest": (test_lowest, "unit tests and notebooks at the lowest versions allowed"),
    "book": (book, "the static book in _build/book/"),
    "screenshots": (screenshots, "regenerate docs/images/ from the browser tests"),
    "lint": (lint, "ruff check and ruff format --check"),
    "format": (format_code, "ruff format and ruff check --fix"),
    "benchmark": (benchmark, "data loading and training speed against their targets"),
    "clean": (clean, "remove .venv, .venv-colab, .venv-lowest and what the build left"),
}
#: Commands that need no .venv of the project's.
WITHOUT_SETUP = {"clean", "test-colab", "test-lowest"}


def usage() -> str:
    lines = [f"  {name:<15} {text}" for name, (_, text) in TARGETS.items()]
    return __doc__ + "\nCommands:\n" + "\n".join(lines)


def main(arguments: list[str]) -> int:
    if len(arguments) != 1 or arguments[0] not in TARGETS:
        print(usage())
        given = " ".join(arguments) or "nothing"
        print(f"\nGive one command of: {', '.join(TARGETS)} (got {given}).")
        return 2
    command = arguments[0]
    started = time.monotonic()
    if command not in WITHOUT_SETUP:
        setup(command)
    TARGETS[command][0]()
    if command.startswith("test"):
        print(f"make.py {command}: done in {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
