"""QuoteState validation, packet/rollup keys and the streaming ExecRollupBucket on both twins."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from btcore.align import ROLLUP_FIELDS, compute_rollups
from btcore.errors import DataError

GOOD = dict(ts_ms=1_600_000_000_000, last=101.0, open_1m=100.0, high_1m=102.0, low_1m=99.0,
            mark=101.0, mark_source="approx_from_ohlcv_1m", volume_1m=3.0)


def test_quote_state_fields_and_positional_order(twin):
    m = twin("rollup")
    q = m.QuoteState(1_600_000_000_000, 101.0, 100.0, 102.0, 99.0, 101.0, "mark_1m")
    assert (q.ts_ms, q.last, q.open_1m, q.high_1m, q.low_1m, q.mark, q.mark_source, q.volume_1m) == (
        1_600_000_000_000, 101.0, 100.0, 102.0, 99.0, 101.0, "mark_1m", 0.0)
    assert not q.is_mark_approximated
    assert m.QuoteState(**GOOD).is_mark_approximated
    with pytest.raises(AttributeError):
        q.last = 1.0


@pytest.mark.parametrize(
    "field,value,match",
    [
        ("ts_ms", 0, "ts_ms"),
        ("ts_ms", 1.5, "ts_ms"),
        ("last", 0.0, "last price"),
        ("last", math.nan, "last price"),
        ("open_1m", -1.0, "open_1m"),
        ("open_1m", math.nan, "open_1m"),
        ("high_1m", math.nan, "high_1m"),
        ("low_1m", math.inf, "low_1m"),
        ("low_1m", 103.0, "must be >= low_1m"),
        ("mark", math.nan, "mark price"),
        ("mark_source", "close", "mark_source"),
        ("volume_1m", math.nan, "volume_1m"),
        ("volume_1m", -1.0, "volume_1m"),
    ],
)
def test_quote_state_rejects(twin, field, value, match):
    with pytest.raises(DataError, match=match) as ei:
        twin("rollup").QuoteState(**{**GOOD, field: value})
    assert isinstance(ei.value, ValueError)
    assert repr(value) in str(ei.value)  # the message names the offending value


def test_packet_dict_matches_keys(twin):
    m = twin("rollup")
    d = m.quote_to_packet_dict(m.QuoteState(**GOOD))
    assert list(d) == list(m.QUOTE_KEYS)
    assert d["px.last.value"] == GOOD["last"] and d["px.last.open_1m"] == GOOD["open_1m"]
    assert d["px.mark.ts_ms"] == d["px.last.ts_ms"] == GOOD["ts_ms"]


def test_rollup_keys_follow_fields(twin):
    m = twin("rollup")
    assert list(m.ROLLUP_KEYS) == [f"px.rollup.{f}" for f in ROLLUP_FIELDS]
    empty = m.create_empty_rollup_dict()
    assert list(empty) == list(m.ROLLUP_KEYS)
    assert empty["px.rollup.bars_1m"] == 0.0
    assert all(math.isnan(v) for k, v in empty.items() if k != "px.rollup.bars_1m")
    assert m.create_empty_rollup_dict() is not empty


def test_bucket_empty_accumulate_reset(twin):
    m = twin("rollup")
    b = m.ExecRollupBucket()
    assert b.is_empty and b.bar_count_1m == 0 and math.isnan(b.price_range_1m)
    frozen = b.freeze()
    assert frozen["px.rollup.bars_1m"] == 0.0 and math.isnan(frozen["px.rollup.min_1m"])
    b.accumulate(m.QuoteState(**GOOD))
    b.accumulate(m.QuoteState(**{**GOOD, "last": 98.5, "open_1m": 101.0, "low_1m": 98.0, "high_1m": 101.5}))
    f = b.freeze()
    # D28: open_1m is the first bar's OPEN (100.0), not its close (101.0).
    assert f == {"px.rollup.min_1m": 98.0, "px.rollup.max_1m": 102.0, "px.rollup.bars_1m": 2.0,
                 "px.rollup.open_1m": 100.0, "px.rollup.close_1m": 98.5, "px.rollup.volume_1m": 6.0}
    assert (b.min_price_1m, b.max_price_1m, b.open_price_1m, b.close_price_1m, b.volume_1m) == (98.0, 102.0, 100.0, 98.5, 6.0)
    assert b.price_range_1m == 4.0 and not b.is_empty
    assert b.freeze() == f  # freezing does not reset
    b.reset()
    assert b.is_empty and math.isnan(b.freeze()["px.rollup.close_1m"])
    assert "bars_1m=0" in repr(b)


def test_bucket_nan_is_never_skipped(twin):
    b = twin("rollup").ExecRollupBucket()
    b.accumulate_ohlcv(1.0, 2.0, 0.5, 1.5, 1.0)
    b.accumulate_ohlcv(1.0, math.nan, 0.1, 1.5, 1.0)
    b.accumulate_ohlcv(1.0, 9.0, 0.2, 1.5, 1.0)
    f = b.freeze()
    assert math.isnan(f["px.rollup.max_1m"]) and f["px.rollup.min_1m"] == 0.1
    assert f["px.rollup.volume_1m"] == 3.0 and f["px.rollup.bars_1m"] == 3.0


finite = st.floats(-1e12, 1e12, allow_nan=False)
value = st.one_of(finite, st.just(math.nan))
row = st.tuples(value, value, value, value, value)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(row, max_size=40), cuts=st.lists(st.integers(0, 40), max_size=6))
def test_bucket_agrees_with_vectorised_rollups(both, rows, cuts):
    """Streaming (both twins) and vectorised rollups agree exactly, empty ranges included."""
    arr = np.array(rows, dtype=np.float64).reshape(-1, 5)
    n = arr.shape[0]
    edges = sorted({0, n, *(min(c, n) for c in cuts)})
    starts = np.array(edges[:-1] + [n], dtype=np.int64)  # a trailing empty range too
    ends = np.array(edges[1:] + [n], dtype=np.int64)
    expected = compute_rollups(starts, ends, *arr.T)
    for impl in both("rollup"):
        b = impl.ExecRollupBucket()
        for k, (s, e) in enumerate(zip(starts, ends)):
            b.reset()
            for r in arr[s:e]:
                b.accumulate_ohlcv(*r)
            got = np.array([b.freeze()[key] for key in impl.ROLLUP_KEYS])
            np.testing.assert_array_equal(got, expected[:, k])
