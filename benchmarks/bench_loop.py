"""Per-bar cost of btcore's bar loop against the floors a strategy cannot beat.

The 2020 BTCUSDT 1m file is resampled (pandas) to 15m (exec), 1h (MTF) and 4h (HTF) with four
indicators per timeframe (ema_fast, ema_slow, rsi, atr). Every variant does the same per-bar work
— read exec EMA fast/slow, HTF RSI, MTF ATR, the close and the 1m rollup max; decide; record —
four ways in one process:

(a) btcore compiled, Python strategy        (c) bare Python loop over pre-extracted lists
(b) btcore pure twin, same Python strategy  (d) btcore compiled, Cython strategy
                                            (d0) plain typed-memoryview loop, same reads

Targets: (a) within 2x of (c); (d) within 2x of (d0); (a) at least 5x faster than (b).
``--memory`` runs a synthetic 4,000,000-bar exec feed and shows that the loop holds RSS flat
(resource/procfs) and allocates nothing per bar (tracemalloc).

Usage: ``python benchmarks/bench_loop.py [--json PATH] [--memory] [--repeat N] [--data PATH]``
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "data" / "btcusdt_1m_2020.parquet"
IND = ("ema_fast", "ema_slow", "rsi", "atr")

try:  # an installed btcore wins; otherwise the checkout this script sits in (in-place build)
    import btcore  # noqa: F401
except ImportError:
    sys.path.insert(0, str(ROOT))


# ---- data ----------------------------------------------------------------------------------------


def indicators(df: pd.DataFrame) -> pd.DataFrame:
    """ema_fast (12), ema_slow (26), Wilder rsi (14), Wilder atr (14); vectorised pandas."""
    close = df["close"]
    out = df.copy()
    out["ema_fast"] = close.ewm(span=12, adjust=False).mean()
    out["ema_slow"] = close.ewm(span=26, adjust=False).mean()
    delta = close.diff()
    gain = delta.clip(lower=0).ewm(alpha=1 / 14, adjust=False, min_periods=14).mean()
    loss = (-delta.clip(upper=0)).ewm(alpha=1 / 14, adjust=False, min_periods=14).mean()
    out["rsi"] = 100 - 100 / (1 + gain / loss)
    prev = close.shift()
    tr = pd.concat([df["high"] - df["low"], (df["high"] - prev).abs(), (df["low"] - prev).abs()], axis=1).max(axis=1)
    out["atr"] = tr.ewm(alpha=1 / 14, adjust=False, min_periods=14).mean()
    return out


def resample(m1: pd.DataFrame, rule: str) -> pd.DataFrame:
    """OHLCV bars of ``rule`` (only bins that contain 1m rows: real gaps stay gaps)."""
    idx = pd.to_datetime(m1["ts"], unit="ms")
    agg = m1.set_index(idx).resample(rule).agg(
        {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
    ).dropna(subset=["open"])
    agg["ts"] = (agg.index - pd.Timestamp(0)) // pd.Timedelta(milliseconds=1)
    return indicators(agg.reset_index(drop=True))


def build_feeds(path: Path) -> Any:
    from btcore.feed import FeedStore, MultiTFFeedStore

    m1 = pd.read_parquet(path)
    feeds = {
        role: FeedStore.from_dataframe(resample(m1, rule), tf, "BTCUSDT", indicator_columns=list(IND))
        for role, rule, tf in (("exec", "15min", "15m"), ("mtf", "1h", "1h"), ("htf", "4h", "4h"))
    }
    quote = FeedStore.from_dataframe(m1, "1m", "BTCUSDT")
    return MultiTFFeedStore(feeds["exec"], htf_feed=feeds["htf"], mtf_feed=feeds["mtf"], quote_feed=quote)


# ---- the per-bar work, Python side ---------------------------------------------------------------


def decide(ef, es, hrsi, atr, close, rmax) -> int:
    """EMA cross filtered by HTF RSI and MTF ATR (None anywhere → no signal)."""
    if ef is None or es is None or hrsi is None or atr is None or close is None or rmax is None:
        return 0
    if ef > es and hrsi < 70.0 and rmax - close < 2.0 * atr:
        return 1
    if ef < es and hrsi > 30.0:
        return -1
    return 0


def py_strategy(view: Any) -> Callable[[Any], int]:
    """Python strategy for ``view``: six compiled path handles read per bar, one decide() call.

    A closure over the bound ``get`` methods is the cheapest shape a Python strategy can take
    (no attribute lookups, a plain function call per bar).
    """
    h = view.compile
    ef, es = h("indicator.ema_fast").get, h("indicator.ema_slow").get
    rsi, atr = h("indicator.rsi.htf").get, h("indicator.atr.mtf").get
    close, rmax = h("price.mark.close").get, h("px.rollup.max_1m").get

    def strategy(_view: Any) -> int:
        return decide(ef(), es(), rsi(), atr(), close(), rmax())

    return strategy


def bare_python_loop(feeds: Any, al: Any) -> tuple[np.ndarray, float]:
    """(c): the same reads from lists pre-extracted (and pre-aligned) outside the timed loop."""

    def col(a: np.ndarray, idx: Optional[np.ndarray] = None) -> list:
        v = a if idx is None else np.where(idx >= 0, a[np.maximum(idx, 0)], np.nan)
        return [None if math.isnan(x) else x for x in v.tolist()]

    ex = feeds.exec_feed
    ef, es, close = col(ex.indicators["ema_fast"]), col(ex.indicators["ema_slow"]), col(ex.close)
    hrsi = col(feeds.htf_feed.indicators["rsi"], al.htf_idx)
    matr = col(feeds.mtf_feed.indicators["atr"], al.mtf_idx)
    rmax = col(al.rollups[1])
    n = len(close)
    signals = bytearray(n)
    t0 = time.perf_counter()
    for i in range(n):
        signals[i] = decide(ef[i], es[i], hrsi[i], matr[i], close[i], rmax[i]) & 0xFF
    elapsed = time.perf_counter() - t0
    return np.frombuffer(bytes(signals), dtype=np.int8), elapsed


# ---- the compiled helper -------------------------------------------------------------------------


def build_helper(name: str = "_bench_strategy") -> Any:
    """Cythonize and import benchmarks/<name>.pyx (against the btcore being measured)."""
    import importlib

    import btcore
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension

    pkg_parent = str(Path(btcore.__file__).resolve().parent.parent)
    out = Path(tempfile.mkdtemp(prefix="btcore-bench-"))
    ext = Extension(name, [str(HERE / f"{name}.pyx")], extra_compile_args=["-O2"])
    dist = Distribution({"ext_modules": cythonize([ext], include_path=[pkg_parent], quiet=True, build_dir=str(out))})
    cmd = dist.get_command_obj("build_ext")
    cmd.build_lib, cmd.build_temp = str(out), str(out / "tmp")
    cmd.ensure_finalized()
    cmd.run()
    sys.path.insert(0, str(out))
    return importlib.import_module(name)


# ---- timing --------------------------------------------------------------------------------------


def best_interleaved(variants: dict, repeat: int, once: tuple, inner: dict) -> tuple[dict, dict]:
    """Fastest of ``repeat`` rounds per variant; each round runs every variant once, so a change
    of machine load hits all of them alike. Variants named in ``once`` run in the first round only;
    a variant named in ``inner`` runs that many times back to back per round (for sub-millisecond
    runs, where one scheduler tick in a run otherwise decides the figure).
    Returns (best seconds, signals of the last run) by variant."""
    times: dict = {k: float("inf") for k in variants}
    signals: dict = {}
    for r in range(repeat):
        for name, fn in variants.items():
            if r and name in once:
                continue
            gc.collect()
            for _ in range(inner.get(name, 1)):
                signals[name], t = fn()
                times[name] = min(times[name], t)
    return times, signals


def run_speed(data: Path, repeat: int) -> dict:
    from btcore._core import loop as cloop
    from btcore._pure import loop as ploop

    t0 = time.perf_counter()
    feeds = build_feeds(data)
    t_feeds = time.perf_counter() - t0
    t0 = time.perf_counter()
    compiled_loop = cloop.BarLoop(feeds)
    t_align = time.perf_counter() - t0
    pure_loop = ploop.BarLoop(feeds)
    al = compiled_loop.alignment
    helper = build_helper()
    n = al.n_exec

    def via(loop: Any, strategy: Any) -> Callable[[], tuple[np.ndarray, float]]:
        def go():
            r = loop.run(strategy)
            if r.evaluated != n:  # ns/bar divides by n: every variant must decide every bar
                raise RuntimeError(f"the loop evaluated {r.evaluated} of {n} bars")
            return r.signals, r.elapsed_s
        return go

    def typed():
        out = np.zeros(n, dtype=np.int8)
        ex = feeds.exec_feed
        args = (ex.indicators["ema_fast"], ex.indicators["ema_slow"], feeds.htf_feed.indicators["rsi"],
                feeds.mtf_feed.indicators["atr"], ex.close, al.rollups, al.htf_idx, al.mtf_idx, out)
        t = time.perf_counter()
        helper.typed_loop(*args)
        return out, time.perf_counter() - t

    variants = {
        "a_compiled_python_strategy": via(compiled_loop, py_strategy(compiled_loop.view)),
        "b_pure_python_strategy": via(pure_loop, py_strategy(pure_loop.view)),
        "c_bare_python_lists": lambda: bare_python_loop(feeds, al),
        "d_compiled_cython_strategy": via(compiled_loop, helper.CrossStrategy()),
        "d0_typed_memoryview_loop": typed,
    }
    # (d) and (d0) take well under a millisecond per run: 20 runs per round each, alike.
    fast = {"d_compiled_cython_strategy": 20, "d0_typed_memoryview_loop": 20}
    times, signals = best_interleaved(variants, repeat, once=("b_pure_python_strategy",), inner=fast)
    results = {name: {"seconds": t, "ns_per_bar": t / n * 1e9} for name, t in times.items()}
    ref = signals["d0_typed_memoryview_loop"]
    agree = {k: bool(np.array_equal(v, ref)) for k, v in signals.items()}
    ns = {k: v["ns_per_bar"] for k, v in results.items()}
    ratios = {
        "a_over_c": ns["a_compiled_python_strategy"] / ns["c_bare_python_lists"],
        "d_over_d0": ns["d_compiled_cython_strategy"] / ns["d0_typed_memoryview_loop"],
        "b_over_a": ns["b_pure_python_strategy"] / ns["a_compiled_python_strategy"],
    }
    targets = {"a_over_c <= 2": ratios["a_over_c"] <= 2, "d_over_d0 <= 2": ratios["d_over_d0"] <= 2,
               "b_over_a >= 5": ratios["b_over_a"] >= 5}
    return {"exec_bars": n, "quote_rows": len(feeds.quote_feed), "signals_nonzero": int(np.count_nonzero(ref)),
            "build_feeds_s": t_feeds, "align_and_view_s": t_align, "variants": results,
            "signals_agree": agree, "ratios": ratios, "targets_met": targets}


# ---- memory --------------------------------------------------------------------------------------


def rss_mb() -> float:
    """Current resident set size (procfs where available, else the peak from resource)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        scale = 2**20 if sys.platform == "darwin" else 2**10
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def run_memory(n_bars: int = 4_000_000) -> dict:
    from btcore._core import loop as cloop
    from btcore.feed import FeedStore, MultiTFFeedStore

    rng = np.random.default_rng(0)
    ts = 1_577_836_800_000 + np.arange(n_bars, dtype=np.int64) * 60_000
    close = 100 + np.cumsum(rng.normal(0, 0.1, n_bars))
    inds = {"ema_fast": close + rng.normal(0, 0.05, n_bars), "ema_slow": close.copy()}
    feed = FeedStore.from_arrays("1m", "SYN", ts, close, close + 0.1, close - 0.1, close, np.ones(n_bars), indicators=inds)
    feeds = MultiTFFeedStore(feed)
    loop = cloop.BarLoop(feeds)

    class Tiny:
        def prepare(self, view):
            self.ef, self.es = view.compile("indicator.ema_fast").get, view.compile("indicator.ema_slow").get

        def __call__(self, view):
            return 1 if self.ef() > self.es() else -1

    out = {"exec_bars": n_bars, "signals_array_mb": n_bars / 2**20}
    strategy = Tiny()
    loop.run(strategy)  # warm up: path caches, first-touch of the arrays
    gc.collect()
    rss0 = rss_mb()
    r = loop.run(strategy)
    rss1 = rss_mb()
    out["python_strategy"] = {"ns_per_bar": r.elapsed_s / n_bars * 1e9, "rss_before_mb": rss0, "rss_after_mb": rss1,
                              "rss_growth_mb": rss1 - rss0}
    # tracemalloc: sample the traced size at bar k and bar 4k inside the run (after warm-up).
    marks = {}
    probe_at = {n_bars // 8: "early", n_bars // 2: "late"}

    def snapshot(view, i, h, m):
        if i in probe_at:
            marks[probe_at[i]] = tracemalloc.get_traced_memory()[0]

    del r
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    r = loop.run(strategy, on_snapshot=snapshot)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    out["tracemalloc"] = {
        "bars_between_probes": n_bars // 2 - n_bars // 8,
        "growth_between_probes_bytes": marks["late"] - marks["early"],
        "peak_above_start_mb": (peak - base) / 2**20,
    }
    return out


# ---- main ----------------------------------------------------------------------------------------


def print_speed(res: dict) -> None:
    print(f"\nexec bars: {res['exec_bars']:,} (15m), 1m rows: {res['quote_rows']:,}; feeds {res['build_feeds_s']:.2f} s, "
          f"alignment + view {res['align_and_view_s'] * 1e3:.1f} ms")
    print(f"{'variant':32} {'ns/bar':>10} {'total s':>9}  same signals")
    for name, v in res["variants"].items():
        print(f"{name:32} {v['ns_per_bar']:10.1f} {v['seconds']:9.4f}  {res['signals_agree'][name]}")
    r = res["ratios"]
    print(f"\n(a)/(c) = {r['a_over_c']:.2f}  (target <= 2)   (d)/(d0) = {r['d_over_d0']:.2f}  (target <= 2)   "
          f"(b)/(a) = {r['b_over_a']:.1f}  (target >= 5)")


def main(argv: Optional[list] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", type=Path, help="write the results as JSON to this path")
    ap.add_argument("--memory", action="store_true", help="also run the 4M-bar memory check")
    ap.add_argument("--repeat", type=int, default=5, help="interleaved rounds (best per variant is kept; the pure twin runs in round 1 only)")
    ap.add_argument("--data", type=Path, default=DATA, help="1m parquet file (columns ts, open, high, low, close, volume)")
    args = ap.parse_args(argv)

    from btcore import _twin

    try:
        _twin.load_compiled("loop")
    except ImportError as exc:
        print(f"the compiled btcore core is not built ({exc}); build it first", file=sys.stderr)
        return 2
    res: dict = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count()}
    if not args.data.exists():
        print(f"data file {args.data} not found; pass --data", file=sys.stderr)
        return 2
    res["speed"] = run_speed(args.data, args.repeat)
    print_speed(res["speed"])
    if args.memory:
        m = run_memory()
        res["memory"] = m
        p, t = m["python_strategy"], m["tracemalloc"]
        print(f"\nmemory, {m['exec_bars']:,} synthetic exec bars (signals array {m['signals_array_mb']:.1f} MB):")
        print(f"  RSS before run {p['rss_before_mb']:.1f} MB, after {p['rss_after_mb']:.1f} MB "
              f"(growth {p['rss_growth_mb']:+.1f} MB); {p['ns_per_bar']:.0f} ns/bar")
        print(f"  tracemalloc: {t['growth_between_probes_bytes']:+d} bytes over {t['bars_between_probes']:,} bars; "
              f"peak above start {t['peak_above_start_mb']:.2f} MB")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(res, indent=2))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
