"""The outcome of one backtest: statistics, trades, equity, signals — in memory until saved."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import numpy as np
from numpy.typing import NDArray
import pandas as pd

from .settings import RunConfig
from .stats import drawdown_pct

__all__ = ["Result", "TRADE_COLUMNS", "EQUITY_COLUMNS"]

#: Columns of :attr:`Result.trades` (and ``trades.csv``).
TRADE_COLUMNS = (
    "entry_time", "exit_time", "side", "qty", "entry_price", "exit_price", "stop_loss", "take_profit",
    "fees", "pnl", "return_pct", "exit_reason", "entry_idx", "exit_idx",
)
#: Columns of :attr:`Result.equity` (and ``equity.csv``).
EQUITY_COLUMNS = ("time", "ts_close_ms", "close", "equity", "drawdown_pct", "position")


def _utc(ms: Any) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(np.asarray(ms, dtype=np.int64), unit="ms", utc=True))


class Result:
    """What :meth:`btcore.backtest.Backtest.run` returns.

    Attributes
    ----------
    stats : pandas.Series
        Every statistic (docs/BACKTEST.md), keyed like ``summary.json``: ``total_return_pct``,
        ``sharpe``, ``trades``, ``max_drawdown_pct`` ... Missing values are NaN / NaT.
    trades : pandas.DataFrame
        One row per closed trade, the columns of ``trades.csv`` (times as UTC Timestamps), indexed
        by entry time.
    equity : pandas.DataFrame
        One row per traded exec bar (the columns of ``equity.csv``), indexed by the bar's close.
    signals : pandas.Series
        The strategy's signal code per traded exec bar (0 none, 1 long, -1 short, 2 flat).
    state_stats : dict
        The state tracker's statistics (``state_tracker.json``).
    spec : RunConfig
        The settings of the run, with the traded range filled in (``spec.id`` identifies them).
    preflight, health : dict
        The data checks' reports.
    context : dict
        Run details printed in the summary: data, period, strategy, costs, sizing, risk, timings.
    """

    def __init__(self, *, spec: RunConfig, stats: Mapping[str, Any], trade_records: Sequence[Mapping[str, Any]],
                 feeds: Any, lo: int, hi: int, equity: NDArray[Any], position: NDArray[Any], signals: NDArray[Any],
                 state_stats: Mapping[str, Any], preflight: Mapping[str, Any], health: Mapping[str, Any],
                 indicators: Sequence[Any], context: Mapping[str, Any], preflight_failed: bool = False) -> None:
        self.spec = spec
        self.stats = pd.Series(dict(stats), dtype=object, name=spec.symbol)
        self.trade_records = list(trade_records)
        self.feeds = feeds
        self.lo, self.hi = lo, hi
        self.state_stats = dict(state_stats)
        self.preflight, self.health = dict(preflight), dict(health)
        self.indicators = list(indicators)
        self.context = dict(context)
        self.preflight_failed = preflight_failed
        ex = feeds.exec_feed
        sl = slice(lo, hi)
        close_ms = ex.ts_close_ms[sl]
        index = _utc(close_ms)
        self.equity = pd.DataFrame({
            "time": index, "ts_close_ms": close_ms, "close": ex.close[sl], "equity": equity,
            "drawdown_pct": drawdown_pct(equity, spec.initial_equity), "position": position,
        }, index=index)
        self.signals = pd.Series(signals, index=index, name="signal")
        self.trades = self._trades_frame()

    def _trades_frame(self) -> pd.DataFrame:
        recs = self.trade_records
        cols = [c for c in TRADE_COLUMNS if c not in ("entry_time", "exit_time")]
        df = pd.DataFrame([{c: r[c] for c in cols} for r in recs], columns=cols)
        entry = _utc([r["entry_ts_ms"] for r in recs])
        df.insert(0, "exit_time", _utc([r["exit_ts_ms"] for r in recs]))
        df.insert(0, "entry_time", entry)
        for c in ("stop_loss", "take_profit", "qty", "entry_price", "exit_price", "fees", "pnl", "return_pct"):
            df[c] = df[c].astype(np.float64)
        df.index = entry
        return df

    def __repr__(self) -> str:
        s = self.stats
        return (f"<Result {self.spec.symbol} {self.context.get('timeframes', '')}: {s['trades']} trades, return "
                f"{_pct(s['total_return_pct'])}, Sharpe {_num(s['sharpe'])}, max drawdown {_pct(s['max_drawdown_pct'])}>")

    def summary(self) -> dict[str, Any]:
        """``summary.json``'s ``summary``: the stats as JSON values (times as epoch ms, durations
        as ISO-8601 strings, NaN as None)."""
        out: dict[str, Any] = {}
        for key, value in self.stats.items():
            if isinstance(value, pd.Timestamp):
                out[key] = None if pd.isna(value) else int(value.value // 1_000_000)
            elif isinstance(value, pd.Timedelta):
                out[key] = value.isoformat()
            elif value is pd.NaT:
                out[key] = None
            elif isinstance(value, float) and not math.isfinite(value):
                out[key] = None
            else:
                out[key] = value
        return out

    def save(self, folder: Any, *, plot: bool = True, force: bool = False) -> Path:
        """Write the report folder (``summary.json``, ``trades.csv``, ``equity.csv``, the PNG chart,
        ``report.html`` ...; docs/CLI.md "Report") and return its path.

        The files are written into a temporary folder beside ``folder`` and renamed at the end,
        so an interrupted save leaves no folder that looks complete. An existing ``folder`` is
        an error unless ``force=True``, which replaces it.
        """
        from ..report import write_report

        return write_report(self, Path(folder), plot=plot, force=force).out

    def plot(self, filename: Optional[Any] = None, *, open_browser: bool = False, max_candles: int = 50_000) -> Path:
        """An interactive chart (candlesticks, indicators, trades, equity, drawdown) as one
        self-contained HTML file; returns its path. Needs bokeh: ``pip install 'btcore[plot]'``.

        ``filename`` defaults to ``btcore-<symbol>-<exec tf>-<settings id>.html`` in the current
        folder.
        """
        from ..report.interactive import plot_result

        return plot_result(self, filename, open_browser=open_browser, max_candles=max_candles)


def _pct(x: Any) -> str:
    return "n/a" if x is None or x != x else f"{x:,.2f}%"


def _num(x: Any) -> str:
    return "n/a" if x is None or x != x else f"{x:,.2f}"
