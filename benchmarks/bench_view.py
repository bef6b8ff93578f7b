"""The view's costs, compiled core vs pure twin, and the per-bar drop-in pattern vs the reference.

Feeds: the 2020 BTCUSDT 1m file (525,766 rows) resampled to 15m exec / 1h MTF / 4h HTF with
ema_fast, ema_slow, rsi, atr (the builder of ``bench_loop.py``), plus the 1m file as quote feed.

Measured:

1. ``FeedStore.from_dataframe`` on the raw 1m file (vectorised; median of several builds).
2. Per call (best of several ``timeit`` repeats, ns, timing-loop overhead included — see the
   ``baseline`` row): the accessors, ``get``, a compiled handle, ``_move`` and the constructor
   (of the reference-style class ``btcore.compat.snapshot_view.RuntimeSnapshotView``, which an
   engine swapped in with ``btcore.compat.install`` builds, and of the modern ``btcore.view`` one).
3. **The drop-in pattern**: what an engine written for the reference runtime does per exec bar —
   a new ``RuntimeSnapshotView(feeds=..., exec_idx=..., ..., rollups=<frozen bucket dict>,
   incremental_state=None)`` with keyword arguments, then six reads: ``close``,
   ``get_feature("ema_fast")``, ``get_feature("rsi", "htf")``, ``get("indicator.rsi.htf")``,
   ``get("indicator.mark_price")``, ``rollup_min_1m``. Timed over every exec bar of 2020 (best of
   ``--rounds``); construction alone and the bare loop over the per-bar arguments are timed the
   same way, so the table shows what construction costs and what the loop itself costs. Every
   round runs every implementation once (a change of machine load hits all alike).
4. **Quotes**: ``QuoteState(...)`` built with keywords from the 1m arrays and accumulated into an
   ``ExecRollupBucket``, as the reference engine does for every 1m bar (15 per 15m bar).

With ``--reference DIR`` (a folder holding the reference runtime's ``feed_store.py``,
``snapshot_view.py``, ``types.py``, ``quote_state.py``, ``rollup_bucket.py``; its ``__init__.py`` is
not executed) sections 3 and 4 also run the reference on the same data, built the way its
multi-timeframe engine builds feeds (a ``timestamp`` and a ``ts_close`` datetime64 column), and
print reference/compiled and reference/pure ratios. Without it they print why they are skipped.

Usage: ``python benchmarks/bench_view.py [--reference DIR] [--json PATH] [--data PATH] [--number N]
[--rounds R]``
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import statistics
import sys
import time
import timeit
import types
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "data" / "btcusdt_1m_2020.parquet"

try:  # an installed btcore wins; otherwise the checkout this script sits in (in-place build)
    import btcore  # noqa: F401
except ImportError:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from bench_loop import IND, build_feeds  # noqa: E402

from btcore import _twin  # noqa: E402
from btcore.align import align_feeds  # noqa: E402
from btcore.feed import FeedStore  # noqa: E402

CALLS = {
    "baseline (empty statement)": "pass",
    "view.close": "v.close",
    "view.ema_fast": "v.ema_fast",
    'view.get_feature("ema_fast")': 'v.get_feature("ema_fast")',
    'view.get_feature("rsi", "htf")': 'v.get_feature("rsi", "htf")',
    'view.get("indicator.rsi.htf")': 'v.get("indicator.rsi.htf")',
    'view.get("indicator.mark_price")': 'v.get("indicator.mark_price")',
    "handle.get()  # compile('indicator.rsi.htf')": "hget()",
    "view._move(i, h, m, q)": "move(i, h, m, q)",
    "RuntimeSnapshotView(feeds, i, h, m, ...)": "View(feeds, i, h, m, None, 1.0, 'close')",
    "  the same, modern class (btcore.view)": "Modern(feeds, i, h, m, None, 1.0, 'close')",
}
REF_PACKAGE = "_btcore_bench_reference"


# --------------------------------------------------------------------------- inputs


def build_time(path: Path, repeat: int = 7) -> dict:
    df = pd.read_parquet(path)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        feed = FeedStore.from_dataframe(df, "1m", "BTCUSDT")
        times.append(time.perf_counter() - t0)
    return {"rows": len(feed), "median_ms": statistics.median(times) * 1e3, "min_ms": min(times) * 1e3}


def load_reference(directory: Path) -> types.ModuleType:
    """The reference runtime folder as a package whose ``__init__`` is not run (it imports the
    whole trading project); its modules' relative imports resolve inside the folder."""
    for name in ("feed_store.py", "snapshot_view.py", "types.py", "quote_state.py", "rollup_bucket.py"):
        if not (directory / name).is_file():
            sys.exit(f"--reference {directory}: no {name} there (expected the reference runtime's folder)")
    pkg = types.ModuleType(REF_PACKAGE)
    pkg.__path__ = [str(directory)]
    sys.modules[REF_PACKAGE] = pkg
    return pkg


def per_bar_inputs(feeds: Any) -> dict:
    """Per exec bar: HTF/MTF indices, the mark (last 1m close at the exec close), rollup values."""
    al = align_feeds(feeds)
    q = feeds.quote_feed
    last = np.asarray(al.m1_last)
    mark = np.where(last >= 0, q.close[np.maximum(last, 0)], feeds.exec_feed.close)
    h = [None if x < 0 else int(x) for x in np.asarray(al.htf_idx)]
    m = [None if x < 0 else int(x) for x in np.asarray(al.mtf_idx)]
    return {"htf": h, "mtf": m, "mark": [float(x) for x in mark], "rollups": np.asarray(al.rollups)}


def frozen_dicts(bucket_cls: Any, rollups: np.ndarray) -> list:
    """One frozen bucket dict per exec bar, as the engine hands them to the view."""
    out = []
    for lo, hi, n, op, cl, vol in rollups.T.tolist():
        b = bucket_cls(lo, hi, int(n), op, cl, vol) if n > 0 else bucket_cls()
        out.append(b.freeze())
    return out


def reference_feeds(ref: types.ModuleType, data: Path) -> Any:
    from bench_loop import resample

    fs = importlib.import_module(f"{REF_PACKAGE}.feed_store")
    m1 = pd.read_parquet(data)
    feeds = {}
    for role, rule, tf, minutes in (("exec", "15min", "15m", 15), ("mtf", "1h", "1h", 60), ("htf", "4h", "4h", 240)):
        df = resample(m1, rule)
        df["timestamp"] = pd.to_datetime(df["ts"], unit="ms")
        df["ts_close"] = df["timestamp"] + pd.Timedelta(minutes=minutes)  # the multi-TF engine adds it
        feeds[role] = fs.FeedStore.from_dataframe(df, tf, "BTCUSDT", indicator_columns=list(IND))
    return fs.MultiTFFeedStore(exec_feed=feeds["exec"], htf_feed=feeds["htf"], mtf_feed=feeds["mtf"],
                               tf_mapping={"htf": "4h", "mtf": "1h", "ltf": "15m"})


# --------------------------------------------------------------------------- 2. per call


def per_call(mod: Any, feeds: Any, number: int) -> dict:
    ex = feeds.exec_feed
    i = len(ex) // 2
    close = int(ex.ts_close_ms[i])
    h = feeds.htf_feed.get_last_closed_idx_at_or_before(close)
    m = feeds.mtf_feed.get_last_closed_idx_at_or_before(close)
    q = feeds.quote_feed.get_last_closed_idx_at_or_before(close)
    v = mod.RuntimeSnapshotView(feeds, i, h, m, None, 1.0, "close")
    env = {"v": v, "hget": v.compile("indicator.rsi.htf").get, "move": v._move, "i": i, "h": h, "m": m, "q": q,
           "View": mod.RuntimeSnapshotView, "Modern": mod.modern, "feeds": feeds}
    out = {}
    for label, stmt in CALLS.items():
        timer = timeit.Timer(stmt, globals=env)
        n = number if "View(" not in stmt else max(1, number // 10)
        out[label] = min(timer.repeat(repeat=5, number=n)) / n * 1e9
    return out


# --------------------------------------------------------------------------- 3. drop-in pattern


def pattern_loops(view_cls: Any, feeds: Any, inputs: dict, dicts: list) -> dict[str, Any]:
    rows = list(zip(range(len(dicts)), inputs["htf"], inputs["mtf"], inputs["mark"], dicts))

    def pattern() -> None:
        View = view_cls
        for i, h, m, mark, roll in rows:
            v = View(feeds=feeds, exec_idx=i, htf_idx=h, mtf_idx=m, exchange=None, mark_price=mark,
                     mark_price_source="1m_close", history_config=None, history_ready=True, rollups=roll,
                     incremental_state=None)
            v.close
            v.get_feature("ema_fast")
            v.get_feature("rsi", "htf")
            v.get("indicator.rsi.htf")
            v.get("indicator.mark_price")
            v.rollup_min_1m

    def construction() -> None:
        View = view_cls
        for i, h, m, mark, roll in rows:
            View(feeds=feeds, exec_idx=i, htf_idx=h, mtf_idx=m, exchange=None, mark_price=mark,
                 mark_price_source="1m_close", history_config=None, history_ready=True, rollups=roll,
                 incremental_state=None)

    def bare_loop() -> None:
        for i, h, m, mark, roll in rows:
            pass

    return {"pattern": pattern, "construction": construction, "loop": bare_loop}


def time_loops(loops: dict, n_bars: int, rounds: int) -> dict:
    """Best time per bar (ns) of each loop; every round runs every loop once, in turn."""
    best = {k: float("inf") for k in loops}
    for _ in range(rounds):
        for name, fn in loops.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return {k: v / n_bars * 1e9 for k, v in best.items()}


def check_pattern_values(views: dict, feeds_by_impl: dict, inputs: dict, dicts_by_impl: dict) -> None:
    """The implementations read the same values (the reference's rollup defaults aside)."""
    for i in (len(inputs["mark"]) // 3, len(inputs["mark"]) // 2, len(inputs["mark"]) - 1):  # HTF ready
        got = {}
        for impl, view_cls in views.items():
            v = view_cls(feeds=feeds_by_impl[impl], exec_idx=i, htf_idx=inputs["htf"][i], mtf_idx=inputs["mtf"][i],
                         exchange=None, mark_price=inputs["mark"][i], mark_price_source="1m_close",
                         history_config=None, history_ready=True, rollups=dicts_by_impl[impl][i],
                         incremental_state=None)
            got[impl] = (v.close, v.get_feature("ema_fast"), v.get_feature("rsi", "htf"), v.get("indicator.rsi.htf"),
                         v.get("indicator.mark_price"))
        first = next(iter(got.values()))
        assert all(g == first for g in got.values()), (i, got)


# --------------------------------------------------------------------------- 4. quotes


def quote_rows(q: Any, n: int) -> list:
    ts = [int(x) + 60_000 for x in q.ts_open_ms[:n]]
    return list(zip(ts, q.close[:n].tolist(), q.open[:n].tolist(), q.high[:n].tolist(), q.low[:n].tolist(),
                    q.volume[:n].tolist()))


def quote_loops(quote_cls: Any, bucket_cls: Any, rows: list) -> dict[str, Any]:
    def build() -> None:
        Q = quote_cls
        for ts, c, o, h, lo, v in rows:
            Q(ts_ms=ts, last=c, open_1m=o, high_1m=h, low_1m=lo, mark=c, mark_source="approx_from_ohlcv_1m", volume_1m=v)

    def build_and_accumulate() -> None:
        Q, b = quote_cls, bucket_cls()
        acc = b.accumulate
        for ts, c, o, h, lo, v in rows:
            acc(Q(ts_ms=ts, last=c, open_1m=o, high_1m=h, low_1m=lo, mark=c, mark_source="approx_from_ohlcv_1m",
                  volume_1m=v))

    return {"quote": build, "quote+accumulate": build_and_accumulate}


# --------------------------------------------------------------------------- report


def ratio(a: Optional[float], b: float) -> str:
    return "-" if a is None else f"{a / b:9.1f}x"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", type=Path, help="folder with the reference runtime's files, to measure it too")
    ap.add_argument("--json", type=Path, help="write the results as JSON here")
    ap.add_argument("--data", type=Path, default=DATA, help="BTCUSDT 1m parquet file")
    ap.add_argument("--number", type=int, default=200_000, help="calls per timeit repeat")
    ap.add_argument("--rounds", type=int, default=5, help="rounds of the per-bar loops (best kept)")
    ap.add_argument("--quotes", type=int, default=100_000, help="1m rows for the quote section")
    args = ap.parse_args()
    if not args.data.exists():
        sys.exit(f"data file not found: {args.data}")

    build = build_time(args.data)
    feeds = build_feeds(args.data)
    # what an engine written for the reference builds (btcore.compat.snapshot_view.RuntimeSnapshotView:
    # the view plus the reference's hard-coded accessors), and the modern class it builds on
    views = {kind: types.SimpleNamespace(RuntimeSnapshotView=load(kind, "view").CompatSnapshotView,
                                         modern=load(kind, "view").RuntimeSnapshotView)
             for kind, load in (("compiled", lambda k, n: _twin.load_compiled(n)), ("pure", lambda k, n: _twin.load_pure(n)))}
    rollup = {"compiled": _twin.load_compiled("rollup"), "pure": _twin.load_pure("rollup")}
    calls = {kind: per_call(mod, feeds, args.number) for kind, mod in views.items()}

    print(f"FeedStore.from_dataframe, {build['rows']:,} rows: median {build['median_ms']:.1f} ms "
          f"(min {build['min_ms']:.1f} ms)\n")
    print(f"{'per call (ns)':48s} {'compiled':>10s} {'pure':>10s} {'pure/compiled':>14s}")
    for label in CALLS:
        c, p = calls["compiled"][label], calls["pure"][label]
        print(f"{label:48s} {c:10.1f} {p:10.1f} {p / c:13.1f}x")

    inputs = per_bar_inputs(feeds)
    n_bars = len(inputs["mark"])
    impl_views = {k: m.RuntimeSnapshotView for k, m in views.items()}
    impl_feeds = {k: feeds for k in views}
    impl_dicts = {k: frozen_dicts(rollup[k].ExecRollupBucket, inputs["rollups"]) for k in views}
    impl_quotes = {k: (rollup[k].QuoteState, rollup[k].ExecRollupBucket) for k in views}
    skip = None
    if args.reference:
        ref = load_reference(args.reference.resolve())
        sv = importlib.import_module(f"{ref.__name__}.snapshot_view")
        rb = importlib.import_module(f"{ref.__name__}.rollup_bucket")
        qs = importlib.import_module(f"{ref.__name__}.quote_state")
        impl_views["reference"] = sv.RuntimeSnapshotView
        impl_feeds["reference"] = reference_feeds(ref, args.data)
        impl_dicts["reference"] = frozen_dicts(rb.ExecRollupBucket, inputs["rollups"])
        impl_quotes["reference"] = (qs.QuoteState, rb.ExecRollupBucket)
        check_pattern_values(impl_views, impl_feeds, inputs, impl_dicts)
    else:
        skip = "reference not measured: pass --reference DIR (the reference runtime's folder)"

    # every round runs every implementation once, so a change of machine load hits all alike
    loops = {(k, name): fn for k in impl_views
             for name, fn in pattern_loops(impl_views[k], impl_feeds[k], inputs, impl_dicts[k]).items()}
    timed = time_loops(loops, n_bars, args.rounds)
    pattern = {k: {name: timed[(k, name)] for name in ("pattern", "construction", "loop")} for k in impl_views}
    rows = quote_rows(feeds.quote_feed, args.quotes)
    qloops = {(k, name): fn for k, (q, b) in impl_quotes.items() for name, fn in quote_loops(q, b, rows).items()}
    qtimed = time_loops(qloops, len(rows), max(1, args.rounds // 2))
    quotes = {k: {name: qtimed[(k, name)] for name in ("quote", "quote+accumulate")} for k in impl_quotes}

    ref_p = pattern.get("reference")
    print(f"\ndrop-in pattern over {n_bars:,} exec bars (ns per bar, best of {args.rounds} rounds)")
    print(f"{'':34s} {'reference':>10s} {'compiled':>10s} {'pure':>10s} {'ref/compiled':>13s} {'ref/pure':>10s}")
    for name, label in (("pattern", "new view (keywords) + six reads"), ("construction", "  of which: the constructor"),
                        ("loop", "  of which: the bare loop")):
        r = ref_p[name] if ref_p else None
        c, p = pattern["compiled"][name], pattern["pure"][name]
        print(f"{label:34s} {r if r is not None else float('nan'):10.0f} {c:10.0f} {p:10.0f} {ratio(r, c):>13s} "
              f"{ratio(r, p):>10s}")
    print(f"\nQuoteState from 1m arrays ({len(rows):,} quotes, ns per quote)")
    ref_q = quotes.get("reference")
    for name in ("quote", "quote+accumulate"):
        r = ref_q[name] if ref_q else None
        c, p = quotes["compiled"][name], quotes["pure"][name]
        print(f"{name:34s} {r if r is not None else float('nan'):10.0f} {c:10.0f} {p:10.0f} {ratio(r, c):>13s} "
              f"{ratio(r, p):>10s}")
    if skip:
        print(f"\n{skip}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "python": platform.python_version(), "machine": platform.machine(),
            "feedstore_build": build, "per_call_ns": calls, "exec_bars": n_bars,
            "quote_rows": len(feeds.quote_feed), "drop_in_pattern_ns_per_bar": pattern,
            "quote_ns_per_quote": quotes, "reference": skip or str(args.reference),
        }, indent=2))


if __name__ == "__main__":
    main()
