"""Formatted statistics, shared by the console summary, the HTML report and the chart titles."""

from __future__ import annotations

import math
from typing import Any, Mapping

import pandas as pd

__all__ = ["HEADLINE", "STAT_LABELS", "format_value", "summary_lines", "stat_rows"]

#: key -> (label, unit) of every statistic, in display order.
STAT_LABELS: dict[str, tuple[str, str]] = {
    "start": ("Start", ""), "end": ("End", ""), "duration": ("Duration", ""), "exec_bars": ("Exec bars", ""),
    "exposure_pct": ("Exposure", "%"), "initial_equity": ("Initial equity", ""), "final_equity": ("Final equity", ""),
    "equity_peak": ("Equity peak", ""), "total_return_pct": ("Total return", "%"),
    "buy_hold_return_pct": ("Buy & hold return", "%"), "return_ann_pct": ("Return (ann.)", "%"),
    "volatility_ann_pct": ("Volatility (ann.)", "%"), "cagr_pct": ("CAGR", "%"), "sharpe": ("Sharpe", ""),
    "sortino": ("Sortino", ""), "calmar": ("Calmar", ""), "alpha_pct": ("Alpha", "%"), "beta": ("Beta", ""),
    "max_drawdown_pct": ("Max drawdown", "%"), "avg_drawdown_pct": ("Avg drawdown", "%"),
    "max_drawdown_duration": ("Max drawdown duration", ""), "avg_drawdown_duration": ("Avg drawdown duration", ""),
    "trades": ("Trades", ""), "win_rate_pct": ("Win rate", "%"), "best_trade_pct": ("Best trade", "%"),
    "worst_trade_pct": ("Worst trade", "%"), "avg_trade_pct": ("Avg trade (geometric)", "%"),
    "max_trade_duration": ("Max trade duration", ""), "avg_trade_duration": ("Avg trade duration", ""),
    "profit_factor": ("Profit factor", ""), "expectancy_pct": ("Expectancy", "%"), "sqn": ("SQN", ""),
    "kelly": ("Kelly", ""), "fees_paid": ("Fees paid", ""), "orders_filled": ("Orders filled", ""),
    "liquidated": ("Liquidated", ""), "bars_per_second": ("Loop throughput", " bars/s"),
}
#: The statistics of the console summary and the HTML cards.
HEADLINE = (
    "total_return_pct", "buy_hold_return_pct", "cagr_pct", "max_drawdown_pct", "sharpe", "sortino", "trades",
    "win_rate_pct", "profit_factor", "exposure_pct", "final_equity", "fees_paid", "exec_bars",
)


def format_value(key: str, value: Any, unit: str = "") -> str:
    """One statistic as text (``n/a`` when missing)."""
    if value is None or value is pd.NaT or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, pd.Timestamp):
        return str(value.strftime("%Y-%m-%dT%H:%M:%SZ"))
    if isinstance(value, pd.Timedelta):
        return str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.0f}{unit}" if key == "bars_per_second" else f"{value:,.2f}{unit}"
    if isinstance(value, int):
        return f"{value:,}{unit}"
    return f"{value}{unit}"


def summary_lines(stats: Mapping[str, Any], keys: tuple[str, ...] = HEADLINE) -> list[tuple[str, str]]:
    """(label, formatted value) pairs of ``keys`` (default: the headline statistics)."""
    out = []
    for key in keys:
        label, unit = STAT_LABELS.get(key, (key, ""))
        out.append((label, format_value(key, stats.get(key), unit)))
    return out


def stat_rows(stats: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(key, label, value) of every statistic with a label, for the full table."""
    return [(k, label, format_value(k, stats.get(k), unit)) for k, (label, unit) in STAT_LABELS.items() if k in stats]
