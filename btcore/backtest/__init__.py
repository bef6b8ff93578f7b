"""A complete backtest from Python: ``Backtest(data, strategy, **settings).run()`` → :class:`Result`.

The layer between the per-bar core (view, loop, state tracker) and the report: the settings
(:class:`RunConfig`), the simulated exchange, indicators, the rule language, strategies,
statistics and the orchestration of a run. Nothing here writes a file unless asked
(``result.save(folder)``, ``result.plot()``). Parameter sweeps: ``Backtest.optimize(grid)`` and
:func:`sweep`. See docs/BACKTEST.md and docs/SWEEPS.md.
"""

from __future__ import annotations

import pandas as pd

from .api import Backtest
from .checks import CheckFailed
from .config_file import build_config, load_toml
from .exchange import SimExchange
from .indicators import INDICATORS, IndicatorSpec
from .result import Result
from .settings import DEFAULT_INDICATORS, DEFAULT_RULES, SAMPLE_PATH, SIZINGS, RunConfig
from .stats import STAT_KEYS
from .strategies import Strategy
from .sweep import STAT_COLUMNS, sweep

__all__ = [
    "Backtest", "Result", "RunConfig", "Strategy", "CheckFailed", "SimExchange", "IndicatorSpec", "INDICATORS",
    "DEFAULT_INDICATORS", "DEFAULT_RULES", "SAMPLE_PATH", "SIZINGS", "STAT_KEYS", "build_config", "load_toml",
    "load_sample", "sweep", "STAT_COLUMNS",
]


def load_sample() -> pd.DataFrame:
    """The bundled sample (BTCUSDT 1m bars, 2020-03-02 to 2020-03-30) as a canonical pandas frame."""
    from ..data.loaders import load_ohlcv

    return load_ohlcv(SAMPLE_PATH)
