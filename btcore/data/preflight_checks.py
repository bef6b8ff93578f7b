"""Per-timeframe preflight checks, vectorised: coverage, order, duplicates, step, gaps, 1m mapping.

Window semantics are those of :mod:`btcore.data.health`: the window ``[start, end]`` is inclusive
and needs the bars opening from ``floor_tf(start)`` to ``floor_tf(end)``; the effective start of
a timeframe moves back by its warmup bars.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional, Tuple, Union

import numpy as np
import pandas as pd

from ..errors import DataError
from ..timeframe import MS_PER_MINUTE, from_epoch_ms, normalize_tf, tf_minutes, tf_ms, tf_origin_ms
from ._timestamps import TIME_COLUMNS, scalar_ms, sorted_times, sorted_unique, to_ms_array
from .preflight_types import GapInfo, PreflightStatus, TFPreflightResult

__all__ = [
    "parse_tf_to_minutes",
    "calculate_warmup_start",
    "frame_timestamps",
    "validate_tf_data",
    "validate_tf_timestamps",
    "validate_exec_to_1m_mapping",
    "MAX_LISTED_GAPS",
]

#: How many :class:`GapInfo` entries a result lists (``gap_count`` counts them all).
MAX_LISTED_GAPS = 100


def parse_tf_to_minutes(tf: str) -> int:
    """Minutes of a timeframe (any ``N`` + ``m|h|d|w``; ``'1M'`` is rejected, not one minute).

    Raises
    ------
    TimeframeError (a ValueError)
        For anything :func:`btcore.timeframe.parse_tf` rejects.
    """
    return tf_minutes(tf)


def calculate_warmup_start(window_start: Any, warmup_bars: int, tf_minutes: Union[int, str]) -> datetime:
    """``window_start - warmup_bars * tf`` as an aware UTC datetime (any timeframe, naive = UTC).

    ``tf_minutes`` is a number of minutes (the reference signature) or a timeframe string.
    """
    minutes = parse_tf_to_minutes(tf_minutes) if isinstance(tf_minutes, str) else int(tf_minutes)
    if minutes <= 0:
        raise DataError(f"tf_minutes must be positive, got {tf_minutes!r}", "BAD_TIMEFRAME")
    ms = scalar_ms(window_start, name="window_start")
    return from_epoch_ms(ms - int(warmup_bars) * minutes * MS_PER_MINUTE)  # type: ignore[operator]


def frame_timestamps(data: Any) -> np.ndarray:
    """Bar open times (int64 ms, input order) of a DataFrame (``ts``/``ts_open_ms``/``timestamp``
    …), a FeedStore-like object (``ts_open_ms``) or an array of times.

    Raises
    ------
    DataError
        ``MISSING_TIMESTAMP_COLUMN`` or ``BAD_TIMESTAMP``.
    """
    if isinstance(data, pd.DataFrame):
        col = next((c for c in TIME_COLUMNS if c in data.columns), None)
        if col is None:
            if isinstance(data.index, pd.DatetimeIndex):
                return to_ms_array(data.index)
            raise DataError(
                f"Missing 'timestamp' column: need one of {list(TIME_COLUMNS)}, found "
                f"{list(map(str, data.columns))}",
                "MISSING_TIMESTAMP_COLUMN",
            )
        return to_ms_array(data[col], name=f"column {col!r}")
    ts = getattr(data, "ts_open_ms", None)
    if ts is not None:
        return np.asarray(ts, dtype=np.int64)
    return to_ms_array(data)


def _is_empty(data: Any) -> bool:
    if data is None:
        return True
    if isinstance(data, pd.DataFrame):
        return bool(data.empty)
    try:
        return len(data) == 0
    except TypeError:
        return False


def validate_tf_data(
    df: Any,
    symbol: str,
    tf: str,
    required_start: Any,
    required_end: Any,
    warmup_bars: int = 0,
    gap_threshold_multiplier: float = 3.0,
) -> TFPreflightResult:
    """Check one (symbol, tf) data set against the inclusive window, vectorised.

    Errors (status FAILED): ``NO_DATA``, ``MISSING_TIMESTAMP_COLUMN``, ``BAD_TIMESTAMP``,
    ``STARTS_TOO_LATE``, ``ENDS_TOO_EARLY``, ``UNSORTED_TIMESTAMPS`` (the input order is checked,
    not the sorted copy), ``DUPLICATE_TIMESTAMPS``. Warnings (status WARNING, the gate still
    passes): ``MISALIGNED_STEP`` (most common step is not ``tf`` or opens off the ``tf`` grid),
    ``GAPS_EXCEED_THRESHOLD`` (steps longer than ``tf * gap_threshold_multiplier``).
    """
    tf = normalize_tf(tf)
    step = tf_ms(tf)
    start_ms = scalar_ms(calculate_warmup_start(required_start, warmup_bars, tf))
    end_ms = scalar_ms(required_end, name="required_end")
    result = TFPreflightResult(
        symbol=symbol, tf=tf, status=PreflightStatus.FAILED,
        required_start=from_epoch_ms(start_ms), required_end=from_epoch_ms(end_ms),  # type: ignore[arg-type]
        warmup_bars=int(warmup_bars), gap_threshold_minutes=float(tf_minutes(tf) * gap_threshold_multiplier),
    )
    if _is_empty(df):
        result.add_error("NO_DATA", "No data available")
        return result
    result.data_exists = True
    try:
        ts = frame_timestamps(df)
    except DataError as exc:
        result.add_error(exc.error_code, str(exc))
        return result
    return validate_tf_timestamps(ts, result, start_ms, end_ms)  # type: ignore[arg-type]


def validate_tf_timestamps(ts: np.ndarray, result: TFPreflightResult, start_ms: int, end_ms: int) -> TFPreflightResult:
    """The checks of :func:`validate_tf_data` on an int64 ms array (fills ``result``)."""
    tf, step, origin = result.tf, tf_ms(result.tf), tf_origin_ms(result.tf)
    diffs_in = np.diff(ts)
    result.is_monotonic = bool((diffs_in >= 0).all())
    if not result.is_monotonic:
        i = int(np.flatnonzero(diffs_in < 0)[0])
        result.add_error(
            "UNSORTED_TIMESTAMPS",
            f"Timestamps are not sorted: row {i + 1} ({from_epoch_ms(int(ts[i + 1])).isoformat()}) "
            f"comes after {from_epoch_ms(int(ts[i])).isoformat()}",
        )
    st = np.sort(ts) if not result.is_monotonic else ts
    d = np.diff(st) if not result.is_monotonic else diffs_in
    n_dup = int((d == 0).sum())
    result.is_unique = n_dup == 0
    if n_dup:
        result.add_error("DUPLICATE_TIMESTAMPS", f"Found {n_dup} duplicate timestamps")
    lo, hi = int(st[0]), int(st[-1])
    result.min_ts, result.max_ts, result.bar_count = from_epoch_ms(lo), from_epoch_ms(hi), int(st.size)
    need_lo = origin + ((start_ms - origin) // step) * step
    need_hi = origin + ((end_ms - origin) // step) * step
    result.covers_range = lo <= need_lo and hi >= need_hi
    if lo > need_lo:
        result.add_error(
            "STARTS_TOO_LATE",
            f"Data starts too late: {from_epoch_ms(lo).isoformat()} > {from_epoch_ms(need_lo).isoformat()} "
            f"(need {result.warmup_bars} warmup bars)",
        )
    if hi < need_hi:
        result.add_error(
            "ENDS_TOO_EARLY",
            f"Data ends too early: {from_epoch_ms(hi).isoformat()} < {from_epoch_ms(need_hi).isoformat()}",
        )
    _check_steps(st, d, result, step, origin)
    result.status = (
        PreflightStatus.FAILED if result.errors else PreflightStatus.WARNING if result.warnings else PreflightStatus.PASSED
    )
    return result


def _check_steps(st: np.ndarray, d: np.ndarray, result: TFPreflightResult, step: int, origin: int) -> None:
    n_pos = int(np.count_nonzero(d > 0))
    if 2 * int(np.count_nonzero(d == step)) > n_pos:
        mode = step  # a strict majority is the mode: no count of every distinct step needed
    elif n_pos:
        vals, counts = np.unique(d[d > 0], return_counts=True)
        mode = int(vals[np.argmax(counts)])
    else:
        mode = step
    off_grid = int(((st - origin) % step != 0).sum())
    result.alignment_ok = mode == step and off_grid == 0
    if mode != step:
        result.add_warning(
            "MISALIGNED_STEP", f"Most common step {mode // MS_PER_MINUTE}m != expected {step // MS_PER_MINUTE}m"
        )
    elif off_grid:
        result.add_warning("MISALIGNED_STEP", f"{off_grid} bars open off the {result.tf} grid")
    threshold = result.gap_threshold_minutes * MS_PER_MINUTE
    big = np.flatnonzero(d > threshold)
    result.gap_count = int(big.size)
    if big.size:
        result.gaps_within_threshold = False
        result.max_gap_minutes = float(d[big].max() / MS_PER_MINUTE)
        for i in big[:MAX_LISTED_GAPS]:
            g = int(d[i])
            result.gaps.append(
                GapInfo(from_epoch_ms(int(st[i])), from_epoch_ms(int(st[i + 1])), g // step, 1, g / MS_PER_MINUTE)
            )
        result.add_warning(
            "GAPS_EXCEED_THRESHOLD",
            f"Found {big.size} gaps exceeding {result.gap_threshold_minutes:g} minutes "
            f"(largest {result.max_gap_minutes:g} minutes)",
        )
    elif d.size:
        result.max_gap_minutes = float(d.max() / MS_PER_MINUTE)


def validate_exec_to_1m_mapping(
    exec_tf: str,
    window_start: Any,
    window_end: Any,
    df_1m: Any,
    exec_data: Any = None,
    *,
    require_every_close: bool = False,
) -> Tuple[bool, Optional[str]]:
    """Check that the 1m feed can serve every exec bar of the inclusive window (vectorised).

    An exec bar opening at ``o`` is served when at least one 1m bar opens in ``[o, o + exec_tf)``
    (what the 1m rollups and the quote at its close read). The exec bars checked are those of
    ``exec_data`` inside the window (exec bars missing from the data are reported as gaps by
    :func:`validate_tf_data`, not here); with ``exec_data=None`` or ``require_every_close=True``
    every bar of the exec grid in the window is checked.

    Returns
    -------
    (ok, message)
        ``message`` names how many exec bars have no 1m bar and the first one.
    """
    if _is_empty(df_1m):
        return False, "No 1m data available for exec→1m mapping"
    try:
        m1 = sorted_times(frame_timestamps(df_1m))
    except DataError as exc:
        return False, f"1m data unusable for exec→1m mapping: {exc}"
    step, origin = tf_ms(exec_tf), tf_origin_ms(exec_tf)
    ws, we = scalar_ms(window_start), scalar_ms(window_end)
    g0 = origin + ((ws - origin) // step) * step  # type: ignore[operator]
    g1 = origin + ((we - origin) // step) * step  # type: ignore[operator]
    if exec_data is None or require_every_close:
        opens = np.arange(g0, g1 + 1, step, dtype=np.int64)
    else:
        try:
            ex = frame_timestamps(exec_data)
        except DataError as exc:
            return False, f"exec data unusable for exec→1m mapping: {exc}"
        opens = sorted_unique(ex[(ex >= g0) & (ex <= g1)])
    served = np.searchsorted(m1, opens + step, "left") > np.searchsorted(m1, opens, "left")
    missing = opens[~served]
    if missing.size:
        first = from_epoch_ms(int(missing[0]) + step)
        return False, (
            f"Missing 1m bars for {missing.size} exec TF close times. First missing: "
            f"{first:%Y-%m-%d %H:%M} (exec TF={normalize_tf(exec_tf)})"
        )
    return True, None
