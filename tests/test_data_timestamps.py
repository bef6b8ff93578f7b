"""Time columns: mixed aware/naive ISO strings give the right instant on every supported pandas,
and a bad value is reported at its own row.

pandas 2.2 and 2.3 read a naive ISO string that follows an aware one in the previous string's
offset when a column is parsed in one call; CI runs this file on the lowest supported pandas
(a 2.2 release) and on the newest. Expected values are computed here with the standard library,
never with the code under test.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcore.data import load_ohlcv
from btcore.data._timestamps import to_ms_array
from btcore.errors import DataError

T0 = 1_577_836_800_000  # 2020-01-01T00:00Z
MIN = 60_000
HOUR = 3_600_000
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def test_naive_after_aware_is_utc_not_the_previous_offset() -> None:
    # the failing input: pandas 2.2/2.3 give T0 - 5.5 h for the second string
    got = to_ms_array(["2020-01-01T00:00:00+05:30", "2020-01-01T00:00:00"])
    np.testing.assert_array_equal(got, [T0 - 5 * HOUR - 30 * MIN, T0])


@pytest.mark.parametrize(
    "strings, expected",
    [
        (["2020-01-01T00:00:00+0530", "2020-01-01T00:00:00"], [T0 - 5 * HOUR - 30 * MIN, T0]),
        (["2020-01-01T00:00:00+05", "2020-01-01 00:00:00"], [T0 - 5 * HOUR, T0]),
        (["2020-01-01T00:00:00-02:00", "2020-01-01T00:00:00", "2020-01-01T00:00:00+05:30", "2020-01-01"],
         [T0 + 2 * HOUR, T0, T0 - 5 * HOUR - 30 * MIN, T0]),
        (["2020-01-01T00:00:00.250+05:30", "2020-01-01T00:00:00.5"], [T0 - 5 * HOUR - 30 * MIN + 250, T0 + 500]),
        (["2020-01-01T00:00:00Z", "2020-01-01T00:01:00+01:00", "2020-01-01T00:02:00"],
         [T0, T0 + MIN - HOUR, T0 + 2 * MIN]),
        (["2020-01-01T00:00:00 +05:30", "2020-01-01T00:00:00"], [T0 - 5 * HOUR - 30 * MIN, T0]),
    ],
)
def test_mixed_offset_forms(strings: list[str], expected: list[int]) -> None:
    np.testing.assert_array_equal(to_ms_array(strings), expected)
    np.testing.assert_array_equal(to_ms_array(pd.Series(strings)), expected)
    np.testing.assert_array_equal(to_ms_array(np.array(strings)), expected)


def test_strings_among_datetime_objects() -> None:
    values = [datetime(2020, 1, 1, tzinfo=timezone(timedelta(hours=5, minutes=30))), "2020-01-01T00:00:00",
              "2020-01-01T00:00:00+05:30", datetime(2020, 1, 1)]
    np.testing.assert_array_equal(to_ms_array(values), [T0 - 330 * MIN, T0, T0 - 330 * MIN, T0])


def test_csv_with_mixed_time_column(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(
        "time,open,high,low,close,volume\n"
        "2020-01-01T05:30:00+05:30,1,2,0.5,1.5,3\n"
        "2020-01-01T00:01:00,1,2,0.5,1.5,3\n"
        "2020-01-01T00:02:00Z,1,2,0.5,1.5,3\n",
        encoding="utf-8",
    )
    np.testing.assert_array_equal(load_ohlcv(path)["ts"].to_numpy(), [T0, T0 + MIN, T0 + 2 * MIN])


_OFFSETS = st.one_of(st.none(), st.integers(-14 * 60, 14 * 60).map(lambda m: m - m % 15))


@given(st.lists(st.tuples(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
                          _OFFSETS), min_size=1, max_size=12))
def test_any_mix_of_aware_and_naive_strings(items: list[tuple[datetime, int | None]]) -> None:
    strings, expected = [], []
    for wall, offset_min in items:
        wall = wall.replace(microsecond=wall.microsecond // 1000 * 1000)  # ms resolution
        tz = timezone.utc if offset_min is None else timezone(timedelta(minutes=offset_min))
        text = wall.isoformat(timespec="milliseconds")
        if offset_min is not None:
            sign, mins = ("+" if offset_min >= 0 else "-"), abs(offset_min)
            text += f"{sign}{mins // 60:02d}:{mins % 60:02d}"
        strings.append(text)
        delta = wall.replace(tzinfo=tz) - EPOCH
        expected.append((delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000)
    np.testing.assert_array_equal(to_ms_array(strings), expected)


# --------------------------------------------------------------------------- row numbers in errors


def _bars_csv(path: Path, times: list[str]) -> Path:
    rows = "".join(f"{t},1,2,0.5,1.5,3\n" for t in times)
    path.write_text("ts,open,high,low,close,volume\n" + rows, encoding="utf-8")
    return path


def test_bad_epoch_cell_is_reported_at_its_row(tmp_path: Path) -> None:
    times = [str(T0 + i * MIN) for i in range(200)]
    times[150] = "abc"
    with pytest.raises(DataError, match=r"row 150: cannot read 'abc'") as info:
        load_ohlcv(_bars_csv(tmp_path / "bad.csv", times))
    assert info.value.error_code == "BAD_TIMESTAMP"
    assert "row 0" not in str(info.value)


def test_bad_iso_cell_is_reported_at_its_row(tmp_path: Path) -> None:
    times = [datetime.fromtimestamp((T0 + i * MIN) / 1000, timezone.utc).isoformat() for i in range(200)]
    times[150] = "2020-13-45T00:00:00"
    with pytest.raises(DataError, match=r"row 150: cannot read '2020-13-45T00:00:00'"):
        load_ohlcv(_bars_csv(tmp_path / "bad_iso.csv", times))


def test_bad_cell_row_is_positional_in_a_frame_with_its_own_index() -> None:
    ts: list[object] = [T0 + i * MIN for i in range(200)]
    ts[150] = "abc"
    df = pd.DataFrame({"ts": ts, "open": 1.0, "high": 2.0, "low": 0.5, "close": 1.5, "volume": 3.0},
                      index=np.arange(1000, 1200))
    with pytest.raises(DataError, match=r"row 150: cannot read 'abc'"):
        load_ohlcv(df)
    df = df.assign(ts=[T0 + i * MIN for i in range(200)], close=[1.5] * 150 + ["x"] + [1.5] * 49)
    with pytest.raises(DataError, match=r"'x' at row 150"):
        load_ohlcv(df)
