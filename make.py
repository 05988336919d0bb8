"""The Makefile's commands without `make`, the same on Windows, macOS and Linux.

    python make.py lab        set up .venv (first time only) and open the notebooks in JupyterLab
    python make.py test       set up .venv (first time only) and run every test
    python make.py test-fast  unit tests and notebooks, without the browser tests
    python make.py setup      only create .venv and install the project into it

On Windows type `py make.py lab` if `python` is not on PATH. `make setup` runs this script
too, so both routes build the same environment. Only the standard library is used here:
this runs before anything is installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: TensorFlow ships wheels for these Pythons (keep in step with requires-python in pyproject.toml).
OLDEST, NEWEST = (3, 10), (3, 13)
ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
VENV_PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
INSTALLED = VENV / ".installed"  # the Makefile's marker too
NBVAL = ["--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout=900"]


def python_problem(version: tuple[int, ...]) -> str | None:
    """Why this Python cannot run the project, or None when it can."""
    found = ".".join(str(part) for part in version[:3])
    if OLDEST <= tuple(version[:2]) <= NEWEST:
        return None
    oldest, newest = (".".join(map(str, v)) for v in (OLDEST, NEWEST))
    reason = "is too old" if tuple(version[:2]) < OLDEST else "has no TensorFlow release yet"
    return (
        f"Python {found} {reason}: mnist-cnn needs Python {oldest} to {newest}. Install one "
        f"(python.org, pyenv, `uv python install 3.12` or conda) and run this with it, e.g. "
        f"`python3.12 make.py lab` (Windows: `py -3.12 make.py lab`; make: `make lab "
        f"PYTHON=python3.12`)."
    )


def run(*command: object) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    result = subprocess.run([str(part) for part in command], cwd=ROOT)
    if result.returncode:
        sys.exit(result.returncode)


def setup() -> None:
    """Create .venv with this Python and install the project, when pyproject.toml changed."""
    problem = python_problem(sys.version_info)
    if problem:
        sys.exit(problem)
    pyproject = ROOT / "pyproject.toml"
    if INSTALLED.exists() and INSTALLED.stat().st_mtime >= pyproject.stat().st_mtime:
        return
    if not VENV_PYTHON.exists():
        run(sys.executable, "-m", "venv", VENV)
    run(VENV_PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    # Environments made before 0.1 depended on tensorflow-cpu; both wheels write the same
    # `tensorflow` folder, so drop it before `tensorflow` is installed next to it.
    has_cpu_build = "import importlib.metadata as m; m.version('tensorflow-cpu')"
    if subprocess.run([VENV_PYTHON, "-c", has_cpu_build], capture_output=True).returncode == 0:
        run(VENV_PYTHON, "-m", "pip", "uninstall", "--yes", "--quiet", "tensorflow-cpu")
    run(VENV_PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[lab,test]")
    INSTALLED.touch()


def pytest(*arguments: str) -> None:
    run(VENV_PYTHON, "-m", "pytest", *arguments)


def lab() -> None:
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0  # JupyterLab refuses root without it
    run(
        VENV_PYTHON,
        "-m",
        "jupyterlab",
        "--ServerApp.root_dir=notebooks",
        *(["--allow-root"] if as_root else []),
    )


TARGETS = {
    "setup": lambda: None,
    "lab": lab,
    "test": lambda: (
        pytest("tests", "notebooks", *NBVAL, "--ignore=tests/ui"),
        pytest("tests/ui"),
    ),
    "test-fast": lambda: pytest("tests", "notebooks", *NBVAL, "--ignore=tests/ui"),
    "test-unit": lambda: pytest("tests", "--ignore=tests/ui"),
    "test-notebooks": lambda: pytest("notebooks", *NBVAL),
    "test-ui": lambda: pytest("tests/ui"),
}


def main(arguments: list[str]) -> int:
    if len(arguments) != 1 or arguments[0] not in TARGETS:
        print(__doc__)
        given = " ".join(arguments) or "nothing"
        print(f"Give one command of: {', '.join(TARGETS)} (got {given}).")
        return 2
    setup()
    TARGETS[arguments[0]]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
