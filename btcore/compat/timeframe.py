"""The reference ``timeframe`` module over btcore's one timeframe parser.

``tf_duration``, ``tf_minutes``, ``validate_tf_mapping`` and ``get_supported_timeframes`` are
btcore's (any ``N`` + ``m|h|d|w``). :func:`ceil_to_tf_close` answers in the caller's convention:
naive in (meaning UTC, never host-local), naive UTC out; aware in, aware out in the same zone.
``TF_MINUTES`` is the reference's table of the six timeframes its data layer stored.
"""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType
from typing import Any, Mapping

from .. import timeframe as _tf
from ..timeframe import get_supported_timeframes, tf_duration, tf_minutes, validate_tf_mapping
from ._time import like

__all__ = ["TF_MINUTES", "tf_duration", "tf_minutes", "validate_tf_mapping", "get_supported_timeframes",
           "ceil_to_tf_close"]

#: The reference data layer's timeframe table (read-only; btcore accepts any ``N`` + unit).
TF_MINUTES: Mapping[str, int] = MappingProxyType({"1m": 1, "5m": 5, "15m": 15, "1h": 60, "4h": 240, "1d": 1440})


def ceil_to_tf_close(dt: Any, tf: str) -> datetime:
    """Smallest ``tf`` bar boundary at or after ``dt``, in ``dt``'s convention.

    Unlike the reference, seconds and microseconds are not kept (10:03:30 with ``5m`` gives
    10:05:00) and a naive ``dt`` is UTC, not host-local time.
    """
    return like(dt, _tf.ceil_to_tf_close(dt, tf))
