"""Seeded synthetic feeds for the view tests (small, with NaNs, gaps and late-starting roles)."""

from __future__ import annotations

from typing import Optional

import numpy as np

from btcore.feed import FeedStore, MultiTFFeedStore, StructureStore
from btcore.timeframe import tf_ms

T0 = 1_577_836_800_000  # 2020-01-01 00:00 UTC
OHLCV = ("open", "high", "low", "close", "volume")
INDICATORS = ("ema_fast", "ema_slow", "rsi", "atr")


def make_feed(tf: str, n: int, start: int = T0, seed: int = 0, nan_frac: float = 0.0,
              indicators=INDICATORS, gap_every: int = 0, structures: bool = False) -> FeedStore:
    """``n`` bars of ``tf`` from ``start``; a bar is dropped every ``gap_every`` slots (0 = none)."""
    rng = np.random.default_rng(seed)
    step = tf_ms(tf)
    slots = np.arange(2 * n if gap_every else n, dtype=np.int64)
    if gap_every:
        slots = slots[(slots % gap_every) != gap_every - 1][:n]
    ts = start + step * slots
    close = 100 + rng.normal(size=n).cumsum()
    cols = {"open": close + rng.normal(size=n) * 0.1, "high": close + rng.uniform(0, 1, n),
            "low": close - rng.uniform(0, 1, n), "close": close, "volume": rng.uniform(1, 5, n)}
    inds = {name: close * (1 + 0.01 * j) for j, name in enumerate(indicators)}
    if nan_frac:
        for arr in list(cols.values()) + list(inds.values()):
            arr[rng.random(n) < nan_frac] = np.nan
    st = None
    if structures:
        lvl = close + 5
        lvl[rng.random(n) < 0.2] = np.nan
        st = {"swing": StructureStore("swing", {"high_level": lvl, "dir": np.sign(rng.normal(size=n))},
                                      {"demand": {"upper": close + 1, "lower": close - 1}})}
    return FeedStore.from_arrays(tf, "BTCUSDT", ts, indicators=inds, structures=st, **cols)


def make_feeds(n_exec: int = 48, exec_tf: str = "5m", mtf: Optional[str] = "15m", htf: Optional[str] = "1h",
               quote: bool = True, nan_frac: float = 0.05, seed: int = 0, htf_delay: int = 2,
               gap_every: int = 0) -> MultiTFFeedStore:
    """Exec/MTF/HTF/1m feeds over the same period; HTF starts ``htf_delay`` HTF bars late."""
    span = n_exec * tf_ms(exec_tf)
    ex = make_feed(exec_tf, n_exec, seed=seed, nan_frac=nan_frac, gap_every=gap_every, structures=True)
    m = make_feed(mtf, max(1, span // tf_ms(mtf)), seed=seed + 1, nan_frac=nan_frac, indicators=("ema_fast", "rsi")) if mtf else None
    h = None
    if htf:
        nh = max(1, span // tf_ms(htf) - htf_delay)
        h = make_feed(htf, nh, start=T0 + htf_delay * tf_ms(htf), seed=seed + 2, nan_frac=nan_frac, indicators=("ema_slow", "rsi"))
    q = make_feed("1m", span // 60_000, seed=seed + 3, nan_frac=nan_frac, indicators=(), gap_every=7) if quote else None
    return MultiTFFeedStore(ex, h, m, quote_feed=q)


def role_idx(feed: Optional[FeedStore], exec_close_ms: int) -> int:
    """Oracle: last bar of ``feed`` closed at or before ``exec_close_ms`` (-1 if none / no feed)."""
    if feed is None:
        return -1
    closes = feed.ts_close_ms
    ok = np.nonzero(closes <= exec_close_ms)[0]
    return int(ok[-1]) if ok.size else -1


def indices(feeds: MultiTFFeedStore, i: int) -> tuple[int, int, int]:
    """(htf_idx, mtf_idx, m1_idx) at exec bar ``i`` by brute force."""
    c = int(feeds.exec_feed.ts_close_ms[i])
    return role_idx(feeds.htf_feed, c), role_idx(feeds.mtf_feed, c), role_idx(feeds.quote_feed, c)


def opt(v: float):
    """The value a view returns for array value ``v`` (NaN reads as None)."""
    v = float(v)
    return None if v != v else v


# --------------------------------------------------------------------------- observing a view

PROPS = (
    "open high low close volume ema_fast ema_slow rsi atr ready not_ready_reasons htf_ready mtf_ready "
    "htf_idx mtf_idx m1_idx exec_idx ts_close_ms ts_open_ms ts_close htf_ema_fast htf_ema_slow htf_rsi "
    "mtf_ema_fast mtf_ema_slow mtf_rsi htf_is_stale mtf_is_stale htf_ctx_ts_close mtf_ctx_ts_close "
    "htf_ctx_ts_close_ms mtf_ctx_ts_close_ms htf_staleness_ms mtf_staleness_ms rollup_min_1m rollup_max_1m "
    "rollup_bars_1m rollup_open_1m rollup_close_1m rollup_volume_1m rollup_price_range_1m has_rollups "
    "rollups available_indicators available_htf_indicators available_mtf_indicators equity has_position"
).split()
KEYS = ["ema_fast", "ema_slow", "rsi", "atr", "close", "open", "volume", "nope", "mark_price"]
ROLES = ["exec", "ltf", "mtf", "htf", "weekly"]
PATHS = [f"indicator.{k}.{r}" for k in KEYS[:7] for r in ROLES] + [
    "indicator.rsi", "indicator", "indicator.", "price.mark.close", "price.mark.high", "price.mark.low",
    "price.mark.open", "price.last.open", "price.last.close", "price.last.high", "price.last.low",
    "price.last.close.x", "px.rollup.min_1m", "px.rollup.bars_1m", "px.rollup.volume_1m", "px.rollup.x",
    "structure.swing.high_level", "structure.swing.dir", "structure.swing.zones.demand.upper",
    "structure.swing.zones.x.upper", "structure.nope.x", "foo", "price.mark.close.extra",
]


def outcome(fn):
    try:
        return ("ok", fn())
    except Exception as exc:  # noqa: BLE001 - the exception type is the observable behaviour
        return ("err", type(exc).__name__)


def observe(v, rng_args):
    missing = [p for p in PROPS if not hasattr(type(v), p)]
    assert not missing, f"{type(v).__name__} lacks {missing}"  # an AttributeError must not pass as an outcome
    out = {p: outcome(lambda p=p: getattr(v, p)) for p in PROPS}
    out["to_dict"] = outcome(v.to_dict)
    for path in PATHS:
        out[path] = outcome(lambda path=path: v.get(path))
        out["has " + path] = outcome(lambda path=path: v.has_path(path))
        out["valid " + path] = outcome(lambda path=path: v.is_valid_path(path))
    for key, role, off, lb, n in rng_args:
        out[("feat", key, role, off)] = outcome(lambda: v.get_feature(key, role, off))
        out[("has", key, role)] = outcome(lambda: v.has_feature(key, role))
        out[("prev", key, lb)] = outcome(lambda: (v.prev_indicator(key, lb), v.prev_close(lb), v.prev_high(lb), v.prev_low(lb)))
        out[("win", n)] = outcome(lambda: (v.bars_exec_low(n), v.bars_exec_high(n)))
        out[("ind", key)] = outcome(lambda: (v.indicator(key), v.htf_indicator(key), v.mtf_indicator(key), v.has_indicator(key)))
        out[("strict", key)] = outcome(lambda: v.indicator_strict(key))
        out[("col", key, role)] = outcome(lambda: v.indicator_col(key, role))
    for name in ("exec_ctx", "htf_ctx", "mtf_ctx"):
        out[name] = outcome(lambda name=name: (lambda c: None if c is None else (
            c.current_idx, c.ready, c.close, c.ts_close, c.get_indicator("rsi")))(getattr(v, name)))
    return out
