"""Timeframes and UTC time conversion: the one parser every btcore module uses.

A timeframe is ``N`` followed by a unit: ``m`` (minutes), ``h`` (hours), ``d`` (days) or ``w``
(weeks), e.g. ``1m``, ``3m``, ``15m``, ``90m``, ``2h``, ``4h``, ``1d``, ``1w``. Units ``h``, ``d``
and ``w`` are case-insensitive; ``M`` is rejected because it conventionally means a month.

Time is epoch milliseconds, UTC. Naive datetimes given to btcore mean UTC, never host-local time,
so results never depend on the ``TZ`` environment variable. Bars are aligned to the Unix epoch,
except week bars, which open on Monday 00:00 UTC (as exchanges and pandas ``W-MON`` do).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Mapping

import numpy as np

from .errors import TimeframeError

__all__ = [
    "MS_PER_MINUTE",
    "MIN_EPOCH_MS",
    "MAX_EPOCH_MS",
    "parse_tf",
    "tf_ms",
    "tf_duration",
    "tf_minutes",
    "tf_origin_ms",
    "normalize_tf",
    "validate_tf_mapping",
    "get_supported_timeframes",
    "ceil_to_tf_close",
    "floor_to_tf_open",
    "to_epoch_ms",
    "from_epoch_ms",
]

MS_PER_MINUTE = 60_000
#: Earliest and latest epoch ms a Python datetime can show (0001-01-01 .. 9999-12-31T23:59:59.999Z).
MIN_EPOCH_MS = -62_135_596_800_000
MAX_EPOCH_MS = 253_402_300_799_999
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 1_440, "w": 10_080}
_TF_RE = re.compile(r"^\s*(\d+)\s*([mhdwHDW])\s*$")
# 1970-01-05 was the first Monday after the epoch (a Thursday).
_WEEK_ORIGIN_MS = 4 * 1_440 * MS_PER_MINUTE
# The reference's table, kept for get_supported_timeframes(); any N m/h/d/w is accepted.
_COMMON = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d", "1w")


@lru_cache(maxsize=256)
def parse_tf(tf: str) -> tuple[int, str]:
    """Parse a timeframe string into ``(count, unit)`` with unit in ``m|h|d|w``.

    Raises
    ------
    TimeframeError
        If ``tf`` is not ``N`` + ``m|h|d|w`` with ``N >= 1`` (``1M`` is rejected: month, not
        minute).
    """
    if not isinstance(tf, str):
        raise TimeframeError(
            f"Timeframe must be a string like '15m', '1h', '1d', '1w', got {tf!r} "
            f"({type(tf).__name__})"
        )
    m = _TF_RE.match(tf)
    if m is None or int(m.group(1)) < 1:
        hint = " ('M' would be a month; use 'm' for minutes)" if tf.strip().endswith("M") else ""
        raise TimeframeError(
            f"Unknown timeframe {tf!r}{hint}. Allowed: N followed by m, h, d or w with N >= 1, "
            f"e.g. {', '.join(_COMMON)}"
        )
    return int(m.group(1)), m.group(2).lower()


def normalize_tf(tf: str) -> str:
    """Canonical spelling of a timeframe (``'1H'`` → ``'1h'``, ``' 15m '`` → ``'15m'``)."""
    n, unit = parse_tf(tf)
    return f"{n}{unit}"


def tf_minutes(tf: str) -> int:
    """Duration of ``tf`` in minutes."""
    n, unit = parse_tf(tf)
    return n * _UNIT_MINUTES[unit]


def tf_ms(tf: str) -> int:
    """Duration of ``tf`` in milliseconds."""
    return tf_minutes(tf) * MS_PER_MINUTE


def tf_duration(tf: str) -> timedelta:
    """Duration of ``tf`` as a :class:`~datetime.timedelta`."""
    return timedelta(minutes=tf_minutes(tf))


def tf_origin_ms(tf: str) -> int:
    """Epoch ms of a bar boundary that every bar of ``tf`` is aligned to (Monday for weeks)."""
    return _WEEK_ORIGIN_MS if parse_tf(tf)[1] == "w" else 0


def get_supported_timeframes() -> dict[str, int]:
    """Common timeframes and their minutes. Any ``N`` + ``m|h|d|w`` is accepted, not just these."""
    return {tf: tf_minutes(tf) for tf in _COMMON}


def validate_tf_mapping(tf_mapping: Mapping[str, str]) -> None:
    """Check a role → timeframe mapping.

    Required keys: ``htf``, ``mtf`` and ``exec`` (``ltf`` is accepted as the old name of ``exec``;
    if both are given they must agree). Every value must parse, and durations must satisfy
    HTF >= MTF >= exec.

    Raises
    ------
    TimeframeError
        Naming the missing key, the bad value and its role, or the broken hierarchy.
    """
    if not isinstance(tf_mapping, Mapping):
        raise TimeframeError(f"tf_mapping must be a mapping of role -> timeframe, got {tf_mapping!r}")
    roles = dict(tf_mapping)
    if "exec" not in roles and "ltf" in roles:
        roles["exec"] = roles["ltf"]
    missing = sorted({"htf", "mtf", "exec"} - roles.keys())
    if missing:
        raise TimeframeError(
            f"Missing required tf_mapping keys: {missing}. Required: 'htf', 'mtf' and 'exec' "
            "(or its old name 'ltf')"
        )
    minutes = {}
    for role, tf in roles.items():
        try:
            minutes[role] = tf_minutes(tf)
        except TimeframeError as exc:
            raise TimeframeError(f"Unknown timeframe {tf!r} for role {role!r}: {exc}") from None
    if "ltf" in roles and minutes["ltf"] != minutes["exec"]:
        raise TimeframeError(
            f"tf_mapping has both 'exec' ({roles['exec']!r}) and 'ltf' ({roles['ltf']!r}); "
            "'ltf' is the old name of 'exec' and must agree with it"
        )
    if not minutes["htf"] >= minutes["mtf"] >= minutes["exec"]:
        raise TimeframeError(
            "Invalid tf_mapping hierarchy: HTF "
            f"({roles['htf']}={minutes['htf']}m) must be >= MTF ({roles['mtf']}={minutes['mtf']}m) "
            f"must be >= exec ({roles['exec']}={minutes['exec']}m)"
        )


# --------------------------------------------------------------------------- UTC conversion

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def to_epoch_ms(value: Any) -> int:
    """Convert a time value to int epoch milliseconds UTC.

    Accepts aware or naive :class:`datetime` (naive means UTC), :class:`date` (midnight UTC),
    ``pandas.Timestamp`` (naive means UTC), ``numpy.datetime64``, ISO-8601 strings, and integers
    already in epoch ms. Sub-millisecond parts are truncated toward the past.

    Raises
    ------
    DataError-compatible ValueError (:class:`TimeframeError` subclass of ValueError)
        For ``None``, NaT, floats, booleans, unparseable strings and integers outside int64.
    """
    if isinstance(value, (bool, np.bool_)) or value is None:
        raise TimeframeError(f"Cannot convert {value!r} to epoch milliseconds")
    if isinstance(value, (int, np.integer)):
        ms = int(value)
        if not _INT64_MIN <= ms <= _INT64_MAX:
            raise TimeframeError(f"epoch milliseconds {ms} do not fit in int64")
        return ms
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise TimeframeError(
                f"Cannot parse time string {value!r}; expected ISO-8601 like "
                "'2020-01-01', '2020-01-01T00:00:00' or '2020-01-01T00:00:00+00:00'"
            ) from None
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise TimeframeError("Cannot convert NaT to epoch milliseconds")
        return int(value.astype("datetime64[ms]").astype(np.int64))
    if isinstance(value, datetime):  # includes pandas.Timestamp
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        delta = value - _EPOCH
        # exact integer arithmetic (no float seconds), floor toward the past
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return int(micros // 1_000)
    if isinstance(value, date):
        return (value - date(1970, 1, 1)).days * 86_400_000
    raise TimeframeError(
        f"Cannot convert {value!r} ({type(value).__name__}) to epoch milliseconds; allowed: "
        "datetime, date, pandas.Timestamp, numpy.datetime64, ISO-8601 string, int ms"
    )


def from_epoch_ms(ms: int) -> datetime:
    """Aware UTC :class:`datetime` for epoch milliseconds ``ms``.

    Raises
    ------
    TimeframeError
        If ``ms`` is outside ``MIN_EPOCH_MS .. MAX_EPOCH_MS`` (years 1 to 9999).
    """
    v = int(ms)
    if not MIN_EPOCH_MS <= v <= MAX_EPOCH_MS:
        raise TimeframeError(
            f"epoch milliseconds {v} are outside the datetime range {MIN_EPOCH_MS}..{MAX_EPOCH_MS} "
            "(years 1 to 9999)"
        )
    return _EPOCH + timedelta(milliseconds=v)


def ceil_to_tf_close(dt: Any, tf: str) -> datetime:
    """Smallest bar boundary of ``tf`` at or after ``dt``, as an aware UTC datetime.

    ``dt`` exactly on a boundary is returned unchanged; any later instant — seconds and
    microseconds included — moves to the next boundary (10:03:30 with ``5m`` → 10:05:00).
    Naive input means UTC.
    """
    ms = to_epoch_ms(dt)
    step, origin = tf_ms(tf), tf_origin_ms(tf)
    # exact ms check so 10:05:00.000500 (sub-ms part) still counts as after the boundary
    exact = not (isinstance(dt, datetime) and dt.microsecond % 1000)
    k = -((origin - ms) // step)  # ceil((ms - origin) / step)
    out = origin + k * step
    if out == ms and not exact:
        out += step
    return from_epoch_ms(out)


def floor_to_tf_open(dt: Any, tf: str) -> datetime:
    """Open time of the ``tf`` bar that contains ``dt``, as an aware UTC datetime."""
    ms = to_epoch_ms(dt)
    step, origin = tf_ms(tf), tf_origin_ms(tf)
    return from_epoch_ms(origin + ((ms - origin) // step) * step)


def iso_or_none(value: Any) -> Any:
    """``value.isoformat()``, or None for None (the datetime fields of btcore's debug dicts)."""
    return value.isoformat() if value is not None else None
