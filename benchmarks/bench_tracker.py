"""StateTracker benchmark: per-bar hook cost (compiled vs pure) and flat memory over 5M bars.

Every bar calls ``on_bar_start``, ``on_warmup_check``, ``on_history_check``,
``on_position_check``, ``on_signal_evaluated`` and ``on_bar_end``; every 50 bars a long signal is
sized and submitted (filled on the next bar, position held for 17 bars) and a short one is sized,
submitted and filled on one bar. Drivers:

* ``compiled/python`` -- a Python loop calling the compiled tracker (what ``BarLoop`` does);
* ``compiled/C``      -- a Cython loop calling the ``cpdef`` hooks through ``tracker.pxd``
  (built on the fly from ``_bench_tracker_driver.pyx``; skipped if Cython cannot build it);
* ``pure/python``     -- a Python loop calling the pure twin (on fewer bars).

RSS is sampled at the start, middle and end of the 5M-bar compiled run (``max_history`` default
10000): it must stay flat. Usage:
``python benchmarks/bench_tracker.py [--bars N] [--pure-bars N] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Optional

HERE = Path(__file__).resolve().parent
PERIOD = 50

sys.path.insert(0, str(HERE))
from bench_loop import rss_mb  # noqa: E402  (one RSS probe for all benchmarks)



def drive_python(t: Any, start: int, n: int, period: int = PERIOD) -> None:
    """Same event pattern as ``_bench_tracker_driver.drive``, from Python."""
    bar_start, warmup, history = t.on_bar_start, t.on_warmup_check, t.on_history_check
    position, signal, bar_end = t.on_position_check, t.on_signal_evaluated, t.on_bar_end
    for i in range(start, start + n):
        k = i % period
        bar_start(i)
        warmup(True, 0)
        history(True, i)
        position(1 if 3 <= k < 20 else 0, 0.0)
        signal(1 if k == 2 else (-1 if k == 30 else 0))
        if k == 2 or k == 30:
            t.on_sizing_computed(100.0)
            t.on_order_submitted()
        if k == 3 or k == 30:
            t.on_order_filled()
        bar_end()


def build_c_driver() -> Optional[Callable[..., None]]:
    """Cythonize and import the C-call driver against the btcore being measured (None on failure)."""
    try:
        import btcore
        from Cython.Build import cythonize
        from setuptools import Distribution, Extension

        out = Path(tempfile.mkdtemp(prefix="btcore-bench-tracker-"))
        ext = Extension("_bench_tracker_driver", [str(HERE / "_bench_tracker_driver.pyx")],
                        extra_compile_args=["-O2"])
        pkg_parent = str(Path(btcore.__file__).resolve().parent.parent)
        dist = Distribution({"ext_modules": cythonize([ext], include_path=[pkg_parent], quiet=True,
                                                      build_dir=str(out),
                                                      compiler_directives={"language_level": 3})})
        cmd = dist.get_command_obj("build_ext")
        cmd.build_lib, cmd.build_temp = str(out), str(out / "tmp")
        cmd.ensure_finalized()
        cmd.run()
        sys.path.insert(0, str(out))
        import _bench_tracker_driver

        return _bench_tracker_driver.drive  # type: ignore[no-any-return]
    except Exception as exc:  # a missing compiler must not hide the other figures
        print(f"(C driver not built: {exc})", file=sys.stderr)
        return None


def timed(mod: Any, drive: Callable[..., None], n: int, samples: int = 0) -> dict[str, Any]:
    """Run ``n`` bars; sample RSS ``samples`` times along the way (start, ..., end)."""
    gc.collect()
    t = mod.StateTracker()
    rss = [rss_mb()]
    chunks = max(samples - 1, 1)
    step = n // chunks
    elapsed = 0.0
    done = 0
    for c in range(chunks):
        m = step if c < chunks - 1 else n - done
        t0 = time.perf_counter()
        drive(t, done, m, PERIOD)
        elapsed += time.perf_counter() - t0
        done += m
        if samples:
            rss.append(rss_mb())
    stats = t.summary_stats()
    assert stats["total_bars"] == n and len(t.block_history) == min(n, t.config.max_history)
    return {"bars": n, "seconds": elapsed, "ns_per_bar": 1e9 * elapsed / n,
            "rss_mb": rss if samples else None, "actions_filled": stats["actions_filled"],
            "signals_issued": stats["signals_issued"], "gates_blocked": stats["gates_blocked"]}


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bars", type=int, default=5_000_000, help="bars for the compiled runs")
    ap.add_argument("--pure-bars", type=int, default=200_000, help="bars for the pure run")
    ap.add_argument("--json", type=Path, help="write the results as JSON to this path")
    args = ap.parse_args(argv)

    from btcore._pure import tracker as pure
    try:
        from btcore._core import tracker as compiled
    except ImportError as exc:
        print(f"compiled btcore is not built ({exc}); build it first", file=sys.stderr)
        return 2

    results: dict[str, Any] = {"python": platform.python_version(), "machine": platform.machine(),
                               "period": PERIOD}
    results["compiled/python"] = timed(compiled, drive_python, args.bars, samples=3)
    c_drive = build_c_driver()
    if c_drive is not None:
        results["compiled/C"] = timed(compiled, c_drive, args.bars, samples=3)
    results["pure/python"] = timed(pure, drive_python, args.pure_bars)

    print(f"{'driver':<16}{'bars':>11}{'ns/bar':>10}{'seconds':>9}   RSS MB start/middle/end")
    for key in ("compiled/python", "compiled/C", "pure/python"):
        r = results.get(key)
        if r is None:
            continue
        rss = "/".join(f"{x:.1f}" for x in r["rss_mb"]) if r["rss_mb"] else "-"
        print(f"{key:<16}{r['bars']:>11,}{r['ns_per_bar']:>10.0f}{r['seconds']:>9.2f}   {rss}")
    ratio = results["pure/python"]["ns_per_bar"] / results["compiled/python"]["ns_per_bar"]
    results["pure_over_compiled_python"] = ratio
    print(f"pure / compiled (same Python driver): {ratio:.1f}x")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
