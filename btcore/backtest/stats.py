"""Statistics of a run, from the equity curve at the exec closes and the closed trades.

Every formula is written out in docs/BACKTEST.md ("Statistics"); the names follow
``summary.json``. Returns, drawdowns and trade figures are in percent; a value that is not
defined for the run (no trade, no loss, fewer than two daily returns, a result that overflows a
float) is NaN (NaT for times and durations).

The equity series ``S`` is the initial equity at the open of the first traded bar followed by
the equity at each exec close; the daily series is ``S`` sampled at the last exec close of each
UTC day that has bars (the initial equity before the first day). Annualisation: ``A = 365``
periods a year when weekends hold bars (crypto), else 252 (backtesting.py's rule); the annualised
return compounds the geometric mean daily return, the annualised volatility is ``std × √A``.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Optional, Sequence

import numpy as np
from numpy.typing import NDArray
import pandas as pd

__all__ = ["compute_stats", "drawdown_pct", "daily_returns", "annual_periods", "STAT_KEYS"]

_DAY_MS = 86_400_000
_NAN = float("nan")

#: Keys of :func:`compute_stats`, in order.
STAT_KEYS = (
    "start", "end", "duration", "exec_bars", "exposure_pct", "initial_equity", "final_equity", "equity_peak",
    "total_return_pct", "buy_hold_return_pct", "return_ann_pct", "volatility_ann_pct", "cagr_pct", "sharpe",
    "sortino", "calmar", "alpha_pct", "beta", "max_drawdown_pct", "avg_drawdown_pct", "max_drawdown_duration",
    "avg_drawdown_duration", "trades", "win_rate_pct", "best_trade_pct", "worst_trade_pct", "avg_trade_pct",
    "max_trade_duration", "avg_trade_duration", "profit_factor", "expectancy_pct", "sqn", "kelly", "fees_paid",
)


def drawdown_pct(equity: NDArray[Any], initial: float) -> NDArray[Any]:
    """Drawdown of each point below the running peak (the peak starts at ``initial``), in percent (<= 0)."""
    peak = np.maximum.accumulate(np.concatenate(([initial], equity)))[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = 100.0 * (equity / peak - 1.0)
    out: NDArray[Any] = np.where(peak > 0, dd, 0.0)
    return out


def daily_returns(ts_close_ms: NDArray[Any], equity: NDArray[Any], initial: float) -> NDArray[Any]:
    """Simple returns of the equity between the last exec closes of consecutive UTC days with bars.

    The first return is from ``initial``; the series ends at the first day the equity is zero
    (a liquidated account has no later returns).
    """
    if len(equity) == 0:
        return np.zeros(0)
    day = (ts_close_ms - 1) // _DAY_MS  # a close at exactly midnight belongs to the day it ends
    last_of_day = np.flatnonzero(np.r_[day[1:] != day[:-1], True])
    series = np.concatenate(([initial], equity[last_of_day]))
    zero = np.flatnonzero(series <= 0.0)
    if zero.size:
        series = series[: zero[0] + 1]
    rets: NDArray[Any] = series[1:] / series[:-1] - 1.0
    return rets


def annual_periods(ts_close_ms: NDArray[Any]) -> int:
    """365 when weekends hold bars (more than 60 % of their calendar share), else 252."""
    if len(ts_close_ms) == 0:
        return 365
    day = (ts_close_ms - 1) // _DAY_MS
    # bar times are sorted (a FeedStore guarantees it): the distinct days without a sort
    days = day[np.r_[True, day[1:] != day[:-1]]] if bool((day[1:] >= day[:-1]).all()) else np.unique(day)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday (3); Saturday 5, Sunday 6
    return 365 if float(np.mean(weekday >= 5)) > 2.0 / 7.0 * 0.6 else 252


def _f(x: Any) -> float:
    """A finite float or NaN."""
    try:
        v = float(x)
    except (TypeError, ValueError, OverflowError):
        return _NAN
    return v if math.isfinite(v) else _NAN


def _power(base: float, exponent: float) -> float:
    """``base ** exponent`` for base >= 0, NaN when it overflows a float (no OverflowError)."""
    if base == 0.0:
        return 0.0 if exponent > 0 else _NAN
    if not base > 0.0:
        return _NAN
    log = math.log(base) * exponent
    return math.exp(log) if log < 709.0 else _NAN


def _drawdown_periods(t_ms: NDArray[Any], series: NDArray[Any], peak: Optional[NDArray[Any]] = None
                      ) -> tuple[list[float], list[int]]:
    """(depth in percent, duration in ms) of each drawdown: from the last point at the peak to the
    first point back at it, or to the last point when the run ends below it (``peak``: the
    running maximum of ``series``, if already computed)."""
    peak = np.maximum.accumulate(series) if peak is None else peak
    under = series < peak
    depths: list[float] = []
    durations: list[int] = []
    if not under.any():
        return depths, durations
    edges = np.diff(np.r_[0, under.astype(np.int8), 0])
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # runs [a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = np.where(peak > 0, 100.0 * (series / peak - 1.0), 0.0)
    last = len(series) - 1
    # the runs are disjoint and ordered: one reduceat over (start, stop) pairs, whose even slots
    # are the runs; one padding element keeps a stop at the very end a valid index
    bounds = np.empty(2 * starts.size, dtype=np.intp)
    bounds[0::2], bounds[1::2] = starts, stops
    depths = np.minimum.reduceat(np.append(dd, 0.0), bounds)[0::2].tolist()
    durations = (t_ms[np.minimum(stops, last)] - t_ms[starts - 1]).tolist()
    return depths, durations


def _ms_delta(ms: float) -> Any:
    return pd.NaT if ms != ms else pd.Timedelta(milliseconds=float(ms))


def _trade_stats(trades: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    n = len(trades)
    pnl = np.array([t["pnl"] for t in trades], dtype=np.float64)
    ret = np.array([t["return_pct"] for t in trades], dtype=np.float64)
    held = np.array([t["exit_ts_ms"] - t["entry_ts_ms"] for t in trades], dtype=np.float64)
    wins, losses = pnl[pnl > 0], pnl[pnl < 0]
    win_rate = len(wins) / n if n else _NAN
    factors = 1.0 + ret / 100.0
    if not n or (factors < 0).any():
        geo = _NAN
    elif (factors == 0).any():
        geo = -100.0
    else:
        geo = 100.0 * (math.exp(float(np.mean(np.log(factors)))) - 1.0)
    sd = float(np.std(pnl, ddof=1)) if n >= 2 else _NAN
    return {
        "trades": n,
        "win_rate_pct": 100.0 * win_rate,
        "best_trade_pct": float(ret.max()) if n else _NAN,
        "worst_trade_pct": float(ret.min()) if n else _NAN,
        "avg_trade_pct": geo,
        "max_trade_duration": _ms_delta(float(held.max())) if n else pd.NaT,
        "avg_trade_duration": _ms_delta(float(held.mean())) if n else pd.NaT,
        "profit_factor": float(wins.sum() / -losses.sum()) if len(losses) else _NAN,
        "expectancy_pct": float(ret.mean()) if n else _NAN,
        "sqn": math.sqrt(n) * float(pnl.mean()) / sd if sd > 0 else _NAN,
        "kelly": (win_rate - (1.0 - win_rate) / (float(wins.mean()) / -float(losses.mean())))
        if len(wins) and len(losses) else _NAN,
        "fees_paid": float(sum(t["fees"] for t in trades)),
    }


def _beta(equity: NDArray[Any], closes: NDArray[Any]) -> float:
    """Covariance of per-bar log returns of equity and of the exec close, over the market's variance."""
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.log(equity[1:] / equity[:-1])
        m = np.log(closes[1:] / closes[:-1])
    ok = np.isfinite(e) & np.isfinite(m)
    if ok.sum() < 2:
        return _NAN
    cov = np.cov(e[ok], m[ok])
    return _f(cov[0, 1] / cov[1, 1]) if cov[1, 1] > 0 else _NAN


def compute_stats(
    ts_open_ms: NDArray[Any],
    ts_close_ms: NDArray[Any],
    equity: NDArray[Any],
    position: NDArray[Any],
    trades: Sequence[Mapping[str, Any]],
    initial_equity: float,
    opens: NDArray[Any],
    closes: NDArray[Any],
) -> dict[str, Any]:
    """Statistics over the traded exec bars (every array restricted to the run range).

    ``trades`` are the exchange's trade records (``pnl``, ``return_pct``, ``fees``,
    ``entry_ts_ms``, ``exit_ts_ms``). Returns a dict keyed by :data:`STAT_KEYS`.
    """
    n = len(equity)
    init = float(initial_equity)
    final = float(equity[-1]) if n else init
    start_ms = int(ts_open_ms[0]) if n else None
    end_ms = int(ts_close_ms[-1]) if n else None
    duration_ms = (end_ms - start_ms) if n else 0  # type: ignore[operator]
    t = np.concatenate((ts_open_ms[:1], ts_close_ms)).astype(np.int64) if n else np.zeros(1, np.int64)
    series = np.concatenate(([init], equity))
    ratio = final / init

    rets = daily_returns(ts_close_ms, equity, init)
    periods = annual_periods(ts_close_ms)
    if len(rets) and (1.0 + rets <= 0).any():
        gmean = -1.0
    elif len(rets):
        gmean = math.exp(float(np.mean(np.log1p(rets)))) - 1.0
    else:
        gmean = _NAN
    ann = _power(1.0 + gmean, periods) - 1.0 if gmean == gmean else _NAN
    # the usual annualised volatility; backtesting.py's compounded one collapses with the equity
    # (a run losing 99 % scored a Sharpe of -1e11 with it)
    vol = float(np.std(rets, ddof=1)) * math.sqrt(periods) if len(rets) >= 2 else _NAN
    down = math.sqrt(float(np.mean(np.minimum(rets, 0.0) ** 2))) * math.sqrt(periods) if len(rets) else _NAN
    years = duration_ms / (365.25 * _DAY_MS)
    cagr = 100.0 * (_power(ratio, 1.0 / years) - 1.0) if years > 0 else _NAN

    peak = np.maximum.accumulate(series)
    with np.errstate(divide="ignore", invalid="ignore"):
        dd_all = np.where(peak > 0, 1.0 - series / peak, 0.0)
    max_dd = float(dd_all.max())
    depths, durations = _drawdown_periods(t, series, peak)
    o, c = opens[np.isfinite(opens) & (opens > 0)], closes[np.isfinite(closes) & (closes > 0)]
    buy_hold = 100.0 * (float(c[-1]) / float(o[0]) - 1.0) if len(o) and len(c) else _NAN
    beta = _beta(series[1:], closes) if n > 2 else _NAN
    total = 100.0 * (ratio - 1.0)

    out: dict[str, Any] = {
        "start": pd.Timestamp(start_ms, unit="ms", tz="UTC") if n else pd.NaT,
        "end": pd.Timestamp(end_ms, unit="ms", tz="UTC") if n else pd.NaT,
        "duration": pd.Timedelta(milliseconds=duration_ms) if n else pd.NaT,
        "exec_bars": int(n),
        "exposure_pct": 100.0 * float(np.count_nonzero(position)) / n if n else 0.0,
        "initial_equity": init,
        "final_equity": final,
        "equity_peak": float(series.max()),
        "total_return_pct": total,
        "buy_hold_return_pct": buy_hold,
        "return_ann_pct": _f(100.0 * ann),
        "volatility_ann_pct": _f(100.0 * vol),
        "cagr_pct": _f(cagr),
        "sharpe": _f(ann / vol) if vol > 0 else _NAN,
        "sortino": _f(ann / down) if down > 0 else _NAN,
        "calmar": _f(ann / max_dd) if max_dd > 0 else _NAN,
        "alpha_pct": _f(total - beta * buy_hold),
        "beta": beta,
        "max_drawdown_pct": -100.0 * max_dd,
        "avg_drawdown_pct": float(np.mean(depths)) if depths else 0.0,
        "max_drawdown_duration": _ms_delta(float(max(durations))) if durations else pd.Timedelta(0),
        "avg_drawdown_duration": _ms_delta(float(np.mean(durations))) if durations else pd.Timedelta(0),
    }
    out.update(_trade_stats(trades))
    return {k: out[k] for k in STAT_KEYS}
