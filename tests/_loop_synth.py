"""Seeded synthetic multi-timeframe data with gaps, shared by the align/rollup/loop tests.

Not a test module (no ``test_`` prefix); test files put this folder on ``sys.path`` to import it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from btcore.feed import FeedStore, MultiTFFeedStore

MIN = 60_000
T0 = 1_577_836_800_000  # 2020-01-01 00:00 UTC, a boundary of every timeframe used here
DATA_2020 = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "btcusdt_1m_2020.parquet"


def minute_rows(rng: np.random.Generator, n_minutes: int, gap_prob: float, nan_prob: float = 0.0) -> dict:
    """1m rows over ``n_minutes`` with a random subset missing (gaps), random walk prices."""
    keep = rng.random(n_minutes) >= gap_prob
    ts = T0 + np.flatnonzero(keep).astype(np.int64) * MIN
    n = ts.size
    close = 100.0 + np.cumsum(rng.normal(0, 1, n))
    open_ = close + rng.normal(0, 0.5, n)
    high = np.maximum(open_, close) + rng.random(n)
    low = np.minimum(open_, close) - rng.random(n)
    volume = rng.random(n) * 10.0 ** rng.integers(-3, 4, n)
    cols = {"open": open_, "high": high, "low": low, "close": close, "volume": volume}
    if nan_prob > 0:
        for a in cols.values():
            a[rng.random(n) < nan_prob] = np.nan
    return {"ts": ts, **cols}


def resample(rows: dict, minutes: int, drop_prob: float, rng: np.random.Generator) -> dict:
    """Bars of ``minutes`` built from the 1m rows present, then a random subset dropped."""
    ts = rows["ts"]
    if ts.size == 0:
        return {k: v[:0] for k, v in rows.items()}
    bucket = (ts - T0) // (minutes * MIN)
    starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
    ends = np.r_[starts[1:], ts.size]
    out = {
        "ts": T0 + bucket[starts] * minutes * MIN,
        "open": rows["open"][starts],
        "high": np.fmax.reduceat(rows["high"], starts),
        "low": np.fmin.reduceat(rows["low"], starts),
        "close": rows["close"][ends - 1],
        "volume": np.add.reduceat(rows["volume"], starts),
    }
    keep = rng.random(out["ts"].size) >= drop_prob
    return {k: v[keep] for k, v in out.items()}


def feed(tf: str, cols: dict) -> FeedStore:
    """A FeedStore of ``cols``; columns named ``ind*`` become indicators."""
    inds = {k: v for k, v in cols.items() if k.startswith("ind")} or None
    return FeedStore.from_arrays(
        tf, "TEST", cols["ts"], cols["open"], cols["high"], cols["low"], cols["close"], cols["volume"],
        indicators=inds,
    )


def make_feeds(
    seed: int,
    n_minutes: int = 600,
    gap_prob: float = 0.1,
    drop_prob: float = 0.1,
    exec_min: int = 5,
    mtf_min: Optional[int] = 15,
    htf_min: Optional[int] = 60,
    with_quote: bool = True,
    nan_prob: float = 0.0,
    trim: bool = True,
) -> tuple[MultiTFFeedStore, dict]:
    """Random feeds with gaps, dropped bars and (``trim``) different start times per feed.

    Returns the MultiTFFeedStore and the raw column dicts by role (for oracles and perturbations).
    """
    rng = np.random.default_rng(seed)
    m1 = minute_rows(rng, n_minutes, gap_prob, nan_prob)
    raw = {"exec": resample(m1, exec_min, drop_prob, rng)}
    if mtf_min:
        raw["mtf"] = resample(m1, mtf_min, drop_prob, rng)
    if htf_min:
        raw["htf"] = resample(m1, htf_min, drop_prob, rng)
    for role, cols in raw.items():
        for j in range(2):
            vals = rng.normal(0, 1, cols["ts"].size)
            vals[: 1 + j * 2] = np.nan  # indicator warmup
            cols[f"ind{j}"] = vals
    if with_quote:
        raw["quote"] = m1
    if trim:
        for role in list(raw):
            if role != "exec":
                cut = int(rng.integers(0, max(1, raw[role]["ts"].size // 4)))
                raw[role] = {k: v[cut:] for k, v in raw[role].items()}
    return build(raw, {"exec": exec_min, "mtf": mtf_min, "htf": htf_min, "quote": 1}), raw


def build(raw: dict, tf_min: dict) -> MultiTFFeedStore:
    """MultiTFFeedStore from raw column dicts by role; ``tf_min`` gives each role's minutes."""
    feeds = {role: feed(f"{tf_min[role]}m", cols) for role, cols in raw.items()}
    return MultiTFFeedStore(
        exec_feed=feeds["exec"],
        mtf_feed=feeds.get("mtf"),
        htf_feed=feeds.get("htf"),
        quote_feed=feeds.get("quote"),
    )


def future_perturbed(raw: dict, cutoff_ms: int, tf_min: dict, seed: int) -> dict:
    """Copy of ``raw`` where every value of every row closing after ``cutoff_ms`` is changed and
    about a third of those future rows (exec included) are deleted."""
    rng = np.random.default_rng(seed)
    out = {}
    for role, cols in raw.items():
        future = cols["ts"] + tf_min[role] * MIN > cutoff_ms
        new = {k: v.copy() for k, v in cols.items()}
        for k in new:
            if k == "ts":
                continue
            new[k][future] = rng.random(int(future.sum())) * 1e6 + 1.0
        keep = ~future | (rng.random(future.size) < 0.7)
        out[role] = {k: v[keep] for k, v in new.items()}
    return out
