"""Preflight gate: plans and idea cards, error codes, defects D29-D33 fixed, auto-sync, reports."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcore.data import (
    AutoSyncConfig,
    LocalFileLoader,
    PreflightPlan,
    PreflightStatus,
    SafetyBuffer,
    calculate_warmup_start,
    parse_tf_to_minutes,
    resample_ohlcv,
    run_preflight_gate,
    validate_tf_data,
)
from btcore.data.preflight import validate_exec_to_1m_mapping
from btcore.errors import DataError, TimeframeError

UTC = timezone.utc
T0 = 1_577_836_800_000  # 2020-01-01T00:00Z
MIN = 60_000
DAY = 1440
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "btcusdt_1m_2020.parquet"


PRE = 2 * DAY  # data starts two days before 2020-01-01 so the warmup (with safety) fits


def minutes(n, drop=()):
    """1m bars from 2019-12-30 until ``n`` minutes after 2020-01-01; ``drop`` counts from 2020-01-01."""
    n += PRE
    drop = [PRE + i for i in drop]
    ts = T0 - PRE * MIN + MIN * np.arange(n, dtype=np.int64)
    o = 100.0 + np.sin(np.arange(n))
    df = pd.DataFrame({"ts": ts, "open": o, "high": o + 1, "low": o - 1, "close": o + 0.1, "volume": np.ones(n)})
    return df.drop(index=list(drop)).reset_index(drop=True) if drop else df


ONE_DAY = minutes(2 * DAY)  # 2020-01-01 .. 2020-01-02 23:59
WS, WE = datetime(2020, 1, 2, 0, 0), datetime(2020, 1, 2, 12, 0)
PLAN = PreflightPlan("p", ("BTC",), {"exec": "15m", "mtf": "1h", "htf": "4h"}, {"exec": 8, "mtf": 4, "htf": 2})


def gate(plan=PLAN, loader=None, ws=WS, we=WE, **kw):
    return run_preflight_gate(plan, loader if loader is not None else LocalFileLoader(ONE_DAY), ws, we, **kw)


# --------------------------------------------------------------------------- passing runs


def test_clean_data_passes_with_every_role_checked():
    report = gate()
    assert report.overall_status == PreflightStatus.PASSED and report.passed
    assert set(report.tf_results) == {"BTC:15m", "BTC:1h", "BTC:4h", "BTC:1m"}
    assert report.tf_results["BTC:4h"].roles == ["htf"]
    assert report.has_1m_coverage and report.exec_to_1m_mapping_feasible
    assert report.error_code is None and report.error_details is None


def test_required_1m_bars_is_warmup_plus_window_bars():
    report = gate(safety=SafetyBuffer())
    # htf dominates: 2 bars of 4h = 480 1m bars; window 00:00..12:00 inclusive = 721 bars
    assert report.tf_results["BTC:1m"].warmup_bars == 480
    assert report.required_1m_bars == 480 + 721


def test_gaps_are_warnings_that_do_not_fail():
    data = minutes(2 * DAY, drop=range(DAY + 120, DAY + 240))  # 2h hole inside the window
    report = gate(loader=LocalFileLoader(data))
    r1 = report.tf_results["BTC:1m"]
    assert r1.status == PreflightStatus.WARNING and "GAPS_EXCEED_THRESHOLD" in r1.warning_codes
    assert r1.gaps[0].start_ts == datetime(2020, 1, 2, 1, 59, tzinfo=UTC)
    assert r1.gaps[0].gap_duration_minutes == 121
    assert report.passed  # exec bars missing in both feeds are gaps, not mapping failures


def test_strict_mapping_requires_every_exec_close():
    data = minutes(2 * DAY, drop=range(DAY + 120, DAY + 240))
    report = gate(loader=LocalFileLoader(data), require_every_exec_close=True)
    assert report.error_code == "EXEC_1M_MAPPING_FAILED"
    assert "2020-01-02 02:15" in report.error_details["reason"]
    assert report.error_details["exec_tf"] == "15m"


# --------------------------------------------------------------------------- error codes


def test_missing_1m_coverage():
    report = gate(loader=LocalFileLoader(minutes(DAY + 300)))  # ends 2020-01-02 04:59
    assert report.error_code == "MISSING_1M_COVERAGE"
    d = report.error_details
    assert d["symbol"] == "BTC" and d["tf"] == "1m" and d["reason"] == "missing_1m_data"
    assert d["db_end_ts_ms"] == T0 + (DAY + 299) * MIN
    assert d["required_end_ts_ms"] == T0 + (DAY + 720) * MIN
    assert not report.exec_to_1m_mapping_feasible


def _loader_with(overrides):
    base = LocalFileLoader(ONE_DAY)

    def load(symbol, tf, start, end):
        if tf in overrides:
            value = overrides[tf]
            if isinstance(value, Exception):
                raise value
            return value(base(symbol, tf, start, end)) if callable(value) else value
        return base(symbol, tf, start, end)

    return load


def test_history_unavailable_when_loader_fails_or_returns_nothing():
    report = gate(loader=_loader_with({"1h": RuntimeError("db down")}))
    assert report.error_code == "HISTORY_UNAVAILABLE"
    r = report.tf_results["BTC:1h"]
    assert r.error_codes == ["LOAD_FAILED"] and "db down" in r.errors[0]
    report = gate(loader=_loader_with({"4h": pd.DataFrame()}))
    assert report.error_code == "HISTORY_UNAVAILABLE"
    assert report.tf_results["BTC:4h"].error_codes == ["NO_DATA"]


def test_insufficient_coverage_names_the_range():
    report = gate(loader=_loader_with({"4h": lambda df: df.iloc[1:]}))
    assert report.error_code == "INSUFFICIENT_COVERAGE"
    d = report.error_details
    assert d["tf"] == "4h" and d["reason"] == "coverage_gap"
    assert d["db_start_ts_ms"] > d["required_start_ts_ms"]
    assert "STARTS_TOO_LATE" in report.tf_results["BTC:4h"].error_codes


def test_data_quality_issue_for_duplicates_and_unsorted():
    report = gate(loader=_loader_with({"1h": lambda df: pd.concat([df, df.iloc[:2]])}))
    assert report.error_code == "DATA_QUALITY_ISSUE"
    assert report.error_details["error_codes"] == ["UNSORTED_TIMESTAMPS", "DUPLICATE_TIMESTAMPS"]
    report = gate(loader=_loader_with({"1h": lambda df: df.iloc[::-1]}))
    r = report.tf_results["BTC:1h"]
    assert r.is_unique and not r.is_monotonic and r.error_codes == ["UNSORTED_TIMESTAMPS"]


def test_exec_bar_without_1m_bars_fails_mapping():
    # the 1m feed lacks 06:00-06:14 although the exec feed has that bar
    exec_15m = resample_ohlcv(ONE_DAY, "15m")
    m1 = minutes(2 * DAY, drop=range(DAY + 360, DAY + 375))
    loader = _loader_with({"15m": lambda df: exec_15m[(exec_15m.ts >= df.ts.iloc[0])], "1m": lambda df: m1})
    report = gate(loader=loader)
    assert report.error_code == "EXEC_1M_MAPPING_FAILED"
    assert "1 exec TF close times" in report.error_details["reason"]
    assert "2020-01-02 06:15" in report.error_details["reason"]


def test_missing_timestamp_column():
    report = gate(loader=_loader_with({"1h": lambda df: df.drop(columns="ts")}))
    assert report.tf_results["BTC:1h"].error_codes == ["MISSING_TIMESTAMP_COLUMN"]
    assert report.error_code == "DATA_QUALITY_ISSUE"


# --------------------------------------------------------------------------- defects fixed


@pytest.mark.parametrize("tf, minutes_", [("90m", 90), ("30m", 30), ("1w", 10080), ("1H", 60), ("2d", 2880)])
def test_any_timeframe_parses_and_warms_up(tf, minutes_):
    assert parse_tf_to_minutes(tf) == minutes_
    assert calculate_warmup_start(WS, 3, minutes_) == WS.replace(tzinfo=UTC) - timedelta(minutes=3 * minutes_)
    assert calculate_warmup_start(WS, 3, tf) == calculate_warmup_start(WS, 3, minutes_)


def test_month_is_not_a_minute():
    with pytest.raises(TimeframeError):
        parse_tf_to_minutes("1M")


def test_exec_result_is_chosen_by_role_not_position():
    plan = PreflightPlan("p", ("BTC",), {"htf": "4h", "mtf": "1h", "exec": "15m"})
    report = gate(plan)
    assert list(report.tf_results)[0] == "BTC:4h"
    assert report.exec_key == "BTC:15m"
    d = report.to_dict()
    assert d["required_range"]["start_ts_ms"] == report.tf_results["BTC:15m"].to_dict()["required_range"]["start_ts_ms"]


def test_roles_sharing_a_timeframe_share_one_check():
    plan = PreflightPlan("p", ("BTC",), {"exec": "1h", "mtf": "1h", "htf": "4h"}, {"exec": 2, "mtf": 30})
    report = gate(plan, safety=SafetyBuffer())
    r = report.tf_results["BTC:1h"]
    assert r.roles == ["exec", "mtf"] and r.warmup_bars == 30


def test_naive_and_aware_windows_agree_and_non_utc_is_converted():
    a = gate()
    b = gate(ws=WS.replace(tzinfo=UTC), we=datetime(2020, 1, 2, 14, 0, tzinfo=timezone(timedelta(hours=2))))
    assert a.to_dict()["tf_results"] == b.to_dict()["tf_results"]


def test_earliest_date_is_a_parameter():
    assert gate(earliest_date=None).passed
    with pytest.raises(DataError) as info:
        gate(earliest_date="2020-01-03")
    assert info.value.error_code == "BEFORE_EARLIEST_DATE"
    with pytest.raises(DataError) as info:
        gate(earliest_date=datetime(2020, 1, 2, tzinfo=UTC))  # window ok, warmup is not
    assert info.value.error_code == "BEFORE_EARLIEST_DATE" and "Warmup for" in str(info.value)


def test_invalid_window():
    with pytest.raises(DataError) as info:
        gate(ws=WE, we=WS)
    assert info.value.error_code == "INVALID_WINDOW" and isinstance(info.value, ValueError)


def test_inclusive_window_includes_the_bar_at_window_end():
    # data ends one minute before the 1m bar opening at window_end: coverage fails
    report = gate(loader=LocalFileLoader(minutes(DAY + 720)))
    assert "ENDS_TOO_EARLY" in report.tf_results["BTC:1m"].error_codes
    assert gate(loader=LocalFileLoader(minutes(DAY + 721))).tf_results["BTC:1m"].covers_range


# --------------------------------------------------------------------------- idea cards, auto-sync


def test_duck_typed_idea_card_with_warmup_callable():
    card = SimpleNamespace(
        id="card-7", symbol_universe=["BTC"],
        tf_configs={"exec": SimpleNamespace(tf="15m"), "htf": SimpleNamespace(tf="4h")},
    )
    req = SimpleNamespace(warmup_by_role={"exec": 8, "htf": 2}, to_dict=lambda: {"custom": True})
    report = gate(card, warmup_requirements=lambda c: req)
    assert report.idea_card_id == "card-7" and report.passed
    assert report.to_dict()["computed_warmup_requirements"] == {"custom": True}
    assert report.tf_results["BTC:4h"].warmup_bars == 2 + 10


def test_idea_card_warmup_from_tf_configs():
    card = SimpleNamespace(id="c", symbol_universe=("BTC",), tf_configs={"exec": {"tf": "1h", "warmup_bars": 5}})
    report = gate(card, safety=SafetyBuffer())
    assert report.tf_results["BTC:1h"].warmup_bars == 5


def test_auto_sync_heals_and_never_mutates_caller_config():
    store = {"BTC": minutes(DAY + 300)}
    calls = []

    def sync_range(symbols, start, end, timeframes, env):
        calls.append(("sync", timeframes[0], env))
        store["BTC"] = ONE_DAY
        return SimpleNamespace(success=True, message="synced", error=None)

    def heal(symbol, fix_issues, fill_gaps_after, env):
        raise RuntimeError("heal exploded")

    def loader(symbol, tf, start, end):
        return LocalFileLoader(store[symbol])(symbol, tf, start, end)

    cfg = AutoSyncConfig(enabled=False, max_attempts=3, data_env="demo", sync_range_tool=sync_range, heal_data_tool=heal)
    before = dataclasses.asdict(cfg)
    report = gate(loader=loader, auto_sync_missing=True, auto_sync_config=cfg)
    assert dataclasses.asdict(cfg) == before
    assert report.passed
    sync = report.auto_sync_result
    assert sync.attempted and sync.success and sync.attempts_made == 1
    assert [t.tool_name for t in sync.tool_calls][-1] == "heal_data"
    assert sync.tool_calls[-1].message == "Exception: heal exploded" and not sync.tool_calls[-1].success
    assert all(c[2] == "demo" for c in calls)
    assert isinstance(sync.tool_calls[0].params["start"], str)


def test_auto_sync_without_tools_records_why():
    report = gate(loader=LocalFileLoader(minutes(DAY)), auto_sync_missing=True)
    assert report.auto_sync_result.attempts_made == 2 and not report.auto_sync_result.success
    assert report.auto_sync_result.tool_calls[0].message == "no sync tools configured"


def test_loader_may_be_a_path(tmp_path):
    p = tmp_path / "m1.parquet"
    ONE_DAY.to_parquet(p)
    assert gate(loader=p).passed
    with pytest.raises(DataError) as info:
        run_preflight_gate(PLAN, None, WS, WE)
    assert info.value.error_code == "NO_DATA_LOADER"


def test_local_loader_restricted_to_a_symbol():
    report = gate(loader=LocalFileLoader(ONE_DAY, symbol="ETH"))
    assert report.error_code == "MISSING_1M_COVERAGE"
    assert report.tf_results["BTC:1m"].error_codes == ["HISTORY_UNAVAILABLE"]


# --------------------------------------------------------------------------- reports


def test_report_json_and_summary(tmp_path):
    report = gate()
    path = report.write_json(tmp_path / "out" / "preflight.json")
    text = path.read_text(encoding="utf-8")
    loaded = json.loads(text)
    assert text == json.dumps(loaded, indent=2, sort_keys=True) + "\n"
    assert loaded["price_feed_1m"]["has_1m_coverage"] is True
    assert loaded["tf_results"]["BTC:15m"]["validation"]["is_unique"] is True
    assert loaded["window"]["start"] == "2020-01-02T00:00:00+00:00"
    buf = io.StringIO()
    report.print_summary(file=buf)
    assert "[OK]" in buf.getvalue() and "BTC:15m (exec)" in buf.getvalue()
    failed = gate(loader=LocalFileLoader(minutes(DAY)))
    buf = io.StringIO()
    failed.print_summary(file=buf)
    assert "[FAIL]" in buf.getvalue() and "[ERR] ENDS_TOO_EARLY" in buf.getvalue()


def test_validate_tf_data_reference_signature():
    r = validate_tf_data(ONE_DAY, "BTC", "1m", WS, WE, warmup_bars=30)
    assert r.status == PreflightStatus.PASSED and r.required_start == datetime(2020, 1, 1, 23, 30, tzinfo=UTC)
    df = ONE_DAY.assign(timestamp=pd.to_datetime(ONE_DAY["ts"], unit="ms")).drop(columns="ts")
    assert validate_tf_data(df, "BTC", "1m", WS, WE).status == PreflightStatus.PASSED
    r = validate_tf_data(None, "BTC", "1m", WS, WE)
    assert r.errors == ["No data available"] and r.error_codes == ["NO_DATA"]


def test_misaligned_step_is_a_warning():
    r = validate_tf_data(minutes(2 * DAY)[::2], "BTC", "1m", WS, WE)
    assert r.status == PreflightStatus.WARNING and "MISALIGNED_STEP" in r.warning_codes and not r.alignment_ok


def test_mapping_check_messages():
    ok, msg = validate_exec_to_1m_mapping("15m", WS, WE, None)
    assert not ok and "No 1m data" in msg
    ok, msg = validate_exec_to_1m_mapping("15m", WS, WE, ONE_DAY)
    assert ok and msg is None


# --------------------------------------------------------------------------- the real 2020 file


@pytest.mark.slow
@pytest.mark.skipif(not REAL.exists(), reason="2020 data file not present")
def test_real_2020_file_passes_for_15m_1h_4h_with_its_gaps_reported():
    loader = LocalFileLoader(REAL)
    plan = PreflightPlan("real", ("BTCUSDT",), {"exec": "15m", "mtf": "1h", "htf": "4h"}, {"exec": 200, "mtf": 100, "htf": 50})
    report = run_preflight_gate(plan, loader, "2020-02-01", "2020-12-31T23:59")
    assert report.passed, report.summary_lines()
    m1 = report.tf_results["BTCUSDT:1m"]
    assert m1.status == PreflightStatus.WARNING and m1.gap_count == 8
    assert m1.gaps[0].start_ts == datetime(2020, 2, 9, 1, 59, tzinfo=UTC)
    assert report.tf_results["BTCUSDT:15m"].gap_count > 0
    assert report.exec_to_1m_mapping_feasible


@pytest.mark.parametrize(
    "roles, code", [({"exec": "15m", "quote": "1m"}, "UNKNOWN_ROLE"), ({"htf": "4h"}, "MISSING_EXEC_ROLE")]
)
def test_plan_validation(roles, code):
    with pytest.raises(DataError) as info:
        PreflightPlan("bad", ("BTC",), roles)
    assert info.value.error_code == code
    with pytest.raises(DataError) as info:
        PreflightPlan("bad", (), {"exec": "15m"})
    assert info.value.error_code == "NO_SYMBOLS"


@pytest.mark.slow
@pytest.mark.skipif(not REAL.exists(), reason="2020 data file not present")
def test_real_2020_file_loads_and_reports_its_real_gaps():
    from btcore.data import DataHealthCheck, load_ohlcv

    df = load_ohlcv(REAL)
    raw = pd.read_parquet(REAL)
    np.testing.assert_array_equal(df["ts"].to_numpy(), raw["ts"].to_numpy())
    steps = np.diff(raw["ts"].to_numpy())
    holes = steps[steps > MIN]
    report = DataHealthCheck(
        "2020-01-01", "2020-12-31T23:59", ["1m", "4h"], "BTCUSDT", ["ohlcv"]
    ).run_frames({"1m": df, "4h": resample_ohlcv(df, "4h")})
    m1_gaps = [g for g in report.gaps if g.tf == "1m"]
    assert len(m1_gaps) == holes.size
    assert sum(g.missing_count for g in m1_gaps) == int(((holes - MIN) // MIN).sum())
    assert report.sanity_issue_counts == {} and report.coverage_issues == []


def _mapping_brute_force(exec_ms, m1_opens, exec_opens, g0, g1):
    m1 = set(int(x) for x in m1_opens)
    bad = []
    for o in exec_opens:
        if g0 <= o <= g1 and not any(o <= t < o + exec_ms for t in m1):
            bad.append(o)
    return bad


@given(
    m1_keep=st.lists(st.booleans(), min_size=1, max_size=240),
    exec_keep=st.lists(st.booleans(), min_size=16, max_size=16),
    lo=st.integers(0, 120),
    span=st.integers(0, 120),
)
def test_mapping_check_matches_brute_force(m1_keep, exec_keep, lo, span):
    m1 = T0 + MIN * np.flatnonzero(m1_keep)
    exec_opens = T0 + 15 * MIN * np.flatnonzero(exec_keep)
    ws, we = T0 + lo * MIN, T0 + (lo + span) * MIN
    ok, msg = validate_exec_to_1m_mapping("15m", ws, we, m1 if m1.size else None, exec_opens)
    g0, g1 = ws - (ws - T0) % (15 * MIN), we - (we - T0) % (15 * MIN)
    bad = _mapping_brute_force(15 * MIN, m1, exec_opens, g0, g1) if m1.size else ["no data"]
    assert ok == (not bad)
    if bad and m1.size:
        assert f"for {len(bad)} exec TF close times" in msg


def test_plan_with_bad_timeframe_has_an_error_code():
    with pytest.raises(DataError) as info:
        PreflightPlan("bad", ("BTC",), {"exec": "1M"})
    assert info.value.error_code == "BAD_TIMEFRAME" and "'1M'" in str(info.value)
