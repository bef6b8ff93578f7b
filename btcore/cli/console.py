"""What the command prints: the run summary and the text of ``btcore health`` / ``btcore preflight``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Optional, TextIO

from ..report.text import summary_lines

__all__ = ["print_summary", "format_check"]


def print_summary(result: Any, run: Mapping[str, Any], out: Path, note: Optional[str], stream: TextIO) -> None:
    """The summary of a finished run: what ran, on what, with which costs, sizing and risk, and how it did."""
    w = stream.write
    w(f"\nbtcore backtest  {run['symbol']}  {run['timeframes']}  ({run['data']})\n")
    w(f"  period        {run['period']}\n")
    if run.get("start_note"):
        w(f"  start         {run['start_note']}\n")
    strategy = str(run["strategy"])
    if strategy.startswith("rules: "):
        w("  strategy      rules\n")
        for rule in strategy[len("rules: "):].split("; "):
            w(f"    {rule}\n")
    else:
        w(f"  strategy      {strategy}\n")
    w(f"  indicators    {run['indicators']}\n")
    w(f"  costs         {run['costs']}\n")
    w(f"  sizing        {run['sizing']}\n")
    w(f"  risk          {run['risk']}\n")
    w(f"  settings id   {run['settings_id']}\n")
    for label, text in summary_lines(result.stats):
        w(f"  {label:<27} {text}\n")
    if result.stats.get("liquidated"):
        w("  LIQUIDATED    the account reached zero equity; later signals were rejected\n")
    t = run["timings_s"]
    w(f"  time          total {t.get('total', 0):.2f}s (load {t.get('load', 0):.2f}s, prepare {t.get('prepare', 0):.2f}s, "
      f"checks {t.get('checks', 0):.2f}s, loop {t.get('loop', 0):.2f}s, tracker and stats "
      f"{t.get('tracker_and_stats', 0):.2f}s, report {t.get('report', 0):.2f}s)\n")
    w(f"  preflight     {run['preflight_status']}   data health: {run['health_status']}\n")
    if note:
        w(f"  note          {note}\n")
    w(f"\nreport written to {out}\n  open {out / 'report.html'}\n")


def format_check(kind: str, path: Path, report: Mapping[str, Any]) -> str:
    """Console text of ``btcore health`` / ``btcore preflight``."""
    mark = "PASSED" if report["passed"] else "FAILED"
    lines = [f"{kind} of {path}: {mark}"]
    if kind == "health":
        lines.append(f"  window   {report['load_start']} .. {report['load_end']}")
        for name, cov in (report.get("coverage") or {}).items():
            lines.append(f"  coverage {name}: {cov.get('bar_count')} bars, {cov.get('earliest')} .. {cov.get('latest')}")
        gaps = report.get("gaps") or []
        lines.append(f"  gaps     {len(gaps)} ({report.get('total_missing_bars', 0)} missing bars)")
        for g in gaps[:10]:
            lines.append(f"           {g['start']} .. {g['end']}  {g['missing_count']} missing")
        if len(gaps) > 10:
            lines.append(f"           ... {len(gaps) - 10} more (use --json)")
        counts = report.get("sanity_issue_counts") or {}
        lines.append(f"  sanity   {', '.join(f'{k}: {v}' for k, v in counts.items()) or 'no issues'}")
    else:
        lines.extend("  " + line for line in report.get("summary_lines", []))
    if report.get("error_codes"):
        lines.append(f"  codes    {', '.join(report['error_codes'])}")
    return "\n".join(lines) + "\n"
