"""The reference ``windowing`` module: btcore's one window type, in the caller's datetime convention.

Every function is :mod:`btcore.data.windowing`'s; the returned window (or start) follows the
first datetime argument: naive in (meaning UTC, never host-local), naive UTC out; aware in, aware
out in the same zone — the reference returned its input's arithmetic, and engines compare the
results with their own naive data timestamps. ``LoadWindow`` and ``DataWindow`` are one class.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping, Optional, cast

from ..data import windowing as _w
from ..data.windowing import (
    DEFAULT_HTF_SAFETY_CLOSES,
    DEFAULT_MTF_SAFETY_CLOSES,
    DEFAULT_TAIL_FUNDING_INTERVALS,
    DEFAULT_TAIL_LTF_BARS,
    FUNDING_INTERVAL_HOURS,
    DataWindow,
    LoadWindow,
    WarmupConfig,
    compute_safety_buffer_span,
    compute_tail_buffer_span,
    compute_warmup_bars,
    compute_warmup_span,
)
from ._time import follow_window, like

__all__ = [
    "DEFAULT_HTF_SAFETY_CLOSES", "DEFAULT_MTF_SAFETY_CLOSES", "DEFAULT_TAIL_LTF_BARS",
    "DEFAULT_TAIL_FUNDING_INTERVALS", "FUNDING_INTERVAL_HOURS", "WarmupConfig", "LoadWindow", "DataWindow",
    "compute_warmup_bars", "compute_warmup_span", "compute_safety_buffer_span", "compute_tail_buffer_span",
    "compute_load_window", "compute_simple_load_window", "compute_data_window", "compute_warmup_start_simple",
]

_ = timedelta  # re-exported types of the spans above


def compute_load_window(
    test_start: Any,
    test_end: Any,
    tf_mapping: Mapping[str, str],
    indicator_lookbacks: Mapping[str, int],
    warmup_config: Optional[WarmupConfig] = None,
) -> DataWindow:
    """:func:`btcore.data.windowing.compute_load_window` in ``test_start``'s convention."""
    return cast(DataWindow, follow_window(test_start, _w.compute_load_window(test_start, test_end, tf_mapping, indicator_lookbacks,
                                                                           warmup_config)))


def compute_simple_load_window(test_start: Any, test_end: Any, tf: str, max_lookback: int) -> DataWindow:
    """:func:`btcore.data.windowing.compute_simple_load_window` in ``test_start``'s convention."""
    return cast(DataWindow, follow_window(test_start, _w.compute_simple_load_window(test_start, test_end, tf, max_lookback)))


def compute_data_window(
    window_start: Any,
    window_end: Any,
    warmup_bars_by_role: Mapping[str, int],
    tf_by_role: Mapping[str, str],
    safety_buffer_bars: int = 0,
) -> DataWindow:
    """:func:`btcore.data.windowing.compute_data_window` in ``window_start``'s convention."""
    return cast(DataWindow, follow_window(window_start, _w.compute_data_window(window_start, window_end, warmup_bars_by_role,
                                                                             tf_by_role, safety_buffer_bars)))


def compute_warmup_start_simple(window_start: Any, warmup_bars: int, tf: str, safety_buffer_bars: int = 0) -> datetime:
    """``window_start - tf * (warmup_bars + safety_buffer_bars)`` in ``window_start``'s convention."""
    return like(window_start, _w.compute_warmup_start_simple(window_start, warmup_bars, tf, safety_buffer_bars))
