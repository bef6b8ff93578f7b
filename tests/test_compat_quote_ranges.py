"""``FeedStore.get_1m_indices_for_exec``: the 1m rows inside exec bar ``i`` **by time**, never
rows outside it, and a clear error whenever the quote feed cannot know exec bar ``i``'s times."""

from __future__ import annotations

import gc
import itertools
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from btcore.compat import link_quote_feed
from btcore.compat.feed_store import FeedStore, MultiTFFeedStore
from btcore.errors import DataError

T0 = 1_577_836_800_000  # 2020-01-01 00:00 UTC
MIN = 60_000
DATA_2020 = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "btcusdt_1m_2020.parquet"
_ids = itertools.count()


@pytest.fixture(scope="module")
def data_2020():
    if not DATA_2020.exists():
        pytest.skip("2020 BTCUSDT data not present")
    return pd.read_parquet(DATA_2020)


def symbol() -> str:
    return f"SYM{next(_ids)}"  # a symbol per test: links and registrations never cross tests


def feed(tf: str, ts_open_ms, sym: str) -> FeedStore:
    ts = np.asarray(ts_open_ms, dtype=np.int64)
    x = 100.0 + np.arange(ts.size, dtype=np.float64)
    return FeedStore.from_arrays(tf, sym, ts, x, x + 1, x - 1, x, x)


def inside(quote: FeedStore, open_ms: int, close_ms: int) -> list[int]:
    """Oracle: every quote row whose [open, close) lies inside [open_ms, close_ms)."""
    return [j for j in range(quote.length) if quote.ts_open_ms[j] >= open_ms and quote.ts_close_ms[j] <= close_ms]


@settings(max_examples=60, deadline=None)
@given(
    minutes=st.sampled_from([5, 15, 60]),
    n_exec=st.integers(1, 25),
    exec_gaps=st.sets(st.integers(0, 30), max_size=6),
    quote_offset=st.integers(-120, 300),
    quote_gaps=st.sets(st.integers(0, 2000), max_size=60),
)
def test_rows_are_exactly_the_minutes_inside_each_bar(minutes, n_exec, exec_gaps, quote_offset, quote_gaps):
    sym = symbol()
    slots = [k for k in range(n_exec + len(exec_gaps)) if k not in exec_gaps][:n_exec]
    ex = feed(f"{minutes}m", [T0 + k * minutes * MIN for k in slots], sym)
    span = (slots[-1] + 2) * minutes
    q = feed("1m", [T0 + (quote_offset + j) * MIN for j in range(span) if j not in quote_gaps], sym)
    MultiTFFeedStore(ex)  # the engine's feed set: registers the exec feed
    for i in range(ex.length):
        o, c = int(ex.ts_open_ms[i]), int(ex.ts_close_ms[i])
        start, end = q.get_1m_indices_for_exec(i, minutes)
        assert type(start) is int and type(end) is int
        assert list(range(start, end + 1)) == inside(q, o, c)
        assert end >= start - 1  # an empty range is (start, start - 1): range(start, end + 1) is empty
        assert (start, end) == q.get_1m_indices_for_exec(i, minutes, exec_ts_open=o, exec_ts_close=c)


def test_time_based_where_positions_read_the_future(data_2020):
    """The reference engine loads its 1m feed from a later start than its exec feed (HTF warmup):
    the positional formula then reads 1m bars days ahead of the exec bar; by time it cannot."""
    m1 = data_2020.iloc[: 6 * 1440]  # six days of real 1m bars (with the file's own gaps)
    ex15 = m1.groupby(m1["ts"] // (15 * MIN) * (15 * MIN)).agg(
        open=("open", "first"), high=("high", "max"), low=("low", "min"), close=("close", "last"), volume=("volume", "sum"))
    sym = symbol()
    ex = FeedStore.from_arrays("15m", sym, ex15.index.to_numpy(), *(ex15[c].to_numpy() for c in ex15.columns))
    late = m1[m1["ts"] >= m1["ts"].iloc[0] + 2 * 1440 * MIN]  # the 1m feed starts two days later
    q = FeedStore.from_arrays("1m", sym, late["ts"].to_numpy(), *(late[c].to_numpy() for c in ("open", "high", "low", "close", "volume")))
    MultiTFFeedStore(ex)
    ahead = []
    for i in range(ex.length):
        o, c = int(ex.ts_open_ms[i]), int(ex.ts_close_ms[i])
        start, end = q.get_1m_indices_for_exec(i, 15)
        if end >= start:
            assert q.ts_open_ms[start] >= o and q.ts_close_ms[end] <= c  # never outside the bar
        pos = i * 15  # the reference formula
        if pos < q.length:
            ahead.append(int(q.ts_open_ms[pos]) - o)
    assert min(ahead) == 2 * 1440 * MIN  # positions read two days into the future, on every bar
    # and the rollup built from the by-time rows is the 15m bar itself (same data, two routes)
    i = ex.length - 1
    start, end = q.get_1m_indices_for_exec(i, 15)
    rows = late.iloc[start: end + 1]
    assert rows["high"].max() == ex.high[i] and rows["low"].min() == ex.low[i] and rows["close"].iloc[-1] == ex.close[i]


def test_no_exec_feed_is_an_error_not_a_guess():
    sym = symbol()
    q = feed("1m", [T0 + j * MIN for j in range(30)], sym)
    with pytest.raises(DataError, match="cannot know the times of exec bar 3") as ei:
        q.get_1m_indices_for_exec(3, 15)
    assert ei.value.error_code == "NO_EXEC_FEED" and "link_quote_feed" in str(ei.value)


def test_timeframe_mismatch_is_named():
    sym = symbol()
    MultiTFFeedStore(ex := feed("1h", [T0 + k * 60 * MIN for k in range(3)], sym))
    q = feed("1m", [T0 + j * MIN for j in range(180)], sym)
    with pytest.raises(DataError, match=r"exec_tf_minutes=15 but the exec feed .* is 1h") as ei:
        q.get_1m_indices_for_exec(0, 15)  # the reference engine's TF_MINUTES.get(tf, 15) default
    assert ei.value.error_code == "TIMEFRAME_MISMATCH"
    assert q.get_1m_indices_for_exec(1, 60) == (60, 119)
    unlinked = feed("1m", [T0 + j * MIN for j in range(180)], sym)  # no feed set just before it
    with pytest.raises(DataError, match=r"exec_tf_minutes=15 but .* are \['1h'\]"):
        unlinked.get_1m_indices_for_exec(0, 15)
    del ex


def test_the_quote_feed_built_after_a_feed_set_belongs_to_that_run():
    """Two engines alive, different windows: each quote feed maps to its own run's exec feed."""
    sym = symbol()
    runs = []
    for start in (T0, T0 + 7 * 1440 * MIN):  # run 1, then run 2 a week later (run 1 kept alive)
        ex = feed("15m", [start + k * 15 * MIN for k in range(10)], sym)
        fs = MultiTFFeedStore(ex)
        q = feed("1m", [start + 30 * MIN + j * MIN for j in range(120)], sym)  # the 1m feed starts later
        runs.append((fs, q))
    for fs, q in runs:
        assert q.get_1m_indices_for_exec(1, 15) == (0, -1)  # bar 1 ends when the 1m data starts
        assert q.get_1m_indices_for_exec(2, 15) == (0, 14)
        assert q.get_1m_indices_for_exec(3, 15) == (15, 29)
    # the link is taken once: a second 1m feed is not silently attached to the same run
    late = feed("1m", [T0 + j * MIN for j in range(60)], sym)
    with pytest.raises(DataError, match="disagree on the time of bar 3"):
        late.get_1m_indices_for_exec(3, 15)


def test_several_exec_feeds_must_agree_or_be_linked():
    sym = symbol()
    q = feed("1m", [T0 + j * MIN for j in range(600)], sym)
    a = feed("15m", [T0 + k * 15 * MIN for k in range(20)], sym)
    a_twin = feed("15m", [T0 + k * 15 * MIN for k in range(20)], sym)  # same times: any of them is right
    keep = [MultiTFFeedStore(a), MultiTFFeedStore(a_twin)]
    assert q.get_1m_indices_for_exec(2, 15) == (30, 44)
    b = feed("15m", [T0 + (k + 4) * 15 * MIN for k in range(20)], sym)  # another run, an hour later
    keep.append(MultiTFFeedStore(b))
    with pytest.raises(DataError, match="3 live .* disagree on the time of bar 2") as ei:
        q.get_1m_indices_for_exec(2, 15)
    assert ei.value.error_code == "AMBIGUOUS_EXEC_FEED"
    link_quote_feed(q, b)
    assert q.get_1m_indices_for_exec(2, 15) == (90, 104)
    q2 = feed("1m", [T0 + j * MIN for j in range(600)], sym)
    keep.append(MultiTFFeedStore(a, quote_feed=q2))  # linked by the feed set
    assert q2.get_1m_indices_for_exec(2, 15) == (30, 44)
    assert len(keep) == 4


def test_a_dead_linked_exec_feed_is_reported():
    sym = symbol()
    q = feed("1m", [T0 + j * MIN for j in range(60)], sym)
    link_quote_feed(q, feed("15m", [T0 + k * 15 * MIN for k in range(4)], sym))
    gc.collect()
    with pytest.raises(DataError, match="no longer exists"):
        q.get_1m_indices_for_exec(0, 15)


@pytest.mark.parametrize("minutes", [0, -15, 1.5, True, "15"])
def test_bad_exec_tf_minutes(minutes):
    q = feed("1m", [T0 + j * MIN for j in range(30)], symbol())
    with pytest.raises(DataError, match="exec_tf_minutes must be an int >= 1"):
        q.get_1m_indices_for_exec(0, minutes)


def test_index_and_given_times_are_checked():
    sym = symbol()
    ex = feed("15m", [T0 + k * 15 * MIN for k in range(4)], sym)
    q = feed("1m", [T0 + j * MIN for j in range(60)], sym)
    link_quote_feed(q, ex)
    for bad in (4, -1):
        with pytest.raises(IndexError, match="out of range"):
            q.get_1m_indices_for_exec(bad, 15)
    with pytest.raises(DataError, match="is 10 minutes, but exec_tf_minutes=15"):
        q.get_1m_indices_for_exec(0, 15, exec_ts_open=T0, exec_ts_close=T0 + 10 * MIN)
    naive = datetime(2020, 1, 1, 0, 15)  # naive means UTC, whatever the host's zone
    assert q.get_1m_indices_for_exec(99, 15, exec_ts_open=naive) == (15, 29)
    assert q.get_1m_indices_for_exec(99, 15, exec_ts_close=pd.Timestamp("2020-01-01 00:30")) == (15, 29)
    with pytest.raises(DataError, match="quote feed is 'SYM.*' but the exec feed is 'SYM.*'"):
        link_quote_feed(q, feed("15m", [T0], symbol()))


def test_private_close_ms_accessor():
    q = feed("1m", [T0 + j * MIN for j in range(3)], symbol())
    assert q._get_ts_close_ms_at(2) == q.get_ts_close_ms(2) == T0 + 3 * MIN and type(q._get_ts_close_ms_at(0)) is int
