"""Deprecated materialised-snapshot names still work, and warn."""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from btcore.errors import DataError
from btcore.compat.legacy import SnapshotBuilder, TimeframeCache, build_close_ts_map_from_df
from btcore.types import Bar, ExchangeState, FeatureSnapshot, HistoryConfig

UTC = timezone.utc
T0 = datetime(2020, 1, 1, tzinfo=UTC)


def _bar(i: int) -> Bar:
    return Bar("X", "15m", T0 + timedelta(minutes=15 * i), T0 + timedelta(minutes=15 * (i + 1)), 1, 2, 0.5, 1.5, 1)


def _fs(tf: str, i: int) -> FeatureSnapshot:
    return FeatureSnapshot(tf, _bar(i).ts_close, _bar(i), {"rsi": float(i)})


def test_timeframe_cache_matches_naive_and_aware_times() -> None:
    with pytest.warns(DeprecationWarning):
        cache = TimeframeCache()
    cache.set_close_ts_maps([T0 + timedelta(hours=4)], [T0 + timedelta(hours=1)], "4h", "1h")
    assert cache.get_not_ready_reasons() == ["HTF (4h): no snapshot yet", "MTF (1h): no snapshot yet"]
    naive_1h = datetime(2020, 1, 1, 1)
    calls: list[str] = []
    htf, mtf = cache.refresh_step(naive_1h, lambda: calls.append("h") or _fs("4h", 0), lambda: calls.append("m") or _fs("1h", 3))
    assert (htf, mtf, calls) == (False, True, ["m"])
    assert cache.mtf_ready and not cache.all_ready
    assert cache.to_dict()["mtf_close_count"] == 1
    cache.reset()
    assert cache.get_mtf() is None


def test_close_map_from_df() -> None:
    df = pd.DataFrame({"ts_close": pd.to_datetime(["2020-01-01 00:15", "2020-01-01 00:30"])})
    assert build_close_ts_map_from_df(df) == {1577837700000, 1577838600000}
    with pytest.raises(DataError, match="'nope'"):
        build_close_ts_map_from_df(df, "nope")


def test_snapshot_builder_checks_history_even_for_zero_counts() -> None:
    with pytest.warns(DeprecationWarning):
        sb = SnapshotBuilder("X", {"htf": "4h", "mtf": "1h", "exec": "15m"}, HistoryConfig(bars_exec_count=1))
    args = (_bar(1).ts_close, _bar(1), 1.5, "close", ExchangeState.flat(1.0), _fs("4h", 0), _fs("1h", 0), _fs("15m", 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        snap = sb.build(*args, history_bars_exec=(_bar(0),))
        assert snap.exec_tf == "15m" and snap.ready
        with pytest.raises(DataError, match="history_features_exec has 1 items, but config allows max 0"):
            sb.build(*args, history_features_exec=(_fs("15m", 0),))
        snap2 = sb.build_with_defaults(_bar(1).ts_close, _bar(1), 1.5, "close", ExchangeState.flat(1.0), _fs("15m", 1))
        assert not snap2.ready
        assert snap2.not_ready_reasons[:2] == ["HTF: HTF has not closed yet", "MTF: MTF has not closed yet"]
