""":class:`Backtest`: a complete backtest from Python — ``Backtest(data, strategy, **settings).run()``."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any, Mapping, Optional

from ..errors import ConfigError
from .result import Result
from .settings import RunConfig

__all__ = ["Backtest"]

_SETTING_NAMES = tuple(f.name for f in fields(RunConfig))


class Backtest:
    """A backtest of one strategy on one data set.

    Parameters
    ----------
    data : optional
        1-minute OHLCV bars: a pandas DataFrame, anything with the Arrow C stream interface (a
        polars DataFrame, a pyarrow Table), a CSV/Parquet path, or a prebuilt
        :class:`~btcore.feed.MultiTFFeedStore` (its timeframes and indicators are used as they
        are). None: the four weeks of BTCUSDT bundled with btcore. A time column ``ts`` (epoch
        ms) / ``timestamp`` / ``open_time`` or a DatetimeIndex, plus ``open, high, low, close,
        volume``.
    strategy : optional
        Rules as a dict (``long_entry``, ``long_exit``, ``short_entry``, ``short_exit``: the rule
        language of docs/CLI.md); a function ``strategy(view)`` or ``strategy(view, params)``
        returning a signal; a class (or instance) with ``init``/``next`` — e.g. a
        :class:`btcore.backtest.Strategy` subclass; a :class:`btcore.loop.CythonStrategy`; or the
        path of a ``.py`` strategy file. None: the default EMA-cross rules.
    params : mapping, optional
        Parameters of a Python strategy (a class's constructor keywords, or a function's second
        argument).
    **settings
        Any :class:`RunConfig` field: ``exec_tf``, ``mtf``, ``htf``, ``indicators``,
        ``initial_equity``, ``size_fraction``, ``sizing``, ``commission``, ``slippage``,
        ``stop_loss_pct``, ``take_profit_pct``, ``min_qty``, ``min_notional``, ``qty_step``,
        ``start``, ``end``, ``symbol`` ... validated at once (ConfigError naming the field).

    Examples
    --------
    >>> from btcore.backtest import Backtest
    >>> result = Backtest(strategy={"long_entry": "indicator.ema_fast crosses_above indicator.ema_slow",
    ...                             "long_exit": "indicator.ema_fast < indicator.ema_slow"}).run()
    >>> result.stats["sharpe"], len(result.trades)  # doctest: +SKIP
    """

    def __init__(self, data: Any = None, strategy: Any = None, *, params: Optional[Mapping[str, Any]] = None,
                 **settings: Any) -> None:
        unknown = sorted(set(settings) - set(_SETTING_NAMES))
        if unknown:
            raise ConfigError(f"unknown setting(s) {unknown}; allowed: {', '.join(_SETTING_NAMES)}")
        from ..feed import MultiTFFeedStore

        if isinstance(data, MultiTFFeedStore) and "indicators" not in settings:
            settings["indicators"] = ()
        self._strategy: Any = None  # None: the settings' rules or strategy file
        if strategy is None:
            pass
        elif isinstance(strategy, Mapping):
            settings["rules"] = dict(strategy)
        elif isinstance(strategy, (str, Path)):
            if not str(strategy).endswith(".py"):
                raise ConfigError(f"a strategy given as text must be a .py file path, got {str(strategy)!r}; "
                                  "give rules as a dict")
            settings.update(strategy_file=Path(strategy), rules={})
        else:
            self._strategy = strategy
            settings["rules"] = {}
        if params is not None and not isinstance(params, Mapping):
            raise ConfigError(f"params must be a mapping of parameter names to values, got {params!r}")
        if params and self._strategy is None:
            settings["strategy_params"] = dict(params)
        self._params = dict(params or {})
        self.settings = RunConfig(**settings)
        self.data = data

    def __repr__(self) -> str:
        s = self.settings
        return f"<Backtest {s.symbol} {s.exec_tf}/{s.mtf}/{s.htf} settings {s.id}>"

    def run(self, **params: Any) -> Result:
        """Run the backtest (nothing is written) and return its :class:`Result`.

        ``params`` override the strategy's parameters for this run.

        Raises
        ------
        ConfigError, DataError
            Bad data or a strategy that does not fit the data (e.g. a rule reading an indicator
            that is not declared).
        btcore.backtest.CheckFailed
            The data fails the preflight gate (pass ``allow_preflight_failure=True`` to run anyway).
        """
        from .engine import run_backtest

        cfg = self.settings
        merged = {**self._params, **params}
        if self._strategy is None:
            if params:
                cfg = cfg.replace(strategy_params={**cfg.strategy_params, **params})
            return run_backtest(cfg, self.data)
        return run_backtest(cfg, self.data, self._strategy, merged)
