"""Check the wheels cibuildwheel would build: CPython 3.11-3.14 and 3.14t on every platform.

``cibuildwheel --print-build-identifiers`` reads ``[tool.cibuildwheel]`` of pyproject.toml and
lists the builds without building (no Docker needed). This script runs it for each platform with
the architectures of ci/wheels.yml's runners and compares the result with the supported matrix
below, so a changed ``build``/``skip`` selector or a cibuildwheel upgrade that drops or adds a
wheel fails CI instead of silently changing what is released. It also resolves the test options
of every wheel (cibuildwheel's own option reader, as it will run them): every wheel is tested,
with the ``test`` extra except where an override leaves out what a platform has no wheels of.

Usage::

    python ci/check_build_identifiers.py              # needs cibuildwheel on PATH
    python ci/check_build_identifiers.py --version    # the cibuildwheel version ci/wheels.yml pins
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PYTHONS = ("cp311", "cp312", "cp313", "cp314", "cp314t")
# platform -> (architectures passed to --archs, platform tags of the wheels)
PLATFORMS = {
    "linux": ("x86_64,aarch64", ("manylinux_x86_64", "manylinux_aarch64", "musllinux_x86_64", "musllinux_aarch64")),
    "macos": ("x86_64,arm64", ("macosx_x86_64", "macosx_arm64")),
    "windows": ("AMD64", ("win_amd64",)),
}


def pinned_version() -> str:
    """The cibuildwheel release ci/wheels.yml uses (``pypa/cibuildwheel@vX.Y.Z``)."""
    text = (ROOT / "ci" / "wheels.yml").read_text(encoding="utf-8")
    match = re.search(r"pypa/cibuildwheel@v(\d+\.\d+\.\d+)", text)
    if not match:
        sys.exit("ci/wheels.yml does not pin pypa/cibuildwheel@vX.Y.Z")
    return match.group(1)


def expected(platform: str) -> set[str]:
    return {f"{py}-{tag}" for py in PYTHONS for tag in PLATFORMS[platform][1]}


def listed(platform: str) -> set[str]:
    exe = shutil.which("cibuildwheel")
    if exe is None:
        sys.exit(f"cibuildwheel is not installed: pip install 'cibuildwheel=={pinned_version()}'")
    archs = PLATFORMS[platform][0]
    out = subprocess.run([exe, "--print-build-identifiers", "--platform", platform, "--archs", archs],
                         cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"cibuildwheel --print-build-identifiers --platform {platform} failed:\n{out.stderr}")
    return set(out.stdout.split())


# identifier pattern -> test extras expected (the overrides of [tool.cibuildwheel]); first match
TEST_EXTRAS = (
    ("cp314t-musllinux_aarch64", ["test-core"]),
    ("cp314t-", ["test-core", "plot"]),
    ("-musllinux_aarch64", ["test-core", "polars"]),
    ("", ["test"]),
)


def test_problems(platform: str, identifiers: set[str]) -> list[str]:
    """Wheels that would go untested or be tested with other extras than TEST_EXTRAS says."""
    from cibuildwheel.options import CommandLineArguments, compute_options

    args = CommandLineArguments.defaults()
    args.platform, args.archs, args.package_dir = platform, PLATFORMS[platform][0], ROOT
    options = compute_options(platform=platform, command_line_arguments=args, env=os.environ)  # type: ignore[arg-type]
    problems = []
    for ident in sorted(identifiers):
        build = options.build_options(ident)
        want = next(extras for pattern, extras in TEST_EXTRAS if pattern in ident)
        extras = build.test_extras  # "[a,b]" (pip's syntax) in this release
        got = extras.strip("[]").split(",") if isinstance(extras, str) else list(extras)
        if not options.globals.test_selector(ident) or not build.test_command:
            problems.append(f"{ident}: not tested")
        elif sorted(got) != sorted(want):
            problems.append(f"{ident}: test extras {got}, expected {want}")
        elif ("cp314t" in ident) != ("not polars" in build.test_command):
            problems.append(f"{ident}: test command {build.test_command!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="store_true", help="print the pinned cibuildwheel version")
    args = parser.parse_args(argv)
    if args.version:
        print(pinned_version())
        return 0
    failed = False
    total = 0
    for platform in PLATFORMS:
        got, want = listed(platform), expected(platform)
        total += len(got)
        print(f"  {platform:<8} {len(got):>2}: {' '.join(sorted(got))}")
        for problem in test_problems(platform, got):
            failed = True
            print(f"  {problem}", file=sys.stderr)
        if got != want:
            failed = True
            if want - got:
                print(f"  {platform}: missing {' '.join(sorted(want - got))}", file=sys.stderr)
            if got - want:
                print(f"  {platform}: unexpected {' '.join(sorted(got - want))}", file=sys.stderr)
    if failed:
        print("the cibuildwheel build list differs from the supported matrix (see above)", file=sys.stderr)
        return 1
    print(f"  {total} wheels: {', '.join(PYTHONS)} on {sum(len(p[1]) for p in PLATFORMS.values())} platform tags, "
          "each tested (extras: " + "; ".join(f"{p or 'others'} {'+'.join(e)}" for p, e in TEST_EXTRAS) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
