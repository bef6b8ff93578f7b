"""Alignment of HTF/MTF/1m feeds to exec bars: brute-force oracles, gaps, no look-ahead."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _loop_synth as synth  # noqa: E402

from btcore.align import ROLLUP_FIELDS, align_feeds, compute_rollups  # noqa: E402
from btcore.errors import DataError, TimeframeError  # noqa: E402

TF_MIN = {"exec": 5, "mtf": 15, "htf": 60, "quote": 1}


def oracle_last_closed(closes: np.ndarray, c: int) -> int:
    best = -1
    for j, x in enumerate(closes):
        if x <= c:
            best = j
    return best


def oracle_rollup(q, o: int, c: int) -> list:
    rows = [j for j in range(len(q)) if q.ts_open_ms[j] >= o and q.ts_close_ms[j] <= c]
    if not rows:
        return [np.nan, np.nan, 0.0, np.nan, np.nan, np.nan]
    low = [q.low[j] for j in rows]
    high = [q.high[j] for j in rows]
    vol = 0.0
    for k, j in enumerate(rows):
        vol = q.volume[j] if k == 0 else vol + q.volume[j]
    mn = np.nan if any(np.isnan(low)) else min(low)
    mx = np.nan if any(np.isnan(high)) else max(high)
    return [mn, mx, float(len(rows)), q.open[rows[0]], q.close[rows[-1]], vol]


seeds = st.integers(0, 2**31 - 1)
probs = st.sampled_from([0.0, 0.05, 0.3, 0.7])


@given(seed=seeds, gap=probs, drop=probs, nan_prob=st.sampled_from([0.0, 0.1]))
def test_alignment_matches_brute_force(seed, gap, drop, nan_prob):
    feeds, _ = synth.make_feeds(seed, n_minutes=300, gap_prob=gap, drop_prob=drop, nan_prob=nan_prob)
    al = align_feeds(feeds)
    ex, q = feeds.exec_feed, feeds.quote_feed
    assert al.n_exec == len(ex)
    for i in range(len(ex)):
        c, o = int(ex.ts_close_ms[i]), int(ex.ts_open_ms[i])
        assert al.htf_idx[i] == oracle_last_closed(feeds.htf_feed.ts_close_ms, c)
        assert al.mtf_idx[i] == oracle_last_closed(feeds.mtf_feed.ts_close_ms, c)
        assert al.m1_last[i] == oracle_last_closed(q.ts_close_ms, c)
        inside = [j for j in range(len(q)) if q.ts_open_ms[j] >= o and q.ts_close_ms[j] <= c]
        assert list(range(al.m1_start[i], al.m1_end[i])) == inside
        np.testing.assert_array_equal(al.rollups[:, i], oracle_rollup(q, o, c))


@given(seed=seeds, gap=probs, drop=probs)
def test_no_look_ahead_in_alignment(seed, gap, drop):
    feeds, raw = synth.make_feeds(seed, n_minutes=300, gap_prob=gap, drop_prob=drop)
    al = align_feeds(feeds)
    n = al.n_exec
    if n == 0:
        return
    i = int(np.random.default_rng(seed).integers(0, n))
    cutoff = int(feeds.exec_feed.ts_close_ms[i])
    changed = synth.build(synth.future_perturbed(raw, cutoff, TF_MIN, seed), TF_MIN)
    al2 = align_feeds(changed)
    for name in ("htf_idx", "mtf_idx", "m1_start", "m1_end", "m1_last"):
        np.testing.assert_array_equal(getattr(al2, name)[: i + 1], getattr(al, name)[: i + 1], err_msg=name)
    np.testing.assert_array_equal(al2.rollups[:, : i + 1], al.rollups[:, : i + 1])


def test_indices_point_at_closed_bars_only():
    feeds, _ = synth.make_feeds(7, n_minutes=2000, gap_prob=0.2, drop_prob=0.2)
    al = align_feeds(feeds)
    c = feeds.exec_feed.ts_close_ms
    for role, idx in (("htf", al.htf_idx), ("mtf", al.mtf_idx)):
        f = feeds.get_feed(role)
        ok = idx >= 0
        assert np.all(f.ts_close_ms[idx[ok]] <= c[ok])
        nxt = idx + 1
        has_next = nxt < len(f)
        assert np.all(f.ts_close_ms[nxt[has_next]] > c[has_next])
        assert np.all(np.diff(idx) >= 0)
        assert al.first_ready(role) == int(np.argmax(ok)) if ok.any() else al.first_ready(role) == len(c)


def test_missing_exec_bar_at_htf_close_still_advances():
    """D13: the HTF index advances at the first exec close after the HTF close, not one period late."""
    raw = {
        "exec": {"ts": synth.T0 + np.array([0, 5, 10, 20, 25, 30], dtype=np.int64) * synth.MIN},
        "htf": {"ts": synth.T0 + np.array([0, 15, 30], dtype=np.int64) * synth.MIN},
    }
    for cols in raw.values():
        n = cols["ts"].size
        cols.update(open=np.ones(n), high=np.ones(n), low=np.ones(n), close=np.ones(n), volume=np.ones(n))
    feeds = synth.build(raw, {"exec": 5, "htf": 15})
    al = align_feeds(feeds)
    # exec closes: 5, 10, 15, 25, 30, 35 min; HTF closes 15, 30, 45 min. The exec bar closing at
    # 15 is there, the one closing at 20 (= open 15) is missing; at 25 HTF bar 0 is still the last.
    np.testing.assert_array_equal(al.htf_idx, [-1, -1, 0, 0, 1, 1])
    np.testing.assert_array_equal(al.mtf_idx, [-1] * 6)
    np.testing.assert_array_equal(al.m1_last, [-1] * 6)
    np.testing.assert_array_equal(al.rollups[2], np.zeros(6))
    assert np.isnan(al.rollups[[0, 1, 3, 4, 5]]).all()


def test_alignment_is_read_only():
    feeds, _ = synth.make_feeds(3)
    al = align_feeds(feeds)
    for name in ("htf_idx", "mtf_idx", "m1_start", "m1_end", "m1_last", "rollups"):
        arr = getattr(al, name)
        with pytest.raises(ValueError):
            arr[0] = 1
    assert al.rollups.flags.c_contiguous and al.rollups.shape == (len(ROLLUP_FIELDS), al.n_exec)
    assert al.htf_idx.dtype == np.int64 and al.rollups.dtype == np.float64
    with pytest.raises(AttributeError):
        al.htf_idx = al.mtf_idx


def test_explicit_quote_feed_overrides_and_is_checked():
    feeds, raw = synth.make_feeds(5, with_quote=False)
    assert (align_feeds(feeds).m1_last == -1).all()
    with_q, _ = synth.make_feeds(5)
    al = align_feeds(feeds, quote_feed=with_q.quote_feed)
    np.testing.assert_array_equal(al.rollups, align_feeds(with_q).rollups)
    with pytest.raises(TimeframeError, match="1m"):
        align_feeds(feeds, quote_feed=feeds.exec_feed)
    with pytest.raises(DataError, match="exec_feed"):
        align_feeds(object())
    with pytest.raises(DataError, match="role"):
        al.first_ready("exec")


def test_rollup_sum_is_left_to_right():
    vol = np.array([1e16, 1.0, 1.0, -1e16, 3.0, 2.0, 1e-3])
    out = compute_rollups(np.array([0, 4, 6, 7]), np.array([4, 6, 7, 7]), vol, vol, vol, vol, vol)
    running = 0.0
    for k, v in enumerate(vol[:4]):
        running = v if k == 0 else running + v
    assert out[5, 0] == running  # pairwise summation would give a different value
    assert out[5, 1] == 5.0 and out[5, 2] == 1e-3 and np.isnan(out[5, 3])
    np.testing.assert_array_equal(out[2], [4, 2, 1, 0])


@pytest.mark.skipif(not synth.DATA_2020.exists(), reason="2020 BTCUSDT data not present")
def test_real_gaps_2020_slice():
    import pandas as pd

    df = pd.read_parquet(synth.DATA_2020).iloc[50_000:110_000].reset_index(drop=True)
    gaps = np.flatnonzero(np.diff(df["ts"].to_numpy()) != synth.MIN)
    assert gaps.size > 0, "slice expected to contain real gaps"
    from btcore.feed import FeedStore, MultiTFFeedStore

    m1 = FeedStore.from_dataframe(df, "1m", "BTCUSDT")
    rs = df.assign(t=pd.to_datetime(df["ts"], unit="ms")).set_index("t")
    agg = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}

    def tf_feed(rule: str, tf: str) -> FeedStore:
        r = rs.resample(rule).agg(agg).dropna()
        r["ts"] = (r.index - pd.Timestamp(0)) // pd.Timedelta(milliseconds=1)
        return FeedStore.from_dataframe(r.reset_index(drop=True), tf, "BTCUSDT")

    ex, h = tf_feed("15min", "15m"), tf_feed("4h", "4h")
    al = align_feeds(MultiTFFeedStore(ex, htf_feed=h, quote_feed=m1))
    # Independent check with pandas: rollups by time bucket of the 1m rows.
    counts = rs["close"].resample("15min").count()
    counts = counts[counts > 0]
    np.testing.assert_array_equal(al.rollups[2], counts.to_numpy(dtype=float))
    np.testing.assert_array_equal(al.rollups[0], rs["low"].resample("15min").min().dropna().to_numpy())
    np.testing.assert_array_equal(al.rollups[1], rs["high"].resample("15min").max().dropna().to_numpy())
    assert (al.rollups[2] < 15).any()  # some exec bars really have missing minutes
    np.testing.assert_array_equal(h.ts_close_ms[al.htf_idx[al.htf_idx >= 0]] <= ex.ts_close_ms[al.htf_idx >= 0], True)
