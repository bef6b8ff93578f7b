"""Data health: coverage, gaps and sanity, vectorised, for reference-style and array inputs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcore.data import DataHealthCheck
from btcore.data.health import SANITY_ISSUE_TYPES, find_gaps_ms
from btcore.errors import DataError

T0 = 1_577_836_800_000
MIN = 60_000
UTC = timezone.utc


def bars(n, start=T0, step=MIN):
    ts = start + step * np.arange(n, dtype=np.int64)
    o = 100.0 + np.arange(n)
    return pd.DataFrame({"ts": ts, "open": o, "high": o + 1, "low": o - 1, "close": o + 0.5, "volume": np.ones(n)})


def check(start="2020-01-01T00:00", end="2020-01-01T00:09", tfs=("1m",), **kw):
    return DataHealthCheck(start, end, list(tfs), "TEST", ["ohlcv"], **kw)


def test_clean_data_passes():
    report = check().run_frames({"1m": bars(10)})
    assert report.passed and report.gaps == [] and report.coverage_issues == []
    assert report.error_codes == []
    assert report.coverage["ohlcv/1m"].bar_count == 10


def test_inclusive_end_counts_the_bar_at_load_end():
    # the bar opening exactly at load_end is required: 9 bars are one short
    report = check().run_frames({"1m": bars(9)})
    assert report.coverage["ohlcv/1m"].covers_end is False
    assert [(g.missing_count, g.start.minute, g.end.minute) for g in report.gaps] == [(1, 9, 10)]


def test_unaligned_window_bounds_need_the_bars_containing_them():
    report = check("2020-01-01T00:00:30", "2020-01-01T00:09:59").run_frames({"1m": bars(10)})
    assert report.passed


def test_no_data_is_one_gap_over_the_whole_window():
    report = check().run({"ohlcv": {"1m": []}})
    assert report.coverage_issues == ["No data for ohlcv/1m"]
    assert [g.missing_count for g in report.gaps] == [10]
    assert report.total_missing_bars == 10


def test_data_outside_the_window_counts_as_missing():
    report = check().run_frames({"1m": bars(5, start=T0 + 60 * MIN)})
    assert [g.missing_count for g in report.gaps] == [10]


def test_gap_end_is_exclusive_and_count_consistent():
    ts = np.r_[T0 + MIN * np.arange(3), T0 + MIN * np.arange(7, 10)]
    gaps = find_gaps_ms(ts, "1m", T0, T0 + 9 * MIN)
    assert gaps == [(T0 + 3 * MIN, T0 + 7 * MIN, 4)]


def test_misaligned_bars_smaller_than_tf_are_not_gaps():
    ts = np.array([T0, T0 + MIN + 30_000, T0 + 2 * MIN + 30_000])
    assert find_gaps_ms(ts, "1m", T0, T0 + 2 * MIN) == []


@given(st.sets(st.integers(0, 59), max_size=60))
def test_gap_counts_equal_missing_grid_bars(present):
    ts = T0 + MIN * np.array(sorted(present), dtype=np.int64)
    gaps = find_gaps_ms(ts, "1m", T0, T0 + 59 * MIN)
    assert sum(n for _, _, n in gaps) == 60 - len(present)
    for lo, hi, n in gaps:
        assert (hi - lo) // MIN == n
        assert not np.any((ts >= lo) & (ts < hi))


def _missing_runs(present, lo_slot, hi_slot):
    """The gaps of the slots lo_slot..hi_slot by enumeration: runs of absent slots."""
    runs, start = [], None
    for slot in range(lo_slot, hi_slot + 2):
        absent = slot <= hi_slot and slot not in present
        if absent and start is None:
            start = slot
        elif not absent and start is not None:
            runs.append((T0 + start * MIN, T0 + slot * MIN, slot - start))
            start = None
    return runs


@given(st.lists(st.integers(-5, 65), max_size=80), st.integers(0, 20), st.integers(30, 59), st.booleans())
def test_gaps_are_the_runs_of_absent_slots_whatever_the_order(slots, first, last, shuffle):
    # bars before and after the window, repeated and (optionally) out of order
    ts = T0 + MIN * np.array(slots if shuffle else sorted(slots), dtype=np.int64)
    assert find_gaps_ms(ts, "1m", T0 + first * MIN, T0 + last * MIN) == _missing_runs(set(slots), first, last)


def test_naive_and_aware_inputs_never_raise_type_error():
    naive = [datetime(2020, 1, 1, 0, i) for i in range(5)]
    aware = [datetime(2020, 1, 1, 2, i, tzinfo=timezone(timedelta(hours=2))) for i in range(5, 10)]
    c = DataHealthCheck(datetime(2020, 1, 1, tzinfo=UTC), datetime(2020, 1, 1, 0, 9), ["1m"], "TEST", ["ohlcv"])
    report = c.run({"ohlcv": {"1m": naive + aware}})
    assert report.passed


def test_reference_row_dicts_and_dataframe_agree():
    df = bars(10)
    df.loc[2, "high"] = np.nan
    df.loc[4, "volume"] = -1.0
    df.loc[6, ["high", "low"]] = [90.0, 95.0]
    rows = [
        {"timestamp": datetime(2020, 1, 1, 0, i), **{k: df.loc[i, k] for k in ("open", "high", "low", "close", "volume")}}
        for i in range(10)
    ]
    rows.append({"open": 1.0})  # rows without a timestamp are skipped
    c = check()
    a = c.check_sanity(rows, tf="1m")
    b = c.check_sanity(df, tf="1m")
    assert [x.to_dict() for x in a] == [x.to_dict() for x in b]
    assert sorted(x.issue_type for x in a) == ["high_lt_low", "nan_value", "negative_volume", "ohlc_range"]


def test_nan_skips_range_checks_of_its_row():
    df = bars(3)
    df.loc[1, ["open", "high"]] = [np.nan, 50.0]  # high < low too, but the NaN row is skipped
    counts = check().count_sanity(df)
    assert counts == {"nan_value": 1}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nan_found_in_float32_and_volume(dtype):
    df = bars(4).astype({c: dtype for c in ("open", "high", "low", "close", "volume")})
    df.loc[1, "close"] = np.nan
    df.loc[2, "volume"] = np.nan
    issues = check().check_sanity(df)
    assert sorted(i.detail for i in issues) == ["close is NaN/None", "volume is NaN/None"]


def test_infinite_price_is_reported():
    df = bars(3)
    df.loc[0, "high"] = np.inf
    (issue,) = check().check_sanity(df)
    assert issue.issue_type == "nan_value" and "infinite" in issue.detail


def test_non_positive_prices_and_duplicates():
    df = pd.concat([bars(3), bars(1)], ignore_index=True)
    df.loc[1, ["open", "low"]] = [0.0, 0.0]
    counts = check().count_sanity(df)
    assert counts == {"non_positive_price": 1, "duplicate_timestamp": 1}


def test_issue_listing_is_capped_but_counts_are_complete():
    df = bars(50)
    df["volume"] = -1.0
    report = check(end="2020-01-01T00:49", max_issues_per_type=7).run_frames({"1m": df})
    assert report.sanity_issue_counts == {"negative_volume": 50}
    assert len(report.sanity_issues) == 7
    assert "SANITY_NEGATIVE_VOLUME" in report.error_codes


def test_funding_coverage_with_tolerance():
    c = DataHealthCheck("2020-01-01", "2020-01-02", ["1h"], "TEST")
    hourly = bars(25, step=60 * MIN)["ts"]
    funding = [datetime(2020, 1, 1, h) for h in (0, 8, 16)] + [datetime(2020, 1, 2, 0)]
    report = c.run({"ohlcv": {"1h": hourly}, "funding": {"1h": funding}})
    assert report.passed, report.coverage_issues
    short = c.run({"ohlcv": {"1h": hourly}, "funding": funding[:1]})
    assert any("funding/8h ends" in s for s in short.coverage_issues)


def test_default_series_and_to_dict_keys():
    c = DataHealthCheck("2020-01-01", "2020-01-01T00:09", ["1m"], "TEST", [])
    assert c.required_series == ["ohlcv", "funding"]
    d = c.run({"ohlcv": {"1m": bars(10)["ts"]}}).to_dict()
    for key in ("load_start", "load_end", "required_tfs", "required_series", "symbol", "passed", "coverage",
                "coverage_issues", "gaps", "total_missing_bars", "sanity_issues", "heal_required", "heal_ranges"):
        assert key in d
    assert d["heal_required"] is True  # funding missing


def test_issue_types_constant_lists_every_type():
    assert SANITY_ISSUE_TYPES[:4] == ("nan_value", "high_lt_low", "ohlc_range", "negative_volume")


def test_invalid_window_and_mapping():
    with pytest.raises(DataError) as info:
        DataHealthCheck("2020-01-02", "2020-01-01", ["1m"], "TEST")
    assert info.value.error_code == "INVALID_WINDOW"
    with pytest.raises(DataError):
        check().check_coverage([1, 2, 3])


def test_results_do_not_depend_on_row_order():
    df = bars(10)
    df.loc[3, "volume"] = -2.0
    shuffled = df.sample(frac=1.0, random_state=1)
    a, b = check().run_frames({"1m": df}), check().run_frames({"1m": shuffled})
    assert a.gaps == b.gaps and a.sanity_issue_counts == b.sanity_issue_counts
