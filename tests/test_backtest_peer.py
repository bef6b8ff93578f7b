"""btcore against backtesting.py 0.6.6 on the same bars and the same decisions: equal trades and
final equity (1e-9 relative) with backtesting.py's sizing convention.

What makes the comparison exact and meaningful:

* backtesting.py buys whole units for a fractional ``size`` (``int(equity * size // (price +
  commission per unit))``); btcore runs with ``sizing="fee_inclusive"`` (the same formula) and
  ``qty_step=1`` (whole units), and an account of 1,000,000 so that a BTC position is about a
  hundred units (with 10,000 it would be one, and rounding would decide everything);
* both engines get the same signal per bar: btcore's EMA-cross rules run first, their signals
  drive a backtesting.py strategy (market orders at the next open, ``exclusive_orders=True``
  for btcore's reversal rule) and a btcore function strategy; the last position is closed by a
  signal before the end (backtesting.py's ``finalize_trades`` would fill it at the last open);
* commission 0.1 % per side, no spread/slippage, no stops (they are resolved on 1m bars by btcore
  and on the bar itself by backtesting.py).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from btcore.backtest import Backtest

# in the test extra (the peers extra pins 0.6.6); only the wheel tests of platforms given fewer
# extras (ci: cibuildwheel overrides) go without it
bt = pytest.importorskip("backtesting", reason="backtesting.py (btcore[peers]) is not installed")

RULES = {"long_entry": "indicator.ema_fast crosses_above indicator.ema_slow",
         "long_exit": "indicator.ema_fast < indicator.ema_slow",
         "short_entry": "indicator.ema_fast crosses_below indicator.ema_slow",
         "short_exit": "indicator.ema_fast > indicator.ema_slow"}
EMAS = [{"name": "ema_fast", "type": "ema", "length": 20, "roles": ["exec"]},
        {"name": "ema_slow", "type": "ema", "length": 50, "roles": ["exec"]}]
COMMON = dict(indicators=EMAS, initial_equity=1_000_000.0, sizing="fee_inclusive", qty_step=1.0, commission=0.001)


class _Signals(bt.Strategy):
    """Acts on a precomputed signal column the way btcore's exchange acts on signal codes."""

    def init(self) -> None:
        pass

    def next(self) -> None:
        code, pos = self.data.Signal[-1], self.position
        if code == 1 and not pos.is_long:
            self.buy()
        elif code == -1 and not pos.is_short:
            self.sell()
        elif code == 2 and pos:
            pos.close()


@pytest.fixture(scope="module")
def runs():
    assert bt.__version__.startswith("0.6.6"), bt.__version__  # the version these conventions were read from
    first = Backtest(strategy=RULES, **COMMON).run()
    decisions = dict(zip(first.equity["ts_close_ms"].tolist(), first.signals.tolist()))
    decisions[int(first.equity["ts_close_ms"].iloc[-2])] = 2  # flat before the end
    mine = Backtest(strategy=lambda view: decisions.get(view.ts_close_ms, 0), start=first.spec.start, **COMMON).run()
    ex, sl = mine.feeds.exec_feed, slice(mine.lo, mine.hi)
    bars = pd.DataFrame({"Open": ex.open[sl], "High": ex.high[sl], "Low": ex.low[sl], "Close": ex.close[sl],
                         "Volume": ex.volume[sl], "Signal": mine.signals.to_numpy()},
                        index=pd.to_datetime(ex.ts_open_ms[sl], unit="ms"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = bt.Backtest(bars, _Signals, cash=1_000_000.0, commission=0.001, exclusive_orders=True).run()
    return mine, theirs


def test_trades_and_final_equity_equal_backtesting_py(runs):
    mine, theirs = runs
    tr = theirs["_trades"]
    ours = mine.trades
    assert len(ours) == len(tr) > 20
    signed = np.where(ours["side"] == "long", 1.0, -1.0) * ours["qty"].to_numpy()
    np.testing.assert_array_equal(signed, tr["Size"].to_numpy().astype(float))  # whole units, same sizes
    np.testing.assert_array_equal(ours["entry_price"].to_numpy(), tr["EntryPrice"].to_numpy())
    np.testing.assert_array_equal(ours["exit_price"].to_numpy(), tr["ExitPrice"].to_numpy())
    np.testing.assert_allclose(ours["pnl"].to_numpy(), tr["PnL"].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(ours["fees"].to_numpy(), tr["Commission"].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(ours["return_pct"].to_numpy(), 100 * tr["ReturnPct"].to_numpy(), rtol=1e-9)
    assert (ours["entry_time"].dt.tz_convert(None).to_numpy() == tr["EntryTime"].to_numpy()).all()
    assert mine.stats["final_equity"] == pytest.approx(theirs["Equity Final [$]"], rel=1e-9)
    np.testing.assert_allclose(mine.equity["equity"].to_numpy(), theirs["_equity_curve"]["Equity"].to_numpy(), rtol=1e-9)


def test_statistics_defined_alike_agree(runs):
    mine, theirs = runs
    s = mine.stats
    same = {"Max. Drawdown [%]": "max_drawdown_pct", "Avg. Drawdown [%]": "avg_drawdown_pct",
            "Win Rate [%]": "win_rate_pct", "Best Trade [%]": "best_trade_pct", "Worst Trade [%]": "worst_trade_pct",
            "Avg. Trade [%]": "avg_trade_pct", "Expectancy [%]": "expectancy_pct", "SQN": "sqn",
            "Kelly Criterion": "kelly", "Beta": "beta", "Equity Peak [$]": "equity_peak",
            "Return [%]": "total_return_pct"}
    for theirs_key, ours_key in same.items():
        assert s[ours_key] == pytest.approx(theirs[theirs_key], rel=1e-9), ours_key
    for theirs_key, ours_key in (("Max. Drawdown Duration", "max_drawdown_duration"),
                                 ("Max. Trade Duration", "max_trade_duration")):
        assert s[ours_key] == theirs[theirs_key], ours_key
    # backtesting.py rounds mean durations up to whole minutes
    for theirs_key, ours_key in (("Avg. Drawdown Duration", "avg_drawdown_duration"),
                                 ("Avg. Trade Duration", "avg_trade_duration")):
        assert abs(s[ours_key] - theirs[theirs_key]) < pd.Timedelta("1min"), ours_key
    # same formulas, but btcore's daily series starts from the initial equity (backtesting.py
    # starts at the first day's close): close, not equal, on a four-week run
    for theirs_key, ours_key in (("Sortino Ratio", "sortino"), ("Return (Ann.) [%]", "return_ann_pct")):
        assert s[ours_key] == pytest.approx(theirs[theirs_key], rel=0.1), ours_key
    # Sharpe: the same annualised return over the usual volatility (not the compounded one)
    assert np.sign(s["sharpe"]) == np.sign(theirs["Sharpe Ratio"]) == np.sign(s["total_return_pct"])
