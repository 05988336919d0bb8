"""What installing the project does: one TensorFlow, supported Pythons only, one version,
and an environment.yml that matches pyproject.toml. None of this needs the network: pip
resolves against stub wheels the tests write."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

import mnist_cnn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT))
import lowest_constraints  # noqa: E402

import make  # noqa: E402

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
TENSORFLOWS = {"tensorflow", "tensorflow-cpu", "tensorflow-intel", "tensorflow-macos", "tf-nightly"}


def stub_wheel(folder: Path, name: str, version: str, requires: list[str] = ()) -> None:
    """A wheel holding only metadata: enough for pip to resolve it."""
    dist = f"{re.sub(r'[-_.]+', '_', name)}-{version}"
    info = f"{dist}.dist-info"
    extras = sorted({m for r in requires for m in re.findall(r'extra == "(\w+)"', r)})
    metadata = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        + "".join(f"Provides-Extra: {extra}\n" for extra in extras)
        + "".join(f"Requires-Dist: {requirement}\n" for requirement in requires)
    )
    with zipfile.ZipFile(folder / f"{dist}-py3-none-any.whl", "w") as wheel:
        wheel.writestr(f"{info}/METADATA", metadata)
        wheel.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        )
        wheel.writestr(f"{info}/RECORD", "")


def project_requires() -> list[str]:
    """Requires-Dist lines as setuptools writes them from pyproject's [project] table."""
    project = PYPROJECT["project"]
    lines = list(project["dependencies"])
    for extra, requirements in project["optional-dependencies"].items():
        for line in requirements:
            requirement = Requirement(line)
            marker = f"({requirement.marker}) and " if requirement.marker else ""
            requirement.marker = None
            lines.append(f'{requirement}; {marker}extra == "{extra}"')
    return lines


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    """A folder of stub wheels: the project, every dependency at its lowest version, and
    both TensorFlow distributions (so a `tensorflow-cpu` requirement would resolve too)."""
    folder = tmp_path_factory.mktemp("wheels")
    for requirement in lowest_constraints.requirements():
        lowest = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        stub_wheel(folder, requirement.name, (lowest or ["1.0"])[0])
    for name in TENSORFLOWS - {"tensorflow"}:
        stub_wheel(folder, name, "2.21.0")
    stub_wheel(folder, "tensorflow", "2.21.0")
    stub_wheel(folder, "mnist-cnn", mnist_cnn.__version__, project_requires())
    return folder


def pip(venv_python: Path, *arguments: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pip", "--python", str(venv_python), *arguments]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}\n{result.stderr}"
    return result


def new_venv(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    scripts = folder / ("Scripts" if sys.platform == "win32" else "bin")
    return scripts / ("python.exe" if sys.platform == "win32" else "python")


def would_install(venv_python: Path, index: Path, tmp_path: Path, what: str) -> set[str]:
    report = tmp_path / "report.json"
    pip(
        venv_python,
        "install",
        "--dry-run",
        "--quiet",
        "--no-index",
        "--find-links",
        str(index),
        "--report",
        str(report),
        what,
    )
    return {item["metadata"]["name"].lower() for item in json.loads(report.read_text())["install"]}


@pytest.mark.parametrize("what", ["mnist-cnn", "mnist-cnn[lab,test]"])
def test_installing_next_to_tensorflow_installs_no_second_tensorflow(index, tmp_path, what):
    venv_python = new_venv(tmp_path / "venv")
    pip(venv_python, "install", "--quiet", "--no-index", "--find-links", str(index), "tensorflow")
    installed = would_install(venv_python, index, tmp_path, what)
    assert "mnist-cnn" in installed and "keras" in installed
    assert not installed & TENSORFLOWS, f"would install {sorted(installed & TENSORFLOWS)}"


def test_installing_into_an_empty_environment_brings_one_tensorflow(index, tmp_path):
    venv_python = new_venv(tmp_path / "venv")
    installed = would_install(venv_python, index, tmp_path, "mnist-cnn")
    assert installed & TENSORFLOWS == {"tensorflow"}


def imports_of(folder: Path) -> dict[str, set[str]]:
    """Every module a package's files import, by file: absolute imports by their top-level
    name, relative ones as `mnist_cnn.<module>`."""
    import ast

    found = {}
    for path in folder.rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level:
                base = package[: len(package) - node.level + 1]
                names.add(".".join(base + ([node.module] if node.module else [])))
            elif isinstance(node, ast.ImportFrom):
                names.add(node.module.split(".")[0])
        found[module] = names
    return found


def test_the_requirements_name_every_package_the_code_imports():
    """Read from the code itself: every third-party import is a declared dependency."""
    from importlib.metadata import packages_distributions

    declared = {Requirement(line).name.lower() for line in PYPROJECT["project"]["dependencies"]}
    providers = packages_distributions()
    missing = set()
    for names in imports_of(ROOT / "mnist_cnn").values():
        for name in names:
            if name.startswith("mnist_cnn") or name in sys.stdlib_module_names:
                continue
            if not {d.lower() for d in providers.get(name, [name])} & declared:
                missing.add(name)
    assert not missing, f"imported but not declared in [project] dependencies: {missing}"


def test_the_package_has_no_import_cycle():
    """Modules import each other one way only (data -> split, never back), at module level
    or inside functions."""
    graph = {
        module: {name for name in names if name.startswith("mnist_cnn.")}
        for module, names in imports_of(ROOT / "mnist_cnn").items()
    }

    def reaches(start, goal, seen):
        return any(
            step == goal or (step not in seen and reaches(step, goal, seen | {step}))
            for step in graph.get(start, ())
        )

    cycles = sorted(module for module in graph if reaches(module, module, {module}))
    assert not cycles, f"modules on an import cycle: {cycles}"


def test_unsupported_pythons_are_refused_at_install_and_by_make_py():
    allowed = SpecifierSet(PYPROJECT["project"]["requires-python"])
    for version in ("3.10.0", "3.11.7", "3.12.1", "3.13.0"):
        assert version in allowed
        assert make.python_problem(tuple(map(int, version.split(".")))) is None
    for version in ("3.9.18", "3.14.0", "3.15.0"):
        assert version not in allowed
        message = make.python_problem(tuple(map(int, version.split("."))))
        assert message and f"Python {version}" in message and "3.10 to 3.13" in message
    assert "no TensorFlow release" in make.python_problem((3, 14, 0))


def colab_versions() -> dict[str, str]:
    """{name: version} of Colab's packages, as .ci/colab-stack.txt records them."""
    lines = (ROOT / ".ci" / "colab-stack.txt").read_text(encoding="utf-8").splitlines()
    pins = [Requirement(line) for line in lines if line and not line.startswith("#")]
    return {pin.name.lower(): str(pin.specifier).removeprefix("==") for pin in pins}


def test_the_core_requirements_accept_colabs_own_versions():
    """So the notebooks' setup cell installs nothing over Colab's TensorFlow, Keras, numpy
    or ipywidgets (Colab's front end renders ipywidgets 7 only)."""
    colab = colab_versions()
    assert colab["ipywidgets"].startswith("7."), "Colab's record should hold ipywidgets 7"
    for line in PYPROJECT["project"]["dependencies"]:
        requirement = Requirement(line)
        name = requirement.name.lower()
        if name in colab:
            assert colab[name] in requirement.specifier, f"{line} would replace Colab's {name}"
    lab = [Requirement(line) for line in PYPROJECT["project"]["optional-dependencies"]["lab"]]
    assert any(r.name == "ipywidgets" and "8.1" in str(r.specifier) for r in lab)


def test_the_version_is_written_once():
    assert "version" not in PYPROJECT["project"]
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    dynamic = PYPROJECT["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "mnist_cnn.__version__"}
    from importlib.metadata import version

    assert version("mnist-cnn") == mnist_cnn.__version__


def test_environment_yml_matches_pyproject():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda, pip_section = {}, []
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            pip_section += entry["pip"]
        else:
            requirement = Requirement(entry.replace(" ", ""))
            conda[requirement.name] = requirement.specifier
    assert conda.pop("python") == SpecifierSet(PYPROJECT["project"]["requires-python"])
    assert conda.pop("pip") == SpecifierSet()
    assert pip_section == ["-e .[lab,test]"]  # TensorFlow and Keras come from PyPI
    expected = {}
    for requirement in lowest_constraints.requirements():
        if requirement.name in ("tensorflow", "keras") or requirement.marker is not None:
            continue  # from PyPI through the pip section; markers are for older Pythons
        expected[requirement.name] = requirement.specifier
    assert conda == expected


def test_the_lowest_constraints_pin_every_bound():
    pins = lowest_constraints.lowest_pins()
    assert pins["tensorflow"] == "2.16" and pins["keras"] == "3.5"
    bounded = [r for r in lowest_constraints.requirements() if r.specifier and not r.marker]
    assert set(pins) >= {r.name for r in bounded}


def test_binder_builds_a_supported_python_and_installs_the_project():
    environment = yaml.safe_load((ROOT / "binder" / "environment.yml").read_text(encoding="utf-8"))
    pythons = [entry for entry in environment["dependencies"] if str(entry).startswith("python=")]
    assert len(pythons) == 1, "repo2docker needs exactly one python=X.Y"
    version = pythons[0].removeprefix("python=")
    assert f"{version}.0" in SpecifierSet(PYPROJECT["project"]["requires-python"])
    post_build = ROOT / "binder" / "postBuild"
    assert 'pip install --no-cache-dir -e ".[lab]"' in post_build.read_text(encoding="utf-8")
    assert "make.install_settings(pathlib.Path(sys.prefix))" in post_build.read_text("utf-8")
    if sys.platform != "win32":
        assert post_build.stat().st_mode & 0o111, "postBuild must be executable"
