"""The ``btcore`` command line: ``btcore run`` (a complete multi-timeframe backtest with a report),
``btcore preflight`` and ``btcore health``. See docs/CLI.md.

:func:`main` is the console entry point; :func:`run_backtest` runs one configured backtest from
Python and returns its summary.
"""

from __future__ import annotations

from .config import RunConfig, build_config
from .main import main


def run_backtest(*args, **kwargs):  # noqa: ANN002, ANN003 - thin lazy re-export
    """See :func:`btcore.cli.engine.run_backtest` (imported lazily: it pulls in the bar loop)."""
    from .engine import run_backtest as _run

    return _run(*args, **kwargs)


__all__ = ["main", "run_backtest", "RunConfig", "build_config"]
