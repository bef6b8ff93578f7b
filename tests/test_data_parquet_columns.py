"""Parquet files are read column by column into numpy's own memory (the bars are never held by
Arrow and numpy at once) and come back as pyarrow's whole-table read would give them: plain
columns, decimals, nulls, timestamps, several row groups, a pandas DatetimeIndex."""

from __future__ import annotations

import decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from btcore._arrays import _is_frozen
from btcore.backtest import RunConfig
from btcore.backtest.engine import prepare_data
from btcore.data.convert import decimals_to_float64
from btcore.data.loaders import load_ohlcv, read_parquet_ohlcv
from btcore.feed import FeedStore

OHLCV = ("open", "high", "low", "close", "volume")

T0 = 1_577_836_800_000


def _table(n: int = 500) -> pa.Table:
    rng = np.random.default_rng(5)
    close = 100 + np.cumsum(rng.normal(0, 1, n))
    return pa.table({"ts": T0 + 60_000 * np.arange(n, dtype=np.int64), "open": close, "high": close + 1,
                     "low": close - 1, "close": close, "volume": rng.uniform(1, 5, n)})


def _cases(tmp_path):
    t = _table()
    with_nulls = t.set_column(4, "close", pa.array([None if k % 7 == 0 else v for k, v in
                                                    enumerate(t.column("close").to_pylist())], pa.float64()))
    decimals = t.set_column(1, "open", pa.array([decimal.Decimal(f"{v:.2f}") for v in t.column("open").to_pylist()],
                                                 pa.decimal128(12, 2)))
    stamps = t.set_column(0, "timestamp", pa.array(pd.to_datetime(t.column("ts").to_numpy(), unit="ms", utc=True)))
    out = {}
    for name, table, kw in (("plain", t, {}), ("nulls", with_nulls, {}), ("decimals", decimals, {}),
                            ("timestamps", stamps, {}), ("row_groups", t, {"row_group_size": 64})):
        path = tmp_path / f"{name}.parquet"
        pq.write_table(table, path, **kw)
        out[name] = path
    frame = t.to_pandas()
    frame.index = pd.to_datetime(frame.pop("ts"), unit="ms", utc=True).rename("time")
    frame.to_parquet(tmp_path / "indexed.parquet")
    out["indexed"] = tmp_path / "indexed.parquet"
    return out


@pytest.mark.parametrize("case", ["plain", "nulls", "decimals", "timestamps", "row_groups", "indexed"])
def test_columnwise_read_equals_the_whole_table_read(tmp_path, case):
    path = _cases(tmp_path)[case]
    expected = decimals_to_float64(pq.read_table(path)).to_pandas()
    got = read_parquet_ohlcv(path)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    pd.testing.assert_frame_equal(load_ohlcv(path), load_ohlcv(expected), check_exact=True)


def test_numeric_columns_are_btcore_owned_and_shared_by_the_feed(tmp_path):
    got = read_parquet_ohlcv(_cases(tmp_path)["row_groups"])
    for name in got.columns:
        arr = got[name].to_numpy()
        # copied once out of Arrow's buffers, into the frozen memory a feed keeps
        assert _is_frozen(arr), name
        assert not arr.flags.writeable, name
    feed = FeedStore.from_arrays("1m", "TEST", got["ts"].to_numpy(), *(got[c].to_numpy() for c in OHLCV))
    for name in OHLCV:  # the feed keeps the loaded arrays instead of a second copy
        assert np.shares_memory(getattr(feed, name), got[name].to_numpy()), name


def test_a_run_holds_the_1m_bars_once(tmp_path):
    path = _cases(tmp_path)["plain"]
    _, df1, feeds, _, _ = prepare_data(RunConfig(exec_tf="5m", mtf="15m", htf="1h", indicators=[]), path)
    for col in ("ts", "open", "high", "low", "close", "volume"):
        src = feeds.quote_feed.ts_open_ms if col == "ts" else getattr(feeds.quote_feed, col)
        assert np.shares_memory(df1[col].to_numpy(), src), col
