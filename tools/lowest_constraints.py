"""The project's declared requirements and their lower bounds, read from pyproject.toml.

tests/test_packaging.py builds its stub wheels from these. The lowest-versions job itself
(`make test-lowest`) lets uv resolve the real floor (`uv pip compile --resolution
lowest-direct`): pinning each package to `==X.*` installed the newest patch of each line, not
the lowest version, and left the versions of the packages they bring in to chance.
"""

from __future__ import annotations

import sys
from pathlib import Path

from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def requirements(pyproject: Path = ROOT / "pyproject.toml", extras=("lab", "test")) -> list:
    """The project's requirements and those of `extras`, as `packaging` Requirements."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project.get("optional-dependencies", {})[extra]
    return [Requirement(line) for line in lines]


def lowest_pins(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, str]:
    """{name: lowest version} for every applicable requirement with a `>=` bound."""
    pins = {}
    for requirement in requirements(pyproject):
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        lowest = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        if lowest:
            pins[requirement.name] = lowest[0]
    return pins
