"""The ``btcore`` command line: ``btcore run`` (a complete multi-timeframe backtest with a report),
``btcore preflight`` and ``btcore health``. See docs/CLI.md.

:func:`main` is the console entry point; :func:`run_backtest` runs one :class:`RunConfig` from
Python and writes its report.
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING, Any

from .main import main

if TYPE_CHECKING:
    from .config import RunConfig, build_config
    from .engine import run_backtest

__all__ = ["main", "run_backtest", "RunConfig", "build_config"]

# config and engine import pandas: bound on first use, so `btcore --help` does not wait for it
_LAZY = {"RunConfig": ".config", "build_config": ".config", "run_backtest": ".engine"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value
