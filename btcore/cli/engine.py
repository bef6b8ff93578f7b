"""What ``btcore run`` does, step by step: load, check, prepare feeds, run the bar loop, report.

The per-bar work happens in :class:`btcore.loop.BarLoop` (compiled when available) with the
simulated exchange of :mod:`btcore.cli.exchange` and a :class:`btcore.state.StateTracker`;
everything here runs once per run and is vectorised.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any, Optional, Sequence, TextIO

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..feed import FeedStore, MultiTFFeedStore
from ..timeframe import from_epoch_ms, tf_ms
from .config import RunConfig
from .exchange import SimExchange
from .indicators import compute_indicator
from .metrics import compute_metrics, drawdown_pct
from .progress import Progress
from .report import write_json, write_report
from .strategies import PythonStrategy, RuleStrategy, check_rule_paths, load_python_strategy

__all__ = ["CheckFailed", "run_backtest", "check_data", "load_data", "build_feeds"]

_ROLES = ("exec", "mtf", "htf")


class CheckFailed(Exception):
    """A check the user asked for (or the run's preflight gate) did not pass; ``codes`` say why."""

    def __init__(self, message: str, codes: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.codes = list(codes)


def _say(log: Optional[TextIO], msg: str) -> None:
    if log is not None:
        log.write(msg + "\n")
        log.flush()


def _fmt_ms(ms: Optional[int]) -> str:
    return "-" if ms is None else from_epoch_ms(ms).strftime("%Y-%m-%d %H:%M")


def load_data(path: Path) -> pd.DataFrame:
    """The canonical 1m frame of ``path`` (``ts`` int64 ms + float64 OHLCV) via the data layer."""
    from ..data.loaders import load_ohlcv

    return load_ohlcv(path)


def _frame(df1: pd.DataFrame, tf: str) -> pd.DataFrame:
    from ..data.loaders import resample_ohlcv

    return df1 if tf_ms(tf) == 60_000 else resample_ohlcv(df1, tf)


def _feed(tf: str, symbol: str, df: pd.DataFrame, **kwargs: Any) -> FeedStore:
    return FeedStore.from_arrays(
        tf, symbol, df["ts"].to_numpy(), df["open"].to_numpy(), df["high"].to_numpy(),
        df["low"].to_numpy(), df["close"].to_numpy(), df["volume"].to_numpy(), **kwargs,
    )


def build_feeds(cfg: RunConfig, df1: pd.DataFrame) -> tuple[MultiTFFeedStore, list[Any]]:
    """Resample the 1m frame to the exec/MTF/HTF timeframes, compute indicators, build the feeds.

    Returns the :class:`MultiTFFeedStore` (1m quote feed attached) and the indicator metadata
    records (one per indicator and role). Every role gets its own feed, also when its timeframe
    equals a faster role's (the view reads a role without a feed as absent); such roles share
    the resampled frame and the computed values.
    """
    from .indicators import indicator_metadata

    tfs = cfg.tf_mapping
    frames: dict[str, pd.DataFrame] = {}
    values: dict[tuple[str, str], np.ndarray] = {}
    feeds: dict[str, FeedStore] = {}
    records: list[Any] = []
    for role in _ROLES:
        tf = tfs[role]
        if tf not in frames:
            frames[tf] = _frame(df1, tf)
        df = frames[tf]
        if len(df) == 0:
            raise ConfigError(
                f"the data has no complete {tf} bar for role {role!r} ({len(df1)} 1m bars); "
                "use more data or a shorter timeframe"
            )
        arrays: dict[str, np.ndarray] = {}
        meta: dict[str, Any] = {}
        for spec in cfg.indicators:
            if role not in spec.roles:
                continue
            if (spec.name, tf) not in values:
                values[(spec.name, tf)] = compute_indicator(df, spec)
            arrays[spec.name] = values[(spec.name, tf)]
            meta[spec.name] = indicator_metadata(spec, arrays[spec.name], cfg.symbol, tf, role, df["ts"].to_numpy())
        records.extend(meta.values())
        warmup = max((s.warmup_bars for s in cfg.indicators if role in s.roles), default=0)
        feeds[role] = _feed(tf, cfg.symbol, df, indicators=arrays, indicator_metadata=meta, warmup_bars=warmup)
    multi = MultiTFFeedStore(
        feeds["exec"], htf_feed=feeds["htf"], mtf_feed=feeds["mtf"], tf_mapping=dict(tfs),
        quote_feed=_feed("1m", cfg.symbol, df1),
    )
    return multi, records


def _role_feeds(feeds: MultiTFFeedStore) -> dict[str, FeedStore]:
    """Role → feed (every role has its own, see :func:`build_feeds`)."""
    return {"exec": feeds.exec_feed, "mtf": feeds.mtf_feed, "htf": feeds.htf_feed}


def _run_range(cfg: RunConfig, feeds: MultiTFFeedStore) -> tuple[int, int]:
    """Exec index range ``[lo, hi)`` to trade.

    Default start: the first exec bar before which every role has its warmup bars plus the
    preflight safety buffer (so the default run passes its own preflight). Default end: the last
    exec bar that closes no later than the last complete bar of every role.
    """
    from ..data.windowing import PREFLIGHT_SAFETY

    ex = feeds.exec_feed
    ts = ex.ts_open_ms
    roles = _role_feeds(feeds).values()
    if cfg.start is None:
        ready = max(int(f.ts_open_ms[0]) + (f.warmup_bars + PREFLIGHT_SAFETY.bars(f.warmup_bars)) * f.tf_ms for f in roles)
        lo = int(np.searchsorted(ts, ready, "left"))
    else:
        lo = int(np.searchsorted(ts, int(cfg.start), "left"))
    if cfg.end is None:
        last_close = min(int(f.ts_close_ms[-1]) for f in roles)
        hi = int(np.searchsorted(ex.ts_close_ms, last_close, side="right"))
    else:
        hi = int(np.searchsorted(ts, cfg.end, "left"))
    if hi <= lo:
        need = ", ".join(f"{f.warmup_bars} + {PREFLIGHT_SAFETY.bars(f.warmup_bars)} x {f.tf}" for f in roles)
        asked = f" in [{_fmt_ms(cfg.start)}, {_fmt_ms(cfg.end)})" if cfg.start or cfg.end else ""
        raise ConfigError(
            f"no {ex.tf} bar left to trade{asked} after the warmup and safety bars ({need}); "
            f"the data covers {_fmt_ms(int(ts[0]))} to {_fmt_ms(int(ex.ts_close_ms[-1]))}"
        )
    return lo, hi


def _checks(cfg: RunConfig, df1: pd.DataFrame, feeds: MultiTFFeedStore, lo: int, hi: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Data health of the whole loaded 1m file and the preflight gate of the traded window."""
    from .checks import run_health, run_preflight

    ex = feeds.exec_feed
    ts1 = df1["ts"].to_numpy()
    health = run_health(df1, cfg.symbol, int(ts1[0]), int(ts1[-1]))
    warmup = {role: f.warmup_bars for role, f in _role_feeds(feeds).items()}
    start, end = int(ex.ts_open_ms[lo]), int(ex.ts_close_ms[hi - 1]) - 1
    preflight = run_preflight(df1, cfg.symbol, cfg.tf_mapping, start, end, warmup)
    return health, preflight


def _strategy(cfg: RunConfig, exchange: SimExchange) -> tuple[Any, str]:
    if cfg.strategy_file is not None:
        strat = load_python_strategy(cfg.strategy_file, cfg.strategy_function, cfg.strategy_params, exchange)
        if isinstance(strat, PythonStrategy):
            return strat, f"python file {cfg.strategy_file.name}"
        return strat, f"CythonStrategy {type(strat).__name__} from {cfg.strategy_file.name}"
    check_rule_paths(cfg.rules, cfg.indicators)
    return RuleStrategy(cfg.rules, exchange), "rules: " + "; ".join(f"{k}: {v}" for k, v in cfg.rules.items())


def run_backtest(cfg: RunConfig, out: Path, *, progress: bool = True, log: Optional[TextIO] = None) -> dict[str, Any]:
    """Run one backtest as configured and write its report into ``out``; return the result dict.

    Raises
    ------
    ConfigError, DataError, PathError, UnknownKeyError
        Bad configuration or data (the command prints them as one line).
    CheckFailed
        The preflight gate failed and ``cfg.allow_preflight_failure`` is not set.
    """
    from ..loop import BarLoop
    from ..state import StateTracker, StateTrackerConfig

    t0 = time.perf_counter()
    _say(log, f"loading {cfg.data_path.name} ...")
    df1 = load_data(cfg.data_path)
    t_load = time.perf_counter()
    _say(log, f"{len(df1):,} 1m bars; resampling to {cfg.exec_tf}/{cfg.mtf}/{cfg.htf} and computing indicators ...")
    feeds, meta_records = build_feeds(cfg, df1)
    ex_feed = feeds.exec_feed
    lo, hi = _run_range(cfg, feeds)
    t_prep = time.perf_counter()
    _say(log, "checking the data (health, preflight) ...")
    health, preflight = _checks(cfg, df1, feeds, lo, hi)
    t_checks = time.perf_counter()
    pf_failed = not preflight["passed"]
    if pf_failed and not cfg.allow_preflight_failure:
        codes = preflight["error_codes"] or ["PREFLIGHT_FAILED"]
        raise CheckFailed(
            f"preflight failed: {', '.join(codes)}: {preflight['message']} "
            "(run 'btcore preflight' for details, or pass --allow-preflight-failure)", codes
        )

    # The exchange caps neither exposure nor leverage (one position, sized from equity), so the
    # tracker's exposure gate is left open; exposure is still reported and recorded per bar.
    tracker = StateTracker(StateTrackerConfig(max_exposure_pct=math.inf))
    loop = BarLoop(feeds, start=lo, end=hi, quote_feed=feeds.quote_feed)
    align = loop.alignment
    bar_progress = Progress(hi - lo, enabled=progress)
    exchange = SimExchange(
        ex_feed, feeds.quote_feed, np.asarray(align.m1_start), np.asarray(align.m1_end),
        initial_equity=cfg.initial_equity, commission=cfg.commission, slippage=cfg.slippage,
        size_fraction=cfg.size_fraction, stop_loss_pct=cfg.stop_loss_pct, take_profit_pct=cfg.take_profit_pct,
        tracker=tracker, progress=_Offset(bar_progress, lo), state_every_bar=cfg.strategy_file is not None, end=hi,
    )
    strategy, strategy_text = _strategy(cfg, exchange)
    _say(log, f"running {hi - lo:,} {cfg.exec_tf} bars ...")
    t_loop0 = time.perf_counter()
    loop.run(strategy, exchange=exchange, tracker=tracker)
    t_loop1 = time.perf_counter()
    bar_progress.finish()
    exchange.finish()

    sl = slice(lo, hi)
    equity, position = exchange.equity[sl], exchange.position[sl]
    ts_open, ts_close = ex_feed.ts_open_ms[sl], ex_feed.ts_close_ms[sl]
    summary = compute_metrics(ts_open, ts_close, equity, position, exchange.trades, cfg.initial_equity)
    loop_s = t_loop1 - t_loop0
    summary["buy_hold_return_pct"] = _buy_hold_pct(ex_feed.open[sl], ex_feed.close[sl])
    summary["loop_seconds"] = round(loop_s, 4)
    summary["bars_per_second"] = round((hi - lo) / loop_s, 1) if loop_s > 0 else None
    summary["orders_filled"] = exchange.orders_filled
    summary["orders_rejected"] = dict(exchange.orders_rejected)
    equity_df = pd.DataFrame({
        "ts_close_ms": ts_close, "close": ex_feed.close[sl], "equity": equity,
        "drawdown_pct": drawdown_pct(equity, cfg.initial_equity), "position": position,
    })
    tracker_stats = dict(tracker.summary_stats())
    context = {
        "symbol": cfg.symbol,
        "timeframes": f"{cfg.exec_tf}/{cfg.mtf}/{cfg.htf}",
        "data": "bundled sample " + cfg.data_path.name if cfg.is_sample else str(cfg.data_path),
        "period": f"{_fmt_ms(int(ts_open[0]))} to {_fmt_ms(int(ts_close[-1]))} UTC ({hi - lo:,} exec bars, "
                  f"{len(df1):,} 1m bars loaded)",
        "strategy": strategy_text,
        "indicators": ", ".join(f"{s.name}={s.type}({s.length}) on {'/'.join(s.roles)}" for s in cfg.indicators) or "none",
        "costs": f"commission {cfg.commission:g} per side, slippage {cfg.slippage:g}, size {cfg.size_fraction:g} of equity",
        "risk": f"stop loss {cfg.stop_loss_pct or 0:g}, take profit {cfg.take_profit_pct or 0:g} (fractions of entry)",
        "compiled_core": _compiled(),
        "preflight_status": "passed" if not pf_failed else "FAILED (" + ", ".join(preflight["error_codes"]) + ")",
        "health_status": "passed" if health["passed"] else f"{', '.join(health['error_codes'])}: {health['message']}",
    }
    t_rep0 = time.perf_counter()
    _say(log, f"writing the report to {out} ...")
    files = write_report(
        out, summary=summary, context=context, trades=exchange.trades, equity_df=equity_df,
        tracker=tracker_stats, preflight=preflight, health=health,
        indicators=[m.to_dict(serialize_datetime=True) if hasattr(m, "to_dict") else m for m in meta_records],
        config=cfg.to_dict(), plot=cfg.plot,
    )
    t_end = time.perf_counter()
    context["timings_s"] = {
        "load": round(t_load - t0, 3), "prepare": round(t_prep - t_load, 3), "checks": round(t_checks - t_prep, 3),
        "loop": round(loop_s, 3), "report": round(t_end - t_rep0, 3), "total": round(t_end - t0, 3),
    }
    # summary.json was written before the report's own time was known; complete it
    write_json(out / "summary.json", {"summary": summary, "run": context})
    return {
        "summary": summary, "run": context, "out": str(out), "files": files["files"], "chart": files["chart"],
        "plot_requested": cfg.plot, "preflight_failed": pf_failed, "preflight_codes": preflight["error_codes"],
        "trades": exchange.trades,
    }


def _buy_hold_pct(opens: np.ndarray, closes: np.ndarray) -> Optional[float]:
    """Return of holding from the first finite open to the last finite close, in percent."""
    o, c = opens[np.isfinite(opens)], closes[np.isfinite(closes)]
    return round(100.0 * (float(c[-1]) / float(o[0]) - 1.0), 4) if len(o) and len(c) else None


class _Offset:
    """Progress adapter: the exchange reports exec indices, the bar counts from the run start."""

    def __init__(self, progress: Progress, lo: int) -> None:
        self.progress, self.lo = progress, lo

    def update(self, i: int) -> None:
        self.progress.update(i - self.lo)


def _compiled() -> bool:
    from .._twin import COMPILED

    return bool(COMPILED)


def check_data(kind: str, cfg: RunConfig) -> dict[str, Any]:
    """``btcore preflight`` / ``btcore health`` on ``cfg.data_path``: report dict, text and verdict.

    ``health`` covers the whole file (or ``--start``/``--end``); ``preflight`` checks the window
    ``btcore run`` would trade with the same configuration (timeframes, indicator warmups).
    """
    from .checks import format_check, run_health

    df1 = load_data(cfg.data_path)
    if kind == "health":
        ts = df1["ts"].to_numpy()
        start = cfg.start if cfg.start is not None else int(ts[0])
        end = cfg.end - 1 if cfg.end is not None else int(ts[-1])
        report = run_health(df1, cfg.symbol, start, end)
    else:
        feeds, _ = build_feeds(cfg, df1)
        lo, hi = _run_range(cfg, feeds)
        _, report = _checks(cfg, df1, feeds, lo, hi)
    return {"report": report, "passed": bool(report["passed"]), "text": format_check(kind, cfg.data_path, report)}
