"""JSON and CSV files of a report, and the folder they go into.

A report is written into a temporary folder beside its destination and renamed at the end
(:class:`StagedFolder`), so a folder with the final name is always complete; an existing
destination is refused unless replacing it was asked for.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Any, Mapping, Optional

import numpy as np
from numpy.typing import NDArray
import pandas as pd

from ..errors import ConfigError

__all__ = ["iso_utc", "write_json", "write_csv", "check_destination", "safe_name", "StagedFolder"]


def iso_utc(ms: Any) -> NDArray[Any]:
    """ISO-8601 UTC strings (``2020-01-01T00:15:00+00:00``) of epoch-ms values, vectorised."""
    text = np.datetime_as_string(np.asarray(ms, dtype=np.int64).astype("datetime64[ms]"), unit="s")
    return np.char.add(text, "+00:00")


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return None if not math.isfinite(float(obj)) else float(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, pd.Timedelta):
        return obj.isoformat()
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    return str(obj)


def _finite(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def write_json(path: Path, obj: Any) -> None:
    """Indented UTF-8 JSON; numpy values converted, NaN and infinities written as null."""
    text = json.dumps(_finite(json.loads(json.dumps(obj, default=_json_default))), indent=2, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def write_csv(path: Path, df: pd.DataFrame) -> None:
    """CSV with a header row through pyarrow's C++ writer (pandas' float formatting takes seconds
    for the half a million rows of a 1m run); empty cells for missing values."""
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    pa_csv.write_csv(pa.Table.from_pandas(df, preserve_index=False), str(path))


def safe_name(text: str) -> str:
    """``text`` as one harmless file-name part: letters, digits, ``.``, ``_`` and ``-`` only, never
    starting with a dot (a symbol such as ``../../x`` or ``BTC/USDT`` cannot become a path)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip(".-") or "report"


def check_destination(out: Path, *, force: bool = False) -> None:
    """Refuse a destination that is a file, or a non-empty folder unless ``force`` (before any work)."""
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise ConfigError(f"report folder {str(out)!r} is an existing file; choose a folder path")
        if not force and any(out.iterdir()):
            raise ConfigError(f"report folder {str(out)!r} already exists and is not empty; replace it "
                              "(force=True, --force) or choose another folder")


class StagedFolder:
    """A temporary folder that becomes ``out`` on :meth:`commit`, or vanishes.

    ``unique=True``: ``out`` is a base name and the report lands in the first of ``out``,
    ``out-2``, ``out-3`` ... that is free when it is renamed (two runs in the same second get two
    folders). ``force=True``: an existing ``out`` is replaced. Used as a context manager, an
    exception (an interrupt included) removes the temporary folder.
    """

    def __init__(self, out: Path, *, force: bool = False, unique: bool = False) -> None:
        self.out, self.force, self.unique = Path(out), force, unique
        if not unique:
            check_destination(self.out, force=force)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.path = self.out.parent / f".{self.out.name}.partial-{secrets.token_hex(4)}"
        self.path.mkdir()
        self.final: Optional[Path] = None

    def __enter__(self) -> "StagedFolder":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None or self.final is None:
            self.discard()

    def discard(self) -> None:
        """Remove the temporary folder."""
        shutil.rmtree(self.path, ignore_errors=True)

    def commit(self) -> Path:
        """Rename the temporary folder to its destination and return the destination."""
        if self.unique:
            for k in range(1, 10_000):
                target = self.out if k == 1 else self.out.with_name(f"{self.out.name}-{k}")
                if target.exists():
                    continue
                try:
                    os.rename(self.path, target)  # atomic; fails if another run took the name meanwhile
                except OSError:
                    continue
                self.final = target
                return target
            raise ConfigError(f"no free report folder name like {str(self.out)!r}")
        out = self.out
        check_destination(out, force=self.force)
        old: Optional[Path] = None
        if out.exists():
            if any(out.iterdir()):
                old = out.parent / f".{out.name}.old-{secrets.token_hex(4)}"
                os.rename(out, old)
            else:
                out.rmdir()
        os.rename(self.path, out)
        if old is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(old)
        self.final = out
        return out
