"""Writing a backtest result: JSON/CSV files, the PNG chart, the HTML report, the interactive chart.

:func:`write_report` writes the report folder of a :class:`btcore.backtest.Result` (what
``result.save(folder)`` and ``btcore run`` do): ``summary.json``, ``trades.csv``,
``equity.csv``, ``state_tracker.json``, ``preflight.json``, ``health.json``,
``indicators.json``, ``config.json``, ``chart.png`` (with matplotlib) and ``report.html``.
:func:`heatmap` draws one statistic of a parameter sweep over two grid keys (bokeh).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from .chart import PLOT_INSTALL_HINT, render_chart
from .files import StagedFolder, check_destination, iso_utc, safe_name, write_csv, write_json
from .heatmap import heatmap
from .html import render_html
from .text import summary_lines

__all__ = [
    "PLOT_INSTALL_HINT", "ReportFiles", "write_report", "check_destination", "safe_name", "summary_lines",
    "write_json", "write_csv", "iso_utc", "heatmap",
]


@dataclass(frozen=True)
class ReportFiles:
    """Where a report went: its folder, its file names, and whether the PNG chart was drawn."""

    out: Path
    files: list[str]
    chart: bool


def _title(result: Any) -> str:
    head = dict(summary_lines(result.stats, ("total_return_pct", "max_drawdown_pct", "sharpe", "trades")))
    ctx = result.context
    return (f"{ctx.get('symbol', '')} {ctx.get('timeframes', '')}: return {head['Total return']}, "
            f"max drawdown {head['Max drawdown']}, Sharpe {head['Sharpe']}, {head['Trades']} trades")


def write_report(result: Any, out: Path, *, plot: bool = True, force: bool = False, unique: bool = False,
                 timings: Optional[dict[str, float]] = None) -> ReportFiles:
    """Write every report file of ``result`` into the folder ``out`` (through a temporary folder).

    Parameters
    ----------
    result : btcore.backtest.Result
    out : Path
        Destination folder; refused if it is a file, or a non-empty folder unless ``force``.
    plot : bool
        Draw ``chart.png`` (needs matplotlib; without it the HTML names the fix).
    unique : bool
        ``out`` is a base name: use the first free name among ``out``, ``out-2``, ...
    timings : dict, optional
        Extra timings (seconds) added to ``run.timings_s`` in ``summary.json``.
    """
    import time

    t0 = time.perf_counter()
    context = dict(result.context)
    context["timings_s"] = dict(context.get("timings_s", {}), **(timings or {}))
    with StagedFolder(Path(out), force=force, unique=unique) as stage:
        d = stage.path
        trades = result.trades.copy()
        for col in ("entry", "exit"):
            trades[f"{col}_time"] = iso_utc([int(r[f"{col}_ts_ms"]) for r in result.trade_records])
        write_csv(d / "trades.csv", trades)
        eq = result.equity.copy()
        eq["time"] = iso_utc(eq["ts_close_ms"].to_numpy())
        write_csv(d / "equity.csv", eq)
        write_json(d / "state_tracker.json", result.state_stats)
        write_json(d / "preflight.json", result.preflight)
        write_json(d / "health.json", result.health)
        write_json(d / "indicators.json", result.indicators)
        write_json(d / "config.json", result.spec.to_dict())
        chart = False
        png: Optional[bytes] = None
        if plot:
            chart = render_chart(d / "chart.png", result.equity, result.trade_records, _title(result),
                                 float(result.spec.initial_equity))
            if chart:
                png = (d / "chart.png").read_bytes()
        meta = [m for m in result.indicators if isinstance(m, dict)]
        (d / "report.html").write_text(render_html(result.stats, context, trades, png, result.state_stats, meta),
                                       encoding="utf-8")
        context["timings_s"]["report"] = round(time.perf_counter() - t0, 3)
        total = context["timings_s"].get("total")
        if isinstance(total, (int, float)):
            context["timings_s"]["total"] = round(total + context["timings_s"]["report"], 3)
        write_json(d / "summary.json", {"summary": result.summary(), "run": context})
        files = sorted(p.name for p in d.iterdir() if p.is_file())
        final = stage.commit()
    return ReportFiles(final, files, chart)
