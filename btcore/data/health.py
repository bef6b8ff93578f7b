"""Data health: coverage, gaps and OHLC sanity over a load window, vectorised.

Window semantics (inclusive, the same in preflight): a window ``[load_start, load_end]`` needs
every bar of the timeframe grid whose interval ``[open, open + tf)`` touches it, i.e. the bars
opening from ``floor(load_start)`` to ``floor(load_end)`` inclusive, where ``floor`` is
:func:`btcore.timeframe.floor_to_tf_open`. Coverage holds when the data's first bar opens at or
before ``floor(load_start)`` and its last at or after ``floor(load_end)``. A :class:`GapRange`'s
``end`` is exclusive: the open of the next bar present (or the close of the last required bar),
so ``missing_count == (end - start) // tf`` always.

Inputs may be the reference's lists of datetimes and lists of row dicts, or arrays, Series and
DataFrames (``ts`` int ms or a datetime column); naive datetimes mean UTC and naive/aware mixes
never raise. Listed sanity issues are capped per type (``max_issues_per_type``) while
:attr:`DataHealthReport.sanity_issue_counts` counts them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from ..errors import DataError
from ..timeframe import from_epoch_ms, normalize_tf, tf_ms, tf_origin_ms
from ._timestamps import TIME_COLUMNS, require_ms, sorted_unique, to_ms_array

__all__ = [
    "FUNDING_INTERVAL_TOLERANCE",
    "SANITY_ISSUE_TYPES",
    "GapRange",
    "CoverageInfo",
    "SanityIssue",
    "DataHealthReport",
    "DataHealthCheck",
    "find_gaps_ms",
]

FUNDING_INTERVAL_TOLERANCE = timedelta(hours=8)
#: Every ``SanityIssue.issue_type`` the check produces (the first four are the reference's).
SANITY_ISSUE_TYPES = (
    "nan_value", "high_lt_low", "ohlc_range", "negative_volume", "non_positive_price",
    "duplicate_timestamp",
)
_PRICE_FIELDS = ("open", "high", "low", "close")


def _iso(ms: Optional[int]) -> Optional[str]:
    return None if ms is None else from_epoch_ms(ms).isoformat()


def _dt(ms: Optional[int]) -> Optional[datetime]:
    return None if ms is None else from_epoch_ms(ms)


# --------------------------------------------------------------------------- result types


@dataclass
class GapRange:
    """Missing bars ``[start, end)`` of ``tf`` (aware UTC datetimes; ``end`` exclusive)."""

    start: datetime
    end: datetime
    tf: str
    series: str
    missing_count: int

    @property
    def start_ts_ms(self) -> int:
        return require_ms(self.start)

    @property
    def end_ts_ms(self) -> int:
        return require_ms(self.end)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "start": self.start.isoformat(), "end": self.end.isoformat(), "tf": self.tf,
            "series": self.series, "missing_count": self.missing_count,
            "start_ts_ms": self.start_ts_ms, "end_ts_ms": self.end_ts_ms,
        }


@dataclass
class CoverageInfo:
    """First/last bar of one ``series/tf`` and whether they cover the window."""

    series: str
    tf: str
    earliest: Optional[datetime]
    latest: Optional[datetime]
    bar_count: int
    covers_start: bool
    covers_end: bool

    def to_dict(self) -> Dict[str, Any]:
        return {
            "series": self.series, "tf": self.tf,
            "earliest": self.earliest.isoformat() if self.earliest else None,
            "latest": self.latest.isoformat() if self.latest else None,
            "bar_count": self.bar_count, "covers_start": self.covers_start,
            "covers_end": self.covers_end,
        }


@dataclass
class SanityIssue:
    """One bad bar: ``issue_type`` is one of :data:`SANITY_ISSUE_TYPES`."""

    timestamp: datetime
    series: str
    tf: str
    issue_type: str
    detail: str

    def to_dict(self) -> Dict[str, Any]:
        return {
            "timestamp": self.timestamp.isoformat(), "series": self.series, "tf": self.tf,
            "issue_type": self.issue_type, "detail": self.detail,
        }


@dataclass
class DataHealthReport:
    """Outcome of :meth:`DataHealthCheck.run` (reference fields plus counts and error codes)."""

    load_start: datetime
    load_end: datetime
    required_tfs: List[str]
    required_series: List[str]
    symbol: str
    passed: bool = False
    coverage: Dict[str, CoverageInfo] = field(default_factory=dict)
    coverage_issues: List[str] = field(default_factory=list)
    gaps: List[GapRange] = field(default_factory=list)
    total_missing_bars: int = 0
    sanity_issues: List[SanityIssue] = field(default_factory=list)
    heal_required: bool = False
    heal_ranges: List[GapRange] = field(default_factory=list)
    sanity_issue_counts: Dict[str, int] = field(default_factory=dict)
    error_codes: List[str] = field(default_factory=list)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "load_start": self.load_start.isoformat(),
            "load_end": self.load_end.isoformat(),
            "required_tfs": list(self.required_tfs),
            "required_series": list(self.required_series),
            "symbol": self.symbol,
            "passed": self.passed,
            "coverage": {k: v.to_dict() for k, v in self.coverage.items()},
            "coverage_issues": list(self.coverage_issues),
            "gaps": [g.to_dict() for g in self.gaps],
            "total_missing_bars": self.total_missing_bars,
            "sanity_issues": [s.to_dict() for s in self.sanity_issues],
            "heal_required": self.heal_required,
            "heal_ranges": [g.to_dict() for g in self.heal_ranges],
            "sanity_issue_counts": dict(self.sanity_issue_counts),
            "error_codes": list(self.error_codes),
        }


# --------------------------------------------------------------------------- vectorised kernels


def find_gaps_ms(ts: np.ndarray, tf: str, start_ms: int, end_ms: int) -> List[Tuple[int, int, int]]:
    """Missing ``tf`` bars of the inclusive window as ``(start_ms, end_ms_exclusive, count)``.

    ``ts`` is any int64 ms array of bar opens (unsorted or duplicated is fine). Bars that are
    misaligned by less than one ``tf`` are not reported as gaps (a ``tf``-sized hole is).
    """
    step, origin = tf_ms(tf), tf_origin_ms(tf)
    g0 = origin + ((start_ms - origin) // step) * step
    g1 = origin + ((end_ms - origin) // step) * step
    ts = np.asarray(ts, dtype=np.int64)
    if ts.size < 2 or bool((ts[1:] > ts[:-1]).all()):
        # Strictly increasing (a feed's times): the window is a slice, not a filtered copy.
        t = ts[np.searchsorted(ts, g0, "left"):np.searchsorted(ts, g1, "right")]
    else:
        t = np.unique(ts[(ts >= g0) & (ts <= g1)])
    if t.size == 0:
        return [(g0, g1 + step, (g1 + step - g0) // step)]
    gaps = []
    head = (int(t[0]) - g0) // step
    if head > 0:
        gaps.append((g0, g0 + head * step, head))
    # Between two bars t[i] < t[i+1]: (d - step) // step bars missing, some when d >= 2 steps.
    d = np.diff(t)
    for i in np.flatnonzero(d >= 2 * step):
        lo, missing = int(t[i]) + step, (int(d[i]) - step) // step
        gaps.append((lo, lo + missing * step, missing))
    tail = (g1 - int(t[-1])) // step
    if tail > 0:
        lo = int(t[-1]) + step
        gaps.append((lo, lo + tail * step, tail))
    return gaps


def _column(rows: Any, name: str, n: int) -> np.ndarray:
    if name not in rows:
        return np.full(n, np.nan)
    col = rows[name]
    if isinstance(col, pd.Series) and col.dtype.kind not in "iuf":
        col = pd.to_numeric(col.astype(object), errors="coerce")
    try:
        return np.asarray(col, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        out: np.ndarray = pd.to_numeric(pd.Series(list(col), dtype=object), errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        return out


def _rows_to_columns(data_rows: Any) -> Tuple[np.ndarray, Dict[str, np.ndarray]]:
    """Accept a DataFrame, a mapping of columns, or a list of row dicts (reference format)."""
    if data_rows is None:
        return np.empty(0, np.int64), {}
    if isinstance(data_rows, pd.DataFrame):
        tcol = next((c for c in TIME_COLUMNS if c in data_rows.columns), None)
        if tcol is None:
            raise DataError(
                f"Sanity rows need a time column, one of {list(TIME_COLUMNS)}; found "
                f"{list(map(str, data_rows.columns))}",
                "MISSING_COLUMNS",
            )
        ts = to_ms_array(data_rows[tcol], name="sanity timestamps")
        n = len(data_rows)
        return ts, {c: _column(data_rows, c, n) for c in (*_PRICE_FIELDS, "volume")}
    if isinstance(data_rows, Mapping):
        return _rows_to_columns(pd.DataFrame(dict(data_rows)))
    rows = [r for r in data_rows if isinstance(r, Mapping) and r.get("timestamp") is not None]
    if not rows:
        return np.empty(0, np.int64), {}
    frame = pd.DataFrame.from_records(rows)
    return _rows_to_columns(frame)


def _sanity_masks(cols: Dict[str, np.ndarray]) -> Dict[str, Any]:
    o, h, lo, c, v = (cols[k] for k in (*_PRICE_FIELDS, "volume"))
    nan = {k: ~np.isfinite(cols[k]) for k in (*_PRICE_FIELDS, "volume")}
    any_price_nan = nan["open"] | nan["high"] | nan["low"] | nan["close"]
    ok = ~any_price_nan  # a NaN/inf price skips the range checks of its row
    with np.errstate(invalid="ignore"):
        return {
            "nan": nan,
            "high_lt_low": ok & (h < lo),
            # four comparisons instead of max/min arrays: booleans only (1 byte a row, not 8)
            "ohlc_range": ok & ((h < o) | (h < c) | (lo > o) | (lo > c)),
            "non_positive_price": ok & ((o <= 0) | (h <= 0) | (lo <= 0) | (c <= 0)),
            "negative_volume": ~nan["volume"] & (v < 0),
        }


def _scan(data_rows: Any) -> Tuple[np.ndarray, Dict[str, np.ndarray], Dict[str, np.ndarray], Dict[str, int]]:
    """Timestamps, columns, per-issue row masks and per-type counts of sanity rows."""
    ts, cols = _rows_to_columns(data_rows)
    if ts.size == 0:
        return ts, cols, {}, {}
    m = _sanity_masks(cols)
    masks: Dict[str, np.ndarray] = {f"nan_value:{k}": v for k, v in m.pop("nan").items()}
    masks.update(m)
    dup = np.zeros(ts.size, dtype=bool)
    first = np.arange(ts.size) if sorted_unique(ts) is ts else np.unique(ts, return_index=True)[1]
    if first.size != ts.size:
        dup[:] = True
        dup[first] = False  # report the repeats, not the first occurrence
    masks["duplicate_timestamp"] = dup
    counts: Dict[str, int] = {}
    for key, mask in masks.items():
        base = key.split(":")[0]
        counts[base] = counts.get(base, 0) + int(mask.sum())
    return ts, cols, masks, {k: v for k, v in counts.items() if v}


# --------------------------------------------------------------------------- the check


class DataHealthCheck:
    """Coverage, gap and OHLC sanity checks for one symbol over ``[load_start, load_end]``.

    Parameters
    ----------
    load_start, load_end :
        Window bounds (inclusive), anything :func:`btcore.timeframe.to_epoch_ms` accepts
        (naive = UTC).
    required_tfs : sequence of str
        Timeframes whose data is checked.
    symbol : str
    required_series : list of str, optional
        Defaults to ``["ohlcv", "funding"]`` (an empty list too, as in the reference).
    max_issues_per_type : int
        How many sanity issues of each type are listed (all are counted).
    """

    def __init__(
        self,
        load_start: Any,
        load_end: Any,
        required_tfs: Sequence[str],
        symbol: str,
        required_series: Optional[List[str]] = None,
        *,
        max_issues_per_type: int = 100,
    ) -> None:
        self.load_start_ms = require_ms(load_start, name="load_start")
        self.load_end_ms = require_ms(load_end, name="load_end")
        if self.load_end_ms < self.load_start_ms:
            raise DataError(
                f"load_end ({_iso(self.load_end_ms)}) is before load_start "
                f"({_iso(self.load_start_ms)})",
                "INVALID_WINDOW",
            )
        self.load_start = from_epoch_ms(self.load_start_ms)
        self.load_end = from_epoch_ms(self.load_end_ms)
        self.required_tfs = [normalize_tf(tf) for tf in required_tfs]
        self.symbol = symbol
        self.required_series = list(required_series or ["ohlcv", "funding"])
        self.max_issues_per_type = int(max_issues_per_type)

    # -- coverage ------------------------------------------------------------------------------

    def _coverage_one(self, ts: np.ndarray, series: str, tf: str, tol_ms: int) -> Tuple[CoverageInfo, List[str]]:
        key = f"{series}/{tf}"
        if ts.size == 0:
            return CoverageInfo(series, tf, None, None, 0, False, False), [f"No data for {key}"]
        step, origin = tf_ms(tf), tf_origin_ms(tf)
        need_lo = origin + ((self.load_start_ms - origin) // step) * step
        need_hi = origin + ((self.load_end_ms - origin) // step) * step
        lo, hi = int(ts.min()), int(ts.max())
        cov = CoverageInfo(series, tf, _dt(lo), _dt(hi), int(ts.size), lo <= need_lo + tol_ms, hi >= need_hi - tol_ms)
        tol = timedelta(milliseconds=tol_ms)
        issues = []
        if not cov.covers_start:
            issues.append(f"{key} starts at {_iso(lo)}, need {_iso(need_lo)} (tolerance: {tol})")
        if not cov.covers_end:
            issues.append(f"{key} ends at {_iso(hi)}, need {_iso(need_hi)} (tolerance: {tol})")
        return cov, issues

    def check_coverage(self, timestamps_by_tf: Mapping[str, Any], series: str = "ohlcv") -> Tuple[Dict[str, CoverageInfo], List[str]]:
        """Coverage of every required tf; keys ``"<series>/<tf>"``; funding gets an 8 h tolerance."""
        tol = int(FUNDING_INTERVAL_TOLERANCE.total_seconds() * 1000) if series == "funding" else 0
        by_tf = _normalise_tf_keys(timestamps_by_tf)
        coverage: Dict[str, CoverageInfo] = {}
        issues: List[str] = []
        for tf in self.required_tfs:
            ts = to_ms_array(by_tf.get(tf), name=f"{series}/{tf} timestamps")
            cov, iss = self._coverage_one(ts, series, tf, tol)
            coverage[f"{series}/{tf}"] = cov
            issues.extend(iss)
        return coverage, issues

    def check_funding_coverage(self, funding_timestamps: Any) -> Tuple[Dict[str, CoverageInfo], List[str]]:
        """Coverage of one funding series (8 h grid, 8 h tolerance), key ``"funding/8h"``."""
        if isinstance(funding_timestamps, Mapping):
            parts = [to_ms_array(v, name="funding timestamps") for v in funding_timestamps.values()]
            ts = np.unique(np.concatenate(parts)) if parts else np.empty(0, np.int64)
        else:
            ts = to_ms_array(funding_timestamps, name="funding timestamps")
        tol = int(FUNDING_INTERVAL_TOLERANCE.total_seconds() * 1000)
        cov, issues = self._coverage_one(ts, "funding", "8h", tol)
        return {"funding/8h": cov}, issues

    # -- gaps ----------------------------------------------------------------------------------

    def detect_gaps(self, timestamps_by_tf: Mapping[str, Any], series: str = "ohlcv") -> List[GapRange]:
        """Missing bars of every required tf inside the inclusive window (vectorised)."""
        by_tf = _normalise_tf_keys(timestamps_by_tf)
        gaps: List[GapRange] = []
        for tf in self.required_tfs:
            ts = to_ms_array(by_tf.get(tf), name=f"{series}/{tf} timestamps")
            for lo, hi, n in find_gaps_ms(ts, tf, self.load_start_ms, self.load_end_ms):
                gaps.append(GapRange(from_epoch_ms(lo), from_epoch_ms(hi), tf, series, n))
        return gaps

    # -- sanity --------------------------------------------------------------------------------

    def count_sanity(self, data_rows: Any) -> Dict[str, int]:
        """Number of sanity issues of each type (types with none are left out)."""
        return _scan(data_rows)[3]

    def check_sanity(self, data_rows: Any, series: str = "ohlcv", tf: str = "") -> List[SanityIssue]:
        """OHLC sanity issues, at most ``max_issues_per_type`` listed per type (by row order)."""
        return self._sanity(data_rows, series, tf)[0]

    def _sanity(self, data_rows: Any, series: str, tf: str) -> Tuple[List[SanityIssue], Dict[str, int]]:
        ts, cols, masks, counts = _scan(data_rows)
        issues: List[SanityIssue] = []
        listed: Dict[str, int] = {}
        cap = self.max_issues_per_type
        for key, mask in masks.items():
            base, _, fld = key.partition(":")
            for i in np.flatnonzero(mask)[: max(cap - listed.get(base, 0), 0)]:
                issues.append(SanityIssue(from_epoch_ms(int(ts[i])), series, tf, base, _detail(base, fld, cols, i, ts)))
                listed[base] = listed.get(base, 0) + 1
        return issues, counts

    # -- run -----------------------------------------------------------------------------------

    def run(
        self,
        timestamps_by_series_tf: Mapping[str, Any],
        data_rows_by_tf: Optional[Mapping[str, Any]] = None,
    ) -> DataHealthReport:
        """Coverage for every required series, gaps for ``ohlcv``, sanity for every given tf."""
        report = DataHealthReport(
            self.load_start, self.load_end, list(self.required_tfs), list(self.required_series), self.symbol
        )
        for series in self.required_series:
            given = timestamps_by_series_tf.get(series, {}) if timestamps_by_series_tf else {}
            if series == "funding":
                cov, issues = self.check_funding_coverage(given)
            else:
                cov, issues = self.check_coverage(given or {}, series)
            report.coverage.update(cov)
            report.coverage_issues.extend(issues)
            if series == "ohlcv":
                report.gaps.extend(self.detect_gaps(given or {}, series))
        for tf, rows in (data_rows_by_tf or {}).items():
            found, counts = self._sanity(rows, "ohlcv", normalize_tf(tf))
            report.sanity_issues.extend(found)
            for k, v in counts.items():
                report.sanity_issue_counts[k] = report.sanity_issue_counts.get(k, 0) + v
        return _finish(report)

    def run_frames(self, frames_by_tf: Mapping[str, pd.DataFrame], funding_timestamps: Any = None) -> DataHealthReport:
        """:meth:`run` on canonical frames (``ts`` + OHLCV) keyed by tf; funding is optional.

        ``funding`` is only required here if it is in ``required_series`` and given.
        """
        by_tf = {tf: (df["ts"] if "ts" in df.columns else df) for tf, df in frames_by_tf.items()}
        series_ts: Dict[str, Any] = {"ohlcv": by_tf}
        check = self
        if funding_timestamps is not None:
            series_ts["funding"] = funding_timestamps
        elif "funding" in self.required_series:
            check = DataHealthCheck(
                self.load_start_ms, self.load_end_ms, self.required_tfs, self.symbol,
                [s for s in self.required_series if s != "funding"] or ["ohlcv"],
                max_issues_per_type=self.max_issues_per_type,
            )
        return check.run(series_ts, frames_by_tf)


def _normalise_tf_keys(by_tf: Any) -> Dict[str, Any]:
    if by_tf is None:
        return {}
    if not isinstance(by_tf, Mapping):
        raise DataError(
            f"Expected a mapping tf -> timestamps, got {type(by_tf).__name__}", "BAD_OPTION"
        )
    return {normalize_tf(k): v for k, v in by_tf.items()}


def _detail(base: str, fld: str, cols: Dict[str, np.ndarray], i: int, ts: np.ndarray) -> str:
    o, h, lo, c, v = (cols[k][i] for k in (*_PRICE_FIELDS, "volume"))
    if base == "nan_value":
        return f"{fld} is NaN/None" if not np.isinf(cols[fld][i]) else f"{fld} is infinite ({cols[fld][i]})"
    if base == "high_lt_low":
        return f"high ({h}) < low ({lo})"
    if base == "ohlc_range":
        return f"OHLC out of range: O={o}, H={h}, L={lo}, C={c}"
    if base == "non_positive_price":
        return f"price <= 0: O={o}, H={h}, L={lo}, C={c}"
    if base == "negative_volume":
        return f"volume ({v}) < 0"
    return f"timestamp {int(ts[i])} ms appears more than once"


def _finish(report: DataHealthReport) -> DataHealthReport:
    report.total_missing_bars = sum(g.missing_count for g in report.gaps)
    report.heal_required = bool(report.gaps or report.coverage_issues)
    report.heal_ranges = list(report.gaps)
    codes = []
    if report.coverage_issues:
        codes.append("INSUFFICIENT_COVERAGE")
    if report.gaps:
        codes.append("GAPS")
    codes.extend(f"SANITY_{k.upper()}" for k in SANITY_ISSUE_TYPES if report.sanity_issue_counts.get(k))
    report.error_codes = codes
    report.passed = not report.heal_required and not report.sanity_issue_counts
    return report
