"""Conformance of ``btcore.compat`` with the reference runtime, through ``install()``.

A throw-away engine package ``fake_engine`` whose ``runtime/__init__.py`` is the one documented
line imports everything the way the reference engine does. Checked against the surface written
out in ``_reference_surface.py`` (from the inventory): every name of the package and of each
submodule, every public and engine-used private member, every constructor and method signature.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

import _reference_surface as ref
import btcore
import btcore.compat

ONE_LINE = "from btcore.compat import install; install(__name__)\n"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    root = tmp_path_factory.mktemp("engine")
    pkg = root / "fake_engine"
    (pkg / "runtime").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "runtime" / "__init__.py").write_text(ONE_LINE)
    # a leftover reference file must not be picked up instead of btcore's module
    (pkg / "runtime" / "feed_store.py").write_text("raise ImportError('the reference file was imported')\n")
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module("fake_engine.runtime")
    finally:
        sys.path.remove(str(root))


def sub(runtime, name):
    return importlib.import_module(f"fake_engine.runtime.{name}")


def test_package_all_is_the_reference_all_in_order(runtime):
    assert len(ref.PACKAGE_ALL) == 58
    assert runtime.__all__ == ref.PACKAGE_ALL
    ns: dict = {}
    exec("from fake_engine.runtime import *", ns)  # noqa: S102 - the engine's own import form
    assert set(ref.PACKAGE_ALL) <= set(ns)
    for name in ref.PACKAGE_ALL:
        if name != "run_preflight_gate":  # bound to the installed package (it finds the engine's warmups)
            assert getattr(runtime, name) is getattr(btcore.compat, name), name
    assert runtime.run_preflight_gate.__name__ == "run_preflight_gate"


def test_every_reference_name_is_also_importable_from_btcore(runtime):
    # `from btcore import <reference name>` keeps working; where the compat layer needs no
    # difference, it is the very same object
    # difference, it is the very same object, else a subclass (the view adds the reference's
    # hard-coded indicator accessors, which the modern view does not have)
    subclassed = {"FeedStore", "MultiTFFeedStore", "RuntimeSnapshotView"}
    same = set(ref.PACKAGE_ALL) - subclassed - {"run_preflight_gate"}
    for name in ref.PACKAGE_ALL:
        assert hasattr(btcore, name), name
        if name in same:
            assert getattr(btcore, name) is getattr(runtime, name), name
    for name in subclassed:
        assert issubclass(getattr(runtime, name), getattr(btcore, name)), name
    assert not hasattr(btcore.RuntimeSnapshotView, "ema_fast") and hasattr(runtime.RuntimeSnapshotView, "ema_fast")


@pytest.mark.parametrize("module", sorted(ref.MODULES))
def test_submodule_names(runtime, module):
    m = sub(runtime, module)
    assert m.__name__ == f"fake_engine.runtime.{module}"
    missing = [n for n in ref.MODULES[module] if not hasattr(m, n)]
    assert not missing, f"{module} lacks {missing}"
    for name in m.__all__:
        if name != "run_preflight_gate":
            assert getattr(m, name) is getattr(importlib.import_module(f"btcore.compat.{module}"), name)


def test_import_styles_of_the_engine(runtime):
    from fake_engine.runtime import feed_store, snapshot_view  # noqa: F401
    from fake_engine.runtime.feed_store import FeedStore
    from fake_engine.runtime.state_types import ActionState as ActionEnum
    from fake_engine.runtime.action_state import ActionState

    assert runtime.feed_store is feed_store and FeedStore is feed_store.FeedStore
    assert ActionEnum is runtime.ActionStateValue and ActionState is runtime.ActionState  # D27, as before
    assert "fake_engine.runtime" in btcore.compat.installed_packages()
    assert btcore.compat.install("fake_engine.runtime") is runtime  # idempotent


def test_install_rejects_bad_names():
    for bad in ("", "a..b", "1pkg", None, "a.b-c"):
        with pytest.raises(TypeError, match="dotted module name"):
            btcore.compat.install(bad)


def test_install_without_a_package_on_disk():
    m = btcore.compat.install("btcore_compat_test_virtual_runtime")
    from btcore_compat_test_virtual_runtime.quote_state import QuoteState

    assert m.QuoteState is QuoteState is btcore.QuoteState


# --------------------------------------------------------------------------- members


def _feeds(runtime):
    fs = sub(runtime, "feed_store")
    ts = 1_577_836_800_000 + np.arange(8, dtype=np.int64) * 900_000
    x = np.linspace(100.0, 107.0, 8)
    ex = fs.FeedStore.from_arrays("15m", "BTCUSDT", ts, x, x + 1, x - 1, x, x, indicators={"ema_fast": x})
    return fs.MultiTFFeedStore(ex)


def _instances(runtime):
    t, pf = sub(runtime, "types"), sub(runtime, "preflight")
    utc = timezone.utc
    bar = t.Bar("BTCUSDT", "15m", datetime(2020, 1, 1, tzinfo=utc), datetime(2020, 1, 1, 0, 15, tzinfo=utc), 1, 2, 0.5, 1.5, 3)
    fsnap = t.FeatureSnapshot("15m", bar.ts_close, bar, {"rsi": 50.0})
    ex = t.ExchangeState.flat(1000.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        rsnap = t.RuntimeSnapshot(bar.ts_close, "BTCUSDT", "15m", 1.5, "close", bar, ex, fsnap, fsnap, fsnap)
    feeds = _feeds(runtime)
    view = sub(runtime, "snapshot_view").RuntimeSnapshotView(feeds, 3, None, None, ex, 1.5, "close")
    md = sub(runtime, "indicator_metadata").IndicatorMetadata(
        "ema", "37a896da78b4", "ema", {"length": 20}, "close", "BTCUSDT", "15m", "exec", 20, 19, 19, 99)
    tfr = pf.TFPreflightResult("BTCUSDT", "15m", pf.PreflightStatus.PASSED)
    report = pf.PreflightReport("card", bar.ts_open, bar.ts_close, pf.PreflightStatus.PASSED, {"BTCUSDT:15m": tfr})
    return {
        "types.HistoryConfig": t.HistoryConfig(), "types.Bar": bar, "types.FeatureSnapshot": fsnap,
        "types.ExchangeState": ex, "types.RuntimeSnapshot": rsnap, "feed_store.FeedStore": feeds.exec_feed,
        "feed_store.MultiTFFeedStore": feeds, "snapshot_view.TFContext": view.exec_ctx,
        "snapshot_view.RuntimeSnapshotView": view, "state_types.GateResult": runtime.GateResult.pass_(),
        "signal_state.SignalState": runtime.SignalState(), "action_state.ActionState": runtime.ActionState(),
        "block_state.BlockState": runtime.BlockState(), "gate_state.GateContext": runtime.GateContext(),
        "state_tracker.StateTrackerConfig": runtime.StateTrackerConfig(), "state_tracker.StateTracker": runtime.StateTracker(),
        "preflight.PreflightReport": report, "preflight.TFPreflightResult": tfr,
        "indicator_metadata.IndicatorMetadata": md,
    }


def test_every_reference_member_exists(runtime):
    instances = _instances(runtime)
    assert set(ref.INSTANCE_ONLY) <= set(instances)
    for key, members in ref.MEMBERS.items():
        module, cls_name = key.split(".")
        cls = getattr(sub(runtime, module), cls_name)
        holder = instances.get(key, cls)
        missing = [m for m in members if not hasattr(holder, m)]
        assert not missing, f"{key} lacks {missing}"


# --------------------------------------------------------------------------- signatures


def _signature(obj):
    try:
        sig = inspect.signature(obj)
        generic = all(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in sig.parameters.values())
        if not (generic and inspect.isclass(obj)):  # a pure twin's __new__(*args, **kwargs): read __init__
            return sig
        return inspect.signature(obj.__init__)
    except (ValueError, TypeError):
        pass
    # a cdef class: Cython embeds "Name(params)" as the first line of its docstring (of the class
    # that defines __init__: a cdef subclass without one takes its base's)
    if inspect.isclass(obj):
        obj = next(c for c in obj.__mro__ if "__init__" in vars(c))
    first = (obj.__doc__ or "").splitlines()[0]
    m = re.match(r"^\w+\((.*)\)$", first)
    assert m, f"no signature for {obj!r}"
    fn = eval(f"lambda {m.group(1)}: None", {"float": float})  # noqa: S307 - a signature, from our own build
    return inspect.signature(fn)


def _params(obj):
    params = [p for p in _signature(obj).parameters.values() if p.name not in ("self", "cls")]
    return [p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _resolve(runtime, dotted):
    module, *rest = dotted.split(".")
    obj = sub(runtime, module)
    for part in rest:
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("name", sorted(ref.SIGNATURES))
def test_reference_signatures_are_kept(runtime, name):
    wanted = ref.SIGNATURES[name]
    params = _params(_resolve(runtime, name))
    got = [p.name for p in params]
    assert got[: len(wanted)] == wanted, f"{name}: reference ({', '.join(wanted)}), btcore ({', '.join(got)})"
    for extra in params[len(wanted):]:  # anything btcore adds comes after, and is optional
        assert extra.default is not inspect.Parameter.empty, f"{name}: added parameter {extra.name!r} is required"


REFERENCE_DEFAULTS = {
    "snapshot_view.RuntimeSnapshotView": {"history_config": None, "history_ready": True, "rollups": None,
                                          "incremental_state": None},
    "snapshot_view.RuntimeSnapshotView.get_feature": {"tf_role": "exec", "offset": 0},
    "quote_state.QuoteState": {"volume_1m": 0.0},
    "rollup_bucket.ExecRollupBucket": {"min_price_1m": float("inf"), "max_price_1m": float("-inf"), "bar_count_1m": 0,
                                       "open_price_1m": 0.0, "close_price_1m": 0.0, "volume_1m": 0.0},
    "feed_store.FeedStore.from_dataframe": {"indicator_columns": None, "prefer_float32": False},
    "state_tracker.create_state_tracker": {"warmup_bars": 0, "max_positions": 100, "max_drawdown_pct": 100.0,
                                           "cooldown_bars": 0, "max_history": 10000},
    "preflight.run_preflight_gate": {"gap_threshold_multiplier": 3.0, "auto_sync_missing": False,
                                     "auto_sync_config": None},
    "windowing.compute_data_window": {"safety_buffer_bars": 0},
}


@pytest.mark.parametrize("name", sorted(REFERENCE_DEFAULTS))
def test_reference_defaults_are_kept(runtime, name):
    params = {p.name: p.default for p in _params(_resolve(runtime, name))}
    for param, default in REFERENCE_DEFAULTS[name].items():
        assert params[param] == default, f"{name}({param}=...) default"


def test_the_engine_calls_with_keywords(runtime):
    """The reference engine builds views and quotes with keyword arguments only."""
    feeds = _feeds(runtime)
    b = runtime.ExecRollupBucket()
    q = runtime.QuoteState(ts_ms=1_577_837_700_000, last=101.0, open_1m=100.0, high_1m=102.0, low_1m=99.0,
                           mark=101.0, mark_source="approx_from_ohlcv_1m", volume_1m=3.0)
    b.accumulate(q)
    v = runtime.RuntimeSnapshotView(
        feeds=feeds, exec_idx=2, htf_idx=None, mtf_idx=None, exchange=None, mark_price=101.5,
        mark_price_source="1m_close", history_config=runtime.HistoryConfig(), history_ready=True,
        rollups=b.freeze(), incremental_state=None)
    assert v.get("indicator.mark_price") == 101.5 and v.rollup_max_1m == 102.0
    assert v.ts_close == datetime(2020, 1, 1, 0, 45) and v.ts_close.tzinfo is None  # naive UTC
    assert v.exec_ctx.ts_close == feeds.exec_feed.get_ts_close_datetime(2)
    assert feeds.exec_feed.get_ts_close_datetime(2) - feeds.exec_feed.get_ts_open_datetime(2) == timedelta(minutes=15)


def test_reference_feed_store_constructor(runtime):
    fs = sub(runtime, "feed_store")
    ts_open = np.array(["2020-01-01T00:00", "2020-01-01T00:15"], dtype="datetime64[ns]")
    ts_close = ts_open + np.timedelta64(15, "m")
    x = np.array([1.0, 2.0])
    feed = fs.FeedStore(tf="15m", symbol="BTCUSDT", ts_open=ts_open, ts_close=ts_close, open=x, high=x, low=x,
                        close=x, volume=x, indicators={"rsi": x}, close_ts_set=set(), ts_close_ms_to_idx={})
    assert feed.length == 2 and feed.get_ts_close_datetime(1) == datetime(2020, 1, 1, 0, 30)
    assert isinstance(feed, btcore.FeedStore) and type(feed).from_arrays is not None
    with pytest.raises(btcore.DataError, match="ts_close must be ts_open"):
        fs.FeedStore("15m", "BTCUSDT", ts_open, ts_open, x, x, x, x, x)
    with pytest.raises(btcore.DataError, match="length=5"):
        fs.FeedStore("15m", "BTCUSDT", ts_open, ts_close, x, x, x, x, x, length=5)
