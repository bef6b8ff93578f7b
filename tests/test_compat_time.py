"""The compat layer's datetime convention: naive UTC out of data, the caller's convention out of
arithmetic, naive input meaning UTC — and none of it moves with the ``TZ`` variable. Plus the
reference preflight's warmups (``delay_by_role``, the engine's own ``compute_warmup_requirements``)."""

from __future__ import annotations

import importlib
import os
import sys
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import btcore
from btcore.compat import feed_store as cfs
from btcore.compat import preflight as cpf
from btcore.compat import timeframe as ctf
from btcore.compat import windowing as cwin
from btcore.compat._time import naive_utc

T0 = 1_577_836_800_000
MIN = 60_000
IST = timezone(timedelta(hours=5, minutes=30))
ZONES = ["UTC", "Asia/Kolkata", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham"]


@pytest.fixture(params=ZONES)
def host_tz(request, monkeypatch):
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is POSIX-only")
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def _feeds():
    sym = f"TZ{os.getpid()}"
    ts = T0 + np.arange(12, dtype=np.int64) * 15 * MIN
    x = np.linspace(100, 111, 12)
    ex = cfs.FeedStore.from_arrays("15m", sym, ts, x, x + 1, x - 1, x, x, indicators={"ema": x})
    qts = T0 + np.arange(180, dtype=np.int64) * MIN
    qx = np.linspace(100, 111, 180)
    q = cfs.FeedStore.from_arrays("1m", sym, qts, qx, qx + 1, qx - 1, qx, qx)
    return cfs.MultiTFFeedStore(ex, quote_feed=q)


def test_naive_utc_is_wall_time_utc():
    assert naive_utc(T0) == datetime(2020, 1, 1)
    assert naive_utc(T0 + 1) == datetime(2020, 1, 1, 0, 0, 0, 1000)
    assert naive_utc(-1) == datetime(1969, 12, 31, 23, 59, 59, 999000)
    assert naive_utc(np.int64(T0)) == datetime(2020, 1, 1)


def test_results_do_not_depend_on_the_host_zone(host_tz, twin):
    """Everything an engine reads or computes through the compat layer, under five host zones
    (two with half-hour or 45-minute offsets and DST): the same, hard-coded, UTC answers."""
    feeds = _feeds()
    ex, q = feeds.exec_feed, feeds.quote_feed
    v = twin("view").RuntimeSnapshotView(feeds=feeds, exec_idx=3, htf_idx=None, mtf_idx=None, exchange=None,
                                         mark_price=1.0, mark_price_source="close")
    assert ex.get_ts_open_datetime(3) == datetime(2020, 1, 1, 0, 45) and ex.get_ts_open_datetime(3).tzinfo is None
    assert v.ts_close == ex.get_ts_close_datetime(3) == datetime(2020, 1, 1, 1, 0)
    assert v.exec_ctx.ts_close == v.ts_close and v.to_dict()["ts_close"] == "2020-01-01T01:00:00"
    naive_close = datetime(2020, 1, 1, 1, 0)  # what the engine hands back: naive, meaning UTC
    assert ex.get_idx_at_ts_close(naive_close) == 3 and ex.get_last_closed_idx_at_or_before(naive_close) == 3
    assert q.get_last_closed_idx_at_or_before(naive_close) == 59
    assert q.get_1m_indices_for_exec(3, 15) == (45, 59)
    assert q._get_ts_close_ms_at(59) == T0 + 60 * MIN
    assert ctf.ceil_to_tf_close(datetime(2020, 1, 1, 0, 50), "15m") == datetime(2020, 1, 1, 1, 0)
    w = cwin.compute_data_window(datetime(2020, 1, 2), datetime(2020, 1, 3), {"exec": 4}, {"exec": "1h"})
    assert (w.data_start, w.test_end, w.start_by_role["exec"]) == (datetime(2020, 1, 1, 20), datetime(2020, 1, 3),
                                                                   datetime(2020, 1, 1, 20))
    # the modern API answers the same instants, aware
    assert btcore.FeedStore.from_arrays("15m", "X", ex.ts_open_ms, ex.open, ex.high, ex.low, ex.close,
                                        ex.volume).get_ts_close_datetime(3) == datetime(2020, 1, 1, 1, tzinfo=timezone.utc)


def test_arithmetic_follows_the_callers_convention():
    aware_ist = datetime(2020, 1, 2, 5, 30, tzinfo=IST)  # 2020-01-02 00:00 UTC
    assert ctf.ceil_to_tf_close(datetime(2020, 1, 1, 0, 50), "1h").tzinfo is None
    c = ctf.ceil_to_tf_close(datetime(2020, 1, 1, 6, 20, tzinfo=IST), "1h")  # 00:50 UTC -> 01:00 UTC
    assert c.utcoffset() == IST.utcoffset(None) and c == datetime(2020, 1, 1, 1, tzinfo=timezone.utc)
    w = cwin.compute_data_window(aware_ist, aware_ist + timedelta(days=1), {"exec": 4}, {"exec": "1h"})
    assert w.data_start == datetime(2020, 1, 1, 20, tzinfo=timezone.utc) and w.data_start.utcoffset() == IST.utcoffset(None)
    utc = cwin.compute_data_window(datetime(2020, 1, 2, tzinfo=timezone.utc), datetime(2020, 1, 3, tzinfo=timezone.utc),
                                   {"exec": 4}, {"exec": "1h"})
    assert utc.data_start.tzinfo is timezone.utc
    assert cwin.compute_warmup_start_simple(pd.Timestamp("2020-01-02"), 3, "1h") == datetime(2020, 1, 1, 21)
    lw = cwin.compute_simple_load_window(datetime(2020, 1, 2), datetime(2020, 1, 3), "1h", 5)
    assert lw.load_start.tzinfo is None and lw.load_start == datetime(2020, 1, 1, 19)


# --------------------------------------------------------------------------- preflight


def _minutes(days: int) -> pd.DataFrame:
    n = days * 1440
    ts = T0 + MIN * np.arange(n, dtype=np.int64)
    o = 100.0 + np.sin(np.arange(n))
    return pd.DataFrame({"ts": ts, "open": o, "high": o + 1, "low": o - 1, "close": o + 0.1, "volume": np.ones(n)})


DATA = _minutes(4)
WS, WE = datetime(2020, 1, 3), datetime(2020, 1, 3, 12)


def _card(**exec_cfg):
    return SimpleNamespace(id="card", symbol_universe=["BTC"],
                           tf_configs={"exec": SimpleNamespace(tf="15m", **exec_cfg), "htf": SimpleNamespace(tf="1h", warmup_bars=3)})


def test_report_has_delay_by_role_from_the_card():
    report = cpf.run_preflight_gate(_card(warmup_bars=8, delay_bars=2), DATA, WS, WE)
    req = report.computed_warmup_requirements
    assert report.passed and req.delay_by_role == {"exec": 2, "htf": 0} and req.warmup_by_role == {"exec": 8, "htf": 3}
    assert req.max_warmup_bars == 8 and req.max_delay_bars == 2
    assert report.to_dict()["computed_warmup_requirements"]["delay_by_role"] == {"exec": 2, "htf": 0}
    nested = _card(warmup_bars=8, market_structure=SimpleNamespace(delay_bars=5))
    assert cpf.run_preflight_gate(nested, DATA, WS, WE).computed_warmup_requirements.delay_by_role["exec"] == 5


def test_requirements_without_delays_get_them():
    report = cpf.run_preflight_gate(_card(warmup_bars=8), DATA, WS, WE,
                                    warmup_requirements=SimpleNamespace(warmup_by_role={"exec": 6, "htf": 1}))
    assert report.computed_warmup_requirements.delay_by_role == {"exec": 0, "htf": 0}
    assert report.tf_results["BTC:15m"].warmup_bars == 6 + 10  # the given warmup plus preflight's safety


def test_report_datetimes_follow_the_window():
    naive = cpf.run_preflight_gate(_card(warmup_bars=8), DATA, WS, WE)
    assert naive.window_start == WS and naive.window_start.tzinfo is None
    r = naive.tf_results["BTC:15m"]
    assert r.min_ts.tzinfo is None and r.required_start.tzinfo is None and naive.window.data_start.tzinfo is None
    aware = cpf.run_preflight_gate(_card(warmup_bars=8), DATA, WS.replace(tzinfo=timezone.utc), WE.replace(tzinfo=timezone.utc))
    assert aware.window_start.tzinfo is timezone.utc and aware.run_timestamp.tzinfo is not None


def test_reference_earliest_date_is_kept():
    with pytest.raises(btcore.DataError, match="BEFORE_EARLIEST_DATE|before"):
        cpf.run_preflight_gate(_card(warmup_bars=8), DATA, datetime(2018, 10, 1), datetime(2018, 10, 2))


def test_engine_warmup_function_is_used_when_installed(tmp_path, monkeypatch):
    pkg = tmp_path / "warm_engine"
    (pkg / "runtime").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "runtime" / "__init__.py").write_text("from btcore.compat import install; install(__name__)\n")
    (pkg / "execution_validation.py").write_text(
        "from types import SimpleNamespace\n"
        "from .runtime.preflight import PreflightStatus  # the engine's module imports the runtime too\n"
        "CALLS = []\n"
        "def compute_warmup_requirements(card):\n"
        "    CALLS.append(card.id)\n"
        "    return SimpleNamespace(warmup_by_role={'exec': 12, 'htf': 2}, delay_by_role={'exec': 4, 'htf': 0},\n"
        "                           to_dict=lambda: {'engine': True})\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    preflight = importlib.import_module("warm_engine.runtime.preflight")
    report = preflight.run_preflight_gate(_card(warmup_bars=8), DATA, WS, WE)
    ev = sys.modules["warm_engine.execution_validation"]
    assert ev.CALLS == ["card"] and report.computed_warmup_requirements.delay_by_role == {"exec": 4, "htf": 0}
    assert report.tf_results["BTC:15m"].warmup_bars == 12 + 10
    assert cpf.run_preflight_gate(_card(warmup_bars=8), DATA, WS, WE).tf_results["BTC:15m"].warmup_bars == 8 + 10
