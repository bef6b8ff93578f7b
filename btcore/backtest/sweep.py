"""Many backtests of one strategy on one data set: :func:`sweep` (and :meth:`Backtest.optimize`).

Everything that does not change between combinations is done once, in the calling process:

* the data is loaded and turned into the canonical 1m frame once (per data file);
* per group of combinations sharing their timeframes and symbol, the frame is resampled once per
  timeframe and each indicator is computed once per distinct (type, length, source, timeframe);
  one feed set holds them all (:mod:`btcore.backtest.sweep_run` explains how runs read it);
* per combination, its exec bar range (where its own indicators are ready) and the rule paths are
  checked; the preflight gate runs once per distinct (timeframes, window, warmups).

Then only the runs are dispatched (:mod:`btcore.backtest.executors`): the feed sets travel to
each worker once, and each run returns its statistics. The statistics of a combination are
those of ``Backtest(data, strategy, **its settings).run().stats`` bit for bit, whatever the
executor, except the loop timings (``loop_seconds``, ``bars_per_second``), which are not results
and are left out so that a table is a pure function of the data, the strategy and the grid.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import pandas as pd

from ..errors import ConfigError
from ..feed import FeedStore, MultiTFFeedStore
from ._data import as_minute_frame
from .checks import CheckFailed, run_preflight
from .config_file import check_input_file
from .engine import RULES
from .feeds import ROLES, feed_of, minute_frame_of, resampled, run_range, spec_warmups, warmup_by_role
from .indicators import compute_indicator
from .settings import RunConfig
from .stats import STAT_KEYS
from .strategies import check_rule_paths
from .sweep_run import Plan, Shared, column_name

__all__ = ["STAT_COLUMNS", "sweep", "prepare_sweep", "stats_table"]

#: Columns of a sweep's table after the grid keys: the statistics of ``Result.stats`` without
#: the loop timings.
STAT_COLUMNS = (*STAT_KEYS, "orders_filled", "orders_rejected", "liquidated")


class _Data:
    """One data source's 1m frame, its resampled frames and computed indicator columns."""

    def __init__(self, df1: pd.DataFrame) -> None:
        self.df1 = df1
        self.frames: dict[str, pd.DataFrame] = {"1m": df1}
        self.columns: dict[tuple[str, str, int, str], Any] = {}
        self.quote: dict[str, FeedStore] = {}

    def frame(self, tf: str) -> pd.DataFrame:
        if tf not in self.frames:
            self.frames[tf] = resampled(self.df1, tf)
        return self.frames[tf]

    def column(self, tf: str, spec: Any) -> Any:
        key = (tf, spec.type, spec.length, spec.source)
        if key not in self.columns:
            self.columns[key] = compute_indicator(self.frame(tf), spec)
        return self.columns[key]

    def quote_feed(self, symbol: str) -> FeedStore:
        if symbol not in self.quote:
            self.quote[symbol] = feed_of("1m", symbol, self.df1)
        return self.quote[symbol]


def _group_feeds(data: _Data, members: Sequence[RunConfig]) -> MultiTFFeedStore:
    """One feed set with every distinct indicator of ``members`` on every role it is declared on."""
    cfg = members[0]
    feeds: dict[str, FeedStore] = {}
    for role in ROLES:
        tf = cfg.tf_mapping[role]
        df = data.frame(tf)
        if len(df) == 0:
            raise ConfigError(f"the data has no complete {tf} bar for role {role!r} ({len(data.df1)} 1m bars); "
                              "use more data or a shorter timeframe")
        arrays = {column_name(s.type, s.length, s.source): data.column(tf, s)
                  for m in members for s in m.indicators if role in s.roles}
        feeds[role] = feed_of(tf, cfg.symbol, df, indicators=arrays)
    return MultiTFFeedStore(feeds["exec"], htf_feed=feeds["htf"], mtf_feed=feeds["mtf"], tf_mapping=cfg.tf_mapping,
                            quote_feed=data.quote_feed(cfg.symbol))


def _load(cfg: RunConfig, data: Any, loaded: dict[Any, _Data]) -> tuple[Any, _Data]:
    key: Any = ("path", cfg.data_path) if data is None else ("data", id(data))
    if key not in loaded:
        source = check_input_file("data file", cfg.data_path) if data is None else data
        loaded[key] = _Data(as_minute_frame(source))
    return key, loaded[key]


def prepare_sweep(settings: Sequence[RunConfig], params: Sequence[Mapping[str, Any]], data: Any = None,
                  strategy: Any = RULES) -> tuple[Shared, list[Plan]]:
    """The shared feeds and one :class:`Plan` per combination (checks done, nothing run yet).

    Raises
    ------
    ConfigError, DataError
        Bad data, a rule reading an undeclared indicator, no bar left to trade.
    CheckFailed
        A combination's preflight gate failed (and its ``allow_preflight_failure`` is off); the
        message names the combination.
    """
    loaded: dict[Any, _Data] = {}
    groups: dict[Any, list[int]] = {}
    prebuilt = isinstance(data, MultiTFFeedStore)
    cfgs = list(settings)
    for i, cfg in enumerate(cfgs):
        if prebuilt:
            if cfg.indicators:
                raise ConfigError("a prebuilt MultiTFFeedStore carries its own indicators: pass indicators=[] "
                                  "(indicators are computed only from a 1m frame)")
            f = data
            cfgs[i] = cfg.replace(exec_tf=f.exec_feed.tf, mtf=f.tf_mapping["mtf"], htf=f.tf_mapping["htf"],
                                  symbol=f.exec_feed.symbol)
            groups.setdefault("prebuilt", []).append(i)
            continue
        key, _ = _load(cfg, data, loaded)
        groups.setdefault((key, cfg.exec_tf, cfg.mtf, cfg.htf, cfg.symbol), []).append(i)
    feeds: list[MultiTFFeedStore] = []
    frames: list[Optional[pd.DataFrame]] = []
    group_of: dict[int, int] = {}
    for gkey, members in groups.items():
        if prebuilt:
            feeds.append(data)
            frames.append(minute_frame_of(data))
        else:
            source = loaded[gkey[0]]
            feeds.append(_group_feeds(source, [cfgs[i] for i in members]))
            frames.append(source.df1)
        group_of.update((i, len(feeds) - 1) for i in members)
    plans: list[Plan] = []
    gates: dict[Any, dict[str, Any]] = {}
    checked: set[Any] = set()
    for i, cfg in enumerate(cfgs):
        g = group_of[i]
        if strategy is RULES and cfg.strategy_file is None:
            if not cfg.rules:
                raise ConfigError("no strategy: give rules, a Python strategy or a strategy file")
            if not prebuilt and (cfg.rules, cfg.indicators) not in checked:
                check_rule_paths(cfg.rules, cfg.indicators)
                checked.add((cfg.rules, cfg.indicators))
        warm = spec_warmups(cfg.indicators) if not prebuilt else None
        rng = run_range(cfg, feeds[g], warm)
        _gate(cfg, feeds[g], frames[g], rng.lo, rng.hi, warm, gates, i)
        plans.append(Plan(i, cfg, dict(params[i]), g, rng.lo, rng.hi))
    return Shared(tuple(feeds), strategy), plans


def _gate(cfg: RunConfig, feeds: MultiTFFeedStore, df1: Optional[pd.DataFrame], lo: int, hi: int,
          warm: Optional[Mapping[str, int]], gates: dict[Any, dict[str, Any]], index: int) -> None:
    """The preflight gate of one combination, run once per distinct window (as ``Backtest.run``)."""
    if df1 is None:
        return
    ex = feeds.exec_feed
    start, end = int(ex.ts_open_ms[lo]), int(ex.ts_close_ms[hi - 1]) - 1
    roles = warmup_by_role(feeds, warm)
    key = (id(feeds), start, end, tuple(sorted(roles.items())))
    if key not in gates:
        gates[key] = run_preflight(df1, cfg.symbol, cfg.tf_mapping, start, end, roles, None if warm is None else feeds)
    report = gates[key]
    if not report["passed"] and not cfg.allow_preflight_failure:
        codes = report["error_codes"] or ["PREFLIGHT_FAILED"]
        raise CheckFailed(f"combination {index} (settings {cfg.id}): preflight failed: {', '.join(codes)}: "
                          f"{report['message']}", codes, report)


def stats_table(results: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The statistics of each run as one row, in :data:`STAT_COLUMNS` order."""
    return pd.DataFrame([{k: r[k] for k in STAT_COLUMNS} for r in results], columns=list(STAT_COLUMNS))


def _as_settings(spec: Any, k: int) -> RunConfig:
    if isinstance(spec, RunConfig):
        return spec
    if isinstance(spec, Mapping):
        try:
            return RunConfig(**spec)
        except TypeError as exc:
            raise ConfigError(f"specs[{k}]: {exc}; give RunConfig fields") from None
    raise ConfigError(f"specs[{k}] must be a RunConfig or a mapping of its fields, got {type(spec).__name__}")


def sweep(specs: Any, executor: Any = None, *, data: Any = None, strategy: Any = None,
          params: Optional[Sequence[Mapping[str, Any]]] = None) -> pd.DataFrame:
    """Run one backtest per spec and return their statistics, one row per spec in order.

    Parameters
    ----------
    specs : sequence of RunConfig or of mappings of RunConfig fields
        The settings of each run (``Backtest(...).settings`` is one).
    executor : optional
        Where the runs go: None runs them here, one after the other; a
        ``concurrent.futures.ThreadPoolExecutor`` runs them in threads (the compiled rules loop
        releases the GIL); a ``ProcessPoolExecutor`` or any object with ``submit`` (or ``map``)
        in its workers; a Dask ``distributed.Client`` on its cluster (the feeds scattered once to
        every worker); a ``ray.util.multiprocessing.Pool`` on Ray (the feeds in the object
        store once). See docs/SWEEPS.md.
    data : optional
        As for :class:`Backtest`; None reads each spec's ``data_path``. Loaded once.
    strategy : optional
        A Python strategy as for :class:`Backtest` (a class, or a function importable by the
        workers); None: each spec's rules or strategy file.
    params : sequence of mappings, optional
        Parameters of a Python strategy for each run.

    Returns
    -------
    pandas.DataFrame
        Column ``settings_id`` (``spec.id``), then :data:`STAT_COLUMNS`, one row per spec.

    Raises
    ------
    ConfigError, DataError, CheckFailed
        As :meth:`Backtest.run` would for any spec (before anything runs), or a strategy that
        cannot be sent to the executor's workers.
    """
    from .executors import run_plans

    if isinstance(specs, (str, bytes, Mapping, RunConfig)) or not hasattr(specs, "__iter__"):
        raise ConfigError(f"specs must be a sequence of RunConfig (or mappings of its fields), got {specs!r:.80}")
    settings = [_as_settings(s, k) for k, s in enumerate(specs)]
    if not settings:
        raise ConfigError("specs is empty: give at least one RunConfig")
    if params is not None and len(params) != len(settings):
        raise ConfigError(f"params has {len(params)} entries for {len(settings)} specs; give one mapping per spec")
    table = stats_table(run_plans(*prepare_sweep(settings, params or [{}] * len(settings), data,
                                                 RULES if strategy is None else strategy), executor))
    table.insert(0, "settings_id", [s.id for s in settings])
    return table

