"""Print a pip constraints file that pins every dependency to its lowest declared version.

    python tools/lowest_constraints.py > lowest.txt
    python -m pip install -c lowest.txt -e ".[lab,test]"

CI's lowest-versions job does this, so the `>=` bounds in pyproject.toml are tested, not
guessed. Requirements whose environment markers do not apply to this Python and platform
are left out; so are those without a lower bound.
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


def main() -> int:
    print("# Lowest declared versions, from pyproject.toml (tools/lowest_constraints.py)")
    for name, version in sorted(lowest_pins().items()):
        print(f"{name}=={version}.*")  # the lowest release line: tensorflow 2.16 is 2.16.1
    return 0


if __name__ == "__main__":
    sys.exit(main())
