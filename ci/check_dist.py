"""Check the contents of a btcore sdist or wheel against the source tree.

Usage::

    python ci/check_dist.py sdist dist/btcore-X.tar.gz
    python ci/check_dist.py wheel dist/btcore-X-cp311-...whl
    python ci/check_dist.py snapshot DEST     # copy the project's files (git-tracked) to DEST

``snapshot`` lets ``ci/wheel_smoke.sh`` build from a frozen copy: in a checkout where work goes
on, files that appear during a build would otherwise make the contents check race the build.

The expected files are derived from the source tree, so a new compiled module is checked without
editing this script:

- the sdist holds every ``.py``, ``.pyx``, ``.pxi``, ``.pxd`` and ``.pyi`` under ``btcore/``, ``py.typed``,
  the test suite, README, pyproject and setup.py, and no generated C, object or shared library
  (Cython is a build requirement: the C is generated at build time for the target Python);
- the wheel holds one compiled extension per ``btcore/_core/*.pyx``, every ``.pxd`` (so Cython
  strategies can ``cimport`` btcore) and ``.pyi`` (type checkers), ``py.typed``, and no
  generated C.

Prints one line per check; exits non-zero with the list of problems if any check fails.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]
EXT_SUFFIXES = (".so", ".pyd")
GENERATED = (".c", ".cpp", ".o", ".obj")


def _tree_files(folder: str) -> list[Path]:
    """Files under ``folder`` that belong to the project.

    In a git checkout these are the tracked files (work in progress that is not committed yet is
    not expected in a release); elsewhere (an unpacked sdist) every file present.
    """
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--", folder], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
        files = [ROOT / f for f in out.split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = list((ROOT / folder).rglob("*"))
    return [p for p in files if p.is_file() and "__pycache__" not in p.parts]


def _source_files(*suffixes: str) -> list[str]:
    """Package files with these suffixes, as posix paths relative to ROOT."""
    return sorted(p.relative_to(ROOT).as_posix() for p in _tree_files("btcore") if p.suffix in suffixes)


def _compiled_modules() -> list[str]:
    return sorted(PurePosixPath(f).stem for f in _source_files(".pyx") if f.startswith("btcore/_core/"))


def _report(ok: bool, what: str, problems: list[str], detail: str = "") -> None:
    print(f"  [{'ok' if ok else 'FAIL'}] {what}{(': ' + detail) if detail else ''}")
    if not ok:
        problems.append(f"{what}{(': ' + detail) if detail else ''}")


def _check_absent(names: list[str], suffixes: tuple[str, ...], what: str, problems: list[str]) -> None:
    bad = [n for n in names if n.endswith(suffixes)]
    _report(not bad, what, problems, ", ".join(bad[:10]))


def check_sdist(path: Path) -> list[str]:
    """Problems found in the sdist at ``path`` (empty when it is complete and clean)."""
    problems: list[str] = []
    with tarfile.open(path) as tf:
        members = [m.name for m in tf.getmembers() if m.isfile()]
    # strip the leading "btcore-X.Y.Z/" directory
    names = sorted(str(PurePosixPath(*PurePosixPath(n).parts[1:])) for n in members)
    have = set(names)
    print(f"sdist {path.name}: {len(names)} files, {path.stat().st_size / 1024:.0f} KiB")

    for label, suffixes in (("Cython sources (.pyx)", (".pyx",)), ("Cython includes (.pxi)", (".pxi",)),
                            ("C declarations (.pxd)", (".pxd",)),
                            ("type stubs (.pyi)", (".pyi",)), ("Python modules (.py)", (".py",))):
        expected = _source_files(*suffixes)
        missing = [f for f in expected if f not in have]
        _report(not missing, f"{label}: {len(expected)} expected", problems,
                ("missing " + ", ".join(missing)) if missing else "")
    tests = sorted(p.relative_to(ROOT).as_posix() for p in _tree_files("tests"))
    missing = [f for f in tests if f not in have]
    _report(not missing, f"test suite and its data: {len(tests)} files", problems,
            ("missing " + ", ".join(missing)) if missing else "")
    required = ["README.md", "LICENSE", "pyproject.toml", "setup.py", "btcore/py.typed"]
    required += [p.relative_to(ROOT).as_posix() for p in _tree_files("examples")
                 if p.suffix not in GENERATED + EXT_SUFFIXES]
    missing = [f for f in required if f not in have]
    _report(not missing, "README, LICENSE, pyproject, setup.py, py.typed, examples", problems,
            ("missing " + ", ".join(missing)) if missing else "")
    _check_absent(names, GENERATED, "no generated C / object files", problems)
    _check_absent(names, EXT_SUFFIXES, "no compiled extension modules", problems)
    return problems


def check_wheel(path: Path) -> list[str]:
    """Problems found in the wheel at ``path`` (empty when it is complete and clean)."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as zf:
        names = sorted(zf.namelist())
    have = set(names)
    print(f"wheel {path.name}: {len(names)} files, {path.stat().st_size / 1024:.0f} KiB")

    _report("-none-any" not in path.name, "platform-specific tag (not py3-none-any)", problems,
            path.name.split("-", 2)[-1])
    modules = _compiled_modules()
    missing = []
    for name in modules:
        prefix = f"btcore/_core/{name}."
        if not any(n.startswith(prefix) and n.endswith(EXT_SUFFIXES) for n in names):
            missing.append(name)
    _report(bool(modules) and not missing, f"compiled modules: {', '.join(modules) or 'none found'}",
            problems, ("missing " + ", ".join(missing)) if missing else "")
    no_stub = [m for m in modules if f"btcore/_core/{m}.pyi" not in have]
    _report(not no_stub, "a .pyi stub for every compiled module", problems,
            ("missing for " + ", ".join(no_stub)) if no_stub else "")
    for label, suffix in (("C declarations (.pxd)", ".pxd"), ("type stubs (.pyi)", ".pyi")):
        expected = _source_files(suffix)
        absent = [f for f in expected if f not in have]
        _report(not absent, f"{label}: {len(expected)} expected", problems,
                ("missing " + ", ".join(absent)) if absent else "")
    _report("btcore/py.typed" in have, "py.typed marker", problems)
    _check_absent(names, GENERATED, "no generated C / object files", problems)
    return problems


def snapshot(dest: Path) -> int:
    """Copy the project's files (tracked ones in a git checkout) to ``dest``; return their count."""
    folders = ["btcore", "btcore_cli", "tests", "examples", "docs", "ci"]
    files = [p for folder in folders for p in _tree_files(folder)]
    files += [ROOT / n for n in ("README.md", "CHANGELOG.md", "LICENSE", "MANIFEST.in", "pyproject.toml", "setup.py")
              if (ROOT / n).is_file()]
    for src in files:
        target = dest / src.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    return len(files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["sdist", "wheel", "snapshot"])
    parser.add_argument("path", type=Path)
    args = parser.parse_args(argv)
    if args.kind == "snapshot":
        print(f"  {snapshot(args.path)} files copied to {args.path}")
        return 0
    problems = (check_sdist if args.kind == "sdist" else check_wheel)(args.path)
    if problems:
        print(f"{args.kind} check FAILED ({len(problems)} problem(s)):", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
