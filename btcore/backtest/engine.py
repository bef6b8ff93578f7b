"""One backtest, step by step: data, feeds, checks, the bar loop, the state tracker, statistics.

The per-bar work happens in :func:`btcore.backtest.exchange.simulate`: the bar loop of
:class:`btcore.loop.BarLoop` with the simulated exchange (both compiled when available; with rules
one C loop without the GIL); everything here runs once per run and is vectorised. Nothing is written: :func:`run_backtest` returns a :class:`~btcore.backtest.result.Result`.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..feed import MultiTFFeedStore
from ._data import as_minute_frame
from .checks import CheckFailed, run_health, run_preflight
from .config_file import check_input_file
from .exchange import SimExchange, simulate
from .feeds import build_feeds, minute_frame_of, run_range, warmup_by_role
from .result import Result
from .settings import RunConfig, iso_ms
from .stats import compute_stats
from .strategies import as_strategy, check_rule_paths, rule_strategy
from .strategy_files import load_python_strategy, strategy_folder_on_path
from .tracking import ProgressPoller, replay_tracker

__all__ = ["run_backtest", "prepare_data", "check_run_data", "check_data", "new_exchange", "run_stats", "make_strategy"]

class _Rules:
    """The strategy is the settings' rules (or strategy file); one object, also after pickling."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "RULES"

    def __reduce__(self) -> str:
        return "RULES"


RULES = _RULES = _Rules()


def _say(log: Optional[Callable[[str], Any]], msg: str) -> None:
    if log is not None:
        log(msg)


def prepare_data(cfg: RunConfig, data: Any) -> tuple[RunConfig, Optional[pd.DataFrame], MultiTFFeedStore, list[Any], str]:
    """(settings, 1m frame or None, feeds, indicator metadata, data label) of a run.

    ``data`` None reads ``cfg.data_path``; a prebuilt :class:`MultiTFFeedStore` is used as it is
    (its timeframes replace the settings'; it carries its own indicators).
    """
    if isinstance(data, MultiTFFeedStore):
        if cfg.indicators:
            raise ConfigError("a prebuilt MultiTFFeedStore carries its own indicators: pass indicators=[] "
                              "(indicators are computed only from a 1m frame)")
        f = data
        cfg = cfg.replace(exec_tf=f.exec_feed.tf, mtf=f.tf_mapping["mtf"], htf=f.tf_mapping["htf"],
                          symbol=f.exec_feed.symbol)
        meta = [m for feed in (f.exec_feed, f.mtf_feed, f.htf_feed) if feed is not None
                for m in feed.indicator_metadata.values()]
        return cfg, minute_frame_of(f), f, meta, "MultiTFFeedStore"
    if data is None:
        path = check_input_file("data file", cfg.data_path)
        df1 = as_minute_frame(path)
        label = f"bundled sample {path.name}" if cfg.is_sample else str(path)
    else:
        df1 = as_minute_frame(data)
        label = str(data) if isinstance(data, (str, Path)) else f"{type(data).__module__.split('.')[0]} {type(data).__name__}"
    feeds, meta = build_feeds(cfg, df1)
    # from here on the run reads the 1m bars through the quote feed, so the loaded frame can go
    return cfg, minute_frame_of(feeds), feeds, meta, label


def check_run_data(cfg: RunConfig, df1: Optional[pd.DataFrame], feeds: MultiTFFeedStore, lo: int, hi: int,
                   built: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    """Data health of the whole 1m frame and the preflight gate of the traded window
    (``built``: the feeds were built from ``df1``, so the gate reads their open times)."""
    if df1 is None:
        skipped = {"passed": True, "error_codes": [], "message": "skipped: the feeds have no 1m quote feed"}
        return dict(skipped), dict(skipped)
    ex = feeds.exec_feed
    ts1 = df1["ts"].to_numpy()
    health = run_health(df1, cfg.symbol, int(ts1[0]), int(ts1[-1]))
    start, end = int(ex.ts_open_ms[lo]), int(ex.ts_close_ms[hi - 1]) - 1
    preflight = run_preflight(df1, cfg.symbol, cfg.tf_mapping, start, end, warmup_by_role(feeds),
                              feeds if built else None)
    return health, preflight


def make_strategy(cfg: RunConfig, strategy: Any, params: Mapping[str, Any], exchange: SimExchange,
                  check_paths: bool) -> tuple[Any, str]:
    """What the loop runs for ``strategy`` (``RULES``: the settings' rules or strategy file) and its description."""
    if strategy is _RULES and cfg.strategy_file is not None:
        strat = load_python_strategy(cfg.strategy_file, cfg.strategy_function, cfg.strategy_params, exchange)
        kind = "CythonStrategy " + type(strat).__name__ if _is_cython(strat) else "python file"
        return strat, f"{kind} from {cfg.strategy_file.name}"
    if strategy is _RULES:
        if not cfg.rules:
            raise ConfigError("no strategy: give rules, a Python strategy or a strategy file")
        if check_paths:  # prebuilt feeds bring their own indicators: view.compile checks those paths
            check_rule_paths(cfg.rules, cfg.indicators)
        return rule_strategy(cfg.rules, exchange), "rules: " + "; ".join(f"{k}: {v}" for k, v in cfg.rules.items())
    strat = as_strategy(strategy, exchange, params)
    name = getattr(strategy, "__name__", type(strategy).__name__)
    return strat, f"{'CythonStrategy' if _is_cython(strat) else 'python'} {name}"


def _is_cython(strat: Any) -> bool:
    from ..loop import CythonStrategy

    return isinstance(strat, CythonStrategy)


def run_backtest(
    cfg: RunConfig,
    data: Any = None,
    strategy: Any = _RULES,
    params: Optional[Mapping[str, Any]] = None,
    *,
    progress: Optional[Callable[[int], Any]] = None,
    log: Optional[Callable[[str], Any]] = None,
) -> Result:
    """Run one backtest and return its :class:`Result` (nothing is written).

    Parameters
    ----------
    cfg : RunConfig
        The settings.
    data : optional
        A 1m frame (pandas, polars, pyarrow, ...), a prebuilt MultiTFFeedStore, or None for
        ``cfg.data_path``.
    strategy : optional
        A Python strategy (see :func:`btcore.backtest.strategies.as_strategy`); by default the
        settings' rules or strategy file.
    params : mapping, optional
        Parameters of a Python strategy.
    progress : callable, optional
        ``progress(total_bars)`` returns an object with ``update(done)`` and ``finish()``, updated
        from a background thread while the loop runs.
    log : callable, optional
        Receives one line per step (``loading ...``).

    Raises
    ------
    ConfigError, DataError, PathError, UnknownKeyError
        Bad settings, data or strategy.
    CheckFailed
        The preflight gate failed and ``cfg.allow_preflight_failure`` is not set.
    """
    from ..loop import BarLoop
    from ..state import StateTracker, StateTrackerConfig

    t0 = time.perf_counter()
    _say(log, "loading the data ...")
    cfg, df1, feeds, meta_records, data_label = prepare_data(cfg, data)
    t_load = time.perf_counter()
    ex_feed = feeds.exec_feed
    rng = run_range(cfg, feeds)
    lo, hi = rng.lo, rng.hi
    t_prep = time.perf_counter()
    _say(log, f"{len(ex_feed):,} {cfg.exec_tf} bars; trading from {iso_ms(int(ex_feed.ts_open_ms[lo]))}: {rng.start_note}")
    _say(log, "checking the data (health, preflight) ...")
    health, preflight = check_run_data(cfg, df1, feeds, lo, hi, built=not isinstance(data, MultiTFFeedStore))
    t_checks = time.perf_counter()
    pf_failed = not preflight["passed"]
    if pf_failed and not cfg.allow_preflight_failure:
        codes = preflight["error_codes"] or ["PREFLIGHT_FAILED"]
        raise CheckFailed(f"preflight failed: {', '.join(codes)}: {preflight['message']}", codes, preflight)

    loop = BarLoop(feeds, start=lo, end=hi, quote_feed=feeds.quote_feed)
    exchange = new_exchange(cfg, loop, hi)
    with strategy_folder_on_path(cfg.strategy_file if strategy is _RULES else None):
        strat, strategy_text = make_strategy(cfg, strategy, params or {}, exchange,
                                         check_paths=not isinstance(data, MultiTFFeedStore))
        _say(log, f"running {hi - lo:,} {cfg.exec_tf} bars ...")
        bar_progress = progress(hi - lo) if progress is not None else None
        t_loop0 = time.perf_counter()
        with ProgressPoller(bar_progress, exchange, lo):
            loop_result = simulate(loop, strat, exchange)
        t_loop1 = time.perf_counter()
    if bar_progress is not None:
        bar_progress.finish()
    exchange.finish()
    # The exchange caps neither exposure nor leverage (one position, sized from equity), so the
    # tracker's exposure gate is left open; exposure is still reported per bar.
    tracker = StateTracker(StateTrackerConfig(max_exposure_pct=math.inf))
    replay_tracker(tracker, exchange, loop_result.signals, lo, hi, loop.history_start)

    sl = slice(lo, hi)
    loop_s = t_loop1 - t_loop0
    stats = run_stats(cfg, ex_feed, exchange, lo, hi, loop_s)
    context = {
        "symbol": cfg.symbol,
        "timeframes": f"{cfg.exec_tf}/{cfg.mtf}/{cfg.htf}",
        "data": data_label,
        "period": f"{iso_ms(int(ex_feed.ts_open_ms[lo]))} to {iso_ms(int(ex_feed.ts_close_ms[hi - 1]))} "
                  f"({hi - lo:,} exec bars, {len(df1) if df1 is not None else 0:,} 1m bars loaded)",
        "start_note": rng.start_note,
        "strategy": strategy_text,
        "indicators": ", ".join(f"{s.name}={s.type}({s.length}) on {'/'.join(s.roles)}" for s in cfg.indicators)
                      or ("from the feeds" if df1 is None or data_label == "MultiTFFeedStore" else "none"),
        "costs": cfg.costs_text(),
        "sizing": cfg.sizing_text(),
        "risk": cfg.risk_text(),
        "settings_id": cfg.id,
        "compiled_core": _compiled(),
        "preflight_status": "passed" if not pf_failed else "FAILED (" + ", ".join(preflight["error_codes"]) + ")",
        "health_status": "passed" if health["passed"] else f"{', '.join(health['error_codes'])}: {health['message']}",
    }
    t_end = time.perf_counter()
    context["timings_s"] = {
        "load": round(t_load - t0, 3), "prepare": round(t_prep - t_load, 3), "checks": round(t_checks - t_prep, 3),
        "loop": round(loop_s, 3), "tracker_and_stats": round(t_end - t_loop1, 3), "total": round(t_end - t0, 3),
    }
    return Result(
        spec=cfg.replace(start=int(ex_feed.ts_open_ms[lo]), end=int(ex_feed.ts_close_ms[hi - 1])),
        stats=stats, trade_records=exchange.trades, feeds=feeds, lo=lo, hi=hi, equity=exchange.equity[sl].copy(),
        position=exchange.position[sl].copy(), signals=loop_result.signals[sl].copy(),
        state_stats=dict(tracker.summary_stats()), preflight=preflight, health=health,
        indicators=[m.to_dict(serialize_datetime=True) if hasattr(m, "to_dict") else m for m in meta_records],
        context=context, preflight_failed=pf_failed,
    )


def new_exchange(cfg: RunConfig, loop: Any, hi: int) -> SimExchange:
    """The simulated exchange of a run over ``loop``'s feeds, trading up to exec bar ``hi``."""
    feeds, align = loop.feeds, loop.alignment
    return SimExchange(
        feeds.exec_feed, feeds.quote_feed, np.asarray(align.m1_start), np.asarray(align.m1_end),
        initial_equity=cfg.initial_equity, commission=cfg.commission, slippage=cfg.slippage,
        size_fraction=cfg.size_fraction, stop_loss_pct=cfg.stop_loss_pct, take_profit_pct=cfg.take_profit_pct,
        sizing=cfg.sizing, min_qty=cfg.min_qty, min_notional=cfg.min_notional, qty_step=cfg.qty_step, end=hi,
    )


def run_stats(cfg: RunConfig, ex_feed: Any, exchange: SimExchange, lo: int, hi: int,
              loop_seconds: Optional[float] = None) -> dict[str, Any]:
    """The statistics of a finished run over exec bars ``[lo, hi)``: :data:`~btcore.backtest.STAT_KEYS`,
    the loop timings when ``loop_seconds`` is given, then the exchange's order counts."""
    sl = slice(lo, hi)
    stats = compute_stats(ex_feed.ts_open_ms[sl], ex_feed.ts_close_ms[sl], exchange.equity[sl], exchange.position[sl],
                          exchange.trades, cfg.initial_equity, ex_feed.open[sl], ex_feed.close[sl])
    if loop_seconds is not None:
        stats["loop_seconds"] = loop_seconds
        stats["bars_per_second"] = (hi - lo) / loop_seconds if loop_seconds > 0 else float("nan")
    stats["orders_filled"] = exchange.orders_filled
    stats["orders_rejected"] = exchange.orders_rejected
    stats["liquidated"] = exchange.liquidated
    return stats


def _compiled() -> bool:
    from .._twin import COMPILED

    return bool(COMPILED)


def check_data(kind: str, cfg: RunConfig) -> dict[str, Any]:
    """``btcore preflight`` / ``btcore health`` on ``cfg.data_path``: the report and its verdict.

    ``health`` covers the whole file (or ``cfg.start``/``cfg.end``); ``preflight`` checks the
    window a run with the same settings would trade (timeframes, indicator warmups).
    """
    path = check_input_file("data file", cfg.data_path)
    if kind == "health":
        df1 = as_minute_frame(path)
        ts = df1["ts"].to_numpy()
        start = cfg.start if cfg.start is not None else int(ts[0])
        end = cfg.end - 1 if cfg.end is not None else int(ts[-1])
        report = run_health(df1, cfg.symbol, start, end)
    else:
        cfg, df1, feeds, _, _ = prepare_data(cfg, None)
        rng = run_range(cfg, feeds)
        _, report = check_run_data(cfg, df1, feeds, rng.lo, rng.hi)
    return {"report": report, "passed": bool(report["passed"])}
