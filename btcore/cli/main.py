"""The ``btcore`` command: ``run`` (a complete backtest with a report), ``preflight``, ``health``.

Exit codes: 0 success; 1 a check failed (``preflight``/``health`` found problems, or ``run`` was
stopped by a failing preflight); 2 a usage, configuration or data error (one line on stderr, no
traceback); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Sequence

from .._version import __version__
from ..errors import BtcoreError, DataError

if TYPE_CHECKING:
    from .config import RunConfig

# The commands' modules (config, engine, report) import pandas; they are imported inside the
# functions that run a command, so `btcore --help` and `--version` return without loading it.

__all__ = ["main", "build_parser"]


def _add_data_window(p: argparse.ArgumentParser) -> None:
    p.add_argument("--symbol", metavar="NAME", help="symbol name used in the report (default BTCUSDT)")
    p.add_argument("--start", metavar="TIME", help="first exec bar open to trade, ISO-8601 UTC (e.g. 2020-03-01)")
    p.add_argument("--end", metavar="TIME", help="end of the traded range (exclusive), ISO-8601 UTC")


def _add_timeframes(p: argparse.ArgumentParser) -> None:
    p.add_argument("--exec-tf", dest="exec_tf", metavar="TF", help="execution timeframe (default 15m)")
    p.add_argument("--mtf", metavar="TF", help="middle timeframe (default 1h)")
    p.add_argument("--htf", metavar="TF", help="higher timeframe (default 4h)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``btcore`` command."""
    parser = argparse.ArgumentParser(
        prog="btcore",
        description="Multi-timeframe backtests on 1-minute OHLCV data with the btcore per-bar core.",
    )
    parser.add_argument("--version", action="version", version=f"btcore {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{run,preflight,health}")

    run = sub.add_parser("run", help="run a backtest and write a report (no arguments: bundled sample)",
                         description="Run a backtest and write a report. Without arguments: a 15m/1h/4h "
                         "EMA-cross strategy on four weeks of bundled BTCUSDT 1m data.")
    run.add_argument("--config", "-c", metavar="FILE", help="TOML run configuration (see docs/CLI.md)")
    run.add_argument("--data", metavar="FILE", help="1m OHLCV file, CSV or Parquet (default: the bundled sample)")
    _add_data_window(run)
    _add_timeframes(run)
    run.add_argument("--strategy-file", dest="strategy_file", metavar="FILE",
                     help="Python file defining a Strategy class or a strategy(view) function")
    run.add_argument("--initial-equity", dest="initial_equity", type=float, metavar="X", help="account size (10000)")
    run.add_argument("--size", dest="size_fraction", type=float, metavar="X", help="fraction of equity per entry, (0, 1]")
    run.add_argument("--commission", type=float, metavar="X", help="fraction of notional per side (0.001)")
    run.add_argument("--slippage", type=float, metavar="X", help="adverse fill fraction for market orders (0)")
    run.add_argument("--stop-loss", dest="stop_loss_pct", type=float, metavar="X", help="stop distance as a fraction (0.03; 0 = none)")
    run.add_argument("--take-profit", dest="take_profit_pct", type=float, metavar="X", help="target distance as a fraction (0.06; 0 = none)")
    run.add_argument("--out", "-o", metavar="DIR", help="report folder (default: ./btcore-report-<symbol>-<exec>-<time>)")
    run.add_argument("--no-plot", dest="plot", action="store_const", const=False, help="skip the PNG chart")
    run.add_argument("--allow-preflight-failure", dest="allow_preflight_failure", action="store_const", const=True,
                     help="run even when the preflight gate fails (its errors stay in the report)")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no summary text")
    run.add_argument("--json", action="store_true", help="print the summary as JSON on stdout (nothing else)")
    run.add_argument("--debug", action="store_true", help="show full tracebacks")

    for name, helptext in (("preflight", "check that a data file can feed a run (coverage, gaps, 1m mapping)"),
                           ("health", "data health of a 1m file: coverage, gaps, OHLC sanity")):
        p = sub.add_parser(name, help=helptext, description=helptext)
        p.add_argument("data", help="1m OHLCV file, CSV or Parquet")
        _add_data_window(p)
        if name == "preflight":
            _add_timeframes(p)
            p.add_argument("--config", "-c", metavar="FILE", help="TOML run configuration: its timeframes and indicator warmups")
        p.add_argument("--json", action="store_true", help="print the result as JSON")
        p.add_argument("--debug", action="store_true", help="show full tracebacks")
    return parser


# --------------------------------------------------------------------------- commands


def _config_from_args(args: argparse.Namespace) -> RunConfig:
    from .config import build_config, load_toml

    doc: dict[str, Any] = {}
    base = Path.cwd()
    if getattr(args, "config", None):
        path = Path(args.config)
        doc = load_toml(path)
        base = path.resolve().parent
    keys = ("data", "symbol", "start", "end", "exec_tf", "mtf", "htf", "strategy_file", "initial_equity",
            "size_fraction", "commission", "slippage", "stop_loss_pct", "take_profit_pct", "out", "plot",
            "allow_preflight_failure")
    overrides = {k: getattr(args, k, None) for k in keys}
    return build_config(doc, base, overrides)


def _default_out(cfg: RunConfig) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    out = Path.cwd() / f"btcore-report-{cfg.symbol}-{cfg.exec_tf}-{stamp}"
    k = 1
    while out.exists():
        k += 1
        out = Path.cwd() / f"btcore-report-{cfg.symbol}-{cfg.exec_tf}-{stamp}-{k}"
    return out


def _print_summary(result: dict[str, Any], stream: Any) -> None:
    from .report import PLOT_INSTALL_HINT, summary_lines

    s, ctx = result["summary"], result["run"]
    w = stream.write
    w(f"\nbtcore backtest  {ctx['symbol']}  {ctx['timeframes']}  ({ctx['data']})\n")
    w(f"  period        {ctx['period']}\n")
    strategy = ctx["strategy"]
    if strategy.startswith("rules: "):
        rules = strategy[len("rules: "):].split("; ")
        w("  strategy      rules\n")
        for rule in rules:
            w(f"    {rule}\n")
    else:
        w(f"  strategy      {strategy}\n")
    w(f"  indicators    {ctx['indicators']}\n")
    for label, text in summary_lines(s):
        w(f"  {label:<27} {text}\n")
    t = ctx["timings_s"]
    w(f"  time          total {t['total']:.2f}s (load {t['load']:.2f}s, prepare {t['prepare']:.2f}s, "
      f"checks {t['checks']:.2f}s, loop {t['loop']:.2f}s, report {t['report']:.2f}s)\n")
    w(f"  preflight     {ctx['preflight_status']}   data health: {ctx['health_status']}\n")
    if not result.get("chart"):
        w(f"  note          {PLOT_INSTALL_HINT if result.get('plot_requested') else 'chart skipped (--no-plot)'}\n")
    w(f"\nreport written to {result['out']}\n  open {Path(result['out']) / 'report.html'}\n")


def cmd_run(args: argparse.Namespace) -> int:
    from .engine import run_backtest

    cfg = _config_from_args(args)
    out = (cfg.out if cfg.out is not None else _default_out(cfg)).resolve()
    quiet = bool(args.quiet)
    result = run_backtest(cfg, out, progress=not quiet, log=None if (quiet or args.json) else sys.stderr)
    if args.json:
        sys.stdout.write(json.dumps({"summary": result["summary"], "run": result["run"], "out": str(out),
                                     "files": result["files"]}, indent=2, default=str) + "\n")
    elif not quiet:
        _print_summary(result, sys.stdout)
    if result.get("preflight_failed"):
        sys.stderr.write(f"btcore: warning: preflight failed ({', '.join(result['preflight_codes'])}) "
                         "and was overridden with --allow-preflight-failure\n")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .engine import check_data

    result = check_data(args.command, _config_from_args(args))
    if args.json:
        sys.stdout.write(json.dumps(result["report"], indent=2, default=str) + "\n")
    else:
        sys.stdout.write(result["text"])
    return 0 if result["passed"] else 1


def _one_line(exc: BaseException) -> str:
    msg = " ".join(str(exc).split()) or type(exc).__name__
    code = getattr(exc, "error_code", None)
    return f"{msg} [{code}]" if isinstance(exc, DataError) and code else msg


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``btcore`` console command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    from .engine import CheckFailed

    try:
        return cmd_run(args) if args.command == "run" else cmd_check(args)
    except CheckFailed as exc:
        sys.stderr.write(f"btcore: {exc}\n")
        return 1
    except (BtcoreError, FileNotFoundError, PermissionError) as exc:
        if getattr(args, "debug", False):
            raise
        sys.stderr.write(f"btcore: error: {_one_line(exc)}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("\nbtcore: interrupted\n")
        return 130
    except Exception as exc:  # anything else is a bug or a failing user strategy: name the place
        if getattr(args, "debug", False):
            raise
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        where = f" (at {Path(frame.filename).name}:{frame.lineno})" if frame else ""
        sys.stderr.write(f"btcore: error: {type(exc).__name__}: {_one_line(exc)}{where}; "
                         "rerun with --debug for the traceback\n")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
