"""Timeframe parsing, durations, mapping validation and UTC conversion."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _dist_env import subprocess_env
from hypothesis import given
from hypothesis import strategies as st

from btcore.errors import TimeframeError
from btcore.timeframe import (
    ceil_to_tf_close,
    floor_to_tf_open,
    from_epoch_ms,
    normalize_tf,
    parse_tf,
    tf_duration,
    tf_minutes,
    tf_ms,
    tf_origin_ms,
    to_epoch_ms,
    validate_tf_mapping,
)

UTC = timezone.utc


@pytest.mark.parametrize(
    "tf, minutes",
    [("1m", 1), ("3m", 3), ("15m", 15), ("90m", 90), ("1h", 60), ("2H", 120), ("4h", 240),
     ("1d", 1440), ("1D", 1440), ("1w", 10080), (" 5m ", 5)],
)
def test_minutes_of_any_n_unit(tf: str, minutes: int) -> None:
    assert tf_minutes(tf) == minutes
    assert tf_ms(tf) == minutes * 60_000
    assert tf_duration(tf) == timedelta(minutes=minutes)


@pytest.mark.parametrize("bad", ["1M", "M", "", "0m", "-5m", "15", "m15", "1y", "1.5h", "15 min"])
def test_bad_timeframes_raise_naming_the_value(bad: str) -> None:
    with pytest.raises(TimeframeError) as exc:
        parse_tf(bad)
    assert repr(bad) in str(exc.value)
    assert isinstance(exc.value, ValueError)


def test_month_is_not_a_minute() -> None:
    with pytest.raises(TimeframeError, match="month"):
        tf_minutes("1M")


@pytest.mark.parametrize("bad", [None, 15, 1.0, b"1m"])
def test_non_string_timeframe(bad: object) -> None:
    with pytest.raises(TimeframeError, match="string"):
        parse_tf(bad)  # type: ignore[arg-type]


def test_normalize() -> None:
    assert normalize_tf("4H") == "4h"
    assert parse_tf("12h") == (12, "h")


def test_validate_mapping_ok_and_ltf_alias() -> None:
    validate_tf_mapping({"htf": "4h", "mtf": "1h", "exec": "15m"})
    validate_tf_mapping({"htf": "4h", "mtf": "1h", "ltf": "15m"})
    validate_tf_mapping({"htf": "15m", "mtf": "15m", "exec": "15m"})


@pytest.mark.parametrize(
    "mapping, fragment",
    [
        ({"htf": "4h", "mtf": "1h"}, "Missing required tf_mapping keys"),
        ({"htf": "4h", "mtf": "1x", "exec": "15m"}, "'1x' for role 'mtf'"),
        ({"htf": "1h", "mtf": "4h", "exec": "15m"}, "hierarchy"),
        ({"htf": "4h", "mtf": "1h", "exec": "15m", "ltf": "5m"}, "must agree"),
    ],
)
def test_validate_mapping_errors(mapping: dict[str, str], fragment: str) -> None:
    with pytest.raises(TimeframeError, match=fragment):
        validate_tf_mapping(mapping)


def test_to_epoch_ms_accepts_every_time_type_and_naive_means_utc() -> None:
    expected = 1_577_836_800_000  # 2020-01-01T00:00:00Z
    for value in (
        datetime(2020, 1, 1),
        datetime(2020, 1, 1, tzinfo=UTC),
        datetime(2020, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
        pd.Timestamp("2020-01-01"),
        pd.Timestamp("2020-01-01", tz="UTC"),
        np.datetime64("2020-01-01T00:00:00"),
        np.datetime64("2020-01-01T00:00:00.000000000"),
        "2020-01-01",
        "2020-01-01T00:00:00Z",
        "2019-12-31T19:00:00-05:00",
        date(2020, 1, 1),
        expected,
        np.int64(expected),
    ):
        assert to_epoch_ms(value) == expected, value


@pytest.mark.parametrize("bad", [None, True, 1.5, "yesterday", np.datetime64("NaT"), object()])
def test_to_epoch_ms_rejects(bad: object) -> None:
    with pytest.raises(ValueError):
        to_epoch_ms(bad)


def test_sub_millisecond_parts_floor_toward_the_past() -> None:
    assert to_epoch_ms(datetime(1970, 1, 1, 0, 0, 0, 1999, tzinfo=UTC)) == 1
    assert to_epoch_ms(datetime(1969, 12, 31, 23, 59, 59, 999_500, tzinfo=UTC)) == -1


@given(st.integers(min_value=-10**12, max_value=4 * 10**12))
def test_from_to_roundtrip(ms: int) -> None:
    dt = from_epoch_ms(ms)
    assert dt.tzinfo is not None and dt.utcoffset() == timedelta(0)
    assert to_epoch_ms(dt) == ms


def test_ceil_handles_seconds_and_exact_boundaries() -> None:
    assert ceil_to_tf_close(datetime(2020, 1, 1, 10, 3, 30), "5m") == datetime(2020, 1, 1, 10, 5, tzinfo=UTC)
    assert ceil_to_tf_close(datetime(2020, 1, 1, 10, 5), "5m") == datetime(2020, 1, 1, 10, 5, tzinfo=UTC)
    assert ceil_to_tf_close(datetime(2020, 1, 1, 10, 5, 30), "5m") == datetime(2020, 1, 1, 10, 10, tzinfo=UTC)
    assert ceil_to_tf_close(datetime(2020, 1, 1, 10, 5, 0, 500), "5m") == datetime(2020, 1, 1, 10, 10, tzinfo=UTC)
    assert ceil_to_tf_close(datetime(2020, 1, 1, 10, 0), "1h") == datetime(2020, 1, 1, 10, tzinfo=UTC)


def test_weeks_open_on_monday() -> None:
    monday = datetime(2020, 1, 6, tzinfo=UTC)
    assert monday.weekday() == 0
    assert floor_to_tf_open(datetime(2020, 1, 8, 13, 0), "1w") == monday
    assert ceil_to_tf_close(datetime(2020, 1, 8), "1w") == monday + timedelta(days=7)
    assert from_epoch_ms(tf_origin_ms("1w")).weekday() == 0
    assert tf_origin_ms("4h") == 0


@given(
    st.integers(min_value=0, max_value=4 * 10**12),
    st.sampled_from(["1m", "3m", "15m", "90m", "1h", "4h", "1d", "1w"]),
)
def test_floor_ceil_bracket(ms: int, tf: str) -> None:
    lo, hi = to_epoch_ms(floor_to_tf_open(ms, tf)), to_epoch_ms(ceil_to_tf_close(ms, tf))
    assert lo <= ms <= hi
    assert hi - lo in (0, tf_ms(tf))
    assert (lo - tf_origin_ms(tf)) % tf_ms(tf) == 0
    assert (hi == lo) == (ms == lo)


def test_results_do_not_depend_on_the_tz_variable(tmp_path: Path) -> None:
    code = (
        "from datetime import datetime; from btcore.timeframe import ceil_to_tf_close, to_epoch_ms;"
        "print(ceil_to_tf_close(datetime(2020, 3, 8, 1, 30), '4h').isoformat(),"
        " to_epoch_ms(datetime(2020, 3, 8, 2, 30)))"
    )
    outs = set()
    for tz in ("UTC", "America/New_York", "Asia/Kolkata"):
        env = dict(subprocess_env(), TZ=tz)
        # run outside the checkout so 'import btcore' is the installed build, not the source tree
        res = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path
        )
        assert res.returncode == 0, res.stderr
        outs.add(res.stdout)
    assert len(outs) == 1
    assert outs.pop().split()[0] == "2020-03-08T04:00:00+00:00"
