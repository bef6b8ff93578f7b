"""Backtests run by tests/test_backtest_twins.py in this process and, with the other
implementation, in a subprocess (``python -c "import _backtest_cases; _backtest_cases.main()" NAME ...``
writes the pickled outcomes to stdout).

Not a test module (no ``test_`` prefix).
"""

from __future__ import annotations

import pickle
import sys
from typing import Any

from _loop_synth import DATA_2020

SHORT_RULES = {
    "short_entry": "indicator.ema_fast crosses_below indicator.ema_slow or indicator.rsi > 75",
    "short_exit": "indicator.ema_fast > indicator.ema_slow * 1.001 and not (indicator.rsi.htf > 60)",
}
TIMING_KEYS = ("loop_seconds", "bars_per_second")


def python_strategy(view: Any) -> Any:
    """A Python strategy reading paths and the live account (view.exchange) every bar."""
    rsi, close = view.get("indicator.rsi"), view.close
    if rsi is None or close is None:
        return None
    acct = view.exchange
    if not acct.has_position and rsi < 35:
        return {"LONG": 1}["LONG"]
    if acct.position_side == "long" and (rsi > 60 or acct.unrealized_pnl_usdt < -0.03 * acct.equity_usdt):
        return "FLAT"
    return None


#: name -> (data: None for the bundled sample or "2020", Backtest keyword arguments)
CASES: dict[str, tuple[Any, dict[str, Any]]] = {
    "sample_default": (None, {}),
    "sample_short_sltp": (None, {"strategy": SHORT_RULES, "stop_loss_pct": 0.01, "take_profit_pct": 0.02,
                                 "slippage": 0.0005}),
    "sample_fee_inclusive_min_notional": (None, {"sizing": "fee_inclusive", "min_notional": 8500.0,
                                                 "qty_step": 0.001, "size_fraction": 0.9}),
    "sample_python_strategy": (None, {"strategy": python_strategy, "stop_loss_pct": 0.01}),
    "2020_default_sltp": ("2020", {"stop_loss_pct": 0.01, "take_profit_pct": 0.03, "slippage": 0.0002}),
    "2020_short_5m": ("2020", {"strategy": SHORT_RULES, "exec_tf": "5m", "take_profit_pct": 0.01,
                               "sizing": "fee_inclusive", "min_notional": 5000.0}),
    "2020_liquidated_short": ("2020", {"strategy": {"short_entry": "indicator.ema_fast > 0"}, "exec_tf": "1h",
                                       "mtf": "4h", "htf": "1d", "commission": 0.002}),
}


def run_case(name: str) -> dict[str, Any]:
    """The outcome of one case: statistics (without timings), trades, equity, signals, tracker."""
    from btcore.backtest import Backtest

    data, kw = CASES[name]
    result = Backtest(str(DATA_2020) if data == "2020" else None, **kw).run()
    stats = result.stats.drop(list(TIMING_KEYS))
    return {"stats": stats, "trades": result.trades, "equity": result.equity, "signals": result.signals,
            "state_stats": result.state_stats, "compiled": result.context["compiled_core"]}


def main() -> None:
    sys.stdout.buffer.write(pickle.dumps({name: run_case(name) for name in sys.argv[1:]}))
