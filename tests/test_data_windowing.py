"""Windowing: one window type for preflight and the loop; reference function names kept."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from btcore.data import windowing as w
from btcore.errors import DataError

UTC = timezone.utc
WS = datetime(2020, 6, 1, tzinfo=UTC)
WE = datetime(2020, 7, 1, tzinfo=UTC)
ROLES = {"exec": "15m", "mtf": "1h", "htf": "4h"}


def test_aliases_are_one_type():
    assert w.LoadWindow is w.DataWindow is w.Window
    assert isinstance(w.compute_load_window(WS, WE, {"htf": "4h", "mtf": "1h", "ltf": "15m"}, {}), w.DataWindow)
    assert isinstance(w.compute_data_window(WS, WE, {}, ROLES), w.DataWindow)


def test_every_role_warmup_counts_including_mtf():
    win = w.compute_window(WS, WE, ROLES, {"exec": 10, "mtf": 500, "htf": 2})
    assert win.start_by_role["mtf"] == WS - timedelta(hours=500)
    assert win.data_start == WS - timedelta(hours=500)  # mtf dominates
    assert win.start_by_role["1m"] == win.data_start
    assert win.warmup_span == timedelta(minutes=15 * 10)


def test_ltf_is_the_old_name_of_exec_for_tf_and_warmup():
    a = w.compute_window(WS, WE, {"ltf": "15m"}, {"ltf": 40})
    b = w.compute_window(WS, WE, {"exec": "15m"}, {"exec": 40})
    assert a == b


def test_safety_and_tail_are_parameters():
    win = w.compute_window(
        WS, WE, ROLES, {"exec": 100, "htf": 300}, safety=w.SafetyBuffer(min_bars=10, fraction=0.05),
        htf_safety_closes=2, tail_exec_bars=3, tail_span=timedelta(hours=8),
    )
    assert win.safety_bars_by_role == {"exec": 10, "mtf": 10, "htf": 15 + 2}
    assert win.start_by_role["htf"] == WS - timedelta(hours=4 * (300 + 17))
    assert win.data_end == WE + timedelta(minutes=45) + timedelta(hours=8)
    assert win.tail_buffer_span == timedelta(minutes=45, hours=8)


def test_preflight_safety_rule():
    assert w.PREFLIGHT_SAFETY.bars(0) == 10
    assert w.PREFLIGHT_SAFETY.bars(1000) == 50
    assert w.PREFLIGHT_SAFETY.bars(201) == 11  # ceil(10.05)


def test_compute_data_window_reference_cases():
    win = w.compute_data_window(WS, WE, {"exec": 100, "htf": 20}, {"exec": "1h", "htf": "4h"}, safety_buffer_bars=5)
    assert win.data_start == min(WS - timedelta(hours=105), WS - timedelta(hours=4 * 25))
    assert win.data_end == WE
    assert win.warmup_span == timedelta(hours=105)
    assert win.htf_warmup_span == timedelta(hours=100)
    d = win.to_dict()
    assert d["warmup_span_seconds"] == 105 * 3600.0 and "htf_warmup_span_seconds" in d


def test_missing_exec_role():
    with pytest.raises(DataError) as info:
        w.compute_data_window(WS, WE, {}, {"htf": "4h"})
    assert isinstance(info.value, ValueError) and "'exec' or 'ltf'" in str(info.value)


def test_compute_load_window_reference_arithmetic():
    tf_map = {"htf": "4h", "mtf": "1h", "ltf": "15m"}
    win = w.compute_load_window(WS, WE, tf_map, {"15m": 50, "4h": 30})
    warm = max(timedelta(minutes=15 * 50), timedelta(hours=4 * 30))
    safety = max(10 * timedelta(hours=4), 20 * timedelta(hours=1))
    assert win.load_start == WS - warm - safety
    assert win.load_end == WE + 2 * timedelta(minutes=15) + timedelta(hours=8)
    assert win.warmup_bars_by_tf == {"15m": 50, "4h": 30}
    assert win.max_lookback_bars == 50
    d = win.to_dict()
    assert d["safety_buffer_span_seconds"] == safety.total_seconds()


def test_simple_load_window():
    win = w.compute_simple_load_window(WS, WE, "1h", 24)
    assert win.load_start == WS - timedelta(hours=24)
    assert win.load_end == WE + timedelta(hours=2) + timedelta(hours=8)


def test_warmup_start_simple_any_timeframe_naive_is_utc():
    assert w.compute_warmup_start_simple(datetime(2020, 6, 1), 4, "90m", 2) == WS - timedelta(minutes=540)
    assert w.compute_warmup_start_simple(WS, 1, "1w") == WS - timedelta(days=7)


def test_buffer_span_functions():
    assert w.compute_warmup_bars(-3) == 0 and w.compute_warmup_bars(7) == 7
    assert w.compute_tail_buffer_span({"exec": "1h"}) == timedelta(hours=10)
    assert w.compute_safety_buffer_span({"exec": "1h"}) == timedelta(0)


def test_start_for_role_or_tf():
    win = w.compute_window(WS, WE, ROLES, {"exec": 4})
    assert win.start_for("ltf") == win.start_by_role["exec"] == win.start_for("15m")
    with pytest.raises(DataError):
        win.start_for("3m")


def test_invalid_window_and_negative_warmup():
    with pytest.raises(DataError):
        w.compute_window(WE, WS, ROLES)
    with pytest.raises(DataError):
        w.compute_window(WS, WE, ROLES, {"mtf": -1})
