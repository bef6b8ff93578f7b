"""Check the wheels cibuildwheel would build: CPython 3.11-3.14 and 3.14t on every platform.

``cibuildwheel --print-build-identifiers`` reads ``[tool.cibuildwheel]`` of pyproject.toml and
lists the builds without building (no Docker needed). This script runs it for each platform with
the architectures of ci/wheels.yml's runners and compares the result with the supported matrix
below, so a changed ``build``/``skip`` selector or a cibuildwheel upgrade that drops or adds a
wheel fails CI instead of silently changing what is released.

Usage::

    python ci/check_build_identifiers.py              # needs cibuildwheel on PATH
    python ci/check_build_identifiers.py --version    # the cibuildwheel version ci/wheels.yml pins
"""

from __future__ import annotations

import argparse
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
        if got != want:
            failed = True
            if want - got:
                print(f"  {platform}: missing {' '.join(sorted(want - got))}", file=sys.stderr)
            if got - want:
                print(f"  {platform}: unexpected {' '.join(sorted(got - want))}", file=sys.stderr)
    if failed:
        print("the cibuildwheel build list differs from the supported matrix (see above)", file=sys.stderr)
        return 1
    print(f"  {total} wheels: {', '.join(PYTHONS)} on {sum(len(p[1]) for p in PLATFORMS.values())} platform tags")
    return 0


if __name__ == "__main__":
    sys.exit(main())
