"""Moving the one reusable view and reading it retains no memory per bar."""

from __future__ import annotations

import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _view_data as vd  # noqa: E402


def test_move_and_read_retain_nothing(twin):
    cls = twin("view").CompatSnapshotView  # the view plus the reference's hard-coded accessors
    feeds = vd.make_feeds(n_exec=200, seed=3)
    rows = [(i, *vd.indices(feeds, i)) for i in range(len(feeds.exec_feed))]
    v = cls(feeds, 0, None, None, None, 1.0, "c")
    handles = [v.compile(p) for p in ("indicator.rsi.htf", "price.last.close", "structure.swing.high_level")]

    def run():
        for i, h, m, q in rows:
            v._move(i, h, m, q)
            for hd in handles:
                hd.get()
            v.get("indicator.ema_fast")
            v.get_feature("rsi", "htf", 1)
            v.close, v.htf_rsi, v.rollup_max_1m  # noqa: B018

    run()  # warm caches (parsed paths, per-feed tables)
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for _ in range(5):
            run()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(s.size_diff for s in after.compare_to(before, "filename") if s.size_diff > 0)
    assert grown < 4096, f"{grown} bytes retained after {5 * len(rows)} bars"
