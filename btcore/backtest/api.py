""":class:`Backtest`: a complete backtest from Python — ``Backtest(data, strategy, **settings).run()``."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

import pandas as pd

from ..errors import ConfigError
from .engine import RULES
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

    # ------------------------------------------------------------------ parameter sweeps

    def optimize(self, grid: Mapping[str, Any], maximize: Any = "sharpe", constraint: Optional[Callable[..., Any]] = None,
                 executor: Any = None) -> pd.DataFrame:
        """Run every combination of ``grid`` and return one row of statistics per combination.

        The data is loaded, checked and turned into feeds once; each indicator is computed once
        per distinct (type, length, source, timeframe); the runs share the feeds read-only
        (docs/SWEEPS.md). A row's statistics are those of ``run()`` with that combination's
        settings, bit for bit, whatever the executor.

        Parameters
        ----------
        grid : mapping of str to values
            Grid key → the values to try (a list, tuple, range or array). A key names a setting
            (``commission``, ``stop_loss_pct``, ``exec_tf`` ... any :class:`RunConfig` field but
            ``data_path``, ``out``, ``plot``), an indicator field ``indicators.<name>.<field>``
            (``length``, ``type``, ``source``, ``roles``), or ``params.<name>`` for a Python
            strategy's parameter. Combinations: every value of each key with every value of the
            others (the first key varies slowest).
        maximize : str, callable or None
            The column to sort by, best first: any numeric statistic (``"sharpe"``,
            ``"total_return_pct"``, ``"max_drawdown_pct"`` ...). Rows where it is NaN go last;
            ties keep grid order. A callable gets each row (a pandas Series of the grid values
            and statistics) and returns a number, stored in a last column ``objective`` and
            sorted by. None keeps grid order.
        constraint : callable, optional
            ``constraint(values)`` with ``values`` a dict of grid key → value: combinations for
            which it returns a false value are not run (e.g. ``lambda p:
            p["indicators.ema_fast.length"] < p["indicators.ema_slow.length"]``). It runs here,
            so a lambda is fine.
        executor : optional
            None (here, one run after the other), ``"threads"``, ``"processes"``, ``"dask"``,
            ``"ray"``, or an executor object: a ``concurrent.futures`` executor, a Dask
            ``distributed.Client``, a ``ray.util.multiprocessing.Pool``, anything with
            ``submit``/``map`` (see :func:`btcore.backtest.sweep`).

        Returns
        -------
        pandas.DataFrame
            One column per grid key (named as the key; ``grid.<key>`` for a key that is also a
            statistic's name: ``start``, ``end``, ``initial_equity``), then the statistics of
            ``Result.stats`` without the loop timings (:data:`btcore.backtest.sweep.STAT_COLUMNS`); indexed by the combination's
            number in grid order (index name ``combination``) and sorted best first, so
            ``table.iloc[0]`` is the best row and ``bt.rerun(table.iloc[0])`` its full Result.
            ``table.attrs`` holds ``grid_keys``, ``grid_columns`` and ``maximize``.

        Raises
        ------
        ConfigError
            A bad grid key or value (named), an unknown ``maximize`` column, a strategy that
            cannot be sent to the executor's workers (a lambda to a process pool).
        DataError, CheckFailed
            As :meth:`run` would for any combination, before anything runs.
        """
        from .executors import run_plans
        from .grid import expand_grid
        from .sweep import prepare_sweep, stats_table

        keys, combos = expand_grid(self.settings, grid, constraint, python_strategy=self._strategy is not None)
        check = _objective(maximize)
        settings = [c.settings for c in combos]
        params = [{**self._params, **c.params} for c in combos]
        strategy = RULES if self._strategy is None else self._strategy
        table = stats_table(run_plans(*prepare_sweep(settings, params, self.data, strategy), executor))
        for j, key in enumerate(keys):
            column = [c.values[key] for c in combos]
            # None (a setting switched off) stays None rather than becoming NaN in a float column
            table.insert(j, grid_column(key), pd.Series(column, dtype=object) if None in column else column)
        table.index = pd.RangeIndex(len(table), name="combination")
        return check(table, keys)

    def rerun(self, row: Any) -> Result:
        """The full :class:`Result` of one combination of :meth:`optimize` (its stats equal the row's).

        ``row`` is a row of the table (``table.iloc[0]``: the best) or a mapping of grid key →
        value; entries that are not grid keys (the statistics) are ignored.
        """
        from .grid import Combination, expand_grid
        from .sweep import STAT_COLUMNS

        if not isinstance(row, (Mapping, pd.Series)):
            raise ConfigError(f"rerun takes a row of the optimize table or a mapping of grid keys, got {row!r:.80}")
        values = {k.removeprefix(_GRID_PREFIX): v for k, v in dict(row).items()
                  if k not in STAT_COLUMNS and k != "objective"}
        if not values:
            raise ConfigError("rerun: the row holds no grid key; pass a row of the optimize table")
        _, combos = expand_grid(self.settings, {k: [v] for k, v in values.items()},
                                python_strategy=self._strategy is not None)
        combo: Combination = combos[0]
        from .engine import run_backtest

        if self._strategy is None:
            return run_backtest(combo.settings, self.data)
        return run_backtest(combo.settings, self.data, self._strategy, {**self._params, **combo.params})


_GRID_PREFIX = "grid."


def grid_column(key: str) -> str:
    """The table column of grid key ``key``: the key itself, or ``grid.<key>`` for a key that is
    also a statistic's name (``start``, ``end``, ``initial_equity``)."""
    from .sweep import STAT_COLUMNS

    return _GRID_PREFIX + key if key in STAT_COLUMNS else key


def _objective(maximize: Any) -> Callable[[pd.DataFrame, list[str]], pd.DataFrame]:
    """The sort of an optimize table by ``maximize`` (validated before anything runs)."""
    from .sweep import STAT_COLUMNS

    if maximize is not None and not callable(maximize) and maximize not in STAT_COLUMNS:
        raise ConfigError(f"maximize must be a statistic ({', '.join(STAT_COLUMNS)}), a function of a row, "
                          f"or None; got {maximize!r}")

    def sort(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        table.attrs.update(grid_keys=list(keys), grid_columns=[grid_column(k) for k in keys],
                           maximize=getattr(maximize, "__name__", maximize))
        if maximize is None:
            return table
        column = maximize
        if callable(maximize):
            table["objective"] = [float(maximize(row)) for _, row in table.iterrows()]
            column = "objective"
        if table[column].dtype.kind not in "fiub":
            raise ConfigError(f"maximize={maximize!r}: column {column!r} is not numeric ({table[column].dtype})")
        return table.sort_values(column, ascending=False, na_position="last", kind="mergesort")

    return sort
