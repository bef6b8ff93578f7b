"""What a reference-style engine needs from the view, on both twins: ``incremental_state=``
(``structure.*`` served live from the engine's object, ``get_structure``,
``has_incremental_state``), ``indicator.mark_price``, reference rollup dicts read fast and exactly
like the general parser, and datetimes that follow the feed's own convention."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import _view_data as vd
from _incremental_fake import MultiTFState
from btcore.errors import DataError, PathError, UnknownKeyError
from btcore.feed import FeedStore, MultiTFFeedStore

FEEDS = vd.make_feeds(n_exec=64, nan_frac=0.0)
BAR = 40


def view(mod, feeds=FEEDS, i=BAR, mark=123.5, **kw):
    ex = feeds.exec_feed
    h = vd.role_idx(feeds.htf_feed, int(ex.ts_close_ms[i]))
    m = vd.role_idx(feeds.mtf_feed, int(ex.ts_close_ms[i]))
    return mod.RuntimeSnapshotView(feeds=feeds, exec_idx=i, htf_idx=h, mtf_idx=m, exchange=None, mark_price=mark,
                                   mark_price_source="1m_close", **kw)


@pytest.fixture
def mod(twin):
    return twin("view")


# --------------------------------------------------------------------------- indicator.mark_price


@pytest.mark.parametrize("path", ["indicator.mark_price", "indicator.mark_price.exec", "indicator.mark_price.ltf",
                                  "indicator.mark_price.htf", "indicator.mark_price.mtf"])
def test_mark_price_path_returns_the_mark_price(mod, path):
    v = view(mod)
    assert v.get(path) == 123.5 == v.get_feature("mark_price") == v.get("price.mark.close")
    assert v.has_path(path) and v.is_valid_path(path)
    assert v.compile(path).get() == 123.5
    v.mark_price = 99.0  # read live, like price.mark.close
    assert v.get(path) == 99.0
    assert view(mod, mark=None).get(path) is None  # NaN / no mark reads None


def test_mark_price_path_for_a_role_without_a_feed(mod):
    feeds = MultiTFFeedStore(FEEDS.exec_feed)
    v = mod.RuntimeSnapshotView(feeds, 3, None, None, None, 7.0, "close")
    assert v.get("indicator.mark_price.htf") == 7.0 == v.get_feature("mark_price", "htf")


@pytest.mark.parametrize("path,match", [("indicator.mark_price.weekly", "expected indicator.mark_price"),
                                        ("indicator.mark_price.exec.x", "expected indicator.mark_price")])
def test_mark_price_path_rejects_bad_roles(mod, path, match):
    with pytest.raises(PathError, match=match):
        view(mod).get(path)


# --------------------------------------------------------------------------- rollup dicts

value = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 50), st.none())


class _Dict(dict):
    """A dict subclass takes the general parser (the fast path is for plain dicts)."""


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(vals=st.lists(value, min_size=6, max_size=6), drop=st.integers(-1, 5))
def test_rollup_dict_fast_path_equals_general_parser(both, vals, drop):
    keys = ["px.rollup." + f for f in ("min_1m", "max_1m", "bars_1m", "open_1m", "close_1m", "volume_1m")]
    d = {k: v for j, (k, v) in enumerate(zip(keys, vals)) if j != drop}
    out = []
    for mod in both("view"):
        got = []
        for rollups in (dict(d), _Dict(d)):
            try:
                got.append(view(mod, rollups=rollups).rollups)
            except DataError as exc:  # a bad count: both paths reject it with the same message
                got.append(str(exc))
        fast, slow = got
        if isinstance(fast, str):
            assert fast == slow and "bars_1m must be a whole number" in fast
        else:
            assert list(fast) == list(slow) == keys
            assert all(a == b or (a is None and b is None) for a, b in zip(fast.values(), slow.values())), (fast, slow)
        out.append(fast)
    assert out[0] == out[1]


def test_frozen_bucket_dict_is_read(both):
    for mod, rollup in zip(both("view"), both("rollup")):
        b = rollup.ExecRollupBucket()
        b.accumulate_ohlcv(10.0, 12.0, 9.0, 11.0, 5.0)
        b.accumulate_ohlcv(11.0, 13.0, 10.5, 12.5, 1.0)
        v = view(mod, rollups=b.freeze())
        assert (v.rollup_min_1m, v.rollup_max_1m, v.rollup_bars_1m, v.rollup_open_1m, v.rollup_close_1m,
                v.rollup_volume_1m) == (9.0, 13.0, 2, 10.0, 12.5, 6.0)
        empty = view(mod, rollups=rollup.ExecRollupBucket().freeze())
        assert empty.rollup_bars_1m == 0 and empty.rollup_min_1m is None and not empty.has_rollups


# --------------------------------------------------------------------------- incremental_state


def _state() -> MultiTFState:
    s = MultiTFState({"hi": 3, "swing": 2}, {"4h": {"hh": 2, "hi": 5}, "1d": {"dd": 2}})
    for i in range(4):
        s.exec.update(i, {"high": 10.0 + i})
        s.htf["4h"].update(i, {"high": 100.0 - i})
    return s


def test_structure_paths_come_from_the_state(mod):
    state = _state()
    v = view(mod, incremental_state=state)
    assert v.has_incremental_state and not view(mod).has_incremental_state
    assert v.get("structure.hi.value") == 13.0          # exec, a float
    assert v.get("structure.hi.bars") == 4.0 and type(v.get("structure.hi.bars")) is float  # int -> float
    assert v.get("structure.hi.state") is None          # strings read None through get()
    assert v.get("structure.hi.level.0.5") == 6.5       # an output key with dots
    assert v.get("structure.hh.value") == 98.0          # HTF key, first HTF state that has it
    assert v.get("structure.dd.value") is None          # never updated: None, not a crash
    assert v.get("structure.dd.level.0.5") is None      # NaN reads None
    state.exec.update(4, {"high": 50.0})                # the engine updates the object: read live
    assert v.get("structure.hi.value") == 50.0
    assert v.has_path("structure.hi.value") and not v.has_path("structure.dd.value")


def test_state_shadows_feed_blocks_and_falls_back_to_them(mod):
    state = MultiTFState({"swing": 2})
    state.exec.update(0, {"high": 77.0})
    v = view(mod, incremental_state=state)
    assert v.get("structure.swing.value") == 77.0  # the state's 'swing' shadows the feed block
    with pytest.raises(PathError, match="Unknown output 'high_level' of structure 'swing'"):
        v.get("structure.swing.high_level")
    plain = view(mod)
    assert plain.get("structure.swing.high_level") == vd.opt(FEEDS.exec_feed.structures["swing"].fields["high_level"][BAR])
    other = view(mod, incremental_state=MultiTFState({"hi": 2}))  # key not in the state: the feed block
    assert other.get("structure.swing.high_level") == plain.get("structure.swing.high_level")
    with pytest.raises(PathError, match="Unknown structure block"):
        other.get("structure.nope.value")


def test_get_structure_is_raw_and_raises_key_errors(mod):
    v = view(mod, incremental_state=_state())
    assert v.get_structure("hi.state") == "active" and v.get_structure("hi.bars") == 4
    assert v.get_structure("htf_4h.hi.value") == 100.0  # the HTF 'hi', by its qualified path
    assert v.get_structure("hi.value") == 13.0          # unqualified: exec first
    for bad in ("hi", "htf_4h.hi", "nope.value", "htf_1w.hi.value"):
        with pytest.raises(KeyError):
            v.get_structure(bad)
    with pytest.raises(KeyError, match="Unknown output"):
        v.get_structure("hi.nope")
    with pytest.raises(UnknownKeyError, match="No incremental state"):
        view(mod).get_structure("hi.value")


def test_listing_validity_and_compile_with_a_state(mod):
    v = view(mod, incremental_state=_state())
    paths = v.list_structure_paths()
    assert "structure.hi.value" in paths and "structure.hh.level.0.5" in paths and "structure.dd.bars" in paths
    assert not any(p.startswith("structure.swing.high_level") for p in paths)  # shadowed feed block
    assert len(paths) == len(set(paths))
    for p in paths:
        assert v.is_valid_path(p)
        v.get(p)  # every listed path resolves
    assert not v.is_valid_path("structure.hi.nope")
    with pytest.raises(PathError, match="incremental_state"):
        v.compile("structure.hi.value")
    assert v.compile("indicator.rsi").get() == v.get("indicator.rsi")


@pytest.mark.parametrize("bad", [object(), 3, {"exec": 1}])
def test_a_state_without_the_surface_is_a_type_error(mod, bad):
    with pytest.raises(TypeError, match="incremental_state must expose"):
        view(mod, incremental_state=bad)


def test_twins_agree_on_incremental_reads(both):
    results = []
    for mod in both("view"):
        v = view(mod, incremental_state=_state())
        results.append([v.get(p) for p in v.list_structure_paths()] + [v.list_structure_paths()])
    assert results[0] == results[1]


# --------------------------------------------------------------------------- datetimes follow the feed


class _NaiveFeed(FeedStore):
    """A feed whose datetimes are naive UTC (as the compat layer's feeds are)."""

    __slots__ = ()

    def get_ts_open_datetime(self, idx):
        return super().get_ts_open_datetime(idx).replace(tzinfo=None)

    def get_ts_close_datetime(self, idx):
        return super().get_ts_close_datetime(idx).replace(tzinfo=None)


def _naive(feed):
    return _NaiveFeed.from_arrays(feed.tf, feed.symbol, feed.ts_open_ms, feed.open, feed.high, feed.low,
                                  feed.close, feed.volume, dict(feed.indicators))


def test_view_datetimes_come_from_the_feed(mod):
    aware = view(mod)
    feeds = MultiTFFeedStore(_naive(FEEDS.exec_feed), _naive(FEEDS.htf_feed), _naive(FEEDS.mtf_feed))
    naive = view(mod, feeds=feeds)
    for name in ("ts_close", "ts_open", "htf_ctx_ts_close", "mtf_ctx_ts_close"):
        a, n = getattr(aware, name), getattr(naive, name)
        assert a.tzinfo is timezone.utc and n.tzinfo is None and n == a.replace(tzinfo=None), name
    for ctx in ("exec_ctx", "htf_ctx", "mtf_ctx"):
        assert getattr(naive, ctx).ts_close.tzinfo is None and getattr(naive, ctx).ts_open.tzinfo is None
    assert naive.ts_close - naive.ts_open == timedelta(minutes=5)
    assert naive.to_dict()["ts_close"] == aware.ts_close.replace(tzinfo=None).isoformat()


# --------------------------------------------------------------------------- the 1m index at construction

minute_offsets = st.lists(st.integers(0, 5000), min_size=1, max_size=300, unique=True)


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offsets=minute_offsets, jitter=st.integers(0, 59_999), starts=st.lists(st.integers(-50, 5100), min_size=1, max_size=20))
def test_last_closed_1m_row_matches_a_binary_search(both, offsets, jitter, starts):
    """The constructor finds the last 1m bar closed at the exec close from a guess (gaps, a feed
    off the minute grid, exec bars before / after / inside the 1m data): same as searchsorted."""
    t0 = vd.T0 + jitter
    q_ts = np.array(sorted(t0 + 60_000 * np.array(offsets, dtype=np.int64)))
    x = np.ones(q_ts.size)
    quote = FeedStore.from_arrays("1m", "BTCUSDT", q_ts, x, x, x, x, x)
    ex_ts = np.array(sorted({vd.T0 + 300_000 * s for s in starts}), dtype=np.int64)
    y = np.ones(ex_ts.size)
    feeds = MultiTFFeedStore(FeedStore.from_arrays("5m", "BTCUSDT", ex_ts, y, y, y, y, y), quote_feed=quote)
    for i in range(ex_ts.size):
        want = int(np.searchsorted(quote.ts_close_ms, ex_ts[i] + 300_000, side="right")) - 1
        for mod in both("view"):
            assert mod.RuntimeSnapshotView(feeds, i, None, None, None, 1.0, "c").m1_idx == (None if want < 0 else want)
