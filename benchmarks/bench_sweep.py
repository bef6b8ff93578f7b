"""A 100-combination EMA(fast, slow) grid on the 2020 15m bars: btcore's sweep against vectorbt's.

btcore: ``Backtest(df, rules).optimize(grid)`` with the long-only EMA cross as rules
(``ema_fast crosses_above ema_slow`` / ``crosses_below``, commission 0.001, 10,000 equity),
fast in 5..50 step 5 and slow in 60..240 step 20, on the 15m / 1h / 4h feeds with the 1m bars
(the default multi-timeframe run). Everything after the first load of the 1m file is timed: the
resampling, the 20 distinct EMAs, the feeds, the preflight gates, 100 runs, the statistics and
the table. Serial on one core (the target: <= 0.5 s), then in 2 threads (the rules loop releases
the GIL), then with the default rules (3 timeframes, RSI on the HTF). The GIL-free part alone:
8 rules loops over the 1m bars (1m exec) in 2 threads against the same loops one after the other,
next to numpy sorts in 2 threads (they release the GIL too): what two threads can gain on this
machine at that moment.

vectorbt (optional, ``pip install 'btcore[bench]'``): the same grid vectorised, EMAs of every
window with ``vbt.MA.run(ewm=True)``, crossings, ``Portfolio.from_signals`` on all 100 columns
(orders at the next open as btcore fills them) and the Sharpe ratios; warm (best of the rounds
in this process) and its first sweep in a fresh process (numba compiles on first use), run as a
subprocess of this script.

Rounds are interleaved; each variant keeps its best. Usage:
``python benchmarks/bench_sweep.py [--repeat N] [--data PATH] [--json PATH]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_loop import DATA  # noqa: E402

FAST = list(range(5, 55, 5))
SLOW = list(range(60, 260, 20))
GRID = {"indicators.ema_fast.length": FAST, "indicators.ema_slow.length": SLOW}
RULES_TEXT = {"long_entry": "indicator.ema_fast crosses_above indicator.ema_slow",
         "long_exit": "indicator.ema_fast crosses_below indicator.ema_slow"}
INDICATORS = [{"name": "ema_fast", "type": "ema", "length": 20, "roles": ["exec"]},
              {"name": "ema_slow", "type": "ema", "length": 50, "roles": ["exec"]}]
COSTS = {"initial_equity": 10_000.0, "commission": 0.001}

_VBT_CHILD = """
import sys, time, json
import numpy as np, pandas as pd
t0 = time.perf_counter()
import vectorbt as vbt
t_import = time.perf_counter() - t0
sys.path.insert(0, {here!r})
from bench_sweep import vbt_sweep, load_15m
close, opens = load_15m({data!r})
t = time.perf_counter()
vbt_sweep(vbt, close, opens)
print(json.dumps({{"import_s": t_import, "first_sweep_s": time.perf_counter() - t}}))
"""


def load_15m(path: str) -> tuple[Any, Any]:
    """The 15m closes and opens of the 1m file, resampled by btcore (pandas Series)."""
    import pandas as pd

    from btcore.backtest._data import as_minute_frame
    from btcore.data.loaders import resample_ohlcv

    df = resample_ohlcv(as_minute_frame(path), "15m")
    return pd.Series(df["close"].to_numpy()), pd.Series(df["open"].to_numpy())


def vbt_sweep(vbt: Any, close: Any, opens: Any) -> Any:
    """vectorbt's vectorised sweep of the grid; returns the Sharpe ratio of each column."""
    import pandas as pd

    fast = vbt.MA.run(close, window=FAST, ewm=True).ma.to_numpy()
    slow = vbt.MA.run(close, window=SLOW, ewm=True).ma.to_numpy()
    f = np.repeat(fast, len(SLOW), axis=1)
    s = np.tile(slow, (1, len(FAST)))
    above = f > s
    prev = np.vstack([above[:1], above[:-1]])
    entries, exits = above & ~prev, ~above & prev
    # btcore fills a signal at the next open: vectorbt gets it one bar later, at that bar's open
    entries = np.vstack([np.zeros((1, f.shape[1]), bool), entries[:-1]])
    exits = np.vstack([np.zeros((1, f.shape[1]), bool), exits[:-1]])
    pf = vbt.Portfolio.from_signals(close, pd.DataFrame(entries), pd.DataFrame(exits), price=opens, fees=0.001,
                                    init_cash=10_000.0, freq="15min")
    return pf.sharpe_ratio()


def loops_only(df: Any, threads: Any) -> tuple[float, float, int]:
    """(serial s, 2-thread s, runs) of the rules loops alone: 8 runs of the grid on 1m exec bars
    (525,766 per run), each on its thread's own loop — the part of a run without the GIL."""
    from btcore.backtest import Backtest
    from btcore.backtest.engine import new_exchange
    from btcore.backtest.exchange import simulate_range
    from btcore.backtest.grid import expand_grid
    from btcore.backtest.sweep import prepare_sweep
    from btcore.backtest.sweep_run import RULES, _rules_strategy
    from btcore.loop import BarLoop

    bt = Backtest(df, RULES_TEXT, indicators=INDICATORS, exec_tf="1m", **COSTS)
    _, combos = expand_grid(bt.settings, {"indicators.ema_fast.length": FAST[:4], "indicators.ema_slow.length": SLOW[:2]})
    shared, plans = prepare_sweep([c.settings for c in combos], [{}] * len(combos), df, RULES)
    loops = [BarLoop(shared.feeds[0]) for _ in range(2)]
    ready = [[(new_exchange(p.settings, loop, p.hi), p) for p in plans[k::2]] for k, loop in enumerate(loops)]

    def run(k: int) -> None:
        for x, p in ready[k]:
            simulate_range(loops[k], _rules_strategy(p.settings, x), x, p.lo, p.hi)

    t = time.perf_counter()
    run(0)
    run(1)
    serial = time.perf_counter() - t
    ready = [[(new_exchange(p.settings, loop, p.hi), p) for p in plans[k::2]] for k, loop in enumerate(loops)]
    t = time.perf_counter()
    list(threads.map(run, range(2)))
    return serial, time.perf_counter() - t, len(plans)


def machine_threads(threads: Any) -> float:
    """Serial / 2-thread time of numpy sorts (they release the GIL): what 2 threads can gain on
    this machine right now (2.0 on two idle cores, 1.0 when other work holds one of them)."""
    arrays = [np.random.default_rng(k).random(2_000_000) for k in range(2)]

    def work(k: int) -> None:
        for _ in range(3):
            np.sort(arrays[k])

    t = time.perf_counter()
    work(0)
    work(1)
    serial = time.perf_counter() - t
    t = time.perf_counter()
    list(threads.map(work, range(2)))
    return serial / (time.perf_counter() - t)


def best_of(variants: dict[str, Callable[[], Any]], repeat: int) -> tuple[dict[str, float], dict[str, list[float]]]:
    best = {k: float("inf") for k in variants}
    all_t: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(repeat):
        for name, fn in variants.items():
            t = time.perf_counter()
            fn()
            dt = time.perf_counter() - t
            all_t[name].append(dt)
            best[name] = min(best[name], dt)
    return best, all_t


def main(argv: Any = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args(argv)
    if not args.data.exists():
        print(f"data file {args.data} not found; pass --data PATH (the 2020 BTCUSDT 1m parquet)")
        return 2

    import btcore
    from btcore.backtest import Backtest
    from btcore.backtest._data import as_minute_frame

    t0 = time.perf_counter()
    df = as_minute_frame(args.data)
    t_load = time.perf_counter() - t0
    ema_cross = Backtest(df, RULES_TEXT, indicators=INDICATORS, **COSTS)
    default = Backtest(df, **COSTS)
    t = time.perf_counter()
    table = ema_cross.optimize(GRID, maximize="sharpe")
    first = time.perf_counter() - t
    threads = ThreadPoolExecutor(2)
    variants: dict[str, Callable[[], Any]] = {
        "btcore_serial": lambda: ema_cross.optimize(GRID, maximize="sharpe"),
        "btcore_2_threads": lambda: ema_cross.optimize(GRID, maximize="sharpe", executor=threads),
        "btcore_default_rules_serial": lambda: default.optimize(GRID, maximize="sharpe"),
    }
    skipped: dict[str, str] = {}
    vbt_first: dict[str, float] = {}
    try:
        import vectorbt as vbt

        close, opens = load_15m(str(args.data))
        child = subprocess.run([sys.executable, "-c", _VBT_CHILD.format(here=str(HERE), data=str(args.data))],
                               capture_output=True, text=True, timeout=900)
        if child.returncode == 0:
            vbt_first = json.loads(child.stdout.strip().splitlines()[-1])
        else:
            skipped["vectorbt_first_sweep"] = f"the fresh process failed: {child.stderr.strip()[-300:]}"
        vbt_sweep(vbt, close, opens)  # compile here, so the rounds measure warm sweeps
        variants["vectorbt_warm"] = lambda: vbt_sweep(vbt, close, opens)
    except ImportError as exc:
        skipped["vectorbt"] = f"vectorbt is not installed ({exc.name}); pip install 'btcore[bench]'"

    best, rounds = best_of(variants, args.repeat)
    calibration = max(machine_threads(threads) for _ in range(args.repeat))
    loop_serial, loop_threads, loop_runs = min((loops_only(df, threads) for _ in range(args.repeat)),
                                               key=lambda r: r[1] / r[0])  # the best speed-up seen
    threads.shutdown()
    same_threads = ema_cross.optimize(GRID, maximize="sharpe", executor=ThreadPoolExecutor(2)).equals(table)

    n_exec = int(table["exec_bars"].max())
    print(f"\n2020 BTCUSDT: {len(df):,} 1m bars loaded in {t_load:.2f} s (not timed below); {len(table)} combinations, "
          f"up to {n_exec:,} 15m exec bars each; compiled core: {btcore.COMPILED}; best of {args.repeat} rounds\n")
    print(f"{'variant':30s} {'best s':>8s} {'median s':>9s}  per combination")
    for name in variants:
        med = float(np.median(rounds[name]))
        print(f"{name:30s} {best[name]:8.3f} {med:9.3f}  {best[name] / len(table) * 1e3:.2f} ms")
    print(f"{'btcore_serial, first call':30s} {first:8.3f}")
    if vbt_first:
        print(f"{'vectorbt_first_sweep (fresh)':30s} {vbt_first['first_sweep_s']:8.3f}           "
              f"(+ {vbt_first['import_s']:.2f} s to import vectorbt)")
    for name, why in skipped.items():
        print(f"{name:30s} skipped: {why}")
    ratios = {"btcore_serial (target <= 0.5 s)": best["btcore_serial"],
              "serial / 2 threads (speed-up)": best["btcore_serial"] / best["btcore_2_threads"],
              f"rules loops alone, serial / 2 threads ({loop_runs} runs of 1m bars)": loop_serial / loop_threads,
              "machine: numpy sorts, serial / 2 threads (2.0 if idle)": calibration}
    if "vectorbt_warm" in best:
        ratios["vectorbt_warm / btcore_serial (> 1)"] = best["vectorbt_warm"] / best["btcore_serial"]
    if vbt_first:
        ratios["vectorbt_first_sweep / btcore_serial (>= 10)"] = vbt_first["first_sweep_s"] / best["btcore_serial"]
    print()
    for k, v in ratios.items():
        print(f"{k:60s} {v:8.2f}")
    print(f"threads give the serial table bit for bit: {same_threads}")
    print(f"best combination: {table.iloc[0][list(GRID)].to_dict()}, sharpe {table.iloc[0]['sharpe']:.3f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"best_s": best, "first_call_s": first, "vectorbt_first": vbt_first,
                                         "ratios": ratios, "skipped": skipped}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
