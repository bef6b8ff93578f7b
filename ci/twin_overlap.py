"""Lines written twice: for each compiled module (or Cython include) and its pure twin, the lines in runs of 4 or
more equal lines (whitespace folded, blank lines and comments dropped), by difflib.

    python ci/twin_overlap.py [--max N] [--detail]

Exits 1 when the total exceeds ``--max``.
"""

from __future__ import annotations

import argparse
import difflib
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1] / "btcore"
MIN_RUN = 4


def _lines(path: pathlib.Path) -> list[str]:
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = " ".join(raw.split())
        if not line or line.startswith("#"):
            continue
        out.append(line)
    return out


def shared_lines(compiled: pathlib.Path, pure: pathlib.Path) -> int:
    a, b = _lines(compiled), _lines(pure)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks() if block.size >= MIN_RUN)


def pairs() -> list[tuple[pathlib.Path, pathlib.Path]]:
    found = []
    # a .pxi is part of the module that includes it, written as the twin of a pure module of its name
    for pyx in sorted([*(ROOT / "_core").glob("*.pyx"), *(ROOT / "_core").glob("*.pxi")]):
        twin = ROOT / "_pure" / (pyx.stem + ".py")
        if twin.exists():
            found.append((pyx, twin))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=None, help="fail when the total is above this")
    parser.add_argument("--detail", action="store_true", help="one line per module pair")
    args = parser.parse_args(argv)
    total = 0
    for pyx, py in pairs():
        n = shared_lines(pyx, py)
        total += n
        if args.detail:
            print(f"{pyx.stem:<16} {n:>5}")
    print(f"lines written twice: {total}")
    if args.max is not None and total > args.max:
        print(f"above the limit of {args.max}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
