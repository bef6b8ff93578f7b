"""The ``btcore`` command line: ``btcore run`` (a complete multi-timeframe backtest with a report),
``btcore preflight`` and ``btcore health``. See docs/CLI.md.

:func:`main` is the console entry point; :func:`run_backtest` runs one :class:`RunConfig` from
Python and writes its report.
"""

from __future__ import annotations

from .config import RunConfig, build_config
from .engine import run_backtest
from .main import main

__all__ = ["main", "run_backtest", "RunConfig", "build_config"]
