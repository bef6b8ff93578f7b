"""No look-ahead: nothing a view shows at exec bar i changes when data after its close changes."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _view_data as vd  # noqa: E402

from btcore.feed import FeedStore, MultiTFFeedStore, StructureStore  # noqa: E402

ARGS = [(k, r, off, lb, n) for k, r, off, lb, n in
        zip(vd.KEYS, vd.ROLES * 2, (0, 1, 2, 5, 40, 0, 3, 1, 0), (1, 2, 3, 7, 1, 4, 2, 1, 9), (1, 3, 10, 50, 2, 4, 6, 8, 1))]


def _rebuild(feed, keep, cutoff_ms, rng, truncate):
    """``feed`` with every bar closing after ``cutoff_ms`` replaced by noise (or dropped)."""
    future = feed.ts_close_ms > cutoff_ms

    def cols(a):
        a = np.array(a, dtype=np.float64)
        if not truncate:
            a[future] = rng.normal(size=int(future.sum())) * 1e6
        return a[keep]

    st = {k: StructureStore(k, {f: cols(a) for f, a in s.fields.items()},
                            {z: {f: cols(a) for f, a in zs.fields.items()} for z, zs in s.zones.items()})
          for k, s in feed.structures.items()}
    return FeedStore.from_arrays(feed.tf, feed.symbol, feed.ts_open_ms[keep], *(cols(getattr(feed, f)) for f in vd.OHLCV),
                                 indicators={n: cols(a) for n, a in feed.indicators.items()}, structures=st)


def perturbed(feeds, cutoff_ms, seed, truncate):
    rng = np.random.default_rng(seed)
    out = []
    for f in (feeds.exec_feed, feeds.htf_feed, feeds.mtf_feed, feeds.quote_feed):
        if f is None:
            out.append(None)
            continue
        keep = f.ts_close_ms <= cutoff_ms if truncate else np.ones(len(f), bool)
        if truncate and f is not feeds.exec_feed and not keep.any():
            keep[0] = True  # keep a non-empty (future) bar so the role still exists
        out.append(_rebuild(f, keep, cutoff_ms, rng, truncate))
    return MultiTFFeedStore(out[0], out[1], out[2], quote_feed=out[3])


@pytest.mark.parametrize("truncate", [False, True])
def test_future_changes_do_not_leak(twin, truncate):
    cls = twin("view").CompatSnapshotView  # every member of the view, the hard-coded accessors too
    feeds = vd.make_feeds(n_exec=36, seed=5, nan_frac=0.1)
    for i in (0, 5, 17, 35):
        c = int(feeds.exec_feed.ts_close_ms[i])
        other = perturbed(feeds, c, seed=i, truncate=truncate)
        seen = []
        for fs in (feeds, other):
            h, m, _ = vd.indices(fs, i)
            v = cls(fs, i, h, m, None, 1.0, "c", rollups={"px.rollup.bars_1m": 2, "px.rollup.max_1m": 3.0})
            seen.append(vd.observe(v, ARGS))
        assert seen[0] == seen[1]
