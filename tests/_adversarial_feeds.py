"""Adversarial properties of feeds and views: odd arrays in, sabotage after (child processes).

``feed_inputs``: any dtype, byte order, stride, size (0, 1, many), NaN/inf, extreme or unsorted
timestamps given to ``FeedStore.from_arrays``: either a btcore error (never a raw one) or a feed
whose every array is immutable and equal to the input converted, read back exactly by a view.

``sabotage``: after views exist, attributes are re-pointed with ``object.__setattr__``, private
caches are emptied, replaced or filled with foreign entries, a duck-typed feed set swaps its
feeds. Whatever happens, the interpreter survives, errors are btcore's or plain builtins, and every
number a view returns is one that exists in an array of the test (no read of freed or foreign
memory).
"""

from __future__ import annotations

import gc
import math
from types import MappingProxyType, SimpleNamespace
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import _view_data as vd
from _adversarial import SETTINGS, allowed, counted, impls, report
from btcore.errors import BtcoreError
from btcore.feed import FeedStore, MultiTFFeedStore
from btcore.timeframe import MAX_EPOCH_MS, MIN_EPOCH_MS, tf_ms

TFS = ["1m", "5m", "1h", "1d", "1w"]
VALUE_DTYPES = ["<f8", ">f8", "<f4", ">f4", "<f2", "<i8", ">i8", "<i4", "<u8", "<u1", "|b1", "O", "<c16", "<M8[ms]"]
TS_DTYPES = ["<i8", ">i8", "<u8", "<i4", "<M8[ms]", "<M8[s]", "<M8[ns]", "<M8[D]", "<f8"]
LAYOUTS = ["contiguous", "strided", "reversed", "2d", "scalar"]


@st.composite
def timestamps(draw: Any, n: int, step: int) -> Any:
    anchor = draw(st.sampled_from([0, vd.T0, MIN_EPOCH_MS, MAX_EPOCH_MS - 4 * step, MAX_EPOCH_MS, 2 ** 62, -(2 ** 63)]))
    gaps = draw(st.lists(st.sampled_from([step, step, 2 * step, 0, -step, 1]), min_size=n, max_size=n))
    ts = [min(max(anchor + sum(gaps[:k]), -(2 ** 63)), 2 ** 63 - 1) for k in range(n)]
    dtype = draw(st.sampled_from(TS_DTYPES))
    try:
        if dtype.startswith("<M8"):
            unit = dtype[4:-1]
            scale = {"ms": 1, "s": 1000, "ns": 10 ** -6, "D": 86_400_000}[unit]
            vals = np.array([int(t / scale) if scale < 1 else t // scale for t in ts], dtype=np.int64)
            return vals.view(f"M8[{unit}]")
        return np.array(ts, dtype=dtype)
    except (OverflowError, ValueError):
        return np.array(ts, dtype=object)


@st.composite
def column(draw: Any, n: int) -> Any:
    dtype = draw(st.sampled_from(VALUE_DTYPES))
    layout = draw(st.sampled_from(LAYOUTS[:3] * 6 + LAYOUTS[3:]))
    floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
    extreme = st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324, math.nan, math.inf, -math.inf, 2.0 ** 63])
    vals = draw(st.lists(st.one_of(floats, extreme), min_size=2 * n, max_size=2 * n))
    base = np.array(vals, dtype=np.float64)
    try:
        with np.errstate(all="ignore"):
            arr = base.astype(dtype) if dtype != "O" else base.astype(object)
    except (TypeError, ValueError):
        arr = base
    if layout == "strided":
        return arr[::2]
    if layout == "reversed":
        return arr[n:][::-1] if n else arr[:0]
    if layout == "2d":
        return arr[:n].reshape(n, 1) if n else arr[:0].reshape(0, 1)
    if layout == "scalar":
        return arr[0] if arr.size else np.float64(1.0)
    return np.ascontiguousarray(arr[:n])


def _expected(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _frozen_ok(a: np.ndarray) -> bool:
    for attack in (lambda: setattr(a.flags, "writeable", True), lambda: a.setflags(write=True),
                   lambda: a.resize(a.size + 5, refcheck=False)):
        try:
            attack()
            return False
        except ValueError:
            pass
    return a.flags.c_contiguous and not a.flags.writeable


@given(data=st.data())
@SETTINGS
def _feed_inputs(data: Any, kind: str) -> None:
    counted()
    n = data.draw(st.sampled_from([0, 1, 2, 3, 7, 40]), label="n")
    tf = data.draw(st.sampled_from(TFS), label="tf")
    ts = data.draw(timestamps(n, tf_ms(tf)), label="ts")
    cols = [data.draw(column(n), label=name) for name in vd.OHLCV]
    inds = {f"i{k}": data.draw(column(n), label=f"i{k}") for k in range(data.draw(st.integers(0, 2)))}
    sort = data.draw(st.booleans(), label="sort")
    try:
        feed = FeedStore.from_arrays(tf, "X", ts, *cols, indicators=inds, sort=sort)
    except BaseException as exc:  # noqa: BLE001
        assert isinstance(exc, BtcoreError), f"raw {type(exc).__name__}: {exc}"
        return
    arrays = [feed.ts_open_ms, feed.ts_close_ms, feed.indicator_matrix, *(getattr(feed, f) for f in vd.OHLCV),
              *feed.indicators.values()]
    assert all(_frozen_ok(a) for a in arrays)
    order = np.argsort(np.asarray(feed.ts_open_ms), kind="stable")
    assert (np.diff(feed.ts_open_ms) > 0).all() and feed.ts_close_ms[-1:].max(initial=MIN_EPOCH_MS) <= MAX_EPOCH_MS
    perm = np.argsort(_ts_as_ms(ts), kind="stable") if sort else np.arange(n)
    for name, col in zip(vd.OHLCV, cols):
        np.testing.assert_array_equal(getattr(feed, name), _expected(col)[perm])
    for name, col in inds.items():
        np.testing.assert_array_equal(feed.indicators[name], _expected(col)[perm])
    assert order.tolist() == list(range(n))
    for mod in impls(kind, "view"):
        feeds = MultiTFFeedStore(feed)
        if n == 0:
            try:
                mod.RuntimeSnapshotView(feeds, 0, None, None, None, 1.0, "c")
                raise AssertionError("a view of an empty feed")
            except IndexError:
                continue
        i = data.draw(st.integers(0, n - 1), label="i")
        v = mod.RuntimeSnapshotView(feeds, i, None, None, None, 1.0, "c")
        got = [v.open, v.high, v.low, v.close, v.volume] + [v.get(f"indicator.{k}") for k in inds]
        want = [float(getattr(feed, f)[i]) for f in vd.OHLCV] + [float(feed.indicators[k][i]) for k in inds]
        assert [None if w != w else w for w in want] == got
        assert v.ts_close_ms == int(feed.ts_close_ms[i]) and v.ts_close.year <= 9999


def _ts_as_ms(ts: Any) -> np.ndarray:
    a = np.asarray(ts)
    return a.astype("datetime64[ms]").astype(np.int64) if a.dtype.kind == "M" else a.astype(np.int64)


def feed_inputs(kind: str) -> None:
    _feed_inputs(kind=kind)
    report()


# --------------------------------------------------------------------------- sabotage

SABOTAGE = ["repoint_column", "repoint_matrix", "repoint_length", "repoint_structures", "clear_caches",
            "foreign_cache", "garbage_cache", "empty_tables", "duck_swap", "repoint_names", "tamper_index"]


@given(data=st.data())
@SETTINGS
def _sabotage(data: Any, kind: str) -> None:
    counted()
    a = vd.make_feeds(data.draw(st.integers(1, 30)), seed=data.draw(st.integers(0, 3)), nan_frac=0.0)
    b = vd.make_feeds(data.draw(st.integers(1, 12)), seed=7, nan_frac=0.0, mtf=None, quote=False)
    duck = SimpleNamespace(exec_feed=a.exec_feed, htf_feed=a.htf_feed, mtf_feed=a.mtf_feed,
                           quote_feed=a.quote_feed, tf_mapping=a.tf_mapping, _view_tables={})
    known = _values(a) | _values(b)
    paths = ["indicator.rsi", "indicator.rsi.htf", "indicator.ema_fast.mtf", "price.last.close",
             "structure.swing.dir", "structure.swing.zones.demand.upper", "px.rollup.max_1m"]
    for mod in impls(kind, "view"):
        views = [mod.RuntimeSnapshotView(f, 0, None, None, None, 1.0, "c") for f in (a, duck)]
        handles = [v.compile(p) for v in views for p in paths if v.is_valid_path(p)]
        for _ in range(data.draw(st.integers(1, 4))):
            _attack(data.draw(st.sampled_from(SABOTAGE)), a, b, duck, mod)
        gc.collect()
        junk = [np.full(64, 12345.678) for _ in range(50)]  # reuse of freed memory would show this
        for f in (a, duck, b):
            for i in (0, data.draw(st.integers(0, 40))):
                try:
                    v = mod.RuntimeSnapshotView(f, i, None, None, None, 1.0, "c")
                    views.append(v)
                except BaseException as exc:  # noqa: BLE001
                    assert allowed(exc), f"{type(exc).__name__}: {exc}"
        for v in views:
            for read in ([lambda v=v: v.close, lambda v=v: v.open, lambda v=v: v.indicator("rsi"), lambda v=v: v.htf_indicator("rsi"),
                          lambda v=v: v.rollup_max_1m, lambda v=v: v.exec_ctx.close,
                          lambda v=v: v.htf_ctx and v.htf_ctx.get_indicator("rsi")]
                         + [lambda v=v, p=p: v.get(p) for p in paths]):
                _check_read(read, known)
        for h in handles:
            _check_read(h.get, known)
        del junk


def _values(feeds: Any) -> set[float]:
    out: set[float] = set()
    for role in ("exec_feed", "mtf_feed", "htf_feed", "quote_feed"):
        f = getattr(feeds, role)
        if f is None:
            continue
        for arr in [f.indicator_matrix.ravel(), *(getattr(f, c) for c in vd.OHLCV)]:
            out.update(float(x) for x in arr)
        for st_ in f.structures.values():
            for arr in st_.fields.values():
                out.update(float(x) for x in arr)
            for z in st_.zones.values():
                for arr in z.fields.values():
                    out.update(float(x) for x in arr)
    from btcore.align import align_feeds

    if feeds.quote_feed is not None:
        out.update(float(x) for x in align_feeds(feeds).rollups.ravel())
    return out


def _check_read(read: Any, known: set[float]) -> None:
    try:
        x = read()
    except BaseException as exc:  # noqa: BLE001
        assert allowed(exc), f"{type(exc).__name__}: {exc}"
        return
    assert x is None or x == 1.0 or x in known, f"read {x!r}, a value no array of the test holds"


def _attack(kind: str, a: Any, b: Any, duck: Any, mod: Any) -> None:
    ex = a.exec_feed
    put = object.__setattr__
    if kind == "repoint_column":
        put(ex, "close", np.zeros(3))
    elif kind == "repoint_matrix":
        put(ex, "indicator_matrix", np.zeros((1, 2)))
    elif kind == "repoint_length":
        put(ex, "length", 10 ** 6)
    elif kind == "repoint_structures":
        put(ex, "structures", MappingProxyType({"swing": b.exec_feed.structures["swing"]}))
    elif kind == "repoint_names":
        put(ex, "indicator_names", ("zz",) * 7)
    elif kind == "tamper_index":
        put(ex, "_indicator_index", {"rsi": 10 ** 9, "ema_fast": -5})
    elif kind == "clear_caches":
        ex._view_tables.clear()
        a._view_tables.clear()
        duck._view_tables.clear()
    elif kind == "foreign_cache":
        a._view_tables.update(b._view_tables)
        ex._view_tables.update(b.exec_feed._view_tables)
        duck._view_tables.update(b._view_tables)
    elif kind == "garbage_cache":
        for c in (a._view_tables, ex._view_tables, duck._view_tables):
            for key in list(c) + ["compiled", "compiled-feeds", "pure", "pure-feeds"]:
                c[key] = [1, 2, 3]
    elif kind == "empty_tables":
        if mod.__name__.startswith("btcore._core."):  # empty compiled tables (the pure ones need __init__)
            from btcore._core import feedtables

            for cls, key, cache in ((feedtables.FeedSetTables, "compiled-feeds", a._view_tables),
                                    (feedtables.FeedPointers, "compiled", ex._view_tables)):
                cache[key] = cls.__new__(cls)
    elif kind == "duck_swap":
        duck.exec_feed, duck.htf_feed, duck.mtf_feed, duck.quote_feed = (
            b.exec_feed, b.htf_feed, b.mtf_feed, b.quote_feed)


def sabotage(kind: str) -> None:
    _sabotage(kind=kind)
    report()
