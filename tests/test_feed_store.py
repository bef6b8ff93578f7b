"""FeedStore / MultiTFFeedStore: construction, validation, immutability, time lookups."""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from btcore.errors import DataError, PathError, TimeframeError, UnknownKeyError
from btcore.feed import FeatureArrays, FeedStore, MultiTFFeedStore, StructureStore

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "btcusdt_1m_2020.parquet"
T0 = 1_577_836_800_000  # 2020-01-01 00:00 UTC
M = 60_000


def arrays(n=10, step=M, start=T0, seed=0):
    rng = np.random.default_rng(seed)
    close = 100 + rng.normal(size=n).cumsum()
    return dict(
        ts_open_ms=start + step * np.arange(n, dtype=np.int64),
        open=close + 0.1, high=close + 1.0, low=close - 1.0, close=close, volume=rng.uniform(1, 2, n),
    )


def feed(n=10, tf="1m", step=M, **kw):
    return FeedStore.from_arrays(tf, "BTCUSDT", **arrays(n, step), **kw)


def test_basic_fields():
    a = arrays(5)
    f = FeedStore.from_arrays("1M".lower(), "BTCUSDT", **a, indicators={"ema": np.arange(5.0)})
    assert f.tf == "1m" and f.symbol == "BTCUSDT" and f.tf_ms == M and f.length == len(f) == 5
    np.testing.assert_array_equal(f.ts_open_ms, a["ts_open_ms"])
    np.testing.assert_array_equal(f.ts_close_ms, a["ts_open_ms"] + M)
    assert f.indicator_names == ("ema",) and f.indicator_matrix.shape == (1, 5)
    np.testing.assert_array_equal(f.indicators["ema"], np.arange(5.0))
    assert f.indicator_row("ema") == 0 and f.indicator_keys == ["ema"]
    for arr in (f.ts_open_ms, f.ts_close_ms, f.open, f.close, f.indicator_matrix, f.indicators["ema"]):
        assert arr.flags.c_contiguous and not arr.flags.writeable
    assert f.ts_open_ms.dtype == np.int64 and f.close.dtype == np.float64


def test_tf_normalised():
    assert feed(3, tf="1H", step=3_600_000).tf == "1h"
    with pytest.raises(TimeframeError):
        feed(3, tf="1M")


def test_immutable():
    f = feed(3)
    with pytest.raises(AttributeError):
        f.close = np.zeros(3)
    with pytest.raises(AttributeError):
        del f.tf
    with pytest.raises(ValueError):
        f.close[0] = 1.0
    with pytest.raises(TypeError):
        f.indicators["x"] = np.zeros(3)
    with pytest.raises(TypeError):
        FeedStore()


def test_writable_input_is_copied():
    a = arrays(4)
    f = FeedStore.from_arrays("1m", "X", **a, indicators={"i": np.ones(4)})
    before = f.close.copy()
    a["close"][0] = -999.0
    a["ts_open_ms"][0] = 0
    np.testing.assert_array_equal(f.close, before)
    assert f.ts_open_ms[0] == T0


def test_readonly_input_is_copied_too():
    a = arrays(4)
    ro = np.ascontiguousarray(a["close"])
    ro.flags.writeable = False
    f = FeedStore.from_arrays("1m", "X", **{**a, "close": ro})
    assert not np.shares_memory(f.close, ro)
    df = pd.DataFrame(a).rename(columns={"ts_open_ms": "ts"})
    g = FeedStore.from_dataframe(df, "1m", "X")
    before = g.close.copy()
    df.loc[0, "close"] = -1.0  # pandas writes through the read-only views it hands out
    np.testing.assert_array_equal(g.close, before)
    strided = np.repeat(a["high"], 2)[::2]
    strided.flags.writeable = False
    g = FeedStore.from_arrays("1m", "X", **{**a, "high": strided})
    assert g.high.flags.c_contiguous and not np.shares_memory(g.high, strided)


def test_float32_and_int_widened():
    a = arrays(3)
    f = FeedStore.from_arrays("1m", "X", **{**a, "volume": np.array([1, 2, 3], dtype=np.int32)},
                              indicators={"f32": np.array([2.3, 1.0, 0.5], dtype=np.float32)})
    assert f.volume.dtype == np.float64 and f.indicators["f32"].dtype == np.float64
    assert f.indicators["f32"][0] == float(np.float32(2.3))


@pytest.mark.parametrize("bad", [np.array(["a", "b", "c"]), np.array([True, False, True]),
                                 np.array([1 + 1j, 2, 3]), np.array([None, 1.0, 2.0], dtype=object)])
def test_bad_dtype_rejected(bad):
    with pytest.raises(DataError, match="dtype"):
        FeedStore.from_arrays("1m", "X", **{**arrays(3), "close": bad})
    with pytest.raises(DataError, match="dtype"):
        FeedStore.from_arrays("1m", "X", **arrays(3), indicators={"i": bad})


def test_bad_shapes_and_lengths():
    with pytest.raises(DataError, match="rows"):
        FeedStore.from_arrays("1m", "X", **{**arrays(3), "low": np.zeros(4)})
    with pytest.raises(DataError, match="rows"):
        FeedStore.from_arrays("1m", "X", **arrays(3), indicators={"i": np.zeros(2)})
    with pytest.raises(DataError, match="1-D"):
        FeedStore.from_arrays("1m", "X", **{**arrays(3), "low": np.zeros((3, 1))})
    with pytest.raises(DataError, match="dtype"):
        FeedStore.from_arrays("1m", "X", **{**arrays(3), "ts_open_ms": np.array([1.0, 2.0, 3.0])})
    with pytest.raises(DataError, match="collide"):
        FeedStore.from_arrays("1m", "X", **arrays(3), indicators={"close": np.zeros(3)})
    with pytest.raises(DataError, match="warmup"):
        FeedStore.from_arrays("1m", "X", **arrays(3), warmup_bars=-1)


def test_unsorted_rejected_or_sorted_together():
    a = arrays(6)
    perm = np.array([3, 0, 5, 1, 4, 2])
    shuffled = {k: v[perm] for k, v in a.items()}
    ind = np.arange(6.0)[perm] * 10
    with pytest.raises(DataError, match="not increasing") as ei:
        FeedStore.from_arrays("1m", "X", **shuffled, indicators={"i": ind})
    assert ei.value.error_code == "UNSORTED_TIMESTAMPS"
    st = {"sw": StructureStore("sw", {"lvl": np.arange(6.0)[perm]}, {"z": {"up": np.arange(6.0)[perm] + 1}})}
    f = FeedStore.from_arrays("1m", "X", **shuffled, indicators={"i": ind}, structures=st, sort=True)
    np.testing.assert_array_equal(f.ts_open_ms, a["ts_open_ms"])
    np.testing.assert_array_equal(f.close, a["close"])
    np.testing.assert_array_equal(f.indicators["i"], np.arange(6.0) * 10)
    assert f.get_structure_field("sw", "lvl", 4) == 4.0
    assert f.get_zone_field("sw", "z", "up", 4) == 5.0


def test_duplicates_rejected_even_with_sort():
    a = arrays(4)
    a["ts_open_ms"][2] = a["ts_open_ms"][1]
    for sort in (False, True):
        with pytest.raises(DataError, match="duplicate") as ei:
            FeedStore.from_arrays("1m", "X", **a, sort=sort)
        assert ei.value.error_code == "DUPLICATE_TIMESTAMPS"


def test_empty_and_single_feed():
    e = FeedStore.from_arrays("1m", "X", [], [], [], [], [], [], indicators={"i": []})
    assert len(e) == 0 and e.indicator_matrix.shape == (1, 0)
    assert e.get_last_closed_idx_at_or_before(T0) is None and e.get_idx_at_ts_close(T0) is None
    with pytest.raises(IndexError, match="empty"):
        e.get_ts_close_datetime(0)
    assert len(feed(1)) == 1


def test_time_lookups_binary_search_with_gaps():
    a = arrays(6)
    a["ts_open_ms"] = T0 + M * np.array([0, 1, 2, 5, 6, 9], dtype=np.int64)  # real gaps
    f = FeedStore.from_arrays("1m", "X", **a)
    close = f.ts_close_ms
    assert f.get_idx_at_ts_close(int(close[3])) == 3
    assert f.get_idx_at_ts_close(int(close[3]) + 1) is None
    assert f.get_last_closed_idx_at_or_before(int(close[4]) + M) == 4  # inside the gap
    assert f.get_last_closed_idx_at_or_before(int(close[0]) - 1) is None
    assert f.get_last_closed_idx_at_or_before(int(close[-1]) + 10 * M) == 5
    when = datetime(2020, 1, 1, 0, 6)  # naive = UTC
    assert f.get_idx_at_ts_close(when) == 3
    assert f.get_idx_at_ts_close(pd.Timestamp("2020-01-01 00:06", tz="UTC")) == 3
    assert f.get_idx_at_ts_close(np.datetime64("2020-01-01T00:06")) == 3
    assert f.get_idx_at_ts_close("2020-01-01T01:06:00+01:00") == 3
    assert f.is_close_at(when) and not f.is_close_at(when + timedelta(minutes=2))


def test_datetime_accessors_aware_utc_and_index_errors():
    f = feed(3)
    d = f.get_ts_open_datetime(1)
    assert d.tzinfo is not None and d.utcoffset() == timedelta(0)
    assert d == datetime(2020, 1, 1, 0, 1, tzinfo=timezone.utc)
    assert f.get_ts_close_datetime(1) == d + timedelta(minutes=1)
    assert f.ts_open[1] == np.datetime64("2020-01-01T00:01")
    for bad in (3, -1, 10**12):
        with pytest.raises(IndexError, match=str(bad)):
            f.get_ts_close_datetime(bad)
    with pytest.raises(IndexError):
        f.get_ts_open_datetime(1.0)
    with pytest.raises(IndexError):
        f.get_ts_close_ms(True)


def test_from_dataframe_variants():
    a = arrays(5)
    base = pd.DataFrame({k: v for k, v in a.items() if k != "ts_open_ms"})
    base["ema"] = np.arange(5.0, dtype=np.float32)
    for time_col in ({"ts": a["ts_open_ms"]}, {"ts_open_ms": a["ts_open_ms"]},
                     {"timestamp": a["ts_open_ms"]},
                     {"timestamp": pd.to_datetime(a["ts_open_ms"], unit="ms")},
                     {"timestamp": pd.to_datetime(a["ts_open_ms"], unit="ms", utc=True).tz_convert("America/New_York")}):
        f = FeedStore.from_dataframe(base.assign(**time_col), "1m", "X", indicator_columns=["ema"])
        np.testing.assert_array_equal(f.ts_open_ms, a["ts_open_ms"])
        np.testing.assert_array_equal(f.close, a["close"])
        assert f.indicators["ema"].dtype == np.float64
    idx = base.set_index(pd.DatetimeIndex(pd.to_datetime(a["ts_open_ms"], unit="ms")))
    assert FeedStore.from_dataframe(idx, "1m", "X").ts_open_ms[0] == T0
    assert FeedStore.from_dataframe(base.assign(ts=a["ts_open_ms"]), "1m", "X").indicator_names == ()


def test_from_dataframe_errors():
    a = arrays(4)
    df = pd.DataFrame(a).rename(columns={"ts_open_ms": "ts"})
    with pytest.raises(DataError, match="nope"):
        FeedStore.from_dataframe(df, "1m", "X", indicator_columns=["nope"])
    with pytest.raises(DataError, match="volume"):
        FeedStore.from_dataframe(df.drop(columns="volume"), "1m", "X")
    with pytest.raises(DataError, match="time column"):
        FeedStore.from_dataframe(df.drop(columns="ts"), "1m", "X")
    with pytest.raises(DataError, match="not increasing"):
        FeedStore.from_dataframe(df.iloc[::-1], "1m", "X")
    f = FeedStore.from_dataframe(df.iloc[::-1], "1m", "X", sort=True)
    np.testing.assert_array_equal(f.close, a["close"])
    nat = df.assign(timestamp=pd.to_datetime(df["ts"], unit="ms")).drop(columns="ts")
    nat.loc[2, "timestamp"] = pd.NaT
    with pytest.raises(DataError, match="NaT"):
        FeedStore.from_dataframe(nat, "1m", "X")
    with pytest.warns(DeprecationWarning):
        assert FeedStore.from_dataframe(df, "1m", "X", prefer_float32=True).close.dtype == np.float64


def test_from_dataframe_with_features_sorts_features_with_rows():
    a = arrays(5)
    df = pd.DataFrame(a).rename(columns={"ts_open_ms": "ts"})
    perm = np.array([4, 2, 0, 1, 3])
    fa = FeatureArrays({"rsi": np.arange(5.0, dtype=np.float32)[perm]}, {"rsi": "meta"}, warmup_bars=2)
    f = FeedStore.from_dataframe_with_features(df.iloc[perm], "1m", "X", fa, sort=True)
    np.testing.assert_array_equal(f.indicators["rsi"], np.arange(5.0))
    assert f.warmup_bars == 2 and f.indicator_metadata["rsi"] == "meta"
    with pytest.raises(DataError, match="length"):
        FeedStore.from_dataframe_with_features(df.iloc[:3], "1m", "X", fa)


def test_structures():
    st = StructureStore("swing", {"high_level": [1.0, np.nan, 3.0], "dir": np.array([1, -1, 0])},
                        {"demand": {"upper": [5.0, 6.0, 7.0]}})
    f = feed(3, structures={"swing": st, "raw": {"v": [0.0, 1.0, 2.0]}})
    assert f.get_structure_field("swing", "high_level", 0) == 1.0
    assert f.get_structure_field("swing", "high_level", 1) is None  # NaN
    assert f.get_structure_field("swing", "dir", 1) == -1.0
    assert f.get_structure_field("swing", "high_level", 3) is None  # out of range
    assert f.get_structure_field("raw", "v", 2) == 2.0
    assert f.has_structure("swing") and not f.has_structure("nope")
    assert f.has_zone("swing", "demand") and not f.has_zone("swing", "x") and not f.has_zone("q", "demand")
    assert f.get_zone_fields("swing", "demand") == ["upper"] and f.get_zone_fields("q", "z") == []
    assert f.get_structure_fields("swing") == ["high_level", "dir"]
    assert f.get_zone_field("swing", "demand", "upper", 2) == 7.0
    with pytest.raises(UnknownKeyError, match="Available"):
        f.get_structure_field("nope", "x", 0)
    with pytest.raises(UnknownKeyError, match="Valid fields"):
        f.get_structure_field("swing", "nope", 0)
    with pytest.raises(UnknownKeyError, match="Available zones"):
        f.get_zone_field("swing", "nope", "upper", 0)
    with pytest.raises(DataError, match="rows"):
        feed(4, structures={"swing": st})


def test_pickle_roundtrip():
    st = StructureStore("sw", {"lvl": np.arange(4.0)}, {"z": {"up": np.ones(4)}})
    f = feed(4, indicators={"i": np.arange(4.0)}, warmup_bars=1, structures={"sw": st})
    g = pickle.loads(pickle.dumps(f))
    np.testing.assert_array_equal(g.close, f.close)
    assert g.indicator_names == f.indicator_names and g.warmup_bars == 1 and g.tf == f.tf
    assert g.get_zone_field("sw", "z", "up", 3) == 1.0 and not g.close.flags.writeable
    m = pickle.loads(pickle.dumps(MultiTFFeedStore(f, quote_feed=feed(4))))
    assert len(m.exec_feed) == 4 and m.quote_feed is not None and m.tf_mapping["htf"] == "1m"
    fa = pickle.loads(pickle.dumps(FeatureArrays({"a": [1.0, 2.0]}, {"a": "m"}, 1)))
    assert fa.length == 2 and fa.warmup_bars == 1 and fa.metadata["a"] == "m"


def test_nullable_pandas_columns():
    a = arrays(3)
    df = pd.DataFrame(a).rename(columns={"ts_open_ms": "ts"})
    df["close"] = pd.array([1.0, None, 3.0], dtype="Float64")
    df["ind"] = pd.array([1, 2, None], dtype="Int64")
    f = FeedStore.from_dataframe(df, "1m", "X", indicator_columns=["ind"])
    assert np.isnan(f.close[1]) and np.isnan(f.indicators["ind"][2]) and f.indicators["ind"][1] == 2.0
    with pytest.raises(DataError, match="dtype"):
        FeedStore.from_dataframe(df.assign(close=["a", "b", "c"]), "1m", "X")


def test_multi_tf_feed_store():
    ex = feed(60)
    mtf = feed(12, tf="5m", step=5 * M)
    htf = feed(4, tf="15m", step=15 * M)
    q = feed(60)
    m = MultiTFFeedStore(ex, htf, mtf, quote_feed=q)
    assert m.get_feed("exec") is ex and m.get_feed("ltf") is ex
    assert m.get_feed("mtf") is mtf and m.get_feed("htf") is htf and m.quote_feed is q
    assert dict(m.tf_mapping) == {"exec": "1m", "ltf": "1m", "mtf": "5m", "htf": "15m"}
    single = MultiTFFeedStore(ex)
    assert single.get_feed("htf") is None and single.get_feed("mtf") is None
    assert single.tf_mapping["htf"] == "1m"
    with pytest.raises(PathError, match="Valid roles"):
        m.get_feed("weekly")
    with pytest.raises(TimeframeError, match="HTF >= MTF"):
        MultiTFFeedStore(ex, mtf, htf)
    with pytest.raises(TimeframeError, match="1m"):
        MultiTFFeedStore(ex, quote_feed=mtf)
    with pytest.raises(TimeframeError, match="tf_mapping"):
        MultiTFFeedStore(ex, htf, tf_mapping={"htf": "1h"})
    with pytest.raises(TimeframeError):
        MultiTFFeedStore(ex, tf_mapping={"htf": "1M"})
    assert MultiTFFeedStore(ex, tf_mapping={"htf": "4H"}).tf_mapping["htf"] == "4h"
    with pytest.raises(DataError, match="symbol"):
        MultiTFFeedStore(ex, FeedStore.from_arrays("15m", "ETH", **arrays(2, 15 * M)))
    with pytest.raises(DataError):
        MultiTFFeedStore(None)
    with pytest.raises(AttributeError):
        m.exec_feed = ex


def test_real_2020_file():
    if not DATA.exists():
        pytest.skip("btcusdt_1m_2020.parquet not available")
    df = pd.read_parquet(DATA)
    f = FeedStore.from_dataframe(df, "1m", "BTCUSDT")
    assert len(f) == len(df) and (np.diff(f.ts_open_ms) > 0).all()
    i = len(df) // 2
    assert f.get_idx_at_ts_close(int(df["ts"].iloc[i]) + M) == i
    assert f.get_last_closed_idx_at_or_before(f.get_ts_close_datetime(i)) == i
