"""Interop: every data entry point reads pandas, polars, Arrow, numpy structured arrays and
mappings of arrays alike, and results export as pandas, Arrow or polars.

Each input kind is built from one pandas frame; the result on every kind must equal the result
on the pandas frame exactly. Tests that need polars are marked ``polars`` (the test extra
installs it; the free-threaded wheel tests deselect them because polars ships no such wheels).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcore.data import load_ohlcv, normalize_ohlcv, resample_ohlcv
from btcore.data.convert import ACCEPTED_KINDS, as_pandas, decimals_to_float64, to_frame, to_ohlcv_frame
from btcore.errors import DataError
from btcore.feed import FeedStore

T0 = 1_577_836_800_000  # 2020-01-01T00:00Z
MIN = 60_000


def bars(n: int = 30, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 + rng.normal(0, 1, n).cumsum()
    open_ = np.r_[100.0, close[:-1]]
    return pd.DataFrame({
        "ts": T0 + MIN * np.arange(n, dtype=np.int64), "open": open_,
        "high": np.maximum(open_, close) + 0.5, "low": np.minimum(open_, close) - 0.5,
        "close": close, "volume": rng.uniform(0, 5, n),
    })


class CapsuleOnly:
    """A foreign Arrow producer: nothing but the PyCapsule stream interface."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self._table.__arrow_c_stream__(requested_schema)


def _structured(df: pd.DataFrame, byteorder: str = "=") -> np.ndarray:
    dtype = [(c, df[c].dtype.newbyteorder(byteorder)) for c in df.columns]
    out = np.empty(len(df), dtype=dtype)
    for c in df.columns:
        out[c] = df[c].to_numpy()
    return out


KINDS: dict[str, Callable[[pd.DataFrame], Any]] = {
    "pandas": lambda df: df,
    "arrow-table": lambda df: pa.Table.from_pandas(df, preserve_index=False),
    "arrow-chunked": lambda df: pa.Table.from_batches(
        pa.Table.from_pandas(df, preserve_index=False).to_batches(max_chunksize=7)),
    "arrow-batch": lambda df: pa.RecordBatch.from_pandas(df, preserve_index=False),
    "arrow-reader": lambda df: pa.RecordBatchReader.from_batches(
        pa.Schema.from_pandas(df, preserve_index=False),
        pa.Table.from_pandas(df, preserve_index=False).to_batches(max_chunksize=11)),
    "capsule-only": lambda df: CapsuleOnly(pa.Table.from_pandas(df, preserve_index=False)),
    "structured": _structured,
    "structured-big-endian": lambda df: _structured(df, ">"),
    "dict-of-arrays": lambda df: {c: df[c].to_numpy() for c in df.columns},
    "dict-of-lists": lambda df: {c: df[c].tolist() for c in df.columns},
    # Series by position: a shuffled index must not reorder (or misalign) the rows
    "dict-of-series": lambda df: {c: df[c].set_axis(np.arange(len(df))[::-1]) for c in df.columns},
}


@pytest.fixture
def pl() -> Any:
    import polars

    return polars


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_entry_point_reads_every_kind(kind: str) -> None:
    df = bars()
    expected = load_ohlcv(df)
    pd.testing.assert_frame_equal(load_ohlcv(KINDS[kind](df)), expected)
    pd.testing.assert_frame_equal(normalize_ohlcv(KINDS[kind](df)), expected)
    pd.testing.assert_frame_equal(to_ohlcv_frame(KINDS[kind](df)), expected)
    pd.testing.assert_frame_equal(resample_ohlcv(KINDS[kind](df), "5m"), resample_ohlcv(df, "5m"))
    feed, ref = FeedStore.from_dataframe(KINDS[kind](df), "1m", "X"), FeedStore.from_dataframe(df, "1m", "X")
    for name in ("ts_open_ms", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(feed, name), getattr(ref, name))


@pytest.mark.polars
@pytest.mark.parametrize("lazy", [False, True])
def test_polars_eager_and_lazy(pl: Any, lazy: bool) -> None:
    df = bars()
    frame = pl.from_pandas(df)
    source = frame.lazy() if lazy else frame
    pd.testing.assert_frame_equal(load_ohlcv(source), load_ohlcv(df))
    pd.testing.assert_frame_equal(resample_ohlcv(source, "15m"), resample_ohlcv(df, "15m"))
    np.testing.assert_array_equal(FeedStore.from_dataframe(source, "1m", "X").close, df["close"].to_numpy())


@pytest.mark.polars
def test_polars_time_column_with_a_zone(pl: Any) -> None:
    from datetime import datetime

    times = pl.datetime_range(datetime(2020, 1, 1, 5, 30), datetime(2020, 1, 1, 5, 34), "1m", eager=True,
                              time_zone="Asia/Kolkata")
    frame = pl.DataFrame({"time": times, "open": 1.0, "high": 2.0, "low": 0.5, "close": 1.5, "volume": 3.0})
    # 05:30 in Kolkata is 00:00 UTC
    expected = T0 + MIN * np.arange(5)
    np.testing.assert_array_equal(FeedStore.from_dataframe(frame, "1m", "X").ts_open_ms, expected)
    np.testing.assert_array_equal(load_ohlcv(frame)["ts"].to_numpy(), expected)


@pytest.mark.parametrize("make", [
    lambda df: df.drop(columns="ts").assign(time=pd.to_datetime(df["ts"], unit="ms")),
    lambda df: df.drop(columns="ts").assign(time=pd.to_datetime(df["ts"], unit="ms").dt.tz_localize("UTC")),
    lambda df: df.rename(columns={"ts": "time"}),
])
def test_from_dataframe_reads_a_time_column(make: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    df = bars(5)
    for table in (make(df), pa.Table.from_pandas(make(df), preserve_index=False)):
        np.testing.assert_array_equal(FeedStore.from_dataframe(table, "1m", "X").ts_open_ms, df["ts"].to_numpy())


@pytest.mark.parametrize("bad", [
    [1, 2, 3], (T0, 1.0), 3.5, None, pd.Series([1.0, 2.0]), np.ones((4, 6)), np.ones(3), object(),
])
def test_unsupported_input_names_the_accepted_kinds(bad: Any) -> None:
    for call in (load_ohlcv, resample_ohlcv, lambda x: FeedStore.from_dataframe(x, "1m", "X")):
        with pytest.raises(DataError) as info:
            call(bad) if call is not resample_ohlcv else call(bad, "5m")
        assert info.value.error_code == "UNSUPPORTED_FORMAT"
        for kind in ("pandas DataFrame", "polars", "pyarrow Table", "__arrow_c_stream__", "numpy structured array",
                     "mapping"):
            assert kind in str(info.value)
    assert len(ACCEPTED_KINDS) == 6


def test_bad_mappings() -> None:
    with pytest.raises(DataError) as info:
        load_ohlcv({"ts": [T0, T0 + MIN], "open": [1.0], "high": [2.0, 2.0], "low": [0.5, 0.5],
                    "close": [1.0, 1.0], "volume": [1.0, 1.0]})
    assert info.value.error_code == "LENGTH_MISMATCH" and "'open': 1" in str(info.value)
    with pytest.raises(DataError, match="'open' is a scalar"):
        as_pandas({"ts": [T0], "open": 1.0})
    with pytest.raises(DataError, match=r"of shape \(1, 2\)"):
        as_pandas({"ts": [T0], "open": [[1.0, 2.0]]})
    with pytest.raises(DataError) as info:
        as_pandas({})
    assert info.value.error_code == "EMPTY_DATA"


def test_conversion_never_shares_memory_with_the_input() -> None:
    df = bars(10)
    arrays = {c: df[c].to_numpy().copy() for c in df.columns}
    out = load_ohlcv(arrays)
    out.loc[0, "close"] = -1.0
    assert arrays["close"][0] == df["close"].iloc[0]
    feed = FeedStore.from_dataframe(arrays, "1m", "X")
    arrays["close"][1] = -2.0
    assert feed.close[1] == df["close"].iloc[1]


@pytest.mark.parametrize("kind", ["pandas", "arrow"])
def test_to_frame_exports(kind: str) -> None:
    df = resample_ohlcv(bars(), "5m")
    out = to_frame(df, kind)
    back = out if kind == "pandas" else out.to_pandas()
    pd.testing.assert_frame_equal(back, df)
    if kind == "arrow":
        assert isinstance(out, pa.Table) and out.schema.field("ts").type == pa.int64()
        assert out.schema.metadata is None
    part = to_frame(df, kind, columns=["close", "ts"])
    assert list(part.columns if kind == "pandas" else part.column_names) == ["close", "ts"]


@pytest.mark.polars
def test_to_frame_polars(pl: Any) -> None:
    df = load_ohlcv(bars())
    out = to_frame(df, "polars")
    assert isinstance(out, pl.DataFrame) and out.columns == list(df.columns)
    np.testing.assert_array_equal(out["close"].to_numpy(), df["close"].to_numpy())
    pd.testing.assert_frame_equal(load_ohlcv(out), df)


def test_to_frame_rejects_unknown_kind_and_columns() -> None:
    with pytest.raises(DataError, match=r"kind must be one of \['pandas', 'arrow', 'polars'\]"):
        to_frame(bars(), "excel")
    with pytest.raises(DataError, match=r"columns \['nope'\] not found"):
        to_frame(bars(), columns=["nope"])


@pytest.mark.parametrize("kind", ["pandas", "arrow", pytest.param("polars", marks=pytest.mark.polars)])
def test_feed_to_frame_round_trips(kind: str) -> None:
    df = bars(12).assign(ema=lambda d: d["close"].ewm(span=3).mean())
    feed = FeedStore.from_dataframe(df, "1m", "X", indicator_columns=["ema"])
    table = feed.to_frame(kind)
    again = FeedStore.from_dataframe(table, "1m", "X", indicator_columns=["ema"])
    for name in ("ts_open_ms", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(again, name), getattr(feed, name))
    np.testing.assert_array_equal(again.indicator_matrix, feed.indicator_matrix)
    exported = feed.to_frame()
    exported.loc[0, "close"] = -1.0  # a copy: the feed is unchanged
    assert feed.close[0] == df["close"].iloc[0]


# --------------------------------------------------------------------------- decimal columns


@given(st.lists(st.integers(-(2**53) + 1, 2**53 - 1), min_size=1, max_size=40), st.integers(0, 12),
       st.integers(0, 5))
def test_decimal_columns_become_the_nearest_double(unscaled: list[int], scale: int, cut: int) -> None:
    decimals = [Decimal(u).scaleb(-scale) for u in unscaled]
    table = pa.table({"x": pa.array(decimals, type=pa.decimal128(38, scale))}).slice(min(cut, len(unscaled) - 1))
    got = decimals_to_float64(table)
    assert got.schema.field("x").type == pa.float64()
    expected = np.array([float(d) for d in decimals[min(cut, len(unscaled) - 1):]])  # correctly rounded
    np.testing.assert_array_equal(got["x"].to_numpy().view(np.int64), expected.view(np.int64))


def test_decimal_columns_with_nulls_or_huge_values_keep_the_exact_slow_path() -> None:
    table = pa.table({"x": pa.array([Decimal("1.10"), None], type=pa.decimal128(10, 2)),
                      "y": pa.array([Decimal(2**60)], type=pa.decimal128(38, 0)).take([0, 0])})
    got = decimals_to_float64(table)
    assert pa.types.is_decimal128(got.schema.field("x").type) and pa.types.is_decimal128(got.schema.field("y").type)
    frame = as_pandas(table)
    assert float(frame["x"].iloc[0]) == 1.1


def test_parquet_with_decimal_prices_loads_exactly(tmp_path: Any) -> None:
    import pyarrow.parquet as pq

    df = bars(50).round({"open": 2, "high": 2, "low": 2, "close": 2, "volume": 6})
    cols: dict[str, Any] = {"ts": pa.array(df["ts"])}
    for name, scale in (("open", 2), ("high", 2), ("low", 2), ("close", 2), ("volume", 6)):
        cols[name] = pa.array([Decimal(repr(v)).quantize(Decimal(1).scaleb(-scale)) for v in df[name]],
                              type=pa.decimal128(18, scale))
    pq.write_table(pa.table(cols), tmp_path / "dec.parquet")
    got = load_ohlcv(tmp_path / "dec.parquet")
    pd.testing.assert_frame_equal(got, load_ohlcv(df))


@pytest.mark.polars
def test_readme_interop_example_runs(pl: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Data from pandas, polars or Arrow"):]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code, "README interop section has no python block"
    bars(2 * 24 * 60).to_parquet(tmp_path / "btcusdt_1m.parquet")
    monkeypatch.chdir(tmp_path)
    ns: dict[str, Any] = {}
    exec(compile(code.group(1), "README.md", "exec"), ns)  # noqa: S102 - the point of the test
    assert isinstance(ns["h4"], pl.DataFrame) and ns["h4"].height == 12
    pd.testing.assert_frame_equal(ns["m1"], load_ohlcv(bars(2 * 24 * 60)))


@pytest.mark.polars
def test_a_failing_lazy_query_is_a_data_error(pl: Any, tmp_path: Any) -> None:
    with pytest.raises(DataError) as info:
        load_ohlcv(pl.scan_parquet(tmp_path / "missing.parquet"))
    assert info.value.error_code == "UNREADABLE_FILE" and "LazyFrame" in str(info.value)
