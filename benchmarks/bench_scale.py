"""Wall time and peak memory of the default backtest as the data grows: 1M, 5M and 10M 1m bars.

For each size a seeded synthetic 1m file (a random walk with a gap every ~10,000 bars, written to
Parquet in a temporary folder) goes through the default multi-timeframe run —
``Backtest(path).run()``: 15m / 1h / 4h feeds, EMA 20/50, RSI 14, ATR 14, the default rules,
health and preflight checks, the loop, the state tracker, the statistics — in a fresh Python
process, which reports its wall time and its peak resident memory (``VmHWM`` of
``/proc/self/status``, ``ru_maxrss`` elsewhere). Printed per size: seconds, seconds per million
bars (flat = linear time), peak RSS, peak RSS per 1m bar (target: <= 120 bytes at 10M bars; the
raw data is 48 bytes per bar), and the same above the interpreter's own memory after its
imports.

Usage: ``python benchmarks/bench_scale.py [--sizes 1e6,5e6,1e7] [--json PATH]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

_CHILD = r"""
import json, resource, sys, time

def peak_bytes():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024

from btcore.backtest import Backtest
import pandas, pyarrow.parquet  # the imports a run makes, so the baseline holds them
base = peak_bytes()
t = time.perf_counter()
result = Backtest(sys.argv[1]).run()
wall = time.perf_counter() - t
print(json.dumps({"wall_s": wall, "peak": peak_bytes(), "base": base, "trades": len(result.trades),
                  "exec_bars": int(result.stats["exec_bars"]), "compiled": bool(__import__("btcore").COMPILED)}))
"""


def write_bars(path: Path, n: int, seed: int = 13) -> None:
    """``n`` seeded 1m bars (a gap of 30 minutes every ~10,000 bars) as a Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    steps = np.ones(n, dtype=np.int64)
    steps[rng.integers(1, n, max(n // 10_000, 1))] = 31
    ts = 1_577_836_800_000 + np.cumsum(steps) * 60_000
    close = 7_000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.0008, n)))
    open_ = np.r_[close[0], close[:-1]]
    spread = close * rng.uniform(0.0001, 0.001, n)
    table = pa.table({"ts": ts, "open": open_, "high": np.maximum(open_, close) + spread,
                      "low": np.minimum(open_, close) - spread, "close": close,
                      "volume": rng.uniform(1.0, 50.0, n)})
    pq.write_table(table, path)


def main(argv: Any = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1e6,5e6,1e7", help="comma-separated numbers of 1m bars")
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args(argv)
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"bars_{n}.parquet"
            write_bars(path, n)
            out = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True,
                                 timeout=3600, cwd=tmp)
            if out.returncode != 0:
                print(f"{n:,} bars: the run failed:\n{out.stderr[-2000:]}")
                return 1
            r = json.loads(out.stdout.strip().splitlines()[-1])
            r["bars"] = n
            rows.append(r)
            path.unlink()
    print(f"\ndefault multi-timeframe run on seeded synthetic 1m bars (compiled core: {rows[0]['compiled']}); "
          "each size in a fresh process\n")
    print(f"{'1m bars':>12s} {'exec bars':>10s} {'trades':>7s} {'wall s':>8s} {'s / 1M bars':>12s} "
          f"{'peak RSS MB':>12s} {'B / bar':>8s} {'B / bar above imports':>22s}")
    for r in rows:
        n = r["bars"]
        print(f"{n:12,d} {r['exec_bars']:10,d} {r['trades']:7,d} {r['wall_s']:8.2f} {r['wall_s'] / n * 1e6:12.2f} "
              f"{r['peak'] / 2**20:12.0f} {r['peak'] / n:8.0f} {(r['peak'] - r['base']) / n:22.0f}")
    last = rows[-1]
    print(f"\npeak RSS per 1m bar at {last['bars']:,} bars: {last['peak'] / last['bars']:.0f} bytes (target <= 120); "
          f"time per 1M bars from the smallest to the largest size: "
          f"{rows[0]['wall_s'] / rows[0]['bars'] * 1e6:.2f} -> {last['wall_s'] / last['bars'] * 1e6:.2f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
