"""A whole backtest per exec bar: btcore's runners against the peers, side by side in one run.

The 2020 BTCUSDT 1m file goes through btcore's own pipeline (resampled to 15m exec / 1h MTF / 4h
HTF bars, EMA 20/50 on exec and MTF, RSI 14 on exec and HTF, the 1m alignment and rollups); every
variant trades the long-only EMA 20/50 cross (LONG when the fast EMA crosses above the slow one,
FLAT when it crosses below; fills at the next open; commission 0.001, 10,000 of equity):

  cython_signals_only        compiled BarLoop + a CythonStrategy, no exchange (the floor)
  cython_compiled_exchange   the same strategy + the compiled SimExchange (simulate: C calls)
  python_compiled_exchange   a Python callable (two path handles) + the compiled exchange
  bare_python_lists          a Python for loop over pre-extracted lists doing the same reads
  rules_full                 rules + compiled exchange, 3 timeframes, 1m rollups, SL/TP
                             (one C loop without the GIL)
  btcore_run_loop            rules + exchange + state tracker replay: what ``btcore run`` times
  pure_twins                 btcore_run_loop on the pure-Python twins
  vectorbt_warm              vectorbt ``Portfolio.from_signals`` on the same signals (its JIT
                             compile time, the first call minus a warm one, is printed apart)
  backtesting_py             backtesting.py 0.6.6 on the same 15m bars and signals

A peer that is not installed is skipped with the reason (``pip install 'btcore[bench]'``).
Rounds are interleaved (each round runs every variant once; sub-millisecond variants run 20
times per round) and each variant keeps its best, so machine load hits all alike.

Targets (issue 12): rules_full <= 0.1 us/bar, >= 10x vectorbt warm, >= 100x backtesting.py;
cython_compiled_exchange <= 3x cython_signals_only; python_compiled_exchange <= 2x
bare_python_lists.

Usage: ``python benchmarks/bench_backtest.py [--repeat N] [--data PATH] [--json PATH]``
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_loop import DATA, best_interleaved, build_helper  # noqa: E402

EMA_RULES = {"long_entry": "indicator.ema_fast crosses_above indicator.ema_slow",
             "long_exit": "indicator.ema_fast crosses_below indicator.ema_slow"}
FULL_RULES = {"long_entry": "indicator.ema_fast crosses_above indicator.ema_slow and indicator.rsi.htf < 80 "
                            "and indicator.ema_fast.mtf > indicator.ema_slow.mtf * 0.97 "
                            "and px.rollup.max_1m < price.mark.close * 1.05",
              "long_exit": "indicator.ema_fast crosses_below indicator.ema_slow or indicator.rsi > 85"}
INDICATORS = [{"name": "ema_fast", "type": "ema", "length": 20, "roles": ["exec", "mtf"]},
              {"name": "ema_slow", "type": "ema", "length": 50, "roles": ["exec", "mtf"]},
              {"name": "rsi", "type": "rsi", "length": 14, "roles": ["exec", "htf"]}]
COSTS = {"initial_equity": 10_000.0, "commission": 0.001}


def cross_codes(fast: np.ndarray, slow: np.ndarray) -> np.ndarray:
    """The strategy's signal per bar, vectorised (1 LONG, 2 FLAT, 0 none), for the peers."""
    pf, ps = np.r_[np.nan, fast[:-1]], np.r_[np.nan, slow[:-1]]
    ok = ~(np.isnan(fast) | np.isnan(slow) | np.isnan(pf) | np.isnan(ps))
    out = np.zeros(len(fast), dtype=np.int8)
    out[ok & (fast > slow) & (pf <= ps)] = 1
    out[ok & (fast < slow) & (pf >= ps)] = 2
    return out


def py_cross(view: Any) -> Callable[[Any], int]:
    """The Python strategy: a closure over two compiled path handles and the previous values."""
    fast, slow = view.compile("indicator.ema_fast").get, view.compile("indicator.ema_slow").get
    prev: list = [None, None]

    def strategy(_view: Any) -> int:
        f, s = fast(), slow()
        pf, ps = prev
        prev[0], prev[1] = f, s
        if f is None or s is None or pf is None or ps is None:
            return 0
        if f > s and pf <= ps:
            return 1
        if f < s and pf >= ps:
            return 2
        return 0

    return strategy


def bare_lists(fast_arr: np.ndarray, slow_arr: np.ndarray) -> tuple[np.ndarray, float]:
    """The same reads and decision over lists extracted before the timed loop."""
    fast = [None if math.isnan(x) else x for x in fast_arr.tolist()]
    slow = [None if math.isnan(x) else x for x in slow_arr.tolist()]
    out = bytearray(len(fast))
    t0 = time.perf_counter()
    pf = ps = None
    for i in range(len(fast)):
        f, s = fast[i], slow[i]
        code = 0
        if f is not None and s is not None and pf is not None and ps is not None:
            if f > s and pf <= ps:
                code = 1
            elif f < s and pf >= ps:
                code = 2
        pf, ps = f, s
        out[i] = code
    return np.frombuffer(bytes(out), dtype=np.int8), time.perf_counter() - t0


def main(argv: Any = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"data file not found: {args.data} (pass --data)", file=sys.stderr)
        return 2
    try:
        from btcore._core import exchange as cx, loop as cl, rules as cr, simloop as cs, tracker as ct
    except ImportError as exc:
        print(f"the compiled btcore core is not built ({exc}); build it first", file=sys.stderr)
        return 2
    from btcore._pure import exchange as px, loop as pl, rules as pr, simloop as ps, tracker as pt
    from btcore.backtest.engine import prepare_data
    from btcore.backtest.feeds import run_range
    from btcore.backtest.rules import compile_rules
    from btcore.backtest.settings import RunConfig

    t0 = time.perf_counter()
    cfg, _, feeds, _, _ = prepare_data(RunConfig(exec_tf="15m", mtf="1h", htf="4h", indicators=INDICATORS, **COSTS),
                                       str(args.data))
    rng = run_range(cfg, feeds)
    lo, hi, n = rng.lo, rng.hi, rng.hi - rng.lo
    ex_feed = feeds.exec_feed
    t_prep = time.perf_counter() - t0
    helper = build_helper("_bench_backtest")
    loops = {m: m.BarLoop(feeds, start=lo, end=hi, quote_feed=feeds.quote_feed) for m in (cl, pl)}
    fast, slow = ex_feed.indicators["ema_fast"][lo:hi], ex_feed.indicators["ema_slow"][lo:hi]

    def exchange(xm: Any, loop: Any, **kw: Any) -> Any:
        al = loop.alignment
        return xm.SimExchange(ex_feed, feeds.quote_feed, al.m1_start, al.m1_end, end=loop.end, **COSTS, **kw)

    def rules(rm: Any, rule_text: dict, x: Any) -> Any:
        p = compile_rules(rule_text)
        return rm.RuleStrategy(rm.RuleProgram(p.code, p.consts, len(p.paths), p.n_outputs), p.paths, x)

    def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
        t = time.perf_counter()
        out = fn()
        return out, time.perf_counter() - t

    def with_exchange(lm: Any, xm: Any, sm: Any, make: Callable[[Any, Any], Any], tracker: Any = None,
                      **kw: Any) -> Callable[[], tuple[Any, float]]:
        def go() -> tuple[Any, float]:
            loop = loops[lm]
            x = exchange(xm, loop, **kw)
            strategy = make(loop, x)

            def run() -> Any:
                res = sm.simulate(loop, strategy, x)
                x.finish()
                if tracker is not None:
                    tr = tracker.StateTracker(tracker.StateTrackerConfig(max_exposure_pct=math.inf))
                    sm.replay_tracker(tr, x, res.signals, lo, hi, loop.history_start)
                return res.signals[lo:hi], x.n_trades

            (sig, trades), t = timed(run)
            return (sig, trades), t

        return go

    def signals_only() -> tuple[Any, float]:
        res, t = timed(lambda: loops[cl].run(helper.EmaCross()))
        return (res.signals[lo:hi], 0), t

    variants: dict[str, Callable[[], tuple[Any, float]]] = {
        "cython_signals_only": signals_only,
        "cython_compiled_exchange": with_exchange(cl, cx, cs, lambda loop, x: helper.EmaCross()),
        "python_compiled_exchange": with_exchange(cl, cx, cs, lambda loop, x: py_cross(loop.view)),
        "bare_python_lists": lambda: ((lambda r: ((r[0], 0), r[1]))(bare_lists(fast, slow))),
        "rules_full": with_exchange(cl, cx, cs, lambda loop, x: rules(cr, FULL_RULES, x),
                                    stop_loss_pct=0.02, take_profit_pct=0.04),
        "btcore_run_loop": with_exchange(cl, cx, cs, lambda loop, x: rules(cr, EMA_RULES, x), tracker=ct),
        "pure_twins": with_exchange(pl, px, ps, lambda loop, x: rules(pr, EMA_RULES, x), tracker=pt),
    }
    skipped: dict[str, str] = {}
    codes = cross_codes(fast, slow)
    compile_s = None
    try:
        import pandas as pd
        import vectorbt as vbt

        close = pd.Series(ex_feed.close[lo:hi])
        opens = pd.Series(ex_feed.open[lo:hi])
        # btcore fills a signal at the next open: the peer gets the signal one bar later, at the open
        entries = pd.Series(np.r_[False, codes[:-1] == 1])
        exits = pd.Series(np.r_[False, codes[:-1] == 2])

        def vbt_run() -> tuple[Any, float]:
            pf, t = timed(lambda: vbt.Portfolio.from_signals(close, entries, exits, price=opens, fees=0.001,
                                                             init_cash=10_000.0, freq="15min"))
            return (None, int(pf.trades.count())), t

        _, first = vbt_run()
        _, warm = vbt_run()
        compile_s = first - warm
        variants["vectorbt_warm"] = vbt_run
    except ImportError as exc:
        skipped["vectorbt_warm"] = f"vectorbt is not installed ({exc.name}); pip install 'btcore[bench]'"
    try:
        import pandas as pd
        from backtesting import Backtest as BtBacktest
        from backtesting import Strategy as BtStrategy

        sl = slice(lo, hi)
        df15 = pd.DataFrame({"Open": ex_feed.open[sl], "High": ex_feed.high[sl], "Low": ex_feed.low[sl],
                             "Close": ex_feed.close[sl], "Volume": ex_feed.volume[sl]},
                            index=pd.to_datetime(ex_feed.ts_open_ms[sl], unit="ms"))
        sig_float = codes.astype(float)

        class Cross(BtStrategy):
            def init(self) -> None:
                self.sig = self.I(lambda: sig_float, name="signal")

            def next(self) -> None:
                s = self.sig[-1]
                if s == 1 and not self.position:
                    self.buy()
                elif s == 2 and self.position:
                    self.position.close()

        def bt_run() -> tuple[Any, float]:
            bt = BtBacktest(df15, Cross, cash=1_000_000, commission=0.001, exclusive_orders=True)
            stats, t = timed(bt.run)
            return (None, int(stats["# Trades"])), t

        variants["backtesting_py"] = bt_run
    except ImportError as exc:
        skipped["backtesting_py"] = f"backtesting.py is not installed ({exc.name}); pip install 'btcore[bench]'"

    once = ("pure_twins", "backtesting_py")
    inner = {"cython_signals_only": 20, "cython_compiled_exchange": 20, "rules_full": 20, "btcore_run_loop": 3}
    times, outs = best_interleaved(variants, args.repeat, once=once, inner=inner)

    # memory: what the exchange keeps per exec bar, and what the C loop allocates (tracemalloc)
    x = exchange(cx, loops[cl], stop_loss_pct=0.02, take_profit_pct=0.04)
    per_bar = (x.equity.nbytes + x.position.nbytes + x.events.nbytes) / len(ex_feed)
    strat = rules(cr, FULL_RULES, x)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    cs.simulate(loops[cl], strat, x)
    grown = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()

    us = {k: t / n * 1e6 for k, t in times.items()}
    ref = outs["cython_signals_only"][0]
    print(f"\n2020 BTCUSDT, {n:,} 15m exec bars traded ({len(ex_feed):,} built, {len(feeds.quote_feed):,} 1m rows); "
          f"data and indicators {t_prep:.1f} s; best of {args.repeat} interleaved rounds\n")
    # Rules decide by position (an exit only while long), so their signal arrays differ from the
    # strategy's where it is flat; their trades must not (rules_full trades other rules).
    print(f"{'runner':28s} {'us/exec bar':>12s} {'total ms':>10s} {'trades':>7s}  same signals")
    for name, u in us.items():
        sig, trades = outs[name]
        same = ("" if sig is None else "(other rules)" if name == "rules_full"
                else "(by position)" if name in ("btcore_run_loop", "pure_twins") else str(bool(np.array_equal(sig, ref))))
        print(f"{name:28s} {u:12.4f} {times[name] * 1e3:10.2f} {trades:7d}  {same}")
    for name, why in skipped.items():
        print(f"{name:28s} skipped: {why}")
    if compile_s is not None:
        print(f"vectorbt first call: +{compile_s:.2f} s of JIT compile (numba) over a warm call")
    ratios = {}
    if "vectorbt_warm" in us:
        ratios["vectorbt_warm / rules_full (>= 10)"] = us["vectorbt_warm"] / us["rules_full"]
    if "backtesting_py" in us:
        ratios["backtesting_py / rules_full (>= 100)"] = us["backtesting_py"] / us["rules_full"]
    ratios["cython_compiled_exchange / cython_signals_only (<= 3)"] = (us["cython_compiled_exchange"]
                                                                        / us["cython_signals_only"])
    ratios["python_compiled_exchange / bare_python_lists (<= 2)"] = (us["python_compiled_exchange"]
                                                                      / us["bare_python_lists"])
    ratios["pure_twins / btcore_run_loop"] = us["pure_twins"] / us["btcore_run_loop"]
    print(f"\nrules_full: {us['rules_full']:.4f} us/exec bar (target <= 0.1)")
    for k, v in ratios.items():
        print(f"{k:58s} {v:8.2f}")
    print(f"\nexchange records: {per_bar:.1f} bytes per exec bar (equity, position, events) + {x.n_trades} trades; "
          f"Python allocations during the rules_full loop: {grown:,} bytes ({len(ex_feed):,} of them the signals)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"exec_bars": n, "us_per_bar": us, "ratios": ratios, "skipped": skipped,
                                         "vectorbt_compile_s": compile_s, "exchange_bytes_per_bar": per_bar,
                                         "loop_python_alloc_bytes": grown}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
