"""Shared pieces of the sweep tests: a small grid on the bundled sample, importable strategies
(worker processes import them from here) and a bit-exact comparison of statistics."""

from __future__ import annotations

import math
from typing import Any, Mapping

import pandas as pd

from btcore.backtest import Strategy

#: 2 x 3 combinations of the default EMA-cross rules (6 runs: seconds on every executor).
GRID = {"indicators.ema_fast.length": [8, 20], "indicators.ema_slow.length": [40, 60, 90]}
COST_GRID = {"commission": [0.0, 0.001], "stop_loss_pct": [None, 0.02]}


def same(a: Any, b: Any) -> bool:
    """Equal bit for bit: floats equal with the same sign (or both NaN), NaT alike, others ==."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if a is pd.NaT or b is pd.NaT:
        return a is pd.NaT and b is pd.NaT
    return bool(a == b)


def assert_row_is_run(row: Mapping[str, Any], stats: pd.Series) -> None:
    """Every statistic of a sweep row equals the standalone run's, bit for bit."""
    from btcore.backtest.sweep import STAT_COLUMNS

    for key in STAT_COLUMNS:
        a, b = row[key], stats[key]
        if isinstance(b, pd.Timestamp) and not isinstance(a, pd.Timestamp):
            a = pd.Timestamp(a)
        assert same(a, b), f"{key}: sweep {a!r} != run {b!r}"


class Cross(Strategy):
    """EMA cross on the declared indicators, with a parameter (importable by worker processes)."""

    margin = 0.0

    def init(self) -> None:
        self.fast, self.slow = self.I("indicator.ema_fast"), self.I("indicator.ema_slow")

    def next(self) -> None:
        f, s = self.fast.get(), self.slow.get()
        if f is None or s is None:
            return
        if f > s * (1.0 + self.margin) and self.position <= 0:
            self.buy()
        elif f < s and self.position > 0:
            self.close()


def cross_function(view: Any, params: Mapping[str, Any]) -> int:
    """The same decision as a function strategy ``strategy(view, params)``."""
    f, s = view.get_feature("ema_fast"), view.get_feature("ema_slow")
    if f is None or s is None:
        return 0
    side = view.exchange.position_side
    if f > s * (1.0 + params.get("margin", 0.0)) and side != "long":
        return 1
    if f < s and side == "long":
        return 2
    return 0


def compiled_here(_: Any = None) -> bool:
    """Whether the process running this uses the compiled core (asked of worker processes)."""
    import btcore

    return bool(btcore.COMPILED)
