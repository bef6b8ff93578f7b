"""Vectorised conversion of timestamp columns to int64 epoch milliseconds UTC.

Every data-layer module funnels its time inputs through :func:`to_ms_array`, so naive and aware
datetimes, ISO strings and integer epochs of any unit compare correctly (naive means UTC; nothing
ever raises ``TypeError`` for mixing them).

Integer / float epochs: unit detection rule
-------------------------------------------
The unit of a numeric epoch column is detected from its largest absolute value ``v``:

==========================  ============  ==============================================
magnitude                   unit          why the boundary is safe
==========================  ============  ==============================================
``v < 1e11``                seconds       1e11 s is year 5138; as ms it is only 1973-03
``1e11 <= v < 1e14``        milliseconds  1e14 ms is year 5138; as µs it is 1973-03
``1e14 <= v < 1e17``        microseconds  1e17 µs is year 5138; as ns it is 1973-03
``v >= 1e17``               nanoseconds
==========================  ============  ==============================================

So every time between 1973-03 and 5138 is read correctly whatever its unit. A column whose
smallest positive value falls in a different band than its largest mixes units (for example old
Binance files, ms, concatenated with new ones, µs) and is rejected with ``MIXED_TIMESTAMP_UNITS``
unless the caller passes ``unit`` explicitly.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

import numpy as np
import pandas as pd

from ..errors import DataError
from ..timeframe import to_epoch_ms

__all__ = [
    "UNIT_FACTORS_TO_MS", "TIME_COLUMNS", "detect_epoch_unit", "epoch_to_ms", "to_ms_array", "scalar_ms",
    "require_ms", "sorted_times", "sorted_unique",
]

#: Multiply (``s``) or floor-divide (others) by these to get milliseconds.
UNIT_FACTORS_TO_MS = {"s": 1_000, "ms": 1, "us": 1_000, "ns": 1_000_000}
_BANDS = ((1e11, "s"), (1e14, "ms"), (1e17, "us"))
_MIN_MS, _MAX_MS = -62_135_596_800_000, 253_402_300_799_999  # 0001-01-01 .. 9999-12-31

#: Column names recognised as the bar open time, in order of preference.
TIME_COLUMNS = ("ts", "ts_open_ms", "timestamp", "open_time", "time", "datetime", "date")


def _band(v: float) -> str:
    for limit, unit in _BANDS:
        if v < limit:
            return unit
    return "ns"


def detect_epoch_unit(values: np.ndarray, *, name: str = "timestamps") -> str:
    """Unit (``'s'``, ``'ms'``, ``'us'`` or ``'ns'``) of a numeric epoch array, by magnitude.

    Raises
    ------
    DataError
        ``MIXED_TIMESTAMP_UNITS`` if the smallest and largest positive values fall in different
        magnitude bands (see the module docstring).
    """
    values = np.asarray(values)
    if values.size == 0:
        return "ms"
    if values.dtype.kind in "iu" and values.min() > 0:  # the usual case: no float copy of the times
        lo, hi = float(values.min()), float(values.max())
    else:
        a = np.abs(values.astype(np.float64))
        hi = float(a.max())
        pos = a[a > 0]
        lo = float(pos.min()) if pos.size else hi
    unit_hi, unit_lo = _band(hi), _band(lo)
    if unit_hi != unit_lo:
        raise DataError(
            f"{name} mix epoch units: smallest value {lo:.0f} reads as {unit_lo!r}, largest "
            f"{hi:.0f} as {unit_hi!r}. Pass unit='s'|'ms'|'us'|'ns' explicitly or split the file",
            "MIXED_TIMESTAMP_UNITS",
        )
    return unit_hi


def epoch_to_ms(values: np.ndarray, unit: str = "auto", *, name: str = "timestamps") -> np.ndarray:
    """Convert a numeric epoch array to int64 ms (floor toward the past for finer units)."""
    arr = np.asarray(values)
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise DataError(f"{name} has a missing/non-finite value at row {bad}", "BAD_TIMESTAMP")
    if unit == "auto":
        unit = detect_epoch_unit(arr, name=name)
    if unit not in UNIT_FACTORS_TO_MS:
        raise DataError(f"Unknown epoch unit {unit!r}; allowed: 'auto', 's', 'ms', 'us', 'ns'", "BAD_UNIT")
    f = UNIT_FACTORS_TO_MS[unit]
    if arr.dtype.kind == "f":
        scaled = np.floor(arr * f if unit == "s" else arr / f)
        out_of_range = (scaled < _MIN_MS) | (scaled > _MAX_MS)
        if out_of_range.any():
            bad = int(np.flatnonzero(out_of_range)[0])
            raise DataError(
                f"{name} row {bad}: {arr[bad]!r} is outside the years 1..9999 as epoch {unit}",
                "BAD_TIMESTAMP",
            )
        return scaled.astype(np.int64)
    ints = arr.astype(np.int64, copy=False)
    return ints * f if unit == "s" else ints // f


def _datetime_index_to_ms(idx: pd.DatetimeIndex) -> np.ndarray:
    if idx.tz is not None:
        idx = idx.tz_convert("UTC").tz_localize(None)
    if idx.hasnans:
        bad = int(np.flatnonzero(idx.isna())[0])
        raise DataError(f"timestamps has a missing value (NaT) at row {bad}", "BAD_TIMESTAMP")
    arr = idx.to_numpy()
    unit = np.datetime_data(arr.dtype)[0]
    ints = arr.view(np.int64)
    if unit == "s":
        return ints * 1_000
    return ints // UNIT_FACTORS_TO_MS.get(unit, 1) if unit != "ms" else ints.copy()


def _objects_to_ms(arr: np.ndarray, name: str) -> np.ndarray:
    """Object arrays: Python ints, datetimes (naive/aware mixed), strings, Timestamps."""
    if all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in arr):
        return epoch_to_ms(arr.astype(np.int64), name=name)
    if all(isinstance(x, (datetime, date, np.datetime64, str)) for x in arr):
        try:
            out = np.fromiter((to_epoch_ms(x) for x in arr), dtype=np.int64, count=len(arr))
            return out
        except (ValueError, TypeError, OverflowError):
            pass
    for i, x in enumerate(arr):
        try:
            to_epoch_ms(x)
        except (ValueError, TypeError, OverflowError):
            raise DataError(
                f"{name} row {i}: cannot read {x!r} as a time; allowed: ISO-8601 strings, "
                "datetimes (naive = UTC), pandas Timestamps, epoch s/ms/µs/ns numbers",
                "BAD_TIMESTAMP",
            ) from None
    raise DataError(f"{name}: mixed numeric and datetime values", "BAD_TIMESTAMP")


# An ISO-8601 string carries a zone when its time part (after the first 'T' or space) ends in
# 'Z' or a +hh[:mm] / -hh[:mm] offset; the date part's '-' never counts.
_AWARE_ISO = r"^[^Tt\s]+[Tt\s].*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"


def _iso_to_ms(stripped: "pd.Series[str]") -> np.ndarray:
    """Parse ISO-8601 strings, some with a zone and some naive (= UTC), to int64 ms.

    pandas 2.2 and 2.3 read a naive string that follows an aware one in the previous string's
    offset when all are parsed in one call (``utc=True, format='ISO8601'``); 2.1 and 3.x do not.
    So aware and naive strings are parsed in separate calls whenever a column mixes them.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    # pyarrow's regex engine: about 10x faster than pandas' str.contains on a large column
    aware = np.asarray(pc.match_substring_regex(pa.array(stripped, type=pa.string()), _AWARE_ISO), dtype=bool)
    if aware.all() or not aware.any():
        idx = pd.DatetimeIndex(pd.to_datetime(stripped, utc=True, format="ISO8601"))
        return _datetime_index_to_ms(idx)
    out = np.empty(len(stripped), dtype=np.int64)
    for group in (aware, ~aware):
        part = pd.DatetimeIndex(pd.to_datetime(stripped[group], utc=True, format="ISO8601"))
        out[group] = _datetime_index_to_ms(part)
    return out


def _strings_to_ms(values: Any, name: str) -> np.ndarray:
    s = pd.Series(values, dtype=object)
    stripped = s.astype(str).str.strip()
    numeric = pd.to_numeric(stripped, errors="coerce")
    is_number = numeric.notna().to_numpy(dtype=bool)
    if is_number.all():
        return epoch_to_ms(numeric.to_numpy(), name=name)
    if 2 * int(is_number.sum()) >= is_number.size:
        # mostly epoch numbers (e.g. a CSV column with one bad cell): name the first non-number
        i = int(np.flatnonzero(~is_number)[0])
        raise DataError(
            f"{name} row {i}: cannot read {s.iloc[i]!r} as a time in a column of epoch numbers "
            f"({int((~is_number).sum())} such values); allowed: epoch s/ms/µs/ns numbers, or "
            "ISO-8601 strings throughout",
            "BAD_TIMESTAMP",
        )
    try:
        return _iso_to_ms(stripped)
    except (ValueError, TypeError, OverflowError):
        return _objects_to_ms(s.to_numpy(dtype=object), name)


def to_ms_array(values: Any, *, unit: str = "auto", name: str = "timestamps") -> np.ndarray:
    """Convert any sequence of time values to a fresh int64 array of epoch ms UTC.

    Accepts ``None`` (empty), lists/tuples/arrays/Series/Index of datetimes (naive = UTC, aware
    converted; mixing both is fine), pandas/numpy datetime64 (tz-aware or naive), ISO-8601
    strings, and numeric epochs whose unit is detected by magnitude (``unit`` overrides).

    Raises
    ------
    DataError
        ``BAD_TIMESTAMP`` naming the first row that cannot be read, ``MIXED_TIMESTAMP_UNITS``.
    """
    try:
        return _to_ms_array(values, unit, name)
    except DataError:
        raise
    except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime) as exc:
        raise DataError(f"Cannot read {name} as times: {exc}", "BAD_TIMESTAMP") from None


def _to_ms_array(values: Any, unit: str, name: str) -> np.ndarray:
    if values is None:
        return np.empty(0, dtype=np.int64)
    if isinstance(values, (pd.DatetimeIndex,)):
        return _datetime_index_to_ms(values)
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.DatetimeTZDtype):
        return _datetime_index_to_ms(pd.DatetimeIndex(values))
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.to_numpy()
    arr = values if isinstance(values, np.ndarray) else np.asarray(list(values), dtype=object)
    if arr.ndim != 1:
        arr = arr.reshape(-1)
    if arr.size == 0:
        return np.empty(0, dtype=np.int64)
    kind = arr.dtype.kind
    if kind == "M":
        return _datetime_index_to_ms(pd.DatetimeIndex(arr))
    if kind in "iu":
        return epoch_to_ms(arr, unit, name=name)
    if kind == "f":
        return epoch_to_ms(arr, unit, name=name)
    if kind == "b":
        raise DataError(f"{name} are booleans, not times", "BAD_TIMESTAMP")
    if kind in "OUST":
        if kind == "O" and pd.isna(arr).any():
            bad = int(np.flatnonzero(pd.isna(arr))[0])
            raise DataError(f"{name} has a missing value at row {bad}", "BAD_TIMESTAMP")
        if all(isinstance(x, str) for x in arr) or kind in "UST":
            return _strings_to_ms(arr, name)
        if all(isinstance(x, (int, np.integer, float, np.floating)) for x in arr) and not any(
            isinstance(x, bool) for x in arr
        ):
            if unit != "auto":
                return epoch_to_ms(arr.astype(np.float64), unit, name=name)
            return _objects_to_ms(arr, name) if all(
                isinstance(x, (int, np.integer)) for x in arr
            ) else epoch_to_ms(arr.astype(np.float64), name=name)
        if any(isinstance(x, str) for x in arr):  # strings among datetimes: see _iso_to_ms
            return _objects_to_ms(arr, name)
        try:
            idx = pd.DatetimeIndex(pd.to_datetime(pd.Series(arr, dtype=object), utc=True))
            return _datetime_index_to_ms(idx)
        except (ValueError, TypeError, OverflowError):
            return _objects_to_ms(arr, name)
    raise DataError(f"Cannot read {name} of dtype {arr.dtype}", "BAD_TIMESTAMP")


def require_ms(value: Any, *, name: str = "time") -> int:
    """Like :func:`scalar_ms` but ``None`` is an error (``BAD_TIMESTAMP``)."""
    ms = scalar_ms(value, name=name)
    if ms is None:
        raise DataError(f"{name} is required, got None", "BAD_TIMESTAMP")
    return ms


def scalar_ms(value: Any, *, name: str = "time") -> Optional[int]:
    """``None`` → ``None``; anything :func:`btcore.timeframe.to_epoch_ms` accepts → int ms."""
    if value is None:
        return None
    try:
        return to_epoch_ms(value)
    except ValueError as exc:
        raise DataError(f"Invalid {name} {value!r}: {exc}", "BAD_TIMESTAMP") from None


def sorted_times(ts: np.ndarray) -> np.ndarray:
    """``ts`` in ascending order: itself when it already is (one O(n) pass instead of a sort)."""
    return ts if ts.size < 2 or bool((ts[1:] >= ts[:-1]).all()) else np.sort(ts)


def sorted_unique(ts: np.ndarray) -> np.ndarray:
    """The distinct values of ``ts`` in ascending order: itself when strictly increasing."""
    return ts if ts.size < 2 or bool((ts[1:] > ts[:-1]).all()) else np.unique(ts)
