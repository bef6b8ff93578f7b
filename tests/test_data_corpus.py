"""The bad-input corpus under tests/data: every file gives its documented outcome.

``tests/data/corpus.json`` lists, per file, the DataError ``error_code`` it must raise or that it
loads, plus the data-health entries or preflight error it must produce. The files were written
by hand-checked rules (10 one-minute bars from 2020-01-01T00:00Z, open = 100 + i, ...).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from btcore.data import DataHealthCheck, LocalFileLoader, PreflightPlan, SafetyBuffer, load_ohlcv, run_preflight_gate
from btcore.errors import DataError

DATA = Path(__file__).resolve().parent / "data"
MANIFEST = json.loads((DATA / "corpus.json").read_text(encoding="utf-8"))
T0 = 1_577_836_800_000
GOOD_TS = T0 + 60_000 * np.arange(10)


def _cases(pred):
    return sorted(name for name, spec in MANIFEST.items() if pred(spec))


def test_every_corpus_file_is_listed():
    on_disk = {p.name for p in DATA.iterdir() if p.name != "corpus.json"}
    listed = {n for n, s in MANIFEST.items() if not s.get("absent")}
    assert on_disk == listed


@pytest.mark.parametrize("name", _cases(lambda s: "error_code" in s))
def test_bad_file_raises_its_error_code(name):
    with pytest.raises(DataError) as info:
        load_ohlcv(DATA / name)
    assert info.value.error_code == MANIFEST[name]["error_code"]
    assert isinstance(info.value, ValueError)
    assert name in str(info.value) or MANIFEST[name]["error_code"] not in ("FILE_NOT_FOUND", "EMPTY_DATA")


@pytest.mark.parametrize("name", _cases(lambda s: s.get("loads") and "gaps" not in s and "preflight" not in s))
def test_good_file_loads_to_canonical_frame(name):
    df = load_ohlcv(DATA / name)
    assert list(df.columns) == ["ts", "open", "high", "low", "close", "volume"]
    assert df["ts"].dtype == np.int64
    assert all(df[c].dtype == np.float64 for c in df.columns[1:])
    np.testing.assert_array_equal(df["ts"].to_numpy(), GOOD_TS)
    if "health" not in MANIFEST[name]:
        np.testing.assert_array_equal(df["open"].to_numpy(), 100.0 + np.arange(10))


def test_unsorted_file_loads_with_sort():
    df = load_ohlcv(DATA / "unsorted.csv", sort=True)
    np.testing.assert_array_equal(df["ts"].to_numpy(), GOOD_TS)
    np.testing.assert_array_equal(df["open"].to_numpy(), 100.0 + np.arange(10))


@pytest.mark.parametrize("keep", ["first", "last"])
def test_duplicated_file_loads_with_deduplicate(keep):
    df = load_ohlcv(DATA / "duplicated.csv", deduplicate=keep)
    np.testing.assert_array_equal(df["ts"].to_numpy(), GOOD_TS)


@pytest.mark.parametrize("name", _cases(lambda s: "health" in s))
def test_health_entries(name):
    df = load_ohlcv(DATA / name)
    check = DataHealthCheck("2020-01-01T00:00", "2020-01-01T00:09", ["1m"], "TEST", ["ohlcv"])
    report = check.run_frames({"1m": df})
    assert report.sanity_issue_counts == MANIFEST[name]["health"]
    assert not report.passed
    assert {i.issue_type for i in report.sanity_issues} == set(MANIFEST[name]["health"])


def test_gaps_at_start_middle_and_end():
    spec = MANIFEST["gaps_start_middle_end.csv"]
    df = load_ohlcv(DATA / "gaps_start_middle_end.csv")
    report = DataHealthCheck(*spec["window"], ["1m"], "TEST", ["ohlcv"]).run_frames({"1m": df})
    got = [[g.start.isoformat(), g.end.isoformat(), g.missing_count] for g in report.gaps]
    assert got == spec["gaps"]
    assert report.total_missing_bars == sum(g[2] for g in spec["gaps"])
    assert report.coverage["ohlcv/1m"].covers_start is False
    assert report.coverage["ohlcv/1m"].covers_end is False


def test_feed_that_stops_before_the_exec_range_fails_preflight():
    spec = MANIFEST["short_feed.csv"]["preflight"]
    plan = PreflightPlan("short", ("TEST",), {"exec": spec["exec"]})
    report = run_preflight_gate(
        plan, LocalFileLoader(DATA / "short_feed.csv"), *spec["window"], safety=SafetyBuffer()
    )
    assert report.error_code == spec["error_code"]
    assert not report.passed
    assert "ENDS_TOO_EARLY" in report.tf_results["TEST:1m"].error_codes
    assert report.error_details["db_end_ts_ms"] == T0 + 60 * 60_000
