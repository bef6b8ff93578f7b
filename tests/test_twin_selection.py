"""The twin mechanism: environment switches select the implementation, never silently."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import btcore
from _dist_env import subprocess_env
from btcore import _twin


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def test_require_extensions_means_compiled_is_in_use() -> None:
    if not _flag("BTCORE_REQUIRE_EXTENSIONS"):
        assert btcore.COMPILED is _twin.COMPILED
        return
    assert btcore.COMPILED is True
    probe = _twin.load_compiled("_probe")
    # the compiled module is a shared library, not a .py/.pyx from a source tree
    assert Path(probe.__file__).suffix in (".so", ".pyd"), probe.__file__
    assert probe.compiled() is True
    assert _twin.load("_probe").compiled() is True


def test_no_extensions_selects_pure_twins() -> None:
    if not _flag("BTCORE_NO_EXTENSIONS"):
        return
    assert btcore.COMPILED is False
    assert _twin.load("_probe").compiled() is False


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = subprocess_env(keep_btcore_switches=False)
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=clean, cwd=str(Path.home())
    )


def test_env_switch_in_subprocess_selects_pure() -> None:
    out = _run("import btcore; print(btcore.COMPILED)", BTCORE_NO_EXTENSIONS="1")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_both_switches_at_once_is_an_error() -> None:
    out = _run("import btcore", BTCORE_NO_EXTENSIONS="1", BTCORE_REQUIRE_EXTENSIONS="1")
    assert out.returncode != 0
    assert "BTCORE_NO_EXTENSIONS" in out.stderr and "BTCORE_REQUIRE_EXTENSIONS" in out.stderr
