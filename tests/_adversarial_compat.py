"""Differential adversarial properties of what the compat layer added to the core (child process).

``quote_calls``: ``QuoteState`` built from generated fields (ints of every size, NaN, inf,
numeric strings, None, numpy scalars, bytes, complex), ``ExecRollupBucket`` built from generated
reference fields, then a generated sequence of calls: accumulating built quotes, quotes whose
``__init__`` never ran, Python subclasses, duck-typed quotes with odd fields and non-quotes;
``accumulate_ohlcv`` with odd values; re-initialisation; reads; pickle/copy; the frozen dict read
back by a view (the compiled view's C reader against the pure twin's parser).

``incremental_calls``: a view built with an ``incremental_state`` (a reference-style state, one
whose outputs are odd objects or exceptions, one lacking the surface) and read through ``get``,
``get_strict``, ``has_path``, ``is_valid_path``, ``compile``, ``get_structure``,
``list_structure_paths`` and pickling.

After every call both twins must have returned the same value (floats bit for bit) or raised
the same exception class.
"""

from __future__ import annotations

import copy
import math
import pickle
from decimal import Decimal
from types import SimpleNamespace
from typing import Any


import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import _view_data as vd
from _adversarial import SETTINGS, counted, impls, int_args, outcome, reals, report, weird
from _incremental_fake import MultiTFState

COPIES = {"pickle": lambda x: pickle.loads(pickle.dumps(x)), "copy": copy.copy, "deepcopy": copy.deepcopy}
prices = st.one_of(st.floats(1e-3, 1e6), reals)
quote_args = st.tuples(
    st.one_of(st.integers(1, 10 ** 13), int_args), prices, prices, prices, prices, prices,
    st.one_of(st.sampled_from(["mark_1m", "approx_from_ohlcv_1m"]), weird), st.one_of(st.floats(0, 1e6), reals))
bucket_args = st.one_of(st.just(()), st.tuples(reals, reals, st.one_of(st.integers(0, 5), int_args), reals, reals, reals))
QUOTE_READS = ["ts_ms", "last", "open_1m", "high_1m", "low_1m", "mark", "mark_source", "volume_1m",
               "is_mark_approximated", "repr", "hash", "eq", "copy"]
BUCKET_READS = ["min_price_1m", "max_price_1m", "bar_count_1m", "open_price_1m", "close_price_1m", "volume_1m",
                "is_empty", "price_range_1m", "freeze", "repr"]
QUOTES = st.sampled_from(["built", "unbuilt", "subclass", "skipping", "duck", "none", "bucket"])
_price = st.floats(1e-3, 1e6)
good_quote = st.builds(lambda ts, o, c, h, lo, v: (ts, c, o, max(o, c, h), min(o, c, lo), c, "mark_1m", v),
                       st.integers(1, 10 ** 13), _price, _price, _price, _price, st.floats(0, 1e6))
accumulate = st.tuples(st.just("accumulate"), QUOTES, st.one_of(good_quote, quote_args))
bucket_ops = st.one_of(
    accumulate, accumulate, accumulate,
    st.tuples(st.just("duck"), reals, reals, reals, reals, reals),
    st.tuples(st.just("accumulate_ohlcv"), reals, reals, reals, reals, reals),
    st.tuples(st.sampled_from(["reset", "view"])),
    st.tuples(st.just("reinit"), bucket_args),
    st.tuples(st.just("read"), st.sampled_from(BUCKET_READS)),
    st.tuples(st.just("quote"), quote_args, st.sampled_from(QUOTE_READS + ["reinit"])),
    st.tuples(st.just("copy"), st.sampled_from(sorted(COPIES))),
)
VIEW_FEEDS = vd.make_feeds(8)


def _quote(m: Any, how: str, args: tuple) -> Any:
    if how == "unbuilt":
        return m.QuoteState.__new__(m.QuoteState)
    if how == "subclass":
        return type("Sub", (m.QuoteState,), {})(*args)
    if how == "skipping":
        return type("Skipping", (m.QuoteState,), {"__init__": lambda self, *a: None})()
    if how == "duck":
        return SimpleNamespace(open_1m=args[2], high_1m=args[3], low_1m=args[4], last=args[1], volume_1m=args[7])
    if how == "bucket":
        return m.ExecRollupBucket()
    return None if how == "none" else m.QuoteState(*args)


def _read(obj: Any, what: str) -> Any:
    if what == "repr":
        return repr(obj)
    if what == "hash":
        return hash(obj)
    if what == "eq":
        return (obj == obj, obj != obj, obj == 5)
    if what == "copy":
        return [COPIES[k](obj) == obj for k in sorted(COPIES)]
    if what == "freeze":
        return obj.freeze()
    return getattr(obj, what)


def _bucket_apply(m: Any, view_mod: Any, b: Any, op: tuple) -> Any:
    name, *args = op
    if name == "accumulate":
        b.accumulate(_quote(m, args[0], args[1]))
    elif name == "duck":
        b.accumulate(SimpleNamespace(open_1m=args[0], high_1m=args[1], low_1m=args[2], last=args[3], volume_1m=args[4]))
    elif name == "accumulate_ohlcv":
        b.accumulate_ohlcv(*args)
    elif name == "reset":
        b.reset()
    elif name == "reinit":
        b.__init__(*args[0])
    elif name == "read":
        return _read(b, args[0])
    elif name == "quote":
        q = m.QuoteState(*args[0])
        if args[1] == "reinit":
            q.__init__(*args[0])
        return _read(q, args[1])
    elif name == "copy":
        b = COPIES[args[0]](b)
    elif name == "view":
        v = view_mod.RuntimeSnapshotView(VIEW_FEEDS, 3, None, None, None, 1.0, "c", rollups=b.freeze())
        return v.rollups
    return b.freeze()


@given(data=st.data())
@SETTINGS
def _quote_calls(data: Any, kind: str) -> None:
    counted()
    mods, views = impls(kind, "rollup"), impls(kind, "view")
    args = data.draw(quote_args, label="quote")
    got = [outcome(lambda m=m: m.QuoteState(*args)) for m in mods]
    assert all(g == got[0] for g in got), (args, got)
    start = data.draw(bucket_args, label="bucket")
    made = [outcome(lambda m=m: m.ExecRollupBucket(*start).freeze()) for m in mods]
    assert all(g == made[0] for g in made), (start, made)
    buckets = [m.ExecRollupBucket(*start) if made[0][0] == "ok" else m.ExecRollupBucket() for m in mods]
    for op in data.draw(st.lists(bucket_ops, min_size=1, max_size=12), label="ops"):
        got = [outcome(lambda m=m, v=v, b=b: _bucket_apply(m, v, b, op)) for m, v, b in zip(mods, views, buckets)]
        assert all(g == got[0] for g in got), (op, got)
    got = [outcome(b.freeze) for b in buckets]
    assert all(g == got[0] for g in got), got


def quote_calls(kind: str) -> None:
    _quote_calls(kind=kind)
    report()


# --------------------------------------------------------------------------- incremental_state


class OddState:
    """An incremental state whose outputs are whatever the test put in ``values`` (an exception
    instance is raised instead of returned)."""

    def __init__(self, values: dict) -> None:
        self.exec = SimpleNamespace(structures={"odd": None, "swing": None})
        self.htf = {"4h": SimpleNamespace(structures={"odd4": None})}
        self.values = values

    def get_value(self, path: str) -> Any:
        out = path.split(".", 2)[2]
        if out not in self.values:
            raise KeyError(f"Unknown output {out!r}")
        v = self.values[out]
        if isinstance(v, BaseException):
            raise v
        return v


def _fake_state() -> MultiTFState:
    s = MultiTFState({"hi": 3, "swing": 2}, {"4h": {"hh": 2, "hi": 5}})
    for i in range(3):
        s.exec.update(i, {"high": 10.0 + i})
        s.htf["4h"].update(i, {"high": 100.0 - i})
    return s


odd_values = st.one_of(
    st.sampled_from([b"1", bytearray(b"2"), 2 ** 1100, -(2 ** 70), math.nan, -math.inf, np.float32(2.5), np.int64(-3),
                     np.bool_(True), np.float64("nan"), Decimal("1.25"), 1 + 2j, [1.0], "s", None, True, 7, 1.5,
                     KeyError("k"), ValueError("v"), TypeError("t"), ZeroDivisionError("z"), object()]),
    weird)
STATES = st.one_of(st.sampled_from(["fake", "lacking", "none"]),
                   st.fixed_dictionaries({"x": odd_values, "y": odd_values, "level.1": odd_values}),
                   st.fixed_dictionaries({"x": odd_values, "y": odd_values, "level.1": odd_values}))
S_PATHS = st.one_of(
    st.sampled_from(["structure.odd.x", "structure.odd.y", "structure.odd.level.1", "structure.odd4.x"]),
    st.sampled_from([
        "structure.hi.value", "structure.hi.bars", "structure.hi.state", "structure.hi.level.0.5",
        "structure.hh.value", "structure.swing.value", "structure.swing.dir", "structure.swing.high_level",
        "structure.hi.nope", "structure.odd.z", "structure.odd", "structure.", "indicator.rsi", "px.rollup.bars_1m"]),
    weird)
G_PATHS = st.one_of(
    st.sampled_from(["odd.x", "odd.y", "odd.level.1", "htf_4h.odd4.x", "hi.value", "hi.state", "htf_4h.hh.value"]),
    st.sampled_from(["hi.bars", "htf_4h.hi.value", "htf_1d.hh.value", "odd.z", "swing.x", "nope.x", "hi",
                     "htf_4h.hh", "htf_4h", ""]),
    weird)
incr_ops = st.one_of(
    st.tuples(st.sampled_from(["get", "get_strict", "has_path", "is_valid_path", "compile_get"]), S_PATHS),
    st.tuples(st.just("get_structure"), G_PATHS),
    st.tuples(st.sampled_from(["list_structure_paths", "has_incremental_state", "pickle"])),
)


def _incr_apply(v: Any, op: tuple) -> Any:
    name, *args = op
    if name == "compile_get":
        return v.compile(args[0]).get()
    if name == "has_incremental_state":
        return v.has_incremental_state
    if name == "pickle":
        w = pickle.loads(pickle.dumps(v))
        reads = ("structure.hi.value", "structure.odd.x", "structure.swing.dir")
        return (w.has_incremental_state, w.list_structure_paths(), [outcome(lambda p=p: w.get(p)) for p in reads])
    return getattr(v, name)(*args)


@given(data=st.data())
@SETTINGS
def _incremental_calls(data: Any, kind: str) -> None:
    counted()
    mods = impls(kind, "view")
    spec = data.draw(STATES, label="state")
    state = {"fake": _fake_state, "lacking": object, "none": lambda: None}[spec]() if isinstance(spec, str) else OddState(spec)
    feeds = vd.make_feeds(12)
    views: list[Any] = []
    made = [outcome(lambda m=m: views.append(m.RuntimeSnapshotView(feeds, 5, None, None, None, 1.0, "c",
                                                                    incremental_state=state))) for m in mods]
    assert all(o == made[0] for o in made), made
    if len(views) != len(mods):
        return
    for op in data.draw(st.lists(incr_ops, min_size=1, max_size=10), label="ops"):
        got = [outcome(lambda v=v: _incr_apply(v, op)) for v in views]
        assert all(g == got[0] for g in got), (op, got)


def incremental_calls(kind: str) -> None:
    _incremental_calls(kind=kind)
    report()
