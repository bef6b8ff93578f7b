"""The ``btcore`` command: ``run`` (a complete backtest with a report), ``preflight``, ``health``.

Exit codes: 0 success; 1 a check failed (``preflight``/``health`` found problems, or ``run`` was
stopped by a failing preflight); 2 a usage, configuration or data error (one line on stderr, no
traceback); 130 interrupted (one line, at any moment; a report being written is removed).

Only the standard library is imported at module level: ``btcore --help`` is instant, and an
interrupt during the heavy imports of a command is caught like any other.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NoReturn, Optional, Sequence

from .._version import __version__

__all__ = ["main", "build_parser", "FLAGS"]

#: RunConfig field -> the option that sets it (error messages name the option).
FLAGS = {
    "data_path": "--data", "symbol": "--symbol", "start": "--start", "end": "--end", "exec_tf": "--exec-tf",
    "mtf": "--mtf", "htf": "--htf", "strategy_file": "--strategy-file", "initial_equity": "--initial-equity",
    "size_fraction": "--size", "sizing": "--sizing", "min_qty": "--min-qty", "min_notional": "--min-notional",
    "qty_step": "--qty-step", "commission": "--commission", "slippage": "--slippage",
    "stop_loss_pct": "--stop-loss", "take_profit_pct": "--take-profit", "out": "--out", "plot": "--no-plot",
    "allow_preflight_failure": "--allow-preflight-failure",
}


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``btcore: error: ...``, exit 2) instead of usage + message."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"btcore: error: {message} (see '{self.prog} --help')\n")
        sys.exit(2)


def _add_data_window(p: argparse.ArgumentParser) -> None:
    p.add_argument("--symbol", metavar="NAME", help="symbol name used in the report (default BTCUSDT)")
    p.add_argument("--start", metavar="TIME", help="first exec bar open to trade, ISO-8601 UTC (e.g. 2020-03-01); "
                   "default: the first bar where every timeframe's indicators are ready")
    p.add_argument("--end", metavar="TIME", help="end of the traded range (exclusive), ISO-8601 UTC")


def _add_timeframes(p: argparse.ArgumentParser) -> None:
    p.add_argument("--exec-tf", dest="exec_tf", metavar="TF", help="execution timeframe (default 15m)")
    p.add_argument("--mtf", metavar="TF", help="middle timeframe (default 1h)")
    p.add_argument("--htf", metavar="TF", help="higher timeframe (default 4h)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``btcore`` command."""
    parser = _Parser(prog="btcore", description="Multi-timeframe backtests on 1-minute OHLCV data with the btcore "
                     "per-bar core.")
    parser.add_argument("--version", action="version", version=f"btcore {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{run,preflight,health}", parser_class=_Parser)

    run = sub.add_parser("run", help="run a backtest and write a report (no arguments: bundled sample)",
                         description="Run a backtest and write a report. Without arguments: a 15m/1h/4h "
                         "EMA-cross strategy on four weeks of bundled BTCUSDT 1m data.")
    run.add_argument("--config", "-c", metavar="FILE", help="TOML run configuration (see docs/CLI.md)")
    run.add_argument("--data", dest="data_path", metavar="FILE", help="1m OHLCV file, CSV or Parquet (default: the bundled sample)")
    _add_data_window(run)
    _add_timeframes(run)
    run.add_argument("--strategy-file", dest="strategy_file", metavar="FILE",
                     help="Python file defining a Strategy class or a strategy(view) function")
    run.add_argument("--initial-equity", dest="initial_equity", type=float, metavar="X", help="account size (10000)")
    run.add_argument("--size", dest="size_fraction", type=float, metavar="X", help="fraction of equity per entry, (0, 1] (1)")
    run.add_argument("--sizing", choices=("btcore", "fee_inclusive"),
                     help="btcore: notional = size x equity, commission on top (default); fee_inclusive: notional + "
                     "commission = size x equity (backtesting.py, vectorbt)")
    run.add_argument("--min-qty", dest="min_qty", type=float, metavar="X", help="smallest quantity an entry may have (0)")
    run.add_argument("--min-notional", dest="min_notional", type=float, metavar="X", help="smallest entry notional (0)")
    run.add_argument("--qty-step", dest="qty_step", type=float, metavar="X", help="quantities round down to a multiple (0: any)")
    run.add_argument("--commission", type=float, metavar="X", help="fraction of notional per side (0.001)")
    run.add_argument("--slippage", type=float, metavar="X", help="adverse fill fraction for market orders (0)")
    run.add_argument("--stop-loss", dest="stop_loss_pct", type=float, metavar="X", help="stop distance as a fraction (default off)")
    run.add_argument("--take-profit", dest="take_profit_pct", type=float, metavar="X", help="target distance as a fraction (default off)")
    run.add_argument("--out", "-o", metavar="DIR", help="report folder, must not exist yet unless --force "
                     "(default: a new ./btcore-report-<symbol>-<exec>-<UTC time>)")
    run.add_argument("--force", action="store_true", help="replace the --out folder if it exists")
    run.add_argument("--no-plot", dest="plot", action="store_const", const=False, help="skip the PNG chart")
    run.add_argument("--allow-preflight-failure", dest="allow_preflight_failure", action="store_const", const=True,
                     help="run even when the preflight gate fails (its errors stay in the report)")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no summary text")
    run.add_argument("--json", action="store_true", help="print the summary as JSON on stdout (nothing else)")
    run.add_argument("--debug", action="store_true", help="show full tracebacks")

    for name, helptext in (("preflight", "check that a data file can feed a run (coverage, gaps, 1m mapping)"),
                           ("health", "data health of a 1m file: coverage, gaps, OHLC sanity")):
        p = sub.add_parser(name, help=helptext, description=helptext)
        p.add_argument("data_path", metavar="data", help="1m OHLCV file, CSV or Parquet")
        _add_data_window(p)
        if name == "preflight":
            _add_timeframes(p)
            p.add_argument("--config", "-c", metavar="FILE", help="TOML run configuration: its timeframes and indicator warmups")
        p.add_argument("--json", action="store_true", help="print the result as JSON")
        p.add_argument("--debug", action="store_true", help="show full tracebacks")
    return parser


# --------------------------------------------------------------------------- commands


def _config_from_args(args: argparse.Namespace) -> Any:
    from ..backtest.config_file import build_config, load_toml

    doc: dict[str, Any] = {}
    base = Path.cwd()
    if getattr(args, "config", None):
        path = Path(args.config)
        doc = load_toml(path)
        base = path.resolve().parent
    overrides = {k: getattr(args, k, None) for k in FLAGS}
    for name in ("data_path", "strategy_file", "out"):
        value = overrides.get(name)
        if value is not None:
            overrides[name] = Path(value)
    return build_config(doc, base, overrides, FLAGS)


def _default_out(cfg: Any) -> Path:
    from ..report import safe_name

    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return Path.cwd() / f"btcore-report-{safe_name(cfg.symbol)}-{cfg.exec_tf}-{stamp}"


def cmd_run(args: argparse.Namespace) -> int:
    from ..backtest.engine import run_backtest
    from ..report import PLOT_INSTALL_HINT, check_destination, write_report
    from .console import print_summary
    from .progress import Progress

    cfg = _config_from_args(args)
    explicit = cfg.out is not None
    out = (cfg.out if explicit else _default_out(cfg)).absolute()
    if explicit:
        check_destination(out, force=args.force)  # before the run, not after it
    quiet = bool(args.quiet)
    log = None if (quiet or args.json) else (lambda msg: (sys.stderr.write(msg + "\n"), sys.stderr.flush()))
    progress = None if quiet else (lambda total: Progress(total))
    result = run_backtest(cfg, progress=progress, log=log)
    if log is not None:
        log(f"writing the report to {out} ...")
    files = write_report(result, out, plot=cfg.plot, force=args.force, unique=not explicit)
    summary_json = json.loads((files.out / "summary.json").read_text(encoding="utf-8"))
    if args.json:
        sys.stdout.write(json.dumps({**summary_json, "out": str(files.out), "files": files.files}, indent=2) + "\n")
    elif not quiet:
        note = None if files.chart else (PLOT_INSTALL_HINT if cfg.plot else "chart skipped (--no-plot)")
        print_summary(result, summary_json["run"], files.out, note, sys.stdout)
    if result.preflight_failed:
        sys.stderr.write(f"btcore: warning: preflight failed ({', '.join(result.preflight['error_codes'])}) "
                         "and was overridden with --allow-preflight-failure\n")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from ..backtest.engine import check_data
    from .console import format_check

    cfg = _config_from_args(args)
    result = check_data(args.command, cfg)
    if args.json:
        sys.stdout.write(json.dumps(result["report"], indent=2, default=str) + "\n")
    else:
        sys.stdout.write(format_check(args.command, cfg.data_path, result["report"]))
    return 0 if result["passed"] else 1


def _one_line(exc: BaseException) -> str:
    msg = " ".join(str(exc).split()) or type(exc).__name__
    code = getattr(exc, "error_code", None)
    return f"{msg} [{code}]" if code and code != "DATA_ERROR" else msg


def _dispatch(args: argparse.Namespace) -> int:
    from ..backtest.checks import CheckFailed
    from ..errors import BtcoreError

    try:
        return cmd_run(args) if args.command == "run" else cmd_check(args)
    except CheckFailed as exc:
        if getattr(args, "debug", False):
            raise
        sys.stderr.write(f"btcore: {_one_line(exc)} (run 'btcore preflight' for details, or pass "
                         "--allow-preflight-failure)\n")
        return 1
    except (BtcoreError, OSError) as exc:
        if getattr(args, "debug", False):
            raise
        sys.stderr.write(f"btcore: error: {_one_line(exc)}\n")
        return 2
    except Exception as exc:  # anything else is a bug or a failing user strategy: name the place
        if getattr(args, "debug", False):
            raise
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        where = f" (at {Path(frame.filename).name}:{frame.lineno})" if frame else ""
        sys.stderr.write(f"btcore: error: {type(exc).__name__}: {_one_line(exc)}{where}; "
                         "rerun with --debug for the traceback\n")
        return 2


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``btcore`` console command; returns the exit code."""
    previous = None
    try:
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    except ValueError:  # not the main thread: leave interrupts alone
        pass
    try:
        args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
        if args.command is None:
            build_parser().print_help(sys.stderr)
            return 2
        return _dispatch(args)
    except KeyboardInterrupt:
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not print a traceback
        except ValueError:
            pass
        sys.stderr.write("\nbtcore: interrupted\n")
        return 130
    finally:
        if previous is not None:
            try:
                signal.signal(signal.SIGINT, previous)
            except (ValueError, TypeError):
                pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
