"""Many threads reading one feed set, one view and one loop's feeds at once (child process).

The feed set declares more distinct paths than the bounded path cache holds, so threads keep
parsing and evicting entries of the one shared cache while others read through it; the very
first view of every thread races to build the feed set's tables. The switch interval is set to a
microsecond so threads interleave inside those sections. Every value read is checked against
the arrays; any exception, wrong value or crash fails.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

import numpy as np

from _adversarial import counted, impls, report
from btcore._shared.constants import PATH_CACHE_SIZE
from btcore.feed import FeedStore, MultiTFFeedStore

T0 = 1_577_836_800_000
N_IND = 160
THREADS = 8


def _feed(tf: str, n: int, step: int, seed: int) -> FeedStore:
    rng = np.random.default_rng(seed)
    close = 100 + rng.normal(size=n).cumsum()
    inds = {f"x{j}": close + j for j in range(N_IND)}
    ts = T0 + step * np.arange(n, dtype=np.int64)
    return FeedStore.from_arrays(tf, "X", ts, close, close + 1, close - 1, close, rng.uniform(1, 2, n), indicators=inds)


def _feeds() -> MultiTFFeedStore:
    return MultiTFFeedStore(_feed("5m", 120, 300_000, 0), _feed("1h", 10, 3_600_000, 1))


def _paths() -> list[tuple[str, int, int]]:
    """(path, role, row) for every indicator path: more of them than the cache holds."""
    out = []
    for j in range(N_IND):
        out += [(f"indicator.x{j}", 0, j), (f"indicator.x{j}.exec", 0, j), (f"indicator.x{j}.ltf", 0, j),
                (f"indicator.x{j}.htf", 2, j)]
    assert len(out) > PATH_CACHE_SIZE
    return out


def _want(feeds: Any, role: int, row: int, i: int) -> Any:
    if role == 0:
        return float(feeds.exec_feed.indicator_matrix[row, i])
    c = feeds.exec_feed.ts_close_ms[i]
    h = int(np.searchsorted(feeds.htf_feed.ts_close_ms, c, side="right")) - 1
    return None if h < 0 else float(feeds.htf_feed.indicator_matrix[row, h])


def _worker(mods: Any, feeds: Any, shared: list, paths: list, seed: int, start: threading.Barrier,
            errors: list, reads: list) -> None:
    rng = np.random.default_rng(seed)
    start.wait()
    n = 0
    try:
        for _ in range(40):
            for view_mod, loop_mod in mods:
                i = int(rng.integers(0, 120))
                h = int(np.searchsorted(feeds.htf_feed.ts_close_ms, feeds.exec_feed.ts_close_ms[i], side="right")) - 1
                v = view_mod.RuntimeSnapshotView(feeds, i, h, None, None, 1.0, "c")
                for k in rng.integers(0, len(paths), 12):
                    p, role, row = paths[k]
                    got, want = v.get(p), _want(feeds, role, row, i)
                    if got != want:
                        errors.append(f"view {p} at {i}: {got} != {want}")
                    n += 1
                sv, si = shared[mods.index((view_mod, loop_mod))]
                for k in rng.integers(0, len(paths), 12):  # one view read by every thread at once
                    p, role, row = paths[k]
                    if sv.get(p) != _want(feeds, role, row, si) or sv.compile(p).get() != _want(feeds, role, row, si):
                        errors.append(f"shared view {p}: wrong value")
                    ctx = sv.htf_ctx if role == 2 else sv.exec_ctx  # the view's lazily built contexts
                    if ctx.get_indicator(f"x{row}") != _want(feeds, role, row, si):
                        errors.append(f"shared context x{row}: wrong value")
                    n += 1
            if rng.random() < 0.1:  # a loop of this thread over the shared feeds
                for _, loop_mod in mods:
                    col = int(rng.integers(0, N_IND))
                    res = loop_mod.BarLoop(feeds).run(lambda view, c=col: 1 if view.get(f"indicator.x{c}.htf") else 0)
                    ready = np.searchsorted(feeds.htf_feed.ts_close_ms, feeds.exec_feed.ts_close_ms, side="right") > 0
                    if not np.array_equal(res.signals, ready.astype(np.int8)):
                        errors.append(f"loop over x{col}.htf: wrong signals")
                    n += 1
    except BaseException as exc:  # noqa: BLE001
        errors.append(f"{type(exc).__name__}: {exc}")
    reads.append(n)


def hammer(kind: str) -> None:
    mods = list(zip(impls(kind, "view"), impls(kind, "loop")))
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for rnd in range(3):
            feeds = _feeds()  # fresh: the threads race to build its tables
            paths = _paths()
            shared = [(vm.RuntimeSnapshotView(feeds, 60, 4, None, None, 1.0, "c"), 60) for vm, _ in mods]
            errors: list[str] = []
            reads: list[int] = []
            start = threading.Barrier(THREADS)
            threads = [threading.Thread(target=_worker, args=(mods, feeds, shared, paths, 100 * rnd + t, start, errors, reads))
                       for t in range(THREADS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert not errors, errors[:10]
            assert len(reads) == THREADS
            for _ in range(sum(reads)):
                counted()
    finally:
        sys.setswitchinterval(old)
    report()
