"""FeedStore build time and per-call cost of the view's accessors, compiled core vs pure twin.

Feeds: the 2020 BTCUSDT 1m file (525,766 rows) resampled to 15m exec / 1h MTF / 4h HTF with
ema_fast, ema_slow, rsi, atr (the builder of ``bench_loop.py``), plus the 1m file as quote feed.

Measured:

* ``FeedStore.from_dataframe`` on the raw 1m file (vectorised; median of several builds);
* the reference constructor ``RuntimeSnapshotView(feeds, i, h, m, ...)`` (what per-bar engines
  call) and the O(1) ``_move`` of one reusable view;
* ``view.close``, ``view.get_feature("ema_fast")``, ``view.get_feature("rsi", "htf")``,
  ``view.get("indicator.rsi.htf")`` and a compiled path handle ``handle.get()``.

Per-call figures are the best of several ``timeit`` repeats, in ns, and include the timing
loop's own overhead (the ``baseline`` row: an empty statement).

Usage: ``python benchmarks/bench_view.py [--json PATH] [--data PATH] [--number N]``
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
import timeit
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "data" / "btcusdt_1m_2020.parquet"

try:  # an installed btcore wins; otherwise the checkout this script sits in (in-place build)
    import btcore  # noqa: F401
except ImportError:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from bench_loop import build_feeds  # noqa: E402

from btcore import _twin  # noqa: E402
from btcore.feed import FeedStore  # noqa: E402

CALLS = {
    "baseline (empty statement)": "pass",
    "view.close": "v.close",
    "view.ema_fast": "v.ema_fast",
    'view.get_feature("ema_fast")': 'v.get_feature("ema_fast")',
    'view.get_feature("rsi", "htf")': 'v.get_feature("rsi", "htf")',
    'view.get("indicator.rsi.htf")': 'v.get("indicator.rsi.htf")',
    "handle.get()  # compile('indicator.rsi.htf')": "hget()",
    "view._move(i, h, m, q)": "move(i, h, m, q)",
    "RuntimeSnapshotView(feeds, i, h, m, ...)": "View(feeds, i, h, m, None, 1.0, 'close')",
}


def build_time(path: Path, repeat: int = 7) -> dict:
    df = pd.read_parquet(path)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        feed = FeedStore.from_dataframe(df, "1m", "BTCUSDT")
        times.append(time.perf_counter() - t0)
    return {"rows": len(feed), "median_ms": statistics.median(times) * 1e3, "min_ms": min(times) * 1e3}


def per_call(mod, feeds, number: int) -> dict:
    ex = feeds.exec_feed
    i = len(ex) // 2
    close = int(ex.ts_close_ms[i])
    h = feeds.htf_feed.get_last_closed_idx_at_or_before(close)
    m = feeds.mtf_feed.get_last_closed_idx_at_or_before(close)
    q = feeds.quote_feed.get_last_closed_idx_at_or_before(close)
    v = mod.RuntimeSnapshotView(feeds, i, h, m, None, 1.0, "close")
    env = {"v": v, "hget": v.compile("indicator.rsi.htf").get, "move": v._move, "i": i, "h": h, "m": m, "q": q,
           "View": mod.RuntimeSnapshotView, "feeds": feeds}
    out = {}
    for label, stmt in CALLS.items():
        timer = timeit.Timer(stmt, globals=env)
        n = number if "View(" not in stmt else max(1, number // 10)
        out[label] = min(timer.repeat(repeat=5, number=n)) / n * 1e9
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, help="write the results as JSON here")
    ap.add_argument("--data", type=Path, default=DATA, help="BTCUSDT 1m parquet file")
    ap.add_argument("--number", type=int, default=200_000, help="calls per timeit repeat")
    args = ap.parse_args()
    if not args.data.exists():
        sys.exit(f"data file not found: {args.data}")

    build = build_time(args.data)
    feeds = build_feeds(args.data)
    impls = {"compiled": _twin.load_compiled("view"), "pure": _twin.load_pure("view")}
    results = {kind: per_call(mod, feeds, args.number) for kind, mod in impls.items()}

    print(f"FeedStore.from_dataframe, {build['rows']:,} rows: median {build['median_ms']:.1f} ms "
          f"(min {build['min_ms']:.1f} ms)\n")
    print(f"{'per call (ns)':48s} {'compiled':>10s} {'pure':>10s} {'pure/compiled':>14s}")
    for label in CALLS:
        c, p = results["compiled"][label], results["pure"][label]
        print(f"{label:48s} {c:10.1f} {p:10.1f} {p / c:13.1f}x")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "python": platform.python_version(), "machine": platform.machine(),
            "feedstore_build": build, "per_call_ns": results,
            "exec_bars": len(feeds.exec_feed), "quote_rows": len(feeds.quote_feed),
        }, indent=2))


if __name__ == "__main__":
    main()
