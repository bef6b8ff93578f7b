"""RuntimeSnapshotView / TFContext accessors, on the compiled core and the pure twin."""

from __future__ import annotations

import math
import sys
from datetime import timezone
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _view_data as vd  # noqa: E402

from btcore.errors import DataError, NotReadyError, PathError, UnknownKeyError  # noqa: E402
from btcore.feed import MultiTFFeedStore  # noqa: E402
from btcore.types import ExchangeState, HistoryConfig  # noqa: E402

FEEDS = vd.make_feeds(seed=1)
EX = FEEDS.exec_feed


@pytest.fixture
def mod(twin):
    return twin("view")


@pytest.fixture
def ref(twin):
    """The reference-style view (``btcore.compat.snapshot_view.RuntimeSnapshotView``): the view plus
    the accessors the reference hard-coded for ema_fast, ema_slow, rsi and atr."""
    return SimpleNamespace(RuntimeSnapshotView=twin("view").CompatSnapshotView, TFContext=twin("view").TFContext)


REFERENCE_ACCESSORS = ("ema_fast", "ema_slow", "rsi", "atr", "prev_ema_fast", "prev_ema_slow", "prev_rsi", "prev_atr",
                       "htf_ema_fast", "htf_ema_slow", "htf_rsi", "mtf_ema_fast", "mtf_ema_slow", "mtf_rsi")


def test_hard_coded_accessors_only_on_the_reference_view(mod, ref):
    modern, compat = view_at(mod, 5), view_at(ref, 5)
    for name in REFERENCE_ACCESSORS:
        assert not hasattr(modern, name) and hasattr(compat, name), name
    assert isinstance(compat, mod.RuntimeSnapshotView)


def view_at(mod, i, feeds=FEEDS, **kw):
    h, m, _ = vd.indices(feeds, i)
    return mod.RuntimeSnapshotView(feeds, i, h, m, kw.pop("exchange", None), kw.pop("mark", 100.0), "close", **kw)


def test_exec_ohlcv_and_nan_reads_none(mod):
    for i in range(len(EX)):
        v = view_at(mod, i)
        for f in ("open", "high", "low", "close", "volume"):
            assert getattr(v, f) == vd.opt(getattr(EX, f)[i])
    assert any(math.isnan(x) for x in EX.close)  # the data really has NaNs


def test_identity_and_time(mod):
    v = view_at(mod, 7)
    assert v.exec_idx == 7 and v.symbol == "BTCUSDT" and v.exec_tf == "5m"
    assert v.ts_close_ms == EX.ts_close_ms[7] and v.ts_open_ms == EX.ts_open_ms[7]
    assert v.ts_close.tzinfo is not None and v.ts_close.utcoffset().total_seconds() == 0
    assert v.ts_close == EX.get_ts_close_datetime(7) and v.ts_open == EX.get_ts_open_datetime(7)
    assert v.feeds is FEEDS and dict(v.tf_mapping) == dict(FEEDS.tf_mapping)
    assert v.history_config == HistoryConfig()


def test_named_indicators(ref):
    mod = ref  # reads the hard-coded accessors too
    for i in (0, 5, 20):
        v = view_at(mod, i)
        for name in vd.INDICATORS:
            assert getattr(v, name) == vd.opt(EX.indicators[name][i]) == v.indicator(name)
        assert v.indicator("nope") is None
    v = view_at(mod, 3)
    assert v.has_indicator("rsi") and not v.has_indicator("nope")
    assert v.available_indicators == list(vd.INDICATORS)
    assert v.available_htf_indicators == ["ema_slow", "rsi"] and v.available_mtf_indicators == ["ema_fast", "rsi"]


def test_indicator_strict(mod):
    nan_at = next(i for i in range(len(EX)) if math.isnan(EX.indicators["rsi"][i]))
    ok_at = next(i for i in range(len(EX)) if not math.isnan(EX.indicators["rsi"][i]))
    assert view_at(mod, ok_at).indicator_strict("rsi") == EX.indicators["rsi"][ok_at]
    with pytest.raises(NotReadyError):
        view_at(mod, nan_at).indicator_strict("rsi")
    with pytest.raises(UnknownKeyError, match="Available indicators"):
        view_at(mod, ok_at).indicator_strict("nope")
    with pytest.raises(KeyError):  # compatible with the reference's KeyError
        view_at(mod, ok_at).indicator_strict("nope")


def test_prev_accessors(ref):
    mod = ref  # reads the hard-coded accessors too
    v = view_at(mod, 10)
    for lb in (1, 3, 10):
        assert v.prev_close(lb) == vd.opt(EX.close[10 - lb])
        assert v.prev_high(lb) == vd.opt(EX.high[10 - lb])
        assert v.prev_low(lb) == vd.opt(EX.low[10 - lb])
        assert v.prev_indicator("atr", lb) == vd.opt(EX.indicators["atr"][10 - lb]) == v.prev_atr(lb)
        assert v.prev_ema_fast(lb) == vd.opt(EX.indicators["ema_fast"][10 - lb])
        assert v.prev_ema_slow(lb) == vd.opt(EX.indicators["ema_slow"][10 - lb])
        assert v.prev_rsi(lb) == vd.opt(EX.indicators["rsi"][10 - lb])
    assert v.prev_close(11) is None and v.prev_indicator("rsi", 11) is None
    assert v.prev_close() == vd.opt(EX.close[9]) and v.prev_indicator("nope") is None
    for bad in (0, -1):
        for call in (v.prev_close, v.prev_high, v.prev_low, v.prev_rsi, lambda lb: v.prev_indicator("rsi", lb)):
            with pytest.raises(ValueError, match=str(bad)):
                call(bad)
    with pytest.raises(TypeError):
        v.prev_close(1.5)


def _window_oracle(a, i, n):
    w = a[max(0, i - n + 1): i + 1]
    return None if np.isnan(w).any() else w


@pytest.mark.parametrize("n", [1, 2, 5, 100])
def test_window_min_max_nan_rule(mod, n):
    for i in range(len(EX)):
        v = view_at(mod, i)
        lo, hi = _window_oracle(EX.low, i, n), _window_oracle(EX.high, i, n)
        assert v.bars_exec_low(n) == (None if lo is None else float(lo.min()))
        assert v.bars_exec_high(n) == (None if hi is None else float(hi.max()))


def test_window_rejects_bad_n(mod):
    v = view_at(mod, 4)
    for bad in (0, -3):
        with pytest.raises(ValueError, match=str(bad)):
            v.bars_exec_low(bad)
        with pytest.raises(ValueError, match=str(bad)):
            v.bars_exec_high(bad)


def test_htf_mtf_values_and_readiness(ref):
    mod = ref  # reads the hard-coded accessors too
    seen_not_ready = seen_ready = False
    for i in range(len(EX)):
        h, m, _ = vd.indices(FEEDS, i)
        v = view_at(mod, i)
        assert v.htf_idx == (h if h >= 0 else None) and v.mtf_idx == (m if m >= 0 else None)
        hf, mf = FEEDS.htf_feed, FEEDS.mtf_feed
        assert v.htf_rsi == (vd.opt(hf.indicators["rsi"][h]) if h >= 0 else None) == v.htf_indicator("rsi")
        assert v.htf_ema_slow == (vd.opt(hf.indicators["ema_slow"][h]) if h >= 0 else None)
        assert v.htf_ema_fast is None  # not declared on the HTF feed
        assert v.mtf_ema_fast == (vd.opt(mf.indicators["ema_fast"][m]) if m >= 0 else None)
        assert v.mtf_rsi == (vd.opt(mf.indicators["rsi"][m]) if m >= 0 else None) == v.mtf_indicator("rsi")
        assert v.mtf_ema_slow is None
        assert v.ready == (h >= 0 and m >= 0) == (not v.not_ready_reasons)
        assert v.htf_ready == (h >= 0) and v.mtf_ready == (m >= 0)
        if h < 0:
            seen_not_ready = True
            assert any(r.startswith("HTF:") for r in v.not_ready_reasons)
            assert v.htf_is_stale is None and v.htf_ctx_ts_close is None and v.htf_staleness_ms is None
            assert v.get("indicator.rsi.htf") is None and v.get_feature("rsi", "htf") is None
            assert v.htf_ctx.ready is False and v.htf_ctx.close is None and v.htf_ctx.current_idx is None
        else:
            seen_ready = True
            assert v.htf_ctx_ts_close_ms == hf.ts_close_ms[h] <= v.ts_close_ms
            assert v.htf_staleness_ms == v.ts_close_ms - hf.ts_close_ms[h]
            assert v.htf_is_stale == (v.htf_staleness_ms > 0)
            assert v.htf_ctx_ts_close == hf.get_ts_close_datetime(h)
            assert v.htf_ctx.close == vd.opt(hf.close[h]) and v.htf_ctx.ready
    assert seen_not_ready and seen_ready


def test_history_ready_in_readiness(mod):
    v = view_at(mod, len(EX) - 1, history_ready=False)
    assert not v.ready and v.not_ready_reasons == ["History: required windows not yet filled"]
    v.history_ready = True
    assert v.ready


def test_absent_role_is_none_everywhere(ref):
    mod = ref  # reads the hard-coded accessors too
    feeds = MultiTFFeedStore(EX)
    v = mod.RuntimeSnapshotView(feeds, 5, 3, 3, None, 1.0, "close")  # indices of absent roles ignored
    assert v.ready and v.not_ready_reasons == []
    assert v.htf_ctx is None and v.mtf_ctx is None and v.htf_idx is None and v.mtf_idx is None
    assert v.htf_rsi is None and v.htf_indicator("rsi") is None and v.mtf_ema_fast is None
    assert v.get_feature("rsi", "htf") is None and v.get_feature("close", "mtf") is None
    assert not v.has_feature("rsi", "htf") and not v.has_feature("close", "mtf")
    assert v.get("indicator.rsi.htf") is None and v.get("indicator.close.mtf") is None
    assert v.get("indicator.anything.htf") is None
    assert v.htf_is_stale is None and v.mtf_ctx_ts_close is None
    assert v.available_htf_indicators == [] and v.get("price.last.close") is None and v.m1_idx is None
    assert not v.htf_ready and not v.mtf_ready
    with pytest.raises(UnknownKeyError):
        v.indicator_col("rsi", "htf")


def test_get_feature(mod):
    i = len(EX) - 1
    v = view_at(mod, i)
    h, m, _ = vd.indices(FEEDS, i)
    assert h >= 1 and m >= 0
    assert v.get_feature("rsi") == vd.opt(EX.indicators["rsi"][i])
    assert v.get_feature("close", "ltf", 2) == vd.opt(EX.close[i - 2])
    assert v.get_feature("rsi", "htf", 1) == vd.opt(FEEDS.htf_feed.indicators["rsi"][h - 1])
    assert v.get_feature("close", "mtf", 0) == vd.opt(FEEDS.mtf_feed.close[m])
    assert v.get_feature("rsi", "exec", i + 1) is None and v.get_feature("nope") is None
    assert v.get_feature("rsi", "htf", h + 1) is None
    assert v.get_feature("mark_price") == 100.0
    assert v.has_feature("rsi") and v.has_feature("close", "htf") and not v.has_feature("nope")
    with pytest.raises(ValueError, match="-1"):
        v.get_feature("close", "exec", -1)
    with pytest.raises(ValueError):
        v.get_feature("mark_price", "exec", 1)
    with pytest.raises(PathError, match="Valid roles"):
        v.get_feature("close", "weekly")
    with pytest.raises(PathError):
        v.has_feature("close", "weekly")


def test_exchange_state_and_simulator(mod):
    st = ExchangeState(1000.0, 900.0, 50.0, 850.0, 800.0, 5.0, True, "long", 250.0, 0.01, 20000.0, 12.5, True, "x")
    v = view_at(mod, 1, exchange=st)
    assert (v.equity, v.available_balance, v.has_position, v.position_side) == (1000.0, 800.0, True, "long")
    assert (v.position_size_usdt, v.unrealized_pnl, v.entries_disabled) == (250.0, 12.5, True)
    side = SimpleNamespace(value="SHORT")
    sim = SimpleNamespace(equity_usdt=5.0, available_balance_usdt=4.0, unrealized_pnl_usdt=-1.0,
                          entries_disabled=False, position=SimpleNamespace(side=side, size_usdt=3.0))
    v.exchange = sim
    assert (v.equity, v.has_position, v.position_side, v.position_size_usdt) == (5.0, True, "short", 3.0)
    sim.position = None
    assert (v.has_position, v.position_side, v.position_size_usdt) == (False, None, 0.0)
    v.exchange = None
    assert (v.equity, v.has_position, v.position_size_usdt, v.entries_disabled) == (None, False, 0.0, False)


def test_rollups_dict_and_attached(mod):
    v = view_at(mod, 2, rollups={"px.rollup.min_1m": 1.0, "px.rollup.max_1m": 4.0, "px.rollup.bars_1m": 3,
                                  "px.rollup.open_1m": 2.0, "close_1m": float("nan")})
    assert (v.rollup_min_1m, v.rollup_max_1m, v.rollup_bars_1m, v.rollup_open_1m) == (1.0, 4.0, 3, 2.0)
    assert v.rollup_close_1m is None and v.rollup_volume_1m is None and v.rollup_price_range_1m == 3.0
    assert v.has_rollups and v.get_rollup("min_1m") == 1.0 == v.get("px.rollup.min_1m")
    assert v.rollups["px.rollup.bars_1m"] == 3 and v.rollups["px.rollup.close_1m"] is None
    with pytest.raises(PathError):
        v.get_rollup("px.rollup.nope")
    with pytest.raises(PathError):
        view_at(mod, 2, rollups={"px.rollup.nope": 1.0})
    empty = view_at(mod, 2)
    assert empty.rollup_bars_1m == 0 and not empty.has_rollups and empty.rollup_min_1m is None
    assert empty.rollup_price_range_1m is None
    mat = np.full((6, len(EX)), np.nan)
    mat[2] = 0
    mat[:, 5] = [1.0, 2.0, 4.0, 1.5, 1.8, 9.0]
    v._attach_rollups(mat)
    v._move(5)
    assert (v.rollup_min_1m, v.rollup_max_1m, v.rollup_bars_1m, v.rollup_volume_1m) == (1.0, 2.0, 4, 9.0)
    v._move(6)
    assert v.rollup_bars_1m == 0 and v.rollup_min_1m is None
    with pytest.raises(DataError, match="shape"):
        v._attach_rollups(np.zeros((6, 3)))
    v._attach_rollups(None)
    v._move(5)
    assert v.rollup_bars_1m == 0
    moved = view_at(mod, 2, rollups={"px.rollup.bars_1m": 3})
    moved._move(3)
    assert moved.rollup_bars_1m == 0  # the dict belonged to the bar it was built for


def test_move_checks_and_follows(mod):
    v = view_at(mod, 0)
    h, m, q = vd.indices(FEEDS, 40)
    handle = v.compile("indicator.rsi.htf")
    v._move(40, h, m, q)
    assert v.exec_idx == 40 and v.close == vd.opt(EX.close[40])
    assert handle.get() == vd.opt(FEEDS.htf_feed.indicators["rsi"][h]) == v.get("indicator.rsi.htf")
    assert v.get("price.last.close") == vd.opt(FEEDS.quote_feed.close[q])
    for bad in ((len(EX),), (-2,), (0, 10**6), (0, -1, -5), (0, -1, -1, len(FEEDS.quote_feed))):
        with pytest.raises(IndexError):
            v._move(*bad)
    single = mod.RuntimeSnapshotView(MultiTFFeedStore(EX), 0, None, None, None, 1.0, "c")
    with pytest.raises(IndexError, match="no feed"):
        single._move(1, 0)


def test_constructor_rejects_non_feeds(mod):
    for bad in (None, EX, {"exec_feed": EX}):
        with pytest.raises(TypeError, match="MultiTFFeedStore"):
            mod.RuntimeSnapshotView(bad, 0, None, None, None, 1.0, "c")


def test_constructor_index_errors(mod):
    for bad in (len(EX), -1, 10**20, 1.0, True):
        with pytest.raises((IndexError, TypeError)):
            mod.RuntimeSnapshotView(FEEDS, bad, None, None, None, 1.0, "c")
    with pytest.raises(IndexError):
        mod.RuntimeSnapshotView(FEEDS, 0, len(FEEDS.htf_feed), None, None, 1.0, "c")
    with pytest.raises(IndexError):
        mod.RuntimeSnapshotView(FEEDS, 0, -2, None, None, 1.0, "c")
    assert mod.RuntimeSnapshotView(FEEDS, np.int64(3), np.int32(-1), None, None, 1.0, "c").exec_idx == 3


def test_price_last_is_last_closed_1m_bar(mod):
    q = FEEDS.quote_feed
    for i in range(len(EX)):
        v = view_at(mod, i)
        j = vd.role_idx(q, int(EX.ts_close_ms[i]))
        assert v.m1_idx == (j if j >= 0 else None)
        for f in ("open", "high", "low", "close"):
            assert v.get(f"price.last.{f}") == (vd.opt(getattr(q, f)[j]) if j >= 0 else None)
        assert q.ts_close_ms[j] <= EX.ts_close_ms[i]


def test_mark_price(mod):
    v = view_at(mod, 3, mark=123.5)
    assert v.get("price.mark.close") == 123.5 == v.mark_price
    assert v.get("price.mark.high") == v.high and v.get("price.mark.low") == v.low
    v.mark_price = float("nan")
    assert v.get("price.mark.close") is None
    assert math.isnan(view_at(mod, 3, mark=None).mark_price)


def test_tfcontext_standalone(mod):
    c = mod.TFContext(EX, 4)
    assert c.ready and c.current_idx == 4 and c.feed is EX
    assert c.close == vd.opt(EX.close[4]) and c.get_indicator("rsi") == vd.opt(EX.indicators["rsi"][4])
    assert c.ts_close == EX.get_ts_close_datetime(4) and c.ts_open.tzinfo == timezone.utc
    assert c.ts_close_ms == EX.ts_close_ms[4] and c.has_indicator("atr") and c.get_indicator("x") is None
    empty = mod.TFContext(EX, None)
    assert not empty.ready and empty.close is None and empty.ts_close is None
    with pytest.raises(NotReadyError):
        empty.get_indicator_strict("rsi")
    assert not mod.TFContext(EX, 4, ready=False).ready
    with pytest.raises(IndexError):
        mod.TFContext(EX, len(EX))
    for bad in (None, FEEDS, EX.close):
        with pytest.raises(TypeError, match="FeedStore"):
            mod.TFContext(bad, 0)


def test_to_dict(mod, ref):
    d = view_at(mod, 20).to_dict()
    for key in ("ts_close", "symbol", "exec_tf", "exec_idx", "mark_price", "ready", "open", "close",
                "htf_is_stale", "htf_ctx_ts_close", "rollups", "has_rollups"):
        assert key in d
    assert d["exec_idx"] == 20 and d["ts_close"].endswith("+00:00")
    assert "ema_fast" not in d
    r = view_at(ref, 20).to_dict()  # the reference's keys: its four indicators after the OHLCV
    assert list(r) == list(d)[:list(d).index("volume") + 1] + ["ema_fast", "ema_slow", "rsi", "atr"] + \
        list(d)[list(d).index("volume") + 1:]
    assert r["rsi"] == vd.opt(EX.indicators["rsi"][20]) and {k: r[k] for k in d} == d


def test_indicator_col(mod):
    v = view_at(mod, 3)
    assert v.indicator_col("rsi") == EX.indicator_row("rsi")
    assert v.indicator_col("rsi", "htf") == FEEDS.htf_feed.indicator_row("rsi")
    with pytest.raises(UnknownKeyError):
        v.indicator_col("nope")
    with pytest.raises(PathError):
        v.indicator_col("rsi", "weekly")


def test_reference_empty_rollup_dict_reads_none(mod):
    frozen_empty = {"px.rollup.min_1m": math.inf, "px.rollup.max_1m": -math.inf, "px.rollup.bars_1m": 0.0,
                    "px.rollup.open_1m": 0.0, "px.rollup.close_1m": 0.0, "px.rollup.volume_1m": 0.0}
    v = view_at(mod, 2, rollups=frozen_empty)
    assert v.rollup_bars_1m == 0 and not v.has_rollups
    assert [v.rollup_min_1m, v.rollup_max_1m, v.rollup_open_1m, v.rollup_close_1m, v.rollup_volume_1m] == [None] * 5
    assert v.get("px.rollup.min_1m") is None and v.rollup_price_range_1m is None
