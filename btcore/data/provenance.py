"""Provenance strings for indicator metadata: computed once per process, injectable.

No subprocess is ever started and no optional package is imported: the code version is read from
``BTCORE_CODE_VERSION`` or from the git files of the working directory's repository (``HEAD``,
loose or packed refs), the pandas-ta version from the installed distribution's metadata. Both are
cached; :func:`set_provenance` overrides them (e.g. with a release tag) and
:func:`reset_provenance` clears the cache.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Optional

__all__ = ["get_code_version", "get_pandas_ta_version", "set_provenance", "reset_provenance"]

_OVERRIDES: dict[str, str] = {}


def _git_dir(start: Path) -> Optional[Path]:
    for folder in (start, *start.parents):
        candidate = folder / ".git"
        if candidate.is_dir():
            return candidate
        if candidate.is_file():  # worktree / submodule: "gitdir: <path>"
            text = candidate.read_text(encoding="utf-8", errors="replace").strip()
            if text.startswith("gitdir:"):
                return (folder / text[len("gitdir:"):].strip()).resolve()
    return None


def _read_commit(git_dir: Path) -> Optional[str]:
    head = (git_dir / "HEAD").read_text(encoding="utf-8", errors="replace").strip()
    if not head.startswith("ref:"):
        return head or None
    ref = head[len("ref:"):].strip()
    common = git_dir
    commondir = git_dir / "commondir"
    if commondir.is_file():
        common = (git_dir / commondir.read_text(encoding="utf-8").strip()).resolve()
    for base in (git_dir, common):
        loose = base / ref
        if loose.is_file():
            return loose.read_text(encoding="utf-8", errors="replace").strip() or None
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1] == ref:
                return parts[0]
    return None


@lru_cache(maxsize=1)
def _detected_code_version() -> str:
    env = os.environ.get("BTCORE_CODE_VERSION", "").strip()
    if env:
        return env
    try:
        git_dir = _git_dir(Path.cwd())
        commit = _read_commit(git_dir) if git_dir else None
    except OSError:
        commit = None
    return commit[:12] if commit else "unknown"


@lru_cache(maxsize=1)
def _detected_pandas_ta_version() -> str:
    for dist in ("pandas_ta", "pandas-ta"):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return "not_installed"


def get_code_version() -> str:
    """First 12 hex chars of the current git commit, or ``"unknown"`` (cached; no subprocess)."""
    return _OVERRIDES.get("code_version") or _detected_code_version()


def get_pandas_ta_version() -> str:
    """Installed pandas-ta version, ``"not_installed"`` if absent (cached; nothing imported)."""
    return _OVERRIDES.get("pandas_ta_version") or _detected_pandas_ta_version()


def set_provenance(code_version: Optional[str] = None, pandas_ta_version: Optional[str] = None) -> None:
    """Inject provenance strings used by new metadata and exports (``None`` keeps the current)."""
    if code_version is not None:
        _OVERRIDES["code_version"] = str(code_version)
    if pandas_ta_version is not None:
        _OVERRIDES["pandas_ta_version"] = str(pandas_ta_version)


def reset_provenance() -> None:
    """Forget injected values and cached detections."""
    _OVERRIDES.clear()
    _detected_code_version.cache_clear()
    _detected_pandas_ta_version.cache_clear()
