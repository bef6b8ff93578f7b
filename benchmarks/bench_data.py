"""Timings of the data layer on the 2020 BTCUSDT 1m file: load, resample, health, preflight.

Usage::

    python benchmarks/bench_data.py [--data PATH] [--repeat N] [--out results/bench_data.json]

Prints a table and writes JSON (best of ``--repeat`` runs per step, in milliseconds). Exits with
status 2 if the data file is missing.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict

import numpy as np
import pandas as pd

try:
    import btcore  # noqa: F401  (installed, or the checkout is on sys.path)
except ImportError:  # run as a script from a source checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from btcore.data import DataHealthCheck, LocalFileLoader, PreflightPlan, load_ohlcv, resample_ohlcv, run_preflight_gate
from btcore.data.health import find_gaps_ms

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "btcusdt_1m_2020.parquet"
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "bench_data.json"


def best_ms(fn: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1000.0


def run(data: Path, repeat: int) -> Dict[str, Any]:
    results: Dict[str, float] = {}
    results["load_parquet"] = best_ms(lambda: load_ohlcv(data), repeat)
    df = load_ohlcv(data)
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "m1.csv"
        df.to_csv(csv_path, index=False)
        results["load_csv"] = best_ms(lambda: load_ohlcv(csv_path), max(1, repeat // 2))
        kline = Path(tmp) / "kline.csv"
        us = df["ts"].to_numpy() * 1000
        pd.DataFrame(
            {"a": us, "o": df.open, "h": df.high, "l": df.low, "c": df.close, "v": df.volume, "ct": us + 59_999_999,
             "qv": df.volume, "n": 1, "tb": 0.0, "tq": 0.0, "ig": 0}
        ).to_csv(kline, index=False, header=False)
        results["load_binance_kline_us_csv"] = best_ms(lambda: load_ohlcv(kline), max(1, repeat // 2))
    for tf in ("15m", "1h", "4h"):
        results[f"resample_{tf}"] = best_ms(lambda tf=tf: resample_ohlcv(df, tf), repeat)
    frames = {"1m": df, **{tf: resample_ohlcv(df, tf) for tf in ("15m", "1h", "4h")}}
    check = DataHealthCheck("2020-01-01", "2020-12-31T23:59", list(frames), "BTCUSDT", ["ohlcv"])
    results["health_1m_15m_1h_4h"] = best_ms(lambda: check.run_frames(frames), repeat)
    report = check.run_frames(frames)
    results["health_gaps_only_1m"] = best_ms(lambda: find_gaps_ms(df["ts"].to_numpy(), "1m", df.ts.iloc[0], df.ts.iloc[-1]), repeat)
    naive = list(pd.to_datetime(df["ts"], unit="ms").dt.to_pydatetime())
    rows_check = DataHealthCheck("2020-01-01", "2020-12-31T23:59", ["1m"], "BTCUSDT", ["ohlcv"])
    results["health_reference_datetime_list_1m"] = best_ms(lambda: rows_check.run({"ohlcv": {"1m": naive}}), 1)
    plan = PreflightPlan("bench", ("BTCUSDT",), {"exec": "15m", "mtf": "1h", "htf": "4h"}, {"exec": 200, "mtf": 100, "htf": 50})
    loader = LocalFileLoader(df)
    loader.frame("BTCUSDT", "15m"), loader.frame("BTCUSDT", "1h"), loader.frame("BTCUSDT", "4h")
    gate = lambda: run_preflight_gate(plan, loader, "2020-02-01", "2020-12-31T23:59")  # noqa: E731
    results["preflight_15m_1h_4h_cached_frames"] = best_ms(gate, repeat)
    results["preflight_15m_1h_4h_cold_from_file"] = best_ms(
        lambda: run_preflight_gate(plan, LocalFileLoader(data), "2020-02-01", "2020-12-31T23:59"), max(1, repeat // 2)
    )
    pf = gate()
    return {
        "data_file": data.name,
        "rows": int(len(df)),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "machine": platform.machine(),
        "timings_ms": {k: round(v, 3) for k, v in results.items()},
        "health": {"passed": report.passed, "total_missing_bars_by_tf": {
            tf: sum(g.missing_count for g in report.gaps if g.tf == tf) for tf in frames}},
        "preflight": {"status": pf.overall_status.value, "gaps_over_threshold": {
            k: r.gap_count for k, r in pf.tf_results.items()}},
    }


def main(argv: Any = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"data file not found: {args.data}", file=sys.stderr)
        return 2
    out = run(args.data, max(1, args.repeat))
    width = max(map(len, out["timings_ms"]))
    print(f"{out['data_file']}: {out['rows']} rows (python {out['python']}, pandas {out['pandas']})")
    for name, ms in out["timings_ms"].items():
        print(f"  {name:<{width}}  {ms:10.1f} ms")
    print(f"  health: {out['health']}")
    print(f"  preflight: {out['preflight']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
