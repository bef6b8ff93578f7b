"""Summary metrics of a run, computed from the equity curve and the closed trades.

Formulas (all documented in docs/CLI.md):

* ``total_return_pct = 100 * (final_equity / initial_equity - 1)``.
* ``cagr_pct = 100 * ((final / initial) ** (365.25 days / duration) - 1)`` with ``duration`` from the
  first traded exec bar's open to the last one's close.
* ``max_drawdown_pct``: largest drop of the exec-bar-close equity below its running peak (the peak
  starts at the initial equity), in percent of that peak (reported as a negative number).
* ``sharpe``: the equity curve is sampled at the last exec close of each UTC day (the initial
  equity stands before the first day); daily simple returns ``r``;
  ``sharpe = mean(r) / std(r, ddof=1) * sqrt(365)`` (crypto trades every day; risk-free rate 0).
  None with fewer than two daily returns or zero volatility.
* ``exposure_pct``: share of exec bars whose close found a position open.
* ``win_rate_pct``: share of closed trades with ``pnl > 0`` (after fees).
* ``profit_factor``: gross profit / gross loss of closed trades (None without a losing trade).
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import numpy as np

__all__ = ["compute_metrics", "drawdown_pct", "daily_sharpe"]

_DAY_MS = 86_400_000


def drawdown_pct(equity: np.ndarray, initial: float) -> np.ndarray:
    """Drawdown of each point below the running peak (peak starts at ``initial``), in percent (<= 0)."""
    peak = np.maximum.accumulate(np.concatenate(([initial], equity)))[1:]
    return 100.0 * (equity / peak - 1.0)


def daily_sharpe(ts_close_ms: np.ndarray, equity: np.ndarray, initial: float) -> Optional[float]:
    """Annualised Sharpe ratio of daily returns (see the module docstring)."""
    if len(equity) == 0:
        return None
    day = (ts_close_ms - 1) // _DAY_MS  # a close at exactly midnight belongs to the day it ends
    last_of_day = np.flatnonzero(np.r_[day[1:] != day[:-1], True])
    series = np.concatenate(([initial], equity[last_of_day]))
    rets = series[1:] / series[:-1] - 1.0
    if len(rets) < 2:
        return None
    sd = float(np.std(rets, ddof=1))
    if not sd > 0.0:
        return None
    return float(np.mean(rets) / sd * math.sqrt(365.0))


def _round(x: Optional[float], nd: int = 4) -> Optional[float]:
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), nd)


def compute_metrics(
    ts_open_ms: np.ndarray,
    ts_close_ms: np.ndarray,
    equity: np.ndarray,
    position: np.ndarray,
    trades: Sequence[dict[str, Any]],
    initial_equity: float,
) -> dict[str, Any]:
    """Summary metrics over the traded exec bars (arrays restricted to the run range)."""
    n = len(equity)
    final = float(equity[-1]) if n else float(initial_equity)
    duration_ms = int(ts_close_ms[-1] - ts_open_ms[0]) if n else 0
    years = duration_ms / (365.25 * _DAY_MS)
    ratio = final / initial_equity
    cagr = (ratio ** (1.0 / years) - 1.0) * 100.0 if years > 0 and ratio > 0 else None
    dd = drawdown_pct(equity, initial_equity) if n else np.zeros(0)
    pnls = np.array([t["pnl"] for t in trades], dtype=np.float64)
    wins, losses = pnls[pnls > 0], pnls[pnls <= 0]
    gross_loss = -float(losses.sum())
    return {
        "initial_equity": _round(initial_equity, 2),
        "final_equity": _round(final, 2),
        "total_return_pct": _round((ratio - 1.0) * 100.0),
        "cagr_pct": _round(cagr),
        "max_drawdown_pct": _round(float(dd.min()) if n else 0.0),
        "sharpe": _round(daily_sharpe(ts_close_ms, equity, initial_equity)),
        "trades": int(len(trades)),
        "win_rate_pct": _round(100.0 * len(wins) / len(pnls)) if len(pnls) else None,
        "profit_factor": _round(float(wins.sum()) / gross_loss) if gross_loss > 0 else None,
        "avg_trade_pct": _round(float(np.mean([t["return_pct"] for t in trades]))) if trades else None,
        "best_trade_pct": _round(max(t["return_pct"] for t in trades)) if trades else None,
        "worst_trade_pct": _round(min(t["return_pct"] for t in trades)) if trades else None,
        "fees_paid": _round(float(sum(t["fees"] for t in trades)), 2),
        "exposure_pct": _round(100.0 * float(np.count_nonzero(position)) / n) if n else 0.0,
        "exec_bars": int(n),
        "start": int(ts_open_ms[0]) if n else None,
        "end": int(ts_close_ms[-1]) if n else None,
    }
