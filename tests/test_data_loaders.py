"""Loaders: time units and formats, canonical output, clear errors, resampling."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcore.data import load_ohlcv, normalize_ohlcv, resample_ohlcv
from btcore.data._timestamps import detect_epoch_unit, to_ms_array
from btcore.errors import DataError

T0 = 1_577_836_800_000  # 2020-01-01T00:00Z
MIN = 60_000


def frame(n=20, start=T0, step=MIN, seed=0):
    rng = np.random.default_rng(seed)
    close = 100 + rng.normal(0, 1, n).cumsum()
    open_ = np.r_[100.0, close[:-1]]
    high = np.maximum(open_, close) + rng.uniform(0, 1, n)
    low = np.minimum(open_, close) - rng.uniform(0, 1, n)
    return pd.DataFrame(
        {"ts": start + step * np.arange(n, dtype=np.int64), "open": open_, "high": high, "low": low,
         "close": close, "volume": rng.uniform(0, 5, n)}
    )


# --------------------------------------------------------------------------- time units


@pytest.mark.parametrize(
    "values, unit",
    [([1_577_836_800], "s"), ([T0], "ms"), ([T0 * 1000], "us"), ([T0 * 1_000_000], "ns"),
     ([100_000_000_000], "ms"), ([99_999_999_999], "s")],
)
def test_unit_detection_bands(values, unit):
    assert detect_epoch_unit(np.array(values)) == unit


@pytest.mark.parametrize("mult", [1, 1000, 1_000_000])
def test_numeric_epochs_normalise_to_ms(mult):
    np.testing.assert_array_equal(to_ms_array(np.array([T0, T0 + MIN]) * mult), [T0, T0 + MIN])


def test_seconds_and_float_seconds():
    np.testing.assert_array_equal(to_ms_array([1_577_836_800, 1_577_836_860]), [T0, T0 + MIN])
    np.testing.assert_array_equal(to_ms_array(np.array([1_577_836_800.5])), [T0 + 500])


def test_explicit_unit_overrides_detection():
    np.testing.assert_array_equal(to_ms_array(np.array([5, 6]), unit="ms"), [5, 6])


def test_mixed_units_rejected():
    with pytest.raises(DataError) as info:
        to_ms_array(np.array([T0, T0 * 1000]))
    assert info.value.error_code == "MIXED_TIMESTAMP_UNITS"


def test_naive_and_aware_datetimes_mix_without_type_error():
    naive = datetime(2020, 1, 1, 0, 0)
    aware = datetime(2020, 1, 1, 2, 1, tzinfo=timezone(timedelta(hours=2)))
    np.testing.assert_array_equal(to_ms_array([naive, aware]), [T0, T0 + MIN])


def test_pandas_datetimes_naive_is_utc_and_aware_is_converted():
    naive = pd.Series(pd.to_datetime([T0, T0 + MIN], unit="ms"))
    aware = naive.dt.tz_localize("UTC").dt.tz_convert("America/New_York")
    np.testing.assert_array_equal(to_ms_array(naive), [T0, T0 + MIN])
    np.testing.assert_array_equal(to_ms_array(aware), [T0, T0 + MIN])
    np.testing.assert_array_equal(to_ms_array(pd.DatetimeIndex(aware)), [T0, T0 + MIN])


def test_iso_strings_with_and_without_offsets():
    vals = ["2020-01-01T00:00:00", "2020-01-01T01:01:00+01:00", "2020-01-01T00:02:00Z"]
    np.testing.assert_array_equal(to_ms_array(vals), [T0, T0 + MIN, T0 + 2 * MIN])


@pytest.mark.parametrize("bad", [[None, T0], ["not a time"], [True, False], [np.nan, 1.0]])
def test_unreadable_times(bad):
    with pytest.raises(DataError) as info:
        to_ms_array(bad)
    assert info.value.error_code == "BAD_TIMESTAMP"


@pytest.mark.skipif(not hasattr(__import__("time"), "tzset"), reason="time.tzset is POSIX-only")
def test_results_do_not_depend_on_tz_env(monkeypatch):
    import time

    vals = [datetime(2020, 1, 1), "2020-01-01T00:01:00"]
    expected = to_ms_array(vals)
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        np.testing.assert_array_equal(to_ms_array(vals), expected)
        np.testing.assert_array_equal(expected, [T0, T0 + MIN])
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


# --------------------------------------------------------------------------- files and frames


def test_parquet_round_trip(tmp_path):
    df = frame()
    path = tmp_path / "bars.parquet"
    df.to_parquet(path)
    pd.testing.assert_frame_equal(load_ohlcv(path), df)


def test_parquet_with_datetime_column(tmp_path):
    df = frame()
    raw = df.assign(timestamp=pd.to_datetime(df["ts"], unit="ms", utc=True)).drop(columns="ts")
    path = tmp_path / "bars.parquet"
    raw.to_parquet(path)
    pd.testing.assert_frame_equal(load_ohlcv(path), df)


def test_csv_with_uppercase_and_short_column_names(tmp_path):
    df = frame(5)
    path = tmp_path / "bars.csv"
    df.rename(columns={"ts": "Timestamp", "open": "O", "high": "H", "low": "L", "close": "C", "volume": "Vol"}).to_csv(
        path, index=False
    )
    out = load_ohlcv(path)
    np.testing.assert_array_equal(out["ts"], df["ts"])
    np.testing.assert_allclose(out["close"], df["close"])


def test_dataframe_input_with_integer_prices():
    df = frame(5)
    raw = df.assign(open=df["open"].round().astype(np.int64))
    out = load_ohlcv(raw)
    assert out["open"].dtype == np.float64


def test_start_end_slice_is_inclusive():
    out = load_ohlcv(frame(10), start=T0 + 2 * MIN, end=datetime(2020, 1, 1, 0, 5))
    np.testing.assert_array_equal(out["ts"], T0 + MIN * np.arange(2, 6))


@pytest.mark.parametrize(
    "fmt, code", [("xlsx", "UNSUPPORTED_FORMAT")],
)
def test_unsupported_format(tmp_path, fmt, code):
    p = tmp_path / f"bars.{fmt}"
    p.write_text("x")
    with pytest.raises(DataError) as info:
        load_ohlcv(p)
    assert info.value.error_code == code


def test_directory_is_unreadable(tmp_path):
    with pytest.raises(DataError) as info:
        load_ohlcv(tmp_path, format="csv")
    assert info.value.error_code == "UNREADABLE_FILE"


def test_headerless_file_with_wrong_column_count(tmp_path):
    p = tmp_path / "bars.csv"
    p.write_text(f"{T0},1,2,0.5\n")
    with pytest.raises(DataError) as info:
        load_ohlcv(p)
    assert info.value.error_code == "MISSING_COLUMNS"


def test_no_time_column():
    with pytest.raises(DataError) as info:
        normalize_ohlcv(frame(3).rename(columns={"ts": "when"}))
    assert info.value.error_code == "MISSING_COLUMNS"
    assert "when" in str(info.value)


def test_explicit_time_column():
    out = normalize_ohlcv(frame(3).rename(columns={"ts": "when"}), time_column="when")
    assert len(out) == 3


def test_nan_timestamp_is_bad():
    df = frame(3).astype({"ts": float})
    df.loc[1, "ts"] = np.nan
    with pytest.raises(DataError) as info:
        normalize_ohlcv(df)
    assert info.value.error_code == "BAD_TIMESTAMP"


def test_boolean_price_column_is_non_numeric():
    with pytest.raises(DataError) as info:
        normalize_ohlcv(frame(3).assign(volume=[True, False, True]))
    assert info.value.error_code == "NON_NUMERIC_VALUES"


def test_empty_cells_become_nan_not_errors():
    df = frame(3).astype({"volume": object})
    df.loc[1, "volume"] = ""
    out = normalize_ohlcv(df)
    assert np.isnan(out["volume"][1]) and not np.isnan(out["volume"][0])


def test_bad_deduplicate_option():
    with pytest.raises(DataError) as info:
        normalize_ohlcv(pd.concat([frame(3), frame(3)]), deduplicate="middle")
    assert info.value.error_code == "BAD_OPTION"


def test_deduplicate_keeps_first_or_last():
    a, b = frame(3), frame(3, seed=1)
    both = pd.concat([a, b], ignore_index=True)
    first = normalize_ohlcv(both, sort=True, deduplicate="first")
    last = normalize_ohlcv(both, sort=True, deduplicate="last")
    np.testing.assert_array_equal(first["close"], a["close"])
    np.testing.assert_array_equal(last["close"], b["close"])


def test_sort_keeps_rows_together():
    df = frame(8)
    shuffled = df.sample(frac=1.0, random_state=3)
    pd.testing.assert_frame_equal(normalize_ohlcv(shuffled, sort=True), df)


def test_alignment_check_can_be_skipped():
    df = frame(3, start=T0 + 1)
    with pytest.raises(DataError):
        normalize_ohlcv(df)
    assert len(normalize_ohlcv(df, tf=None)) == 3


# --------------------------------------------------------------------------- resampling


def _pandas_resample(df: pd.DataFrame, rule: str) -> pd.DataFrame:
    x = df.set_index(pd.to_datetime(df["ts"], unit="ms"))
    agg = x.resample(rule, label="left", closed="left").agg(
        {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum", "ts": "count"}
    )
    agg = agg[agg["ts"] > 0]
    return agg


@pytest.mark.parametrize("tf, rule", [("5m", "5min"), ("15m", "15min"), ("1h", "1h"), ("90m", "90min")])
def test_resample_matches_pandas(tf, rule):
    df = frame(600)
    df = df.drop(index=[5, 6, 7, 200, 201]).reset_index(drop=True)  # gaps inside bars
    ours = resample_ohlcv(df, tf, include_partial=True)
    ref = _pandas_resample(df, rule)
    np.testing.assert_array_equal(ours["ts"], ref.index.values.astype("datetime64[ms]").astype(np.int64))
    for c in ("open", "high", "low", "close", "volume"):
        np.testing.assert_allclose(ours[c], ref[c])
    np.testing.assert_array_equal(ours["minutes"], ref["ts"])


def test_weeks_open_on_monday():
    df = frame(3 * 10080, start=T0)  # 2020-01-01 is a Wednesday
    out = resample_ohlcv(df, "1w")
    opens = pd.to_datetime(out["ts"], unit="ms")
    assert (opens.dt.day_of_week == 0).all()
    assert opens.iloc[0] == pd.Timestamp("2019-12-30")
    assert out["minutes"].iloc[0] == 5 * 1440  # Wed..Sun present in the first week


def test_partial_last_bar_dropped_unless_asked():
    df = frame(70)  # 00:00 .. 01:09
    out = resample_ohlcv(df, "1h")
    assert len(out) == 1 and out["minutes"].iloc[0] == 60
    out = resample_ohlcv(df, "1h", include_partial=True)
    assert list(out["minutes"]) == [60, 10]


def test_require_complete_drops_bars_with_missing_minutes():
    df = frame(120).drop(index=[10]).reset_index(drop=True)
    out = resample_ohlcv(df, "1h", require_complete=True)
    assert list(out["ts"]) == [T0 + 60 * MIN]


def test_nan_propagates_into_its_bar():
    df = frame(30)
    df.loc[3, "high"] = np.nan
    out = resample_ohlcv(df, "15m")
    assert np.isnan(out["high"][0]) and not np.isnan(out["high"][1])


def test_resample_target_must_be_a_multiple():
    with pytest.raises(DataError) as info:
        resample_ohlcv(frame(10, step=5 * MIN), "7m", source_tf="5m")
    assert info.value.error_code == "BAD_OPTION"


def test_resample_of_unsorted_input_raises_data_error():
    df = frame(10).iloc[::-1].reset_index(drop=True)
    with pytest.raises(DataError) as info:
        resample_ohlcv(df, "5m")
    assert info.value.error_code == "UNSORTED_TIMESTAMPS"


def test_resample_without_count_column():
    assert "minutes" not in resample_ohlcv(frame(10), "5m", count_column=None).columns


@given(
    keep=st.lists(st.booleans(), min_size=1, max_size=200),
    step=st.sampled_from([2, 3, 5, 15, 60]),
)
def test_resample_properties(keep, step):
    df = frame(len(keep))[np.array(keep)].reset_index(drop=True)
    if df.empty:
        return
    out = resample_ohlcv(df, f"{step}m", include_partial=True)
    assert out["minutes"].sum() == len(df)
    assert (out["ts"] % (step * MIN) == 0).all()
    assert (np.diff(out["ts"]) > 0).all()
    assert np.isclose(out["volume"].sum(), df["volume"].sum())
    assert (out["high"] >= out[["open", "close"]].max(axis=1)).all()


_CELL = st.one_of(
    st.sampled_from(["", "nan", "abc", "1e400", "-0", "2020-01-01", "1577836800000", "1.5", "NULL", '"x,y"']),
    st.integers(-10, 10**18).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6),
)


@given(
    header=st.sampled_from(["ts,open,high,low,close,volume\n", "timestamp,o,h,l,c,v\n", "", "a,b\n"]),
    rows=st.lists(st.lists(_CELL, min_size=1, max_size=13), max_size=6),
)
def test_garbage_csv_gives_frame_or_data_error(tmp_path_factory, header, rows):
    p = tmp_path_factory.mktemp("fuzz") / "bars.csv"
    p.write_text(header + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    try:
        out = load_ohlcv(p, tf=None)
    except DataError as exc:
        assert exc.error_code
    else:
        assert out["ts"].dtype == np.int64 and (np.diff(out["ts"]) > 0).all()


def test_dataframe_input_is_not_aliased():
    df = frame(5)
    out = load_ohlcv(df)
    assert not np.shares_memory(out["close"].to_numpy(), df["close"].to_numpy())


@given(
    st.lists(
        st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1),
                     timezones=st.sampled_from([None, timezone.utc, timezone(timedelta(hours=-5, minutes=-30))])),
        min_size=1, max_size=20,
    ),
    st.sampled_from(["datetime", "iso"]),
)
def test_to_ms_array_matches_scalar_conversion(values, form):
    from btcore.timeframe import to_epoch_ms

    expected = [to_epoch_ms(v) for v in values]
    given_values = values if form == "datetime" else [v.isoformat() for v in values]
    np.testing.assert_array_equal(to_ms_array(given_values), expected)
