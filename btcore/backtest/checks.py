"""Data health and the preflight gate of a run, through :mod:`btcore.data`.

Both return plain JSON-ready dicts with ``passed``, ``error_codes`` and ``message`` added on top of
the data layer's own ``to_dict()``, so the report, the console and Python callers read them the
same way.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from ..errors import BtcoreError
from ..timeframe import from_epoch_ms

__all__ = ["CheckFailed", "run_health", "run_preflight"]


class CheckFailed(BtcoreError):
    """The preflight gate of a run failed (and ``allow_preflight_failure`` is not set); ``codes``
    say why and ``report`` is the gate's report."""

    def __init__(self, message: str, codes: Sequence[str] = (), report: Any = None) -> None:
        super().__init__(message)
        self.codes = list(codes)
        self.report = report


def run_health(df1: pd.DataFrame, symbol: str, start_ms: int, end_ms: int) -> dict[str, Any]:
    """:class:`btcore.data.health.DataHealthCheck` of the 1m frame over ``[start_ms, end_ms]``."""
    from ..data.health import DataHealthCheck

    check = DataHealthCheck(start_ms, end_ms, ["1m"], symbol, ["ohlcv"])
    report = check.run_frames({"1m": df1})
    out = report.to_dict()
    codes = list(out.get("error_codes") or [])
    out["message"] = (
        "no issues" if report.passed else
        f"{report.total_missing_bars} missing 1m bars in {len(report.gaps)} gap(s); "
        f"sanity issues: {dict(report.sanity_issue_counts) or 'none'}; coverage issues: {len(report.coverage_issues)}"
    )
    out["error_codes"] = codes
    return out


def run_preflight(
    df1: pd.DataFrame,
    symbol: str,
    tf_mapping: Mapping[str, str],
    start_ms: int,
    end_ms: int,
    warmup_by_role: Mapping[str, int],
) -> dict[str, Any]:
    """:func:`btcore.data.preflight.run_preflight_gate` over the run window ``[start_ms, end_ms]``.

    The gate reads the already loaded 1m frame through a ``LocalFileLoader`` (resampled per
    timeframe exactly as the run's feeds are). ``warmup_by_role`` are the bars each role needs
    before the first traded bar; no safety buffer is added (the run computes its indicators on
    the whole file, so it knows exactly what it needs).
    """
    from ..data.preflight import LocalFileLoader, PreflightPlan, run_preflight_gate
    from ..data.windowing import NO_SAFETY

    plan = PreflightPlan("btcore-run", (symbol,), dict(tf_mapping), dict(warmup_by_role))
    report = run_preflight_gate(plan, LocalFileLoader(df1, symbol=symbol), from_epoch_ms(start_ms),
                                from_epoch_ms(end_ms), safety=NO_SAFETY)
    out = report.to_dict()
    codes = [report.error_code] if report.error_code else []
    for res in report.tf_results.values():
        codes.extend(c for c in res.error_codes if c not in codes)
    out["passed"] = bool(report.passed)
    out["error_codes"] = codes if not report.passed else []
    out["message"] = "all checks passed" if report.passed else _first_error(out)
    out["summary_lines"] = report.summary_lines()
    return out


def _first_error(d: Mapping[str, Any]) -> str:
    for key, res in (d.get("tf_results") or {}).items():
        errs = res.get("errors") or []
        if errs:
            return f"{key}: {errs[0]}"
    details = d.get("error_details") or {}
    return str(details.get("reason") or details or "see preflight.json")
