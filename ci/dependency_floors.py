"""The lowest versions pyproject.toml allows, as pins, so CI can install and test them together.

Reads ``[project] dependencies`` (and the ``polars`` extra) and turns every ``name>=X`` into
``name==X``. A requirement of another form (no floor, an environment marker, an upper bound) is
an error: its lowest allowed version would not be tested, so the range would not be known true.

Usage::

    python ci/dependency_floors.py            # print the pins, one per line (a constraints file)
    python ci/dependency_floors.py --check    # exit 1 unless exactly those versions are installed
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTRAS = ("polars",)
FLOOR = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*>=\s*([0-9]+(?:\.[0-9]+)*)$")


def floors() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in EXTRAS:
        requirements += project["optional-dependencies"][extra]
    pins: dict[str, str] = {}
    for req in requirements:
        match = FLOOR.match(req.strip())
        if not match:
            sys.exit(f"pyproject.toml: {req!r} is not of the form 'name>=X'; its floor cannot be tested")
        pins[match.group(1).lower()] = match.group(2)
    return pins


def _release(version: str) -> tuple[int, ...]:
    parts = [int(p) for p in re.match(r"[0-9]+(?:\.[0-9]+)*", version).group(0).split(".")]  # type: ignore[union-attr]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="check the installed versions are the floors")
    args = parser.parse_args(argv)
    pins = floors()
    if not args.check:
        print("\n".join(f"{name}=={version}" for name, version in pins.items()))
        return 0
    wrong = []
    for name, version in pins.items():
        try:
            installed = md.version(name)
        except md.PackageNotFoundError:
            installed = "not installed"
        print(f"  {name:<8} floor {version:<8} installed {installed}")
        if installed == "not installed" or _release(installed) != _release(version):
            wrong.append(name)
    if wrong:
        print(f"not at their floors: {', '.join(wrong)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
