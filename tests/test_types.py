"""Value types: validation, serialisation, deprecation of the materialised snapshot."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from btcore.compat.legacy import RuntimeSnapshot, create_not_ready_feature_snapshot
from btcore.errors import DataError
from btcore.types import (
    DEFAULT_HISTORY_CONFIG,
    Bar,
    ExchangeState,
    FeatureSnapshot,
    HistoryConfig,
)

UTC = timezone.utc


def _bar() -> Bar:
    return Bar("BTCUSDT", "15m", datetime(2020, 1, 1, tzinfo=UTC), datetime(2020, 1, 1, 0, 15, tzinfo=UTC),
               1.0, 2.0, 0.5, 1.5, 10.0)


def test_history_config_defaults_and_validation() -> None:
    assert DEFAULT_HISTORY_CONFIG.to_dict() == {
        "bars_exec_count": 0, "features_exec_count": 0, "features_htf_count": 0, "features_mtf_count": 0,
    }
    assert not DEFAULT_HISTORY_CONFIG.requires_history
    hc = HistoryConfig(bars_exec_count=3, features_exec_count=5)
    assert hc.requires_history and hc.max_exec_lookback == 5
    with pytest.raises(DataError, match="features_htf_count must be >= 0, got -1"):
        HistoryConfig(features_htf_count=-1)
    with pytest.raises(ValueError, match="1.5"):
        HistoryConfig(bars_exec_count=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="True"):
        HistoryConfig(bars_exec_count=True)


def test_bar_roundtrip_and_naive_iso_means_utc() -> None:
    bar = _bar()
    d = bar.to_dict()
    assert d["ts_open"] == "2020-01-01T00:00:00+00:00"
    assert Bar.from_dict(d) == bar
    d["ts_open"] = "2020-01-01T00:00:00"  # naive ISO string
    assert Bar.from_dict(d).ts_open == bar.ts_open
    with pytest.raises(KeyError):
        Bar.from_dict({"symbol": "X"})


def test_exchange_state_consistency() -> None:
    flat = ExchangeState.flat(1000.0)
    assert flat.equity_usdt == 1000.0 and not flat.has_position
    assert list(flat.to_dict())[:2] == ["equity_usdt", "cash_usdt"] and len(flat.to_dict()) == 14
    with pytest.raises(DataError, match="contradicts"):
        ExchangeState(1, 1, 0, 1, 1, 0, has_position=True)
    with pytest.raises(DataError, match="'buy'"):
        ExchangeState(1, 1, 0, 1, 1, 0, has_position=True, position_side="buy")


def test_feature_snapshot_staleness_mixes_naive_and_aware() -> None:
    fs = FeatureSnapshot("1h", datetime(2020, 1, 1, 1, tzinfo=UTC), _bar(), {"rsi": 50.0})
    assert fs.is_stale_at(datetime(2020, 1, 1, 1, 15))  # naive = UTC, no TypeError
    assert not fs.is_stale_at(datetime(2020, 1, 1, 1, tzinfo=UTC))
    nr = create_not_ready_feature_snapshot("1h", fs.ts_close, _bar(), "HTF has not closed yet")
    assert not nr.ready and nr.features == {} and nr.to_dict()["not_ready_reason"] == "HTF has not closed yet"


def test_runtime_snapshot_is_deprecated_but_works() -> None:
    fs = FeatureSnapshot("1h", datetime(2020, 1, 1, 1, tzinfo=UTC), _bar())
    nr = create_not_ready_feature_snapshot("4h", fs.ts_close, _bar(), "no close yet")
    with pytest.warns(DeprecationWarning, match="RuntimeSnapshotView"):
        snap = RuntimeSnapshot(fs.ts_close, "BTCUSDT", "15m", 1.5, "close", _bar(),
                               ExchangeState.flat(10.0), nr, fs, fs, history_ready=False)
    assert not snap.ready
    assert snap.not_ready_reasons == ["HTF: no close yet", "History: required windows not yet filled"]
