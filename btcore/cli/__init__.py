"""The ``btcore`` command line: ``btcore run`` (a complete multi-timeframe backtest with a report),
``btcore preflight`` and ``btcore health``. See docs/CLI.md.

A thin layer: argument parsing, the TOML file, progress, console text and exit codes. The
backtest itself is :mod:`btcore.backtest`, the report :mod:`btcore.report`.
"""

from __future__ import annotations

from typing import Optional, Sequence

__all__ = ["main"]


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the ``btcore`` command with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    from .main import main as _main

    return _main(argv)
