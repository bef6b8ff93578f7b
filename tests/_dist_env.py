"""Helpers of the distribution tests: subprocesses that see the same btcore as the test session.

The session may import an installed wheel (CI, ``ci/run_wheel_tests.py``) or an in-place build
(``python -m pytest`` in a checkout); a subprocess started from a temporary directory must import
that same package, and mypy/stubtest must read that package's ``.pyi`` and ``.pxd`` files.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import btcore

# pandas and pyarrow ship no type information. Their stubs are separate distributions that
# btcore does not depend on, so they are skipped even where installed: the result of a check must
# not depend on whether pandas-stubs happens to be present (a clean install has none).
MYPY_CONFIG = """\
[mypy]
python_version = {major}.{minor}
[mypy-pandas.*,pyarrow.*,ray.*,distributed.*,dask.*]
ignore_missing_imports = True
follow_imports = skip
follow_imports_for_stubs = True
"""


def package_parent() -> str:
    """The directory holding the imported ``btcore`` package (site-packages or a checkout)."""
    return str(Path(btcore.__file__).resolve().parents[1])


def subprocess_env(keep_btcore_switches: bool = True) -> dict[str, str]:
    """``os.environ`` with the imported btcore first on ``PYTHONPATH``.

    ``keep_btcore_switches=False`` drops the ``BTCORE_*`` variables (type checks want the
    compiled modules whatever the session selected).
    """
    env = {k: v for k, v in os.environ.items() if keep_btcore_switches or not k.startswith("BTCORE_")}
    env["PYTHONPATH"] = os.pathsep.join([package_parent(), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def write_mypy_config(directory: Path) -> Path:
    """A mypy config for this interpreter's version (pandas/pyarrow are ``Any``, see above)."""
    path = directory / "mypy.ini"
    path.write_text(MYPY_CONFIG.format(major=sys.version_info[0], minor=sys.version_info[1]))
    return path
