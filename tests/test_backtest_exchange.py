"""The simulated exchange against fills computed by hand on tiny 1-minute data.

Every case builds 5m exec bars from a handful of 1m bars whose prices are chosen so that the
right fill is obvious; expected prices, fees and P&L are written out from the documented rules
(next-open fills, slippage against the trader, commission on both sides, adverse-first stops,
gap fills at the minute's open), never taken from the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from btcore.align import align_feeds
from btcore.backtest.exchange import SimExchange
from btcore.data.loaders import resample_ohlcv
from btcore.feed import FeedStore, MultiTFFeedStore

T0 = 1_704_067_200_000  # 2024-01-01 00:00 UTC
MIN = 60_000


def _flat(price: float) -> tuple[float, float, float, float]:
    return (price, price, price, price)


def _exchange(minutes: list[tuple[float, float, float, float]], **kw) -> SimExchange:
    """Exchange over 5m bars made of ``minutes`` (open, high, low, close), 5 per exec bar."""
    o, h, lo, c = (np.array(col, dtype=np.float64) for col in zip(*minutes))
    ts = T0 + MIN * np.arange(len(minutes), dtype=np.int64)
    import pandas as pd

    df1 = pd.DataFrame({"ts": ts, "open": o, "high": h, "low": lo, "close": c, "volume": np.ones(len(ts))})
    df5 = resample_ohlcv(df1, "5m", include_partial=True)
    quote = FeedStore.from_arrays("1m", "TEST", ts, o, h, lo, c, np.ones(len(ts)))
    ex = FeedStore.from_arrays("5m", "TEST", df5["ts"].to_numpy(), df5["open"].to_numpy(), df5["high"].to_numpy(),
                               df5["low"].to_numpy(), df5["close"].to_numpy(), df5["volume"].to_numpy())
    al = align_feeds(MultiTFFeedStore(ex, quote_feed=quote))
    kw.setdefault("initial_equity", 1000.0)
    return SimExchange(ex, quote, np.asarray(al.m1_start), np.asarray(al.m1_end), **kw)


def _drive(exch: SimExchange, signals: dict[int, int]) -> None:
    for i in range(exch.n):
        exch.on_bar(i)
        exch.on_signal(i, signals.get(i, 0))
    exch.finish()


def test_market_entry_and_exit_fill_at_next_open_with_costs():
    # bar 0 flat at 100, bar 1 opens at 102, bar 2 opens at 105
    minutes = [_flat(100.0)] * 5 + [_flat(102.0)] * 5 + [_flat(105.0)] * 5
    ex = _exchange(minutes, commission=0.001, slippage=0.001)
    _drive(ex, {0: 1, 1: 2})
    assert len(ex.trades) == 1
    t = ex.trades[0]
    entry, exit_ = 102.0 * 1.001, 105.0 * 0.999
    qty = 1000.0 / entry
    fees = 1000.0 * 0.001 + qty * exit_ * 0.001
    assert t["side"] == "long" and t["exit_reason"] == "signal"
    assert t["entry_ts_ms"] == T0 + 5 * MIN and t["exit_ts_ms"] == T0 + 10 * MIN
    assert t["entry_price"] == pytest.approx(entry) and t["exit_price"] == pytest.approx(exit_)
    assert t["qty"] == pytest.approx(qty)
    assert t["fees"] == pytest.approx(fees)
    assert t["pnl"] == pytest.approx(qty * (exit_ - entry) - fees)
    assert ex.cash == pytest.approx(1000.0 + qty * (exit_ - entry) - fees)
    # marked to the close of bar 1 while long: cash minus entry fee plus unrealised
    assert ex.equity[1] == pytest.approx(1000.0 - 1.0 + qty * (102.0 - entry))
    assert list(ex.position) == [0, 1, 0]


def test_stop_loss_fills_at_level_in_the_first_touching_minute():
    bar1 = [(100.0, 100.5, 99.5, 100.0), (100.0, 100.2, 97.9, 98.5), (98.5, 99.0, 90.0, 95.0),
            _flat(95.0), _flat(95.0)]
    minutes = [_flat(100.0)] * 5 + bar1 + [_flat(95.0)] * 5
    ex = _exchange(minutes, stop_loss_pct=0.02, take_profit_pct=0.05)
    _drive(ex, {0: 1})
    (t,) = ex.trades
    assert t["exit_reason"] == "stop_loss"
    assert t["entry_price"] == 100.0
    assert t["exit_price"] == pytest.approx(98.0)
    assert t["exit_ts_ms"] == T0 + 6 * MIN  # the second minute of bar 1
    assert t["pnl"] == pytest.approx(10.0 * (98.0 - 100.0))


def test_gap_through_the_stop_fills_at_the_minute_open():
    bar1 = [(100.0, 100.0, 99.0, 99.0), (96.0, 96.5, 95.0, 96.0)] + [_flat(96.0)] * 3
    ex = _exchange([_flat(100.0)] * 5 + bar1 + [_flat(96.0)] * 5, stop_loss_pct=0.02)
    _drive(ex, {0: 1})
    (t,) = ex.trades
    assert t["exit_reason"] == "stop_loss" and t["exit_price"] == 96.0


def test_stop_and_target_in_the_same_minute_fill_the_stop():
    bar1 = [(100.0, 106.0, 97.0, 101.0)] + [_flat(101.0)] * 4
    ex = _exchange([_flat(100.0)] * 5 + bar1 + [_flat(101.0)] * 5, stop_loss_pct=0.02, take_profit_pct=0.05)
    _drive(ex, {0: 1})
    (t,) = ex.trades
    assert t["exit_reason"] == "stop_loss" and t["exit_price"] == pytest.approx(98.0)


def test_short_take_profit_at_level_and_at_a_better_gap_open():
    bar1 = [(100.0, 100.0, 99.0, 99.0), (97.0, 97.0, 94.0, 96.0)] + [_flat(96.0)] * 3
    ex = _exchange([_flat(100.0)] * 5 + bar1 + [_flat(96.0)] * 5, take_profit_pct=0.05, slippage=0.01)
    _drive(ex, {0: -1})
    (t,) = ex.trades
    entry = 100.0 * 0.99  # a short sells: slippage lowers the fill
    assert t["side"] == "short" and t["entry_price"] == pytest.approx(entry)
    assert t["exit_reason"] == "take_profit"
    assert t["exit_price"] == pytest.approx(entry * 0.95)  # a limit: no slippage
    gap = [(100.0, 100.0, 99.0, 99.0), (90.0, 91.0, 89.0, 90.0)] + [_flat(90.0)] * 3
    ex = _exchange([_flat(100.0)] * 5 + gap + [_flat(90.0)] * 5, take_profit_pct=0.05)
    _drive(ex, {0: -1})
    assert ex.trades[0]["exit_price"] == 90.0
    assert ex.trades[0]["pnl"] == pytest.approx(10.0 * (100.0 - 90.0))


def test_opposite_signal_reverses_at_the_same_open():
    minutes = [_flat(100.0)] * 5 + [_flat(110.0)] * 5 + [_flat(99.0)] * 5 + [_flat(99.0)] * 5
    ex = _exchange(minutes)
    _drive(ex, {0: 1, 1: -1})
    long_, short = ex.trades
    assert (long_["side"], long_["entry_price"], long_["exit_price"], long_["exit_reason"]) == ("long", 110.0, 99.0, "reverse")
    assert long_["pnl"] == pytest.approx(1000.0 / 110.0 * (99.0 - 110.0))
    cash_after = 1000.0 + long_["pnl"]
    assert short["side"] == "short" and short["entry_price"] == 99.0
    assert short["qty"] == pytest.approx(cash_after / 99.0)
    assert short["exit_reason"] == "end_of_data" and short["exit_price"] == 99.0


def test_same_direction_is_ignored_and_last_bar_signal_is_rejected():
    minutes = [_flat(100.0)] * 15
    ex = _exchange(minutes)
    _drive(ex, {0: 1, 1: 1, 2: 2})
    assert ex.orders_filled == 1
    assert ex.orders_rejected == {"no_next_bar": 1}
    (t,) = ex.trades
    assert t["exit_reason"] == "end_of_data"


def test_size_fraction_and_exchange_state():
    minutes = [_flat(100.0)] * 5 + [_flat(100.0)] * 4 + [(100.0, 120.0, 100.0, 120.0)]
    ex = _exchange(minutes, size_fraction=0.5)
    ex.on_bar(0)
    ex.on_signal(0, 1)
    state = ex.on_bar(1)
    assert state.has_position and state.position_side == "long"
    assert state.position_qty == pytest.approx(5.0)
    assert state.unrealized_pnl_usdt == pytest.approx(5.0 * 20.0)
    assert state.equity_usdt == pytest.approx(1100.0)
    assert state.position_size_usdt == pytest.approx(600.0)


def test_the_account_is_live_and_a_snapshot_is_frozen():
    minutes = [_flat(100.0)] * 5 + [_flat(101.0)] * 5 + [_flat(102.0)] * 5 + [_flat(103.0)] * 5
    ex = _exchange(minutes)
    states = []
    for i, sig in enumerate([1, 0, 2, 0]):
        account = ex.on_bar(i)
        assert account is ex.account  # one object for the whole run: nothing is built per bar
        states.append(account.snapshot())
        ex.on_signal(i, sig)
    assert states[0].has_position is False and states[0].equity_usdt == 1000.0
    assert states[1].position_side == "long" and states[1].equity_usdt == pytest.approx(1000.0)
    assert states[2].equity_usdt == pytest.approx(1000.0 / 101.0 * 102.0)  # marked every bar
    assert states[3].has_position is False and states[3].equity_usdt == pytest.approx(1000.0 / 101.0 * 103.0)
    assert ex.account.equity_usdt == states[3].equity_usdt and ex.account.to_dict() == states[3].to_dict()
    assert ex.equity[2] == pytest.approx(1000.0 / 101.0 * 102.0)


def test_nan_bars_never_become_nan_money():
    nan = (float("nan"),) * 4
    minutes = [_flat(100.0)] * 5 + [nan] * 5 + [_flat(102.0)] * 5 + [_flat(104.0)] * 4 + [nan]
    ex = _exchange(minutes, stop_loss_pct=0.5)
    _drive(ex, {0: 1, 1: 1})
    # the order due at bar 1 (NaN open) is rejected; the signal at bar 1 fills at bar 2's open
    assert ex.orders_rejected == {"no_price": 1}
    (t,) = ex.trades
    assert t["entry_price"] == 102.0
    # bar 3's close is NaN: the position stays marked at the last finite price and closes there
    assert t["exit_reason"] == "end_of_data" and t["exit_price"] == 102.0
    assert np.isfinite(ex.equity).all()


def test_a_signal_on_the_last_bar_of_the_run_is_rejected_even_with_data_after_it():
    ex = _exchange([_flat(100.0)] * 20, end=2)
    for i in range(2):
        ex.on_bar(i)
        ex.on_signal(i, 1 if i == 1 else 0)
    ex.finish()
    assert ex.orders_rejected == {"no_next_bar": 1} and ex.trades == []


# --------------------------------------------------------------------------- sizing and limits


def test_fee_inclusive_sizing_spends_exactly_the_fraction_of_equity():
    minutes = [_flat(100.0)] * 5 + [_flat(102.0)] * 5 + [_flat(102.0)] * 5
    ex = _exchange(minutes, commission=0.001, sizing="fee_inclusive", size_fraction=0.5)
    _drive(ex, {0: 1})
    (t,) = ex.trades
    qty = 500.0 / (102.0 * 1.001)  # notional + commission = 0.5 x 1000
    assert t["qty"] == pytest.approx(qty, rel=1e-12)
    entry_fee = 0.001 * qty * 102.0
    assert qty * 102.0 + entry_fee == pytest.approx(500.0, rel=1e-12)
    assert t["fees"] == pytest.approx(entry_fee + 0.001 * qty * 102.0, rel=1e-12)
    # the btcore convention commits the whole fraction as notional and pays the fee on top
    ex = _exchange(minutes, commission=0.001, size_fraction=0.5)
    _drive(ex, {0: 1})
    assert ex.trades[0]["qty"] == pytest.approx(500.0 / 102.0, rel=1e-12)


def test_qty_step_rounds_down_and_minimums_reject():
    minutes = [_flat(100.0)] * 5 + [_flat(102.0)] * 10
    ex = _exchange(minutes, qty_step=0.3)
    _drive(ex, {0: 1})
    assert ex.trades[0]["qty"] == pytest.approx(9.6)  # 1000 / 102 = 9.80 -> 32 steps of 0.3
    ex = _exchange(minutes, qty_step=0.1)
    _drive(ex, {0: 1})
    assert ex.trades[0]["qty"] == pytest.approx(9.8)  # 98 steps, not 97 (0.3 / 0.1 is 2.9999999999999996)
    for kw, reason in (({"min_qty": 10.0}, "below_min_qty"), ({"min_notional": 1001.0}, "below_min_notional"),
                       ({"qty_step": 2000.0}, "below_min_qty")):
        ex = _exchange(minutes, **kw)
        _drive(ex, {0: 1})
        assert ex.trades == [] and ex.orders_rejected == {reason: 1} and ex.cash == 1000.0


# --------------------------------------------------------------------------- liquidation


def _short_liquidation_level(cash_after_entry: float, qty: float, entry: float, c: float) -> float:
    # cash + q (entry - x) - c q x = 0
    return (cash_after_entry + qty * entry) / (qty * (1.0 + c))


def test_a_short_is_liquidated_at_zero_equity_and_the_account_stops():
    c = 0.001
    level = _short_liquidation_level(1000.0 - 1.0, 10.0, 100.0, c)  # 10 units sold at 100, fee 1
    bar2 = [(150.0, 150.0, 150.0, 150.0), (150.0, 210.0, 150.0, 205.0)] + [_flat(205.0)] * 3
    minutes = [_flat(100.0)] * 5 + [_flat(100.0)] * 5 + bar2 + [_flat(80.0)] * 10
    ex = _exchange(minutes, commission=c)
    _drive(ex, {0: -1, 2: -1, 3: 1})
    (t,) = ex.trades
    assert t["exit_reason"] == "liquidation" and t["exit_price"] == pytest.approx(level, rel=1e-12)
    assert t["exit_ts_ms"] == T0 + 11 * MIN  # the minute that reached the level
    assert t["pnl"] == pytest.approx(-1000.0, rel=1e-9)  # everything the account had
    assert ex.liquidated and ex.cash == 0.0
    assert ex.equity[2:].tolist() == [0.0, 0.0, 0.0]  # no recovery: nothing trades any more
    assert ex.orders_rejected == {"account_liquidated": 2}  # the signals at bars 2 and 3
    state = ex.on_bar(3)
    assert state.entries_disabled and state.entries_disabled_reason == "account_liquidated"


def test_a_gap_through_the_liquidation_level_floors_the_account_at_zero():
    bar2 = [(250.0, 260.0, 240.0, 250.0)] + [_flat(250.0)] * 4
    minutes = [_flat(100.0)] * 5 + [_flat(100.0)] * 5 + bar2 + [_flat(250.0)] * 5
    ex = _exchange(minutes, commission=0.001)
    _drive(ex, {0: -1})
    (t,) = ex.trades
    assert t["exit_reason"] == "liquidation" and t["exit_price"] == 250.0  # the open beyond the level
    assert t["pnl"] == pytest.approx(-1000.0) and ex.cash == 0.0
    assert (ex.equity[:4] >= 0).all()


def test_a_long_is_liquidated_when_the_price_nearly_vanishes():
    c = 0.001
    level = (10.0 * 100.0 - 999.0) / (10.0 * (1.0 - c))  # cash + q (x - entry) - c q x = 0
    bar2 = [(100.0, 100.0, 0.05, 0.05)] + [_flat(0.05)] * 4
    minutes = [_flat(100.0)] * 5 + [_flat(100.0)] * 5 + bar2 + [_flat(0.05)] * 5
    ex = _exchange(minutes, commission=c, stop_loss_pct=0.5)
    _drive(ex, {0: 1})
    (t,) = ex.trades
    assert t["exit_reason"] == "stop_loss" and t["exit_price"] == pytest.approx(50.0)  # the stop is nearer
    ex = _exchange(minutes, commission=c)
    _drive(ex, {0: 1})
    (t,) = ex.trades
    assert t["exit_reason"] == "liquidation" and t["exit_price"] == pytest.approx(level, rel=1e-12)
    assert ex.cash == 0.0 and t["pnl"] == pytest.approx(-1000.0)


# --------------------------------------------------------------------------- bad prices


def test_a_missing_minute_open_at_the_stop_fills_at_the_level():
    nan = float("nan")
    bar1 = [(100.0, 100.0, 99.0, 99.0), (nan, 99.0, 96.0, 97.0)] + [_flat(97.0)] * 3
    ex = _exchange([_flat(100.0)] * 5 + bar1 + [_flat(97.0)] * 5, stop_loss_pct=0.02)
    _drive(ex, {0: 1})
    (t,) = ex.trades
    assert t["exit_reason"] == "stop_loss" and t["exit_price"] == pytest.approx(98.0)
    assert np.isfinite(ex.equity).all() and np.isfinite(ex.cash)


def test_a_stop_inside_a_bar_with_a_missing_minute_is_still_found():
    nan = float("nan")
    # one NaN minute makes the exec bar's high and low NaN: the range cannot rule out a touch
    bar1 = [(100.0, 100.0, 99.5, 99.5), (nan, nan, nan, nan), (99.5, 99.5, 97.0, 97.5)] + [_flat(97.5)] * 2
    ex = _exchange([_flat(100.0)] * 5 + bar1 + [_flat(97.5)] * 5, stop_loss_pct=0.02)
    _drive(ex, {0: 1})
    (t,) = ex.trades
    assert t["exit_reason"] == "stop_loss" and t["exit_ts_ms"] == T0 + 7 * MIN


@pytest.mark.parametrize("bad", [0.0, -50.0, float("inf")])
def test_zero_negative_or_infinite_open_rejects_the_order(bad):
    minutes = [_flat(100.0)] * 5 + [(bad, 101.0, 99.0, 100.0)] + [_flat(100.0)] * 4 + [_flat(103.0)] * 5
    ex = _exchange(minutes, commission=0.001)
    _drive(ex, {0: 1, 1: 1})
    assert ex.orders_rejected == {"no_price": 1}
    (t,) = ex.trades  # the signal at bar 1 fills at bar 2's open
    assert t["entry_price"] == 103.0 and t["qty"] > 0
    assert np.isfinite(ex.equity).all()


def test_order_events_are_recorded_per_bar_for_the_tracker():
    minutes = [_flat(100.0)] * 20
    ex = _exchange(minutes)
    _drive(ex, {0: 1, 1: 2, 3: -1})
    assert ex.fill_event.tolist() == [0, 1, 1, 0]
    assert ex.signal_event.tolist() == [1, 1, 0, 2]  # bar 3 is the last: no next bar (code 2)
    assert np.isnan(ex.sizing_usdt[[1, 2]]).all() and ex.sizing_usdt[0] == 1000.0 and ex.sizing_usdt[3] == 1000.0


# --------------------------------------------------------------------------- properties

_price = st.one_of(st.floats(50.0, 150.0), st.sampled_from([float("nan"), 0.0, -1.0]))


@settings(max_examples=150)
@given(
    data=st.lists(st.tuples(_price, st.floats(0.0, 0.2), st.floats(0.0, 0.2), _price), min_size=10, max_size=60),
    signals=st.lists(st.sampled_from([0, 0, 1, -1, 2]), min_size=12, max_size=12),
    sizing=st.sampled_from(["btcore", "fee_inclusive"]),
    stop=st.sampled_from([None, 0.01, 0.3]),
    target=st.sampled_from([None, 0.02, 1.0]),
    commission=st.sampled_from([0.0, 0.001, 0.1]),
    slippage=st.sampled_from([0.0, 0.01]),
    step=st.sampled_from([0.0, 0.5]),
)
def test_money_stays_finite_non_negative_and_adds_up(data, signals, sizing, stop, target, commission, slippage, step):
    minutes = [(o, max(o, c) * (1 + up) if o == o and c == c else float("nan"),
                min(o, c) * (1 - dn) if o == o and c == c else float("nan"), c) for o, up, dn, c in data]
    ex = _exchange(minutes, stop_loss_pct=stop, take_profit_pct=target, commission=commission, slippage=slippage,
                   sizing=sizing, qty_step=step)
    _drive(ex, dict(enumerate(signals)))
    eq = ex.equity
    assert np.isfinite(eq).all() and (eq >= 0).all()
    assert all(t["qty"] > 0 and t["fees"] >= 0 and np.isfinite(t["pnl"]) for t in ex.trades)
    assert all(0 < t["exit_price"] < float("inf") and 0 < t["entry_price"] < float("inf") for t in ex.trades)
    assert ex.cash == pytest.approx(1000.0 + sum(t["pnl"] for t in ex.trades), rel=1e-9, abs=1e-9)
    assert eq[-1] == pytest.approx(ex.cash, rel=1e-12, abs=1e-12)
    if ex.liquidated:
        assert ex.cash == 0.0
        first = next(k for k, t in enumerate(ex.trades) if t["exit_reason"] == "liquidation")
        assert first == len(ex.trades) - 1  # nothing traded after it
