"""BarLoop on both twins: what the strategy sees, hooks, readiness, no look-ahead, validation."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _loop_synth as synth  # noqa: E402

from btcore.align import ROLLUP_FIELDS, align_feeds  # noqa: E402
from btcore.errors import ConfigError, DataError  # noqa: E402
from btcore.types import ExchangeState, HistoryConfig  # noqa: E402

TF_MIN = {"exec": 5, "mtf": 15, "htf": 60, "quote": 1}
PATHS = (
    ["indicator.ind0", "indicator.ind1", "indicator.ind0.htf", "indicator.ind1.htf", "indicator.ind0.mtf"]
    + [f"px.rollup.{f}" for f in ROLLUP_FIELDS]
    + ["price.last.open", "price.last.high", "price.last.low", "price.last.close"]
)
fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def readings(view) -> tuple:
    """Everything the tests read at the view's bar (None for NaN)."""
    return (view.exec_idx, view.close, view.mark_price, view.ready, view.history_ready,
            view.htf_staleness_ms, view.mtf_staleness_ms, view.htf_is_stale) + tuple(view.get(p) for p in PATHS)


def expected_readings(feeds, al, i: int, hist_start: int) -> tuple:
    """Oracle straight from the arrays and the alignment."""

    def val(x):
        return None if np.isnan(x) else float(x)

    ex = feeds.exec_feed
    h, m = int(al.htf_idx[i]), int(al.mtf_idx[i])
    ind = {
        "indicator.ind0": val(ex.indicators["ind0"][i]),
        "indicator.ind1": val(ex.indicators["ind1"][i]),
        "indicator.ind0.htf": val(feeds.htf_feed.indicators["ind0"][h]) if h >= 0 else None,
        "indicator.ind1.htf": val(feeds.htf_feed.indicators["ind1"][h]) if h >= 0 else None,
        "indicator.ind0.mtf": val(feeds.mtf_feed.indicators["ind0"][m]) if m >= 0 else None,
    }
    roll = {f"px.rollup.{f}": val(al.rollups[k, i]) for k, f in enumerate(ROLLUP_FIELDS)}
    q, j = feeds.quote_feed, int(al.m1_last[i])
    last = {f"price.last.{f}": val(getattr(q, f)[j]) if j >= 0 else None for f in ("open", "high", "low", "close")}
    hist = i >= hist_start
    ready = hist and h >= 0 and m >= 0
    c = int(ex.ts_close_ms[i])
    h_stale = c - int(feeds.htf_feed.ts_close_ms[h]) if h >= 0 else None
    m_stale = c - int(feeds.mtf_feed.ts_close_ms[m]) if m >= 0 else None
    return (i, val(ex.close[i]), float(ex.close[i]), ready, hist, h_stale, m_stale,
            None if h_stale is None else h_stale > 0) + tuple({**ind, **roll, **last}[p] for p in PATHS)


def same(a: tuple, b: tuple) -> bool:
    def norm(x):
        return "nan" if isinstance(x, float) and np.isnan(x) else x

    return tuple(map(norm, a)) == tuple(map(norm, b))


@fixture_ok
@given(seed=st.integers(0, 2**31 - 1), gap=st.sampled_from([0.0, 0.1, 0.5]), hist=st.integers(0, 8))
def test_iteration_reads_match_arrays(twin, seed, gap, hist):
    feeds, _ = synth.make_feeds(seed, n_minutes=240, gap_prob=gap, drop_prob=gap)
    n = len(feeds.exec_feed)
    if n == 0:
        return
    loop = twin("loop").BarLoop(feeds, start=min(2, n), history_config=HistoryConfig(features_htf_count=hist % 3, bars_exec_count=hist))
    al = align_feeds(feeds)
    seen = []
    for view in loop:
        assert view is loop.view  # one reusable view
        seen.append(readings(view))
    assert [r[0] for r in seen] == list(range(loop.start, n))
    for r in seen:
        assert same(r, expected_readings(feeds, al, r[0], loop.history_start))


@fixture_ok
@given(seed=st.integers(0, 2**31 - 1), gap=st.sampled_from([0.0, 0.2, 0.6]), data=st.data())
def test_nothing_readable_at_a_bar_depends_on_the_future(twin, seed, gap, data):
    feeds, raw = synth.make_feeds(seed, n_minutes=240, gap_prob=gap, drop_prob=gap)
    n = len(feeds.exec_feed)
    if n == 0:
        return
    i = data.draw(st.integers(0, n - 1), label="bar")
    cutoff = int(feeds.exec_feed.ts_close_ms[i])
    changed = synth.build(synth.future_perturbed(raw, cutoff, TF_MIN, seed), TF_MIN)
    hc = HistoryConfig(bars_exec_count=3, features_htf_count=1, features_mtf_count=2)
    loop_mod = twin("loop")
    before = [readings(v) for v in loop_mod.BarLoop(feeds, history_config=hc)][: i + 1]
    after = [readings(v) for v in loop_mod.BarLoop(changed, history_config=hc)][: i + 1]
    assert all(same(a, b) for a, b in zip(before, after))


def record_strategy(log):
    def strategy(view):
        log.append(("strategy", view.exec_idx, view.exchange))
        x = view.get("indicator.ind0")
        if x is None:
            return None
        return "LONG" if x > 0.5 else ("SHORT" if x < -0.5 else (2 if x > 0 else 0))

    return strategy


class Recorder:
    """Tracker and exchange stand-in that logs every hook call."""

    def __init__(self, log):
        self.log = log

    def __getattr__(self, name):
        if not name.startswith("on_"):
            raise AttributeError(name)
        return lambda *args: self.log.append((name,) + args) or (
            ExchangeState.flat(float(args[0])) if name == "on_bar" else None
        )


def test_run_order_of_calls_and_signals(twin):
    feeds, _ = synth.make_feeds(11, n_minutes=120, gap_prob=0.0, drop_prob=0.0)
    n = len(feeds.exec_feed)
    log = []
    snap = []
    loop = twin("loop").BarLoop(feeds, start=4, history_config=HistoryConfig(bars_exec_count=6), initial_exchange="init")
    res = loop.run(record_strategy(log), exchange=Recorder(log), tracker=Recorder(log),
                   on_snapshot=lambda v, i, h, m: snap.append((v.exec_idx, i, h, m)))
    al = align_feeds(feeds)
    assert snap == [(i, i, int(al.htf_idx[i]), int(al.mtf_idx[i])) for i in range(4, n)]
    expected = []
    for i in range(n):
        expected += [("on_bar_start", i), ("on_warmup_check", i >= 4, 4), ("on_history_check", i >= 6, i)]
        if i >= 4:
            expected.append(("on_bar", i))
        if i >= 6:
            x = feeds.exec_feed.indicators["ind0"][i]
            code = 0 if np.isnan(x) else (1 if x > 0.5 else (-1 if x < -0.5 else (2 if x > 0 else 0)))
            assert res.signals[i] == code
            expected += [("strategy", i, ExchangeState.flat(float(i))), ("on_signal_evaluated", code),
                         ("on_signal", i, code)]
        expected.append(("on_bar_end",))
    got = [e[:-1] if e[0] in ("on_bar", "on_signal") else e for e in log]  # drop the view argument
    assert got == expected
    assert (res.signals[:6] == 0).all() and res.signals.dtype == np.int8
    assert (res.start, res.end, res.first_eval, res.evaluated, res.bars) == (4, n, 6, n - 6, n - 4)
    assert (res.n_long, res.n_short, res.n_flat) == tuple(int((res.signals == c).sum()) for c in (1, -1, 2))
    assert res.elapsed_s >= 0 and res.bars_per_s > 0
    with pytest.raises(ValueError):
        res.signals[0] = 1


def test_run_is_reentrant_and_matches_between_twins(both):
    feeds, _ = synth.make_feeds(5, n_minutes=600)
    results = []
    for impl in both("loop"):
        loop = impl.BarLoop(feeds, start=3, end=len(feeds.exec_feed) - 2, initial_exchange="e0")
        first = loop.run(record_strategy([]))
        second = loop.run(record_strategy([]))
        np.testing.assert_array_equal(first.signals, second.signals)
        assert loop.view.exchange == "e0"
        results.append(first.signals)
    np.testing.assert_array_equal(*results)


def test_cython_strategy_python_subclass_and_prepare(twin):
    mod = twin("loop")
    feeds, _ = synth.make_feeds(2, n_minutes=120)

    class Flip(mod.CythonStrategy):
        def prepare(self, view):
            self.prepared_at = view.exec_idx

        def on_bar(self, view):
            return 1 if view.exec_idx % 2 else "SHORT"

    s = Flip()
    res = mod.BarLoop(feeds, start=1).run(s)
    assert s.prepared_at == 1
    assert list(res.signals[1:]) == [1 if i % 2 else -1 for i in range(1, len(feeds.exec_feed))]

    class Bad(mod.CythonStrategy):
        def on_bar(self, view):
            return 7

    with pytest.raises(DataError, match="7"):
        mod.BarLoop(feeds).run(Bad())
    for huge in (2**70, -(2**70), 2**31 + 1):
        with pytest.raises(DataError, match=str(huge)):
            mod.BarLoop(feeds).run(lambda v, x=huge: x)


def test_signal_codes(twin):
    mod = twin("loop")

    class Sig:
        def __init__(self, d):
            self.direction = d

    for value, code in [(None, 0), (0, 0), (1, 1), (-1, -1), (2, 2), ("LONG", 1), ("SHORT", -1),
                        ("FLAT", 2), (np.int8(-1), -1), (Sig("LONG"), 1), (Sig("FLAT"), 2)]:
        assert mod.signal_code(value) == code
    for bad in (3, True, 1.0, "long", "BUY", Sig("UP"), object()):
        with pytest.raises(DataError):
            mod.signal_code(bad)
    assert (mod.SIGNAL_NONE, mod.SIGNAL_LONG, mod.SIGNAL_SHORT, mod.SIGNAL_FLAT) == (0, 1, -1, 2)


def test_boundary_validation(twin):
    mod = twin("loop")
    feeds, _ = synth.make_feeds(3, n_minutes=60)
    n = len(feeds.exec_feed)
    for kwargs, match in [({"start": -1}, "start"), ({"start": n + 1}, "start"), ({"start": 1.0}, "start"),
                          ({"start": 3, "end": 2}, "end"), ({"end": n + 1}, "end"),
                          ({"history_config": {"bars_exec_count": 1}}, "history_config")]:
        with pytest.raises(ConfigError, match=match):
            mod.BarLoop(feeds, **kwargs)
    with pytest.raises(DataError, match="MultiTFFeedStore"):
        mod.BarLoop(feeds.exec_feed)
    loop = mod.BarLoop(feeds)
    with pytest.raises(ConfigError, match="strategy"):
        loop.run(42)
    with pytest.raises(ConfigError, match="on_bar_end"):
        loop.run(lambda v: None, tracker=object())
    with pytest.raises(ConfigError, match="on_signal"):
        loop.run(lambda v: None, exchange=type("E", (), {"on_bar": lambda self, i, v: None})())
    with pytest.raises(ConfigError, match="on_snapshot"):
        loop.run(lambda v: None, on_snapshot=3)
    empty = mod.BarLoop(feeds, start=n).run(lambda v: 1)
    assert empty.bars == 0 and empty.evaluated == 0 and not empty.signals.any()
    assert len(mod.BarLoop(feeds, start=2, end=5)) == 3


def test_history_start_counts_closed_bars(twin):
    feeds, _ = synth.make_feeds(9, n_minutes=900, gap_prob=0.1, drop_prob=0.1)
    al = align_feeds(feeds)
    mod = twin("loop")
    for hc in [HistoryConfig(), HistoryConfig(bars_exec_count=7), HistoryConfig(features_exec_count=3),
               HistoryConfig(features_htf_count=2), HistoryConfig(features_mtf_count=4, bars_exec_count=1)]:
        loop = mod.BarLoop(feeds, history_config=hc)
        n = al.n_exec
        # Oracle: bar i's history = exec bars before i and HTF/MTF bars closed by exec bar i-1.
        def full(i):
            prev_h = int(al.htf_idx[i - 1]) + 1 if i > 0 else 0
            prev_m = int(al.mtf_idx[i - 1]) + 1 if i > 0 else 0
            return (i >= max(hc.bars_exec_count, hc.features_exec_count) and prev_h >= hc.features_htf_count
                    and prev_m >= hc.features_mtf_count)
        assert loop.history_start == next((i for i in range(n) if full(i)), n)
        res = loop.run(lambda v: 1)
        assert res.first_eval == loop.history_start
        assert not res.signals[: loop.history_start].any() and res.signals[loop.history_start:].all()


def test_single_tf_roles_fall_back_to_exec_counts(twin):
    feeds, _ = synth.make_feeds(4, n_minutes=200, mtf_min=None, htf_min=None)
    loop = twin("loop").BarLoop(feeds, history_config=HistoryConfig(features_htf_count=5))
    assert loop.history_start == 5


@pytest.mark.skipif(not synth.DATA_2020.exists(), reason="2020 BTCUSDT data not present")
def test_real_data_slice_reads_rollups(twin):
    import pandas as pd

    from btcore.feed import FeedStore, MultiTFFeedStore

    df = pd.read_parquet(synth.DATA_2020).iloc[70_000:73_000].reset_index(drop=True)
    m1 = FeedStore.from_dataframe(df, "1m", "BTCUSDT")
    t = pd.to_datetime(df["ts"], unit="ms")
    ex_df = df.groupby((df["ts"] // 900_000) * 900_000).agg(
        open=("open", "first"), high=("high", "max"), low=("low", "min"), close=("close", "last"), volume=("volume", "sum")
    ).reset_index()
    assert len(ex_df) < (t.iloc[-1] - t.iloc[0]) / pd.Timedelta("15min")  # the slice has a real gap
    ex = FeedStore.from_dataframe(ex_df, "15m", "BTCUSDT")
    loop = twin("loop").BarLoop(MultiTFFeedStore(ex, quote_feed=m1))
    got = [(v.get("px.rollup.max_1m"), v.get("px.rollup.bars_1m")) for v in loop]
    # A 15m bar's max high equals the max of its minutes: the resampled high here.
    assert [g[0] for g in got] == ex_df["high"].tolist()
    assert sum(g[1] for g in got) == len(df)


def test_hook_free_fast_path_matches_observed_path(twin):
    mod = twin("loop")
    feeds, _ = synth.make_feeds(21, n_minutes=900, gap_prob=0.2, drop_prob=0.2)

    class Sub(mod.CythonStrategy):
        def on_bar(self, view):
            x = view.get("indicator.ind1.htf")
            return None if x is None else (1 if x > 0 else "FLAT")

    loop = mod.BarLoop(feeds, start=5, history_config=HistoryConfig(bars_exec_count=9))
    for strategy in (Sub(), record_strategy([])):
        fast = loop.run(strategy)
        seen = []
        observed = loop.run(strategy, on_snapshot=lambda v, i, h, m: seen.append(i))
        np.testing.assert_array_equal(fast.signals, observed.signals)
        assert seen == list(range(5, len(feeds.exec_feed)))
        assert fast.first_eval == observed.first_eval == 9


def test_state_tracker_records_every_bar(twin):
    """The real StateTracker (typed C calls on the compiled loop) sees the same bars and signals."""
    feeds, _ = synth.make_feeds(13, n_minutes=600)
    n = len(feeds.exec_feed)
    stats = []
    for kind in ("typed", "python-subclass"):
        tracker_cls = twin("tracker").StateTracker
        tracker = tracker_cls() if kind == "typed" else type("Sub", (tracker_cls,), {})()
        loop = twin("loop").BarLoop(feeds, start=3, history_config=HistoryConfig(bars_exec_count=5))
        res = loop.run(record_strategy([]), tracker=tracker)
        s = tracker.summary_stats()
        assert s["total_bars"] == n
        assert tracker.get_block_at(n - 1) is not None and tracker.get_block_at(0) is not None
        stats.append((s, res.signals.tobytes()))
    assert stats[0] == stats[1]
