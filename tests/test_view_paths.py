"""The path grammar of ``view.get``: valid paths, PathError for everything else, compiled handles."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _view_data as vd  # noqa: E402

from btcore.errors import NotReadyError, PathError  # noqa: E402
from btcore.feed import FeedStore, MultiTFFeedStore  # noqa: E402

FEEDS = vd.make_feeds(seed=2, nan_frac=0.15)
EX = FEEDS.exec_feed
LAST = len(EX) - 1


@pytest.fixture
def view(twin):
    h, m, _ = vd.indices(FEEDS, LAST)
    return twin("view").RuntimeSnapshotView(FEEDS, LAST, h, m, None, 50.0, "close")


def test_indicator_paths(view):
    h, m, _ = vd.indices(FEEDS, LAST)
    assert view.get("indicator.rsi") == vd.opt(EX.indicators["rsi"][LAST]) == view.get("indicator.rsi.exec")
    assert view.get("indicator.rsi.ltf") == view.get("indicator.rsi")
    assert view.get("indicator.close") == view.close
    assert view.get("indicator.rsi.htf") == vd.opt(FEEDS.htf_feed.indicators["rsi"][h])
    assert view.get("indicator.volume.mtf") == vd.opt(FEEDS.mtf_feed.volume[m])


def test_price_px_structure_paths(view):
    assert view.get("price.mark.close") == 50.0
    assert view.get("price.mark.high") == view.high
    assert view.get("px.rollup.bars_1m") == 0.0 and view.get("px.rollup.min_1m") is None
    st = EX.structures["swing"]
    assert view.get("structure.swing.high_level") == vd.opt(st.fields["high_level"][LAST])
    assert view.get("structure.swing.dir") == vd.opt(st.fields["dir"][LAST])
    assert view.get("structure.swing.zones.demand.upper") == vd.opt(st.zones["demand"].fields["upper"][LAST])
    assert set(view.list_structure_paths()) == {
        "structure.swing.high_level", "structure.swing.dir",
        "structure.swing.zones.demand.upper", "structure.swing.zones.demand.lower"}


BAD = {
    "": "namespace",
    "foo.bar": "Valid namespaces",
    "ohlcv.close": "Valid namespaces",
    "indicator": "missing key",
    "indicator.": "missing key",
    "indicator.nope": "Declared indicators",
    "indicator.rsi.weekly": "valid roles",
    "indicator.rsi.htf.extra": "Declared indicators",
    "indicator.ema_fast.htf": "Declared indicators",  # declared on exec, not on HTF
    "price": "price.mark",
    "price.mark": "price.mark",
    "price.mark.open": "Valid",
    "price.mark.close.extra": "trailing",
    "price.last.volume": "Valid",
    "price.last.close.x": "trailing",
    "price.bid.close": "Valid",
    "px": "px.rollup",
    "px.rollup": "px.rollup",
    "px.rollup.nope": "Valid",
    "px.last.close": "px.rollup",
    "px.rollup.min_1m.x": "trailing",
    "structure": "expected",
    "structure.swing": "expected",
    "structure.nope.x": "Available blocks",
    "structure.swing.nope": "Valid fields",
    "structure.swing.zones": "zone",
    "structure.swing.zones.demand": "zone",
    "structure.swing.zones.nope.upper": "Available zones",
    "structure.swing.zones.demand.nope": "Valid fields",
    "structure.swing.high_level.x": "trailing",
    "structure.swing.zones.demand.upper.x": "trailing",
}


@pytest.mark.parametrize("path", sorted(BAD))
def test_bad_paths_raise_path_error(view, path):
    with pytest.raises(PathError, match=BAD[path]):
        view.get(path)
    with pytest.raises(ValueError):  # PathError is a ValueError, like the reference's errors
        view.compile(path)
    with pytest.raises(PathError):
        view.has_path(path)
    assert not view.is_valid_path(path)


def test_non_string_path(view):
    with pytest.raises(PathError):
        view.get(3)


def test_has_path_distinguishes_nan_from_unknown(twin):
    mod = twin("view")
    nan_at = next(i for i in range(len(EX)) if np.isnan(EX.indicators["atr"][i]))
    v = mod.RuntimeSnapshotView(FEEDS, nan_at, None, None, None, 1.0, "c")
    assert v.is_valid_path("indicator.atr") and not v.has_path("indicator.atr")
    assert v.get("indicator.atr") is None
    with pytest.raises(NotReadyError):
        v.get_strict("indicator.atr")
    with pytest.raises(PathError):
        v.has_path("indicator.atrr")
    ok = next(i for i in range(len(EX)) if not np.isnan(EX.indicators["atr"][i]))
    v._move(ok)
    assert v.has_path("indicator.atr") and v.get_strict("indicator.atr") == EX.indicators["atr"][ok]


def test_dotted_indicator_keys(twin):
    a = vd.make_feed("5m", 6, indicators=())
    f = FeedStore.from_arrays("5m", "X", a.ts_open_ms, a.open, a.high, a.low, a.close, a.volume,
                              indicators={"bb.upper": np.arange(6.0), "bb.lower": -np.arange(6.0)})
    v = twin("view").RuntimeSnapshotView(MultiTFFeedStore(f), 4, None, None, None, 1.0, "c")
    assert v.get("indicator.bb.upper") == 4.0 and v.get("indicator.bb.lower.exec") == -4.0
    assert v.get("indicator.bb.upper.htf") is None  # no HTF feed: None, like every absent role


def test_compiled_handles_follow_the_view(twin):
    mod = twin("view")
    v = mod.RuntimeSnapshotView(FEEDS, 0, None, None, None, 7.0, "c")
    paths = ["indicator.rsi", "indicator.rsi.htf", "indicator.close.mtf", "price.mark.close",
             "price.last.close", "px.rollup.bars_1m", "structure.swing.high_level",
             "structure.swing.zones.demand.lower"]
    handles = [v.compile(p) for p in paths]
    assert [h.path for h in handles] == paths
    for i in range(len(EX)):
        h, m, q = vd.indices(FEEDS, i)
        v._move(i, h, m, q)
        assert [hd.get() for hd in handles] == [v.get(p) for p in paths]


def test_path_cache_is_bounded_and_correct(twin):
    from btcore._shared.constants import PATH_CACHE_SIZE

    mod = twin("view")
    v = mod.RuntimeSnapshotView(FEEDS, LAST, None, None, None, 1.0, "c")
    for k in range(PATH_CACHE_SIZE + 50):  # invalid paths are not cached; valid ones evict the oldest
        with pytest.raises(PathError):
            v.get(f"indicator.nope{k}")
        v.get("indicator.rsi" if k % 2 else "indicator.close")
    assert v.get("indicator.rsi") == vd.opt(EX.indicators["rsi"][LAST])


def test_private_helpers_and_handles_reject_bad_arguments(twin, view):
    mod = twin("view")
    with pytest.raises(TypeError):
        mod.PathHandle(None, "indicator.rsi")
    for call in (lambda: view._context(5), lambda: view._ctx_close_ms(8), lambda: view._role_idx(9),
                 lambda: view._prev(99, 1), lambda: view._window(99, 2, True), lambda: view._staleness(4)):
        with pytest.raises(IndexError):
            call()
