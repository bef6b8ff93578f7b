"""Data given to a backtest: every accepted kind, and bars whose spacing contradicts their timeframe."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcore.backtest._data import as_minute_frame
from btcore.data.loaders import resample_ohlcv
from btcore.errors import DataError
from btcore.feed import FeedStore

T0 = 1_704_067_200_000
MIN = 60_000


def _bars(n: int, step_min: int, t0: int = T0) -> pd.DataFrame:
    close = 100.0 + np.arange(n, dtype=np.float64)
    return pd.DataFrame({"ts": t0 + step_min * MIN * np.arange(n, dtype=np.int64), "open": close, "high": close + 1,
                         "low": close - 1, "close": close, "volume": 1.0})


@pytest.mark.parametrize("bars_min, declared, seen", [(240, "1h", "4h"), (5, "1m", "5m"), (1440, "4h", "1d")])
def test_coarser_bars_declared_finer_are_rejected_naming_the_step(bars_min, declared, seen):
    with pytest.raises(DataError, match=f"bars {seen} apart given as timeframe '{declared}'") as info:
        FeedStore.from_dataframe(_bars(100, bars_min), declared, "X")
    assert info.value.error_code == "TIMEFRAME_MISMATCH"


@pytest.mark.parametrize("bars_min, declared, seen", [(1, "5m", "1m"), (60, "4h", "1h"), (90, "1h", "1h 30m")])
def test_finer_or_off_grid_bars_are_rejected_naming_the_step(bars_min, declared, seen):
    expected = {"1m": "1m", "1h": "1h", "1h 30m": "90m"}[seen]
    with pytest.raises(DataError, match=f"bars {expected} apart do not fit timeframe '{declared}'"):
        FeedStore.from_dataframe(_bars(100, bars_min), declared, "X")


def test_a_4h_view_of_4h_bars_declared_1h_would_have_looked_ahead():
    bars_4h = resample_ohlcv(_bars(24 * 60 * 10, 1), "4h")
    assert len(bars_4h) >= 32
    with pytest.raises(DataError, match="look like 4h bars"):
        FeedStore.from_dataframe(bars_4h, "1h", "BTCUSDT")
    assert len(FeedStore.from_dataframe(bars_4h, "4h", "BTCUSDT")) == len(bars_4h)


@given(n=st.integers(2, 400), drop=st.floats(0.0, 0.8), seed=st.integers(0, 2**31 - 1),
       tf=st.sampled_from([("1m", 1), ("15m", 15), ("1h", 60), ("1d", 1440)]))
def test_missing_bars_never_make_a_feed_look_like_another_timeframe(n, drop, seed, tf):
    name, minutes = tf
    keep = np.random.default_rng(seed).random(n) >= drop
    keep[:2] = True
    df = _bars(n, minutes)[keep].reset_index(drop=True)
    regular = np.gcd.reduce(np.diff(df["ts"].to_numpy()) // (minutes * MIN)) > 1
    if len(df) >= 32 and regular:  # (0.8 / 1.8) ** 31 < 1e-10: hypothesis finds no such case
        with pytest.raises(DataError, match="TIMEFRAME_MISMATCH|look like"):
            FeedStore.from_dataframe(df, name, "X")
    else:  # below 32 bars a regular pattern proves nothing
        assert len(FeedStore.from_dataframe(df, name, "X")) == len(df)


def _kinds_frame() -> pd.DataFrame:
    return _bars(50, 1)


def test_every_accepted_data_kind_gives_the_canonical_frame(tmp_path):
    import pyarrow as pa

    df = _kinds_frame()
    want = as_minute_frame(df)
    assert list(want.columns) == ["ts", "open", "high", "low", "close", "volume"] and want["ts"].dtype == np.int64
    with_time = df.assign(timestamp=pd.to_datetime(df["ts"], unit="ms", utc=True)).drop(columns="ts")
    for obj in (pa.Table.from_pandas(df), with_time.set_index("timestamp"), {c: df[c].to_numpy() for c in df}):
        pd.testing.assert_frame_equal(as_minute_frame(obj), want)
    df.to_csv(tmp_path / "m.csv", index=False)
    pd.testing.assert_frame_equal(as_minute_frame(tmp_path / "m.csv"), want)
    with pytest.raises(DataError, match="is a folder"):
        as_minute_frame(tmp_path)
    for bad in (None, [1, 2], b"bytes", np.zeros(3), 42):
        with pytest.raises(DataError, match="accepted: pandas DataFrame.*also takes a CSV/Parquet file path") as info:
            as_minute_frame(bad)
        assert info.value.error_code == "UNSUPPORTED_FORMAT"


@pytest.mark.polars
def test_polars_frames_eager_and_lazy():
    import polars as pl

    df = _kinds_frame()
    want = as_minute_frame(df)
    with_time = df.assign(timestamp=pd.to_datetime(df["ts"], unit="ms", utc=True)).drop(columns="ts")
    for obj in (pl.from_pandas(df), pl.from_pandas(df).lazy(), pl.from_pandas(with_time)):
        pd.testing.assert_frame_equal(as_minute_frame(obj), want)
