"""QuoteState and ExecRollupBucket: compiled cdef classes and pure twins behave alike.

Both are built per 1-minute bar by reference-style engines, so they are compiled; these tests pin
what the twins share: validation at construction (same exception classes and messages), safety
before ``__init__``, immutability (QuoteState) and atomic re-initialisation (bucket), pickling,
equality and the reference constructor signatures.
"""

from __future__ import annotations

import copy
import inspect
import math
import pickle
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from btcore._shared.state_tables import MAX_INDEX
from btcore.errors import DataError, NotInitializedError
from btcore.timeframe import MAX_EPOCH_MS

GOOD = dict(ts_ms=1_600_000_000_000, last=101.0, open_1m=100.0, high_1m=102.0, low_1m=99.0,
            mark=101.0, mark_source="approx_from_ohlcv_1m", volume_1m=3.0)
QUOTE_PARAMS = ["ts_ms", "last", "open_1m", "high_1m", "low_1m", "mark", "mark_source", "volume_1m"]
BUCKET_PARAMS = ["min_price_1m", "max_price_1m", "bar_count_1m", "open_price_1m", "close_price_1m", "volume_1m"]


def _doc(obj: object) -> str:
    lines = (inspect.getdoc(obj) or "").splitlines()
    if lines and re.match(r"^[\w.]+\(.*\)( -> .*)?$", lines[0]):  # signature embedded by Cython
        lines = lines[1:]
    return "\n".join(lines).strip()


def test_reference_signatures(both):
    _, pure = both("rollup")
    q = inspect.signature(pure.QuoteState.__init__)
    assert list(q.parameters)[1:] == QUOTE_PARAMS
    assert q.parameters["volume_1m"].default == 0.0
    b = inspect.signature(pure.ExecRollupBucket.__init__)
    assert list(b.parameters)[1:] == BUCKET_PARAMS
    assert [b.parameters[n].default for n in BUCKET_PARAMS] == [math.inf, -math.inf, 0, 0.0, 0.0, 0.0]


def test_twins_share_names_and_docstrings(both):
    compiled, pure = both("rollup")
    for name in ("QuoteState", "ExecRollupBucket"):
        c, p = getattr(compiled, name), getattr(pure, name)
        slots = set(p.__slots__)  # the pure twin's storage; the compiled one keeps C fields
        members = {m for m in dir(p) if not m.startswith("__")} - slots
        assert members == {m for m in dir(c) if not m.startswith("__")}, name
        for m in members:
            if not m.startswith("_"):
                assert _doc(getattr(c, m)) == _doc(getattr(p, m)), (name, m)
        assert _doc(c) == _doc(p)


def test_quote_keyword_construction_and_values(twin):
    q = twin("rollup").QuoteState(**GOOD)
    assert (q.ts_ms, q.last, q.open_1m, q.high_1m, q.low_1m, q.mark, q.mark_source, q.volume_1m) == tuple(GOOD.values())
    assert type(q.ts_ms) is int and q.is_mark_approximated
    assert repr(q) == ("QuoteState(ts_ms=1600000000000, last=101.0, open_1m=100.0, high_1m=102.0, low_1m=99.0, "
                       "mark=101.0, mark_source='approx_from_ohlcv_1m', volume_1m=3.0)")


def test_quote_accepts_numpy_numbers_and_ints(twin):
    m = twin("rollup")
    assert m.QuoteState(**{**GOOD, "ts_ms": MAX_EPOCH_MS}).ts_ms == MAX_EPOCH_MS  # the last ms of year 9999
    q = m.QuoteState(np.int64(5), np.float32(2.5), 2, np.float64(3.0), 1, 2.0, "mark_1m", np.int32(4))
    assert (q.ts_ms, q.last, q.open_1m, q.high_1m, q.low_1m, q.volume_1m) == (5, 2.5, 2.0, 3.0, 1.0, 4.0)
    assert type(q.ts_ms) is int and type(q.last) is float and type(q.volume_1m) is float


@pytest.mark.parametrize(
    "field,value,exc,match",
    [
        ("ts_ms", True, DataError, "ts_ms"),
        ("ts_ms", -5, DataError, "ts_ms"),
        ("ts_ms", 1 << 70, DataError, "ts_ms"),
        ("ts_ms", MAX_EPOCH_MS + 1, DataError, "up to 253402300799999 .year 9999."),
        ("ts_ms", "1", DataError, "ts_ms"),
        ("last", "101", DataError, "last price must be a real number"),
        ("last", None, DataError, "last price must be a real number"),
        ("mark", True, DataError, "mark price must be a real number"),
        ("open_1m", math.inf, DataError, "open_1m must be a finite number > 0"),
        ("mark_source", None, DataError, "Invalid mark_source"),
        ("mark_source", "MARK_1M", DataError, "Invalid mark_source"),
        ("volume_1m", math.inf, DataError, "volume_1m must be a finite number >= 0"),
    ],
)
def test_quote_rejects_with_the_same_error_on_both_twins(both, field, value, exc, match):
    messages = []
    for m in both("rollup"):
        with pytest.raises(exc, match=match) as ei:
            m.QuoteState(**{**GOOD, field: value})
        assert isinstance(ei.value, ValueError)
        messages.append(str(ei.value))
    assert messages[0] == messages[1]


def test_quote_is_immutable_and_refuses_reinit(twin):
    m = twin("rollup")
    q = m.QuoteState(**GOOD)
    for name in ("last", "ts_ms", "mark_source", "anything"):
        with pytest.raises(AttributeError):
            setattr(q, name, 1.0)
    with pytest.raises(TypeError, match="already initialised"):  # as every btcore object
        q.__init__(**{**GOOD, "last": 5.0})
    assert q.last == 101.0  # nothing changed


@pytest.mark.parametrize("how", ["new", "subclass"])
def test_quote_is_safe_before_init(twin, how):
    m = twin("rollup")
    if how == "new":
        q = m.QuoteState.__new__(m.QuoteState)
    else:
        q = type("Skipping", (m.QuoteState,), {"__init__": lambda self, *a, **k: None})()
    for use in (lambda: q.ts_ms, lambda: q.last, lambda: q.mark_source, lambda: q.is_mark_approximated,
                lambda: q == q, lambda: hash(q), lambda: repr(q), lambda: pickle.dumps(q), lambda: copy.copy(q)):
        with pytest.raises(NotInitializedError, match="QuoteState object is not initialised"):
            use()
    b = m.ExecRollupBucket()
    b.accumulate_ohlcv(1.0, 2.0, 0.5, 1.5, 3.0)
    before = b.freeze()
    with pytest.raises(NotInitializedError):  # an unvalidated quote never reaches an aggregate
        b.accumulate(q)
    assert b.freeze() == before
    if how == "new":
        q.__init__(**GOOD)  # the first __init__ still builds it
        assert q.last == 101.0 and q == m.QuoteState(**GOOD)
        b.accumulate(q)
        assert b.bar_count_1m == 2


def test_quote_equality_hash_pickle_copy(twin):
    m = twin("rollup")
    a, b = m.QuoteState(**GOOD), m.QuoteState(**GOOD)
    c = m.QuoteState(**{**GOOD, "volume_1m": 4.0})
    assert a == b and hash(a) == hash(b) and a != c and len({a, b, c}) == 2
    assert a != tuple(GOOD.values())
    for clone in (pickle.loads(pickle.dumps(a)), copy.copy(a), copy.deepcopy(a)):
        assert clone == a and type(clone) is type(a)


def test_bucket_reference_constructor(twin):
    m = twin("rollup")
    b = m.ExecRollupBucket(min_price_1m=99.0, max_price_1m=103.0, bar_count_1m=3, open_price_1m=100.0,
                           close_price_1m=101.0, volume_1m=7.0)
    b.accumulate(m.QuoteState(**GOOD))
    assert b.freeze() == {"px.rollup.min_1m": 99.0, "px.rollup.max_1m": 103.0, "px.rollup.bars_1m": 4.0,
                          "px.rollup.open_1m": 100.0, "px.rollup.close_1m": 101.0, "px.rollup.volume_1m": 10.0}
    # the reference's empty defaults, spelt out, are an empty bucket (NaN, count 0)
    e = m.ExecRollupBucket(math.inf, -math.inf, 0, 0.0, 0.0, 0.0)
    assert e.is_empty and math.isnan(e.min_price_1m) and math.isnan(e.open_price_1m)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"bar_count_1m": -1}, "bar_count_1m must be an int in 0..4611686018427387903"),
        ({"bar_count_1m": 1.5}, "bar_count_1m must be an int in 0.."),
        ({"bar_count_1m": True}, "bar_count_1m must be an int in 0.."),
        ({"bar_count_1m": MAX_INDEX + 1, "min_price_1m": 1.0, "max_price_1m": 2.0}, "bar_count_1m must be an int in 0.."),
        ({"min_price_1m": 5.0}, "empty bucket holds no values"),
        ({"volume_1m": 2.0}, "empty bucket holds no values"),
        ({"bar_count_1m": 2, "min_price_1m": 9.0, "max_price_1m": 1.0}, "must be <= max_price_1m"),
        ({"bar_count_1m": 2, "open_price_1m": "x"}, "open_price_1m must be a real number"),
    ],
)
def test_bucket_validates_then_commits(both, kwargs, match):
    messages = []
    for m in both("rollup"):
        b = m.ExecRollupBucket()
        b.accumulate_ohlcv(1.0, 2.0, 0.5, 1.5, 3.0)
        before = b.freeze()
        with pytest.raises(DataError, match=match) as ei:
            b.__init__(**kwargs)
        assert b.freeze() == before  # a failed re-init leaves the bucket as it was
        messages.append(str(ei.value))
    assert messages[0] == messages[1]


def test_bucket_pickles_with_nan_and_counts(twin):
    m = twin("rollup")
    b = m.ExecRollupBucket()
    assert pickle.loads(pickle.dumps(b)).is_empty
    b.accumulate_ohlcv(1.0, math.nan, 0.5, 1.5, 3.0)
    b.accumulate_ohlcv(1.0, 2.0, 0.25, 1.0, 1.0)
    c = pickle.loads(pickle.dumps(b))
    got, want = c.freeze(), b.freeze()
    assert list(got) == list(want)
    assert all(g == w or (math.isnan(g) and math.isnan(w)) for g, w in zip(got.values(), want.values()))


def test_bucket_takes_real_numbers_only(both):
    """accumulate_ohlcv converts as a C double argument does: numbers (NaN, inf, numpy, Decimal)
    pass, strings and other objects raise TypeError in both twins and leave the bucket as it was."""
    from decimal import Decimal

    messages = []
    for m in both("rollup"):
        b = m.ExecRollupBucket()
        b.accumulate_ohlcv(np.float32(1.5), 2, Decimal("0.5"), np.int64(1), math.nan)
        assert b.bar_count_1m == 1 and b.max_price_1m == 2.0 and b.open_price_1m == 1.5
        before = b.freeze()
        for bad in ("1.5", b"1", None, [1.0], 1 + 2j):
            with pytest.raises(TypeError) as ei:
                b.accumulate_ohlcv(1.0, 2.0, 0.5, bad, 1.0)
            messages.append(str(ei.value))
            with pytest.raises(TypeError):
                b.accumulate(_DuckQuote(open_1m=1.0, high_1m=2.0, low_1m=0.5, last=1.0, volume_1m=bad))
        assert str(b.freeze()) == str(before)
    assert messages[:5] == messages[5:] and "close must be a real number" in messages[0]


class _DuckQuote:
    """A reference-style quote (any object with the fields) is accumulated through attributes."""

    def __init__(self, **kw: float) -> None:
        self.__dict__.update(kw)


def test_bucket_accumulates_duck_typed_quotes(twin):
    m = twin("rollup")
    b = m.ExecRollupBucket()
    b.accumulate(_DuckQuote(open_1m=1, high_1m=3, low_1m=0.5, last=2, volume_1m=4))
    assert b.freeze()["px.rollup.max_1m"] == 3.0 and b.bar_count_1m == 1


price = st.floats(1e-3, 1e9, allow_nan=False, allow_infinity=False)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(price, price, price, price, st.floats(0, 1e9)), max_size=20))
def test_quote_accumulation_equals_raw_accumulation(both, rows):
    """accumulate(QuoteState) (C fields / tuple fast path) == accumulate_ohlcv on both twins."""
    results = []
    for m in both("rollup"):
        via_quote, via_raw = m.ExecRollupBucket(), m.ExecRollupBucket()
        for i, (o, h, l, c, v) in enumerate(rows):
            hi, lo = max(o, h, l, c), min(o, h, l, c)
            via_quote.accumulate(m.QuoteState(i + 1, c, o, hi, lo, c, "approx_from_ohlcv_1m", v))
            via_raw.accumulate_ohlcv(o, hi, lo, c, v)
        fq, fr = via_quote.freeze(), via_raw.freeze()
        assert [k for k in fq] == [k for k in fr]
        assert all(a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(fq.values(), fr.values()))
        results.append(list(fq.values()))
    np.testing.assert_array_equal(np.array(results[0]), np.array(results[1]))
