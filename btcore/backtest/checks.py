"""Data health and the preflight gate of a run, through :mod:`btcore.data`.

Both return plain JSON-ready dicts with ``passed``, ``error_codes`` and ``message`` added on top of
the data layer's own ``to_dict()``, so the report, the console and Python callers read them the
same way.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import BtcoreError
from ..timeframe import from_epoch_ms

__all__ = ["CheckFailed", "FeedTimes", "run_health", "run_preflight"]


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


class FeedTimes:
    """The preflight gate's data loader over feeds already built from the 1m frame.

    The gate checks bar open times only, so it is served the feeds' own (sorted, checked)
    ``ts_open_ms`` arrays: nothing is loaded, resampled or sorted again. Calling it returns the
    bars of ``tf`` opening in ``[floor_tf(start), end]`` as a view with ``ts_open_ms``.
    """

    def __init__(self, feeds: Any) -> None:
        by_tf = [feeds.quote_feed, feeds.exec_feed, feeds.mtf_feed, feeds.htf_feed]
        self._times = {f.tf: f.ts_open_ms for f in by_tf if f is not None}

    def __call__(self, symbol: str, tf: str, start: Any, end: Any) -> "_Times":
        from ..timeframe import floor_to_tf_open, normalize_tf, to_epoch_ms

        tf = normalize_tf(tf)
        ts = self._times.get(tf)
        if ts is None:
            raise BtcoreError(f"no {tf} feed to check (feeds: {', '.join(self._times)})")
        lo = 0 if start is None else int(np.searchsorted(ts, to_epoch_ms(floor_to_tf_open(start, tf)), "left"))
        hi = len(ts) if end is None else int(np.searchsorted(ts, to_epoch_ms(end), "right"))
        return _Times(ts[lo:hi])


class _Times:
    __slots__ = ("ts_open_ms",)

    def __init__(self, ts: Any) -> None:
        self.ts_open_ms = ts

    def __len__(self) -> int:
        return len(self.ts_open_ms)


def run_preflight(
    df1: pd.DataFrame,
    symbol: str,
    tf_mapping: Mapping[str, str],
    start_ms: int,
    end_ms: int,
    warmup_by_role: Mapping[str, int],
    feeds: Any = None,
) -> dict[str, Any]:
    """:func:`btcore.data.preflight.run_preflight_gate` over the run window ``[start_ms, end_ms]``.

    With ``feeds`` (built from ``df1`` by :func:`btcore.backtest.feeds.build_feeds`) the gate
    reads their open times (:class:`FeedTimes`); without, it reads the 1m frame through a
    ``LocalFileLoader`` (resampled per timeframe exactly as the run's feeds are).
    ``warmup_by_role`` are the bars each role needs before the first traded bar; no safety
    buffer is added (the run computes its indicators on the whole file, so it knows exactly
    what it needs).
    """
    from ..data.preflight import LocalFileLoader, PreflightPlan, run_preflight_gate
    from ..data.windowing import NO_SAFETY

    plan = PreflightPlan("btcore-run", (symbol,), dict(tf_mapping), dict(warmup_by_role))
    loader = FeedTimes(feeds) if feeds is not None else LocalFileLoader(df1, symbol=symbol)
    report = run_preflight_gate(plan, loader, from_epoch_ms(start_ms), from_epoch_ms(end_ms), safety=NO_SAFETY)
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
