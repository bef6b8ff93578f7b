"""Run btcore's test suite against the INSTALLED package, never against the source tree.

Copies ``tests/`` (and what tests read: ``examples/``, ``docs/``, README, CHANGELOG) into a
temporary directory outside the checkout, checks that ``import btcore`` there resolves to site-packages and
not to the checkout, and runs pytest with ``BTCORE_REQUIRE_EXTENSIONS=1`` so a wheel whose
extensions are missing or do not import fails instead of silently falling back to the
pure-Python twins.

Usage (with the Python of the environment the wheel is installed in)::

    python ci/run_wheel_tests.py [--tests quick|full] [extra pytest arguments]

``quick`` (the default when ``CI`` is set) runs a small but real subset: twin selection, stub
check, the Cython example and the first view and loop test files; ``full`` runs everything.
Used by cibuildwheel's ``test-command`` and by ``ci/wheel_smoke.sh``; works on Linux, macOS and
Windows.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Files of the quick subset; a glob matching several files contributes its first file (sorted),
# a pattern matching nothing is skipped (the module may not exist yet in an older checkout).
QUICK = [
    "test_twin_selection.py",
    "test_dist_stubs.py",
    "test_dist_cython_example.py",
    "test_view_*.py",
    "test_loop_*.py",
]


def _quick_files(tests: Path) -> list[str]:
    chosen: list[str] = []
    for pattern in QUICK:
        matches = sorted(tests.glob(pattern))
        if matches:
            chosen.append(str(matches[0].relative_to(tests.parent)))
    return chosen


def _stage(workdir: Path) -> Path:
    """Copy the tests (and what they read) into ``workdir``; return the copied tests folder."""
    shutil.copytree(ROOT / "tests", workdir / "tests",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    # examples/ (the Cython example is compiled by a test) and docs/ (tests compare the documented
    # tables with the code) are read by tests too
    for folder in ("examples", "docs"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, workdir / folder,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "build", "*.c", "*.so", "*.pyd"))
    # pytest options and markers live in pyproject.toml (there is no package beside it here); the
    # documentation tests read README and CHANGELOG.
    for name in ("pyproject.toml", "README.md", "CHANGELOG.md"):
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, workdir / name)
    # Tests find the real data file beside the checkout (../shared/data) and skip without it.
    shared = ROOT.parent / "shared"
    if shared.is_dir():
        try:
            (workdir.parent / "shared").symlink_to(shared, target_is_directory=True)
        except OSError:  # no symlinks (Windows without privilege): those tests skip
            pass
    return workdir / "tests"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BTCORE_NO_EXTENSIONS", "PYTHONPATH")}
    env["BTCORE_REQUIRE_EXTENSIONS"] = "1"
    return env


def _check_installed(cwd: Path, env: dict[str, str]) -> None:
    code = ("import btcore, btcore._core._probe as p; "
            "print(btcore.__version__, btcore.COMPILED, btcore.__file__, p.__file__, sep='\\n')")
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"cannot import the installed btcore with BTCORE_REQUIRE_EXTENSIONS=1:\n{out.stderr}")
    version, compiled, pkg_file, probe_file = out.stdout.split("\n")[:4]
    print(f"btcore {version} from {Path(pkg_file).parent} (compiled core: {compiled})")
    if Path(pkg_file).resolve().is_relative_to(ROOT):
        sys.exit(f"'import btcore' resolved to the source tree ({pkg_file}), not the installed package")
    if compiled != "True" or not probe_file.endswith((".so", ".pyd")):
        sys.exit(f"the installed btcore is not using its compiled core (probe module: {probe_file})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", choices=["quick", "full"],
                        default="quick" if os.environ.get("CI") else "full")
    args, pytest_args = parser.parse_known_args(argv)

    base = Path(tempfile.mkdtemp(prefix="btcore-wheel-tests-"))
    try:
        workdir = base / "run"
        workdir.mkdir()
        tests = _stage(workdir)
        env = _env()
        _check_installed(workdir, env)
        selection = _quick_files(tests) if args.tests == "quick" else ["tests"]
        print(f"running the {args.tests} test selection from {workdir}: {' '.join(selection)}",
              flush=True)
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *selection, *pytest_args]
        return subprocess.run(cmd, cwd=workdir, env=env).returncode
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
