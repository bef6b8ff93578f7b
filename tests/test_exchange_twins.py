"""The compiled exchange, rule program and fused loop against their pure twins, bit for bit.

Random 1-minute feeds (hypothesis) with NaN, zero and negative prices, missing minutes, ranges
wide enough that stops and targets are reached inside the entry minute, reversals and
liquidations drive both implementations with the same signals; trades, equity, positions, order
events and rejection counts must be identical — floats compared by their bits. The same data
also runs through ``simulate`` (the compiled one is a single C loop) with rules, a Python
strategy and a replayed signal sequence, and through the state tracker replay.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from btcore.align import align_feeds
from btcore.backtest.rules import compile_rules
from btcore.data.loaders import resample_ohlcv
from btcore.feed import FeedStore, MultiTFFeedStore

T0 = 1_704_067_200_000  # 2024-01-01 00:00 UTC
MIN = 60_000
NAN = math.nan

_usable = st.floats(50.0, 150.0)
_price = st.one_of(_usable, _usable, _usable, _usable, st.sampled_from([NAN, 0.0, -1.0, 100.0]))
# (open, up, down, close, present): about one minute in eight missing (a gap)
_minute = st.tuples(_price, st.floats(0.0, 0.3), st.floats(0.0, 0.3), _price, st.sampled_from([True] * 7 + [False]))
_minutes = st.lists(_minute, min_size=10, max_size=150)


def _feeds(minutes: list[tuple]) -> tuple[FeedStore, FeedStore, MultiTFFeedStore]:
    """5m exec bars and the 1m quote feed of ``minutes`` (open, up, down, close, present)."""
    rows = [(k, o, max(o, c) * (1 + up) if o == o and c == c else NAN,
             min(o, c) * (1 - dn) if o == o and c == c else NAN, c)
            for k, (o, up, dn, c, present) in enumerate(minutes) if present or k == 0]
    k, o, h, lo, c = (np.array(col, dtype=np.float64) for col in zip(*rows))
    ts = T0 + MIN * k.astype(np.int64)
    df1 = pd.DataFrame({"ts": ts, "open": o, "high": h, "low": lo, "close": c, "volume": np.ones(len(ts))})
    df5 = resample_ohlcv(df1, "5m", include_partial=True)
    quote = FeedStore.from_arrays("1m", "TEST", ts, o, h, lo, c, np.ones(len(ts)))
    ma = pd.Series(df5["close"].to_numpy()).rolling(2, min_periods=1).mean().to_numpy()
    ex = FeedStore.from_arrays("5m", "TEST", df5["ts"].to_numpy(), df5["open"].to_numpy(), df5["high"].to_numpy(),
                               df5["low"].to_numpy(), df5["close"].to_numpy(), df5["volume"].to_numpy(),
                               indicators={"ma": ma})
    return ex, quote, MultiTFFeedStore(ex, quote_feed=quote)


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a).tobytes()


def assert_same_exchange(c, p) -> None:
    """Every record of two exchanges is identical (floats by their bits)."""
    assert c.trades == p.trades  # dicts of Python floats: == is exact, and no NaN is ever stored
    for name in ("equity", "position", "events", "fill_event", "signal_event", "sizing_usdt", "exposure_pct"):
        assert _bits(getattr(c, name)) == _bits(getattr(p, name)), name
    assert c.orders_rejected == p.orders_rejected and c.orders_filled == p.orders_filled
    assert (c.cash, c.side, c.liquidated, c.last_idx, c.n_trades) == (p.cash, p.side, p.liquidated, p.last_idx,
                                                                       p.n_trades)
    assert c.account.snapshot() == p.account.snapshot()
    for name in ("equity_usdt", "cash_usdt", "used_margin_usdt", "free_margin_usdt", "available_balance_usdt",
                 "has_position", "position_side", "position_size_usdt", "position_qty", "position_entry_price",
                 "unrealized_pnl_usdt", "entries_disabled", "entries_disabled_reason", "maintenance_margin_usdt"):
        assert getattr(c.account, name) == getattr(p.account, name) == getattr(p.account.snapshot(), name), name


_settings = st.fixed_dictionaries({
    "sizing": st.sampled_from(["btcore", "fee_inclusive"]),
    "stop_loss_pct": st.sampled_from([None, 0.005, 0.05, 0.3]),
    "take_profit_pct": st.sampled_from([None, 0.01, 0.2, 1.0]),
    "commission": st.sampled_from([0.0, 0.001, 0.1]),
    "slippage": st.sampled_from([0.0, 0.01]),
    "qty_step": st.sampled_from([0.0, 0.5]),
    "min_notional": st.sampled_from([0.0, 500.0]),
    "size_fraction": st.sampled_from([1.0, 0.3]),
})


@settings(max_examples=120, suppress_health_check=[HealthCheck.function_scoped_fixture])  # both is stateless
@given(minutes=_minutes, kw=_settings,
       signals=st.lists(st.sampled_from([0, 0, 1, -1, 2]), min_size=14, max_size=14),
       stops=st.lists(st.one_of(st.none(), st.tuples(st.sampled_from([None, 60.0, 99.0, NAN]),
                                                      st.sampled_from([None, 101.0, 140.0, -5.0]))),
                      min_size=14, max_size=14),
       end_cut=st.integers(0, 2))
def test_compiled_and_pure_exchange_agree_bit_for_bit(both, minutes, kw, signals, stops, end_cut):
    cx, px = both("exchange")
    ex, quote, feeds = _feeds(minutes)
    al = align_feeds(feeds)
    end = max(len(ex) - end_cut, 1)
    pair = [m.SimExchange(ex, quote, al.m1_start, al.m1_end, initial_equity=1000.0, end=end, **kw) for m in (cx, px)]
    for x in pair:
        for i in range(end):
            x.on_bar(i)
            if stops[i % len(stops)] is not None:
                x.next_stops = stops[i % len(stops)]
            x.on_signal(i, signals[i % len(signals)])
        x.finish()
    assert_same_exchange(*pair)
    for t in pair[0].trades:  # what the examples covered (pytest --hypothesis-show-statistics)
        event(t["exit_reason"] + (" in the entry bar" if t["entry_idx"] == t["exit_idx"] else ""))
    event(f"rejections: {sorted(pair[0].orders_rejected)}")
    eq = pair[0].equity[:end]
    assert np.isfinite(eq).all() and (eq >= 0).all()  # money never goes NaN or negative


def test_seeded_long_runs_agree_and_cover_every_exit_and_rejection(both):
    # Longer random walks than hypothesis draws, with jumps: every exit reason and every
    # rejection reason must occur somewhere, so the comparison above is known to reach them.
    cx, px = both("exchange")
    reasons: set[str] = set()
    rejected: set[str] = set()
    for seed in range(40):
        rng = np.random.default_rng(seed)
        n = 400
        close = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.02, n) + rng.choice([0, 0, 0, 0.4, -0.4], n) * (rng.random(n) < 0.02)))
        opens = np.r_[100.0, close[:-1]] * (1 + rng.normal(0, 0.002, n))
        bad = rng.random(n) < 0.03
        opens[bad] = rng.choice([NAN, 0.0, -3.0], bad.sum())
        minutes = [(o, abs(rng.normal(0, 0.01)), abs(rng.normal(0, 0.01)), c, rng.random() > 0.05)
                   for o, c in zip(opens, close)]
        ex, quote, feeds = _feeds(minutes)
        al = align_feeds(feeds)
        kw = {"stop_loss_pct": [None, 0.03][seed % 2], "take_profit_pct": [None, 0.06][(seed // 2) % 2],
              "commission": [0.001, 0.02][seed % 3 == 0], "min_notional": [0.0, 2000.0][seed % 5 == 0],
              "qty_step": [0.0, 2.0][seed % 7 == 0], "sizing": ["btcore", "fee_inclusive"][seed % 2]}
        pair = [m.SimExchange(ex, quote, al.m1_start, al.m1_end, initial_equity=1000.0, **kw) for m in (cx, px)]
        signals = rng.choice([0, 0, 0, 1, -1, 2], len(ex))
        for x in pair:
            for i in range(len(ex)):
                x.on_bar(i)
                x.on_signal(i, int(signals[i]))
            x.finish()
        assert_same_exchange(*pair)
        reasons |= {t["exit_reason"] for t in pair[0].trades}
        rejected |= set(pair[0].orders_rejected)
    assert reasons == {"signal", "reverse", "stop_loss", "take_profit", "liquidation", "end_of_data"}
    assert rejected >= {"no_next_bar", "no_price", "below_min_qty", "below_min_notional", "account_liquidated"}


def test_the_exchange_without_a_quote_feed_resolves_levels_on_the_exec_bar(both):
    cx, px = both("exchange")
    minutes = [(100.0, 0.0, 0.0, 100.0, True)] * 5 + [(100.0, 0.0, 0.3, 90.0, True)] * 10
    ex, _, _ = _feeds(minutes)
    pair = [m.SimExchange(ex, None, None, None, initial_equity=1000.0, stop_loss_pct=0.05) for m in (cx, px)]
    for x in pair:
        for i in range(len(ex)):
            x.on_bar(i)
            x.on_signal(i, 1 if i == 0 else 0)
        x.finish()
    assert_same_exchange(*pair)
    assert pair[0].trades[0]["exit_reason"] == "stop_loss" and pair[0].trades[0]["exit_price"] == 95.0


# --------------------------------------------------------------------------- the fused loop

_RULES = {"long_entry": "price.mark.close crosses_above indicator.ma or px.rollup.max_1m > price.mark.close * 1.2",
          "long_exit": "price.mark.close < indicator.ma - 1",
          "short_entry": "price.mark.close crosses_below indicator.ma and not px.rollup.bars_1m < 3",
          "short_exit": "price.last.close / indicator.ma > 1.05"}


def _strategy(kind: str, impl_rules, exchange, signals):
    if kind == "rules":
        prog = compile_rules(_RULES)
        return impl_rules.RuleStrategy(impl_rules.RuleProgram(prog.code, prog.consts, len(prog.paths), 4), prog.paths,
                                       exchange)
    if kind == "replay":
        return lambda view: signals[view.exec_idx % len(signals)]

    def reads_the_account(view):  # a Python strategy that looks at view.exchange every bar
        acct = view.exchange
        if acct.has_position and acct.unrealized_pnl_usdt < -0.02 * acct.equity_usdt:
            return "FLAT"
        return signals[view.exec_idx % len(signals)] if acct.position_side != "long" else 0

    return reads_the_account


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minutes=_minutes, kw=_settings,
       signals=st.lists(st.sampled_from([0, 1, -1, 2]), min_size=5, max_size=5),
       kind=st.sampled_from(["rules", "replay", "account"]), start=st.integers(0, 2))
def test_simulate_compiled_and_pure_agree_bit_for_bit(both, minutes, kw, signals, kind, start):
    (cloop, ploop), (cx, px), (crules, prules), (csim, psim) = (both(m) for m in ("loop", "exchange", "rules",
                                                                                   "simloop"))
    ex, quote, feeds = _feeds(minutes)
    start = min(start, len(ex) - 1)
    out = []
    for loop_m, ex_m, rules_m, sim_m in ((cloop, cx, crules, csim), (ploop, px, prules, psim)):
        loop = loop_m.BarLoop(feeds, start=start)
        al = loop.alignment
        x = ex_m.SimExchange(ex, quote, al.m1_start, al.m1_end, initial_equity=1000.0, end=loop.end, **kw)
        res = sim_m.simulate(loop, _strategy(kind, rules_m, x, signals), x)
        x.finish()
        out.append((res, x))
    (cres, c), (pres, p) = out
    assert _bits(cres.signals) == _bits(pres.signals)
    assert (cres.start, cres.end, cres.first_eval, cres.evaluated) == (pres.start, pres.end, pres.first_eval,
                                                                       pres.evaluated)
    assert_same_exchange(c, p)
    for t in c.trades:
        event(t["exit_reason"])
    ctracker, ptracker = (m.StateTracker(m.StateTrackerConfig(max_exposure_pct=math.inf)) for m in both("tracker"))
    csim.replay_tracker(ctracker, c, cres.signals, start, cres.end, 0)
    psim.replay_tracker(ptracker, p, pres.signals, start, pres.end, 0)
    assert ctracker.summary_stats() == ptracker.summary_stats()


def test_the_fused_loop_checks_its_arguments(both):
    minutes = [(100.0, 0.01, 0.01, 100.0, True)] * 20
    ex, quote, feeds = _feeds(minutes)
    other, _, _ = _feeds(minutes)
    for loop_m, ex_m, sim_m in zip(both("loop"), both("exchange"), both("simloop")):
        loop = loop_m.BarLoop(feeds)
        al = loop.alignment
        with pytest.raises(Exception, match="another exec feed"):
            sim_m.simulate(loop, lambda v: 0, ex_m.SimExchange(other, None, None, None))
        with pytest.raises(Exception, match="SimExchange"):
            sim_m.simulate(loop, lambda v: 0, object())
        x = ex_m.SimExchange(ex, quote, al.m1_start, al.m1_end)
        with pytest.raises(Exception, match="strategy must be callable"):
            sim_m.simulate(loop, 42, x)


def test_progress_is_visible_from_another_thread_while_the_loop_runs(twin):
    # The poller of the progress bar reads exchange.last_idx from another thread; the compiled
    # rules loop runs without the GIL, so the poller runs meanwhile and sees bars in between.
    import threading

    n = 1_500_000 if twin("exchange").__name__.startswith("btcore._core") else 60_000  # ~30 ms / ~1 s of loop
    rng = np.random.default_rng(3)
    close = 100.0 + np.cumsum(rng.normal(0, 0.1, n))
    ts = T0 + MIN * np.arange(n, dtype=np.int64)
    ex = FeedStore.from_arrays("1m", "TEST", ts, close, close + 0.1, close - 0.1, close, np.ones(n),
                               indicators={"ma": close + rng.normal(0, 0.05, n)})
    loop = twin("loop").BarLoop(MultiTFFeedStore(ex))
    x = twin("exchange").SimExchange(ex, None, None, None, commission=0.001)
    prog = compile_rules({"long_entry": "price.mark.close crosses_above indicator.ma",
                          "long_exit": "price.mark.close crosses_below indicator.ma"})
    rules_m = twin("rules")
    strategy = rules_m.RuleStrategy(rules_m.RuleProgram(prog.code, prog.consts, len(prog.paths), 4), prog.paths, x)
    seen: list[int] = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            seen.append(x.last_idx)
            done.wait(0.0005)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        twin("simloop").simulate(loop, strategy, x)
    finally:
        done.set()
        poller.join()
    assert x.last_idx == n - 1 and x.n_trades > 100
    assert any(0 < s < n - 1 for s in seen), f"the poller saw only {sorted(set(seen))[:5]}"
