"""Differential adversarial properties: the compiled core and its twin, fed the same odd calls.

Each case builds the same objects in both implementations and applies one generated sequence of
calls with adversarial arguments (huge and negative ints, floats, numeric strings, None, lists,
non-str names, out-of-range indices, wrong shapes). After every call both must have returned the
same value (floats bit for bit) or raised the same exception class. Run in a child interpreter
(see tests/_isolated.py), so a crash of the compiled core is a failing test.
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import _view_data as vd
from _adversarial import SETTINGS, counted, impls, int_args, ints, outcome, reals, report, weird
from btcore.types import ExchangeState, HistoryConfig

ROLES = st.sampled_from(["exec", "ltf", "mtf", "htf", "quote", "EXEC", "", None, 1])
NAMES = st.one_of(st.sampled_from(list(vd.INDICATORS) + list(vd.OHLCV) + ["mark_price", "nope", "bb.upper"]), weird)
PATHS = st.one_of(
    st.sampled_from(["indicator.rsi", "indicator.rsi.htf", "indicator.ema_fast.mtf", "indicator.close.exec",
                     "indicator.rsi.exec.x", "price.mark.close", "price.mark.high", "price.last.close",
                     "px.rollup.max_1m", "px.rollup.bars_1m", "px.rollup", "structure.swing.dir",
                     "structure.swing.zones.demand.upper", "structure.swing.zones", "structure.nope.x",
                     "indicator.", "", ".", "indicator.rsi.htf.extra", "nope.a"]),
    st.text(alphabet="abcdefghinprstuvx._", max_size=24), weird)
PROPS = ["ts_close_ms", "ts_open_ms", "feeds", "history_config", "symbol", "exec_tf", "tf_mapping", "exec_idx",
         "htf_idx", "mtf_idx", "m1_idx", "ts_close", "ts_open", "htf_ready", "mtf_ready", "ready",
         "not_ready_reasons", "open", "high", "low", "close", "volume", "ema_fast", "ema_slow", "rsi", "atr",
         "available_indicators", "available_htf_indicators", "available_mtf_indicators", "htf_ema_fast",
         "htf_ema_slow", "htf_rsi", "mtf_ema_fast", "mtf_ema_slow", "mtf_rsi", "htf_ctx_ts_close_ms",
         "mtf_ctx_ts_close_ms", "htf_ctx_ts_close", "mtf_ctx_ts_close", "htf_staleness_ms", "mtf_staleness_ms",
         "htf_is_stale", "mtf_is_stale", "equity", "available_balance", "has_position", "position_side",
         "position_size_usdt", "unrealized_pnl", "entries_disabled", "rollup_min_1m", "rollup_max_1m",
         "rollup_bars_1m", "rollup_open_1m", "rollup_close_1m", "rollup_volume_1m", "rollup_price_range_1m",
         "has_rollups", "rollups", "mark_price", "mark_price_source", "history_ready", "exchange"]


class Str(str):
    """A str subclass: both views take exactly str for mark_price_source."""


COPIES = {"pickle": lambda x: pickle.loads(pickle.dumps(x)), "copy": copy.copy, "deepcopy": copy.deepcopy}
CTX_PROPS = ["feed", "current_idx", "ready", "ts_open_ms", "ts_close_ms", "ts_open", "ts_close", "open", "high",
             "low", "close", "volume", "available_indicators", "not_ready_reason"]

view_ops = st.one_of(
    st.tuples(st.sampled_from(["get", "get_strict", "has_path", "is_valid_path", "compile_get"]), PATHS),
    st.tuples(st.just("get_feature"), NAMES, ROLES, int_args),
    st.tuples(st.just("has_feature"), NAMES, ROLES),
    st.tuples(st.sampled_from(["prev_indicator"]), NAMES, int_args),
    st.tuples(st.sampled_from(["prev_close", "prev_high", "prev_low", "prev_ema_fast", "prev_rsi",
                               "bars_exec_low", "bars_exec_high"]), int_args),
    st.tuples(st.sampled_from(["indicator", "htf_indicator", "mtf_indicator", "has_indicator", "indicator_strict",
                               "get_rollup"]), st.one_of(NAMES, PATHS)),
    st.tuples(st.just("indicator_col"), NAMES, ROLES),
    st.tuples(st.just("_move"), int_args, int_args, int_args, int_args),
    st.tuples(st.just("set"), st.sampled_from(["mark_price", "history_ready", "mark_price_source", "exchange"]),
              st.one_of(reals, st.sampled_from([ExchangeState.flat(100.0), "mark_1m", Str("mark_1m")]))),
    st.tuples(st.just("prop"), st.sampled_from(PROPS)),
    st.tuples(st.just("ctx"), st.sampled_from(["exec_ctx", "htf_ctx", "mtf_ctx"]), st.sampled_from(CTX_PROPS),
              NAMES),
    st.tuples(st.just("attach"), st.sampled_from(["good", "none", "wrong_shape", "ints", "strided", "list"])),
    st.tuples(st.just("copy"), st.sampled_from(["pickle", "copy", "deepcopy"])),
    st.just(("to_dict",)),
    st.just(("list_structure_paths",)),
)


def _feeds(data: Any) -> Any:
    return vd.make_feeds(
        data.draw(st.integers(1, 40), label="n_exec"), exec_tf=data.draw(st.sampled_from(["5m", "15m"])),
        mtf=data.draw(st.sampled_from([None, "15m"])), htf=data.draw(st.sampled_from([None, "1h"])),
        quote=data.draw(st.booleans()), nan_frac=data.draw(st.sampled_from([0.0, 0.2])),
        seed=data.draw(st.integers(0, 5)), htf_delay=data.draw(st.integers(0, 3)))


def _apply(v: Any, op: tuple, feeds: Any) -> Any:
    name, *args = op
    if name == "compile_get":
        return v.compile(args[0]).get()
    if name == "set":
        setattr(v, args[0], args[1])
        return getattr(v, args[0])
    if name == "prop":
        return getattr(v, args[0])
    if name == "ctx":
        ctx = getattr(v, args[0])
        if ctx is None:
            return None
        return (getattr(ctx, args[1]), ctx.has_indicator(args[2]), ctx.get_indicator(args[2]),
                outcome(lambda: ctx.get_indicator_strict(args[2])))
    if name == "attach":
        n = feeds.exec_feed.length
        m = {"good": np.arange(6.0 * n).reshape(6, n), "none": None, "wrong_shape": np.zeros((5, n)),
             "ints": np.ones((6, n), dtype=np.int32), "strided": np.arange(12.0 * n).reshape(6, 2 * n)[:, ::2],
             "list": [[1.0] * n] * 6}[args[0]]
        v._attach_rollups(m)
        return v.rollups
    if name == "copy":
        w = COPIES[args[0]](v)
        return (w.exec_idx, w.htf_idx, w.m1_idx, w.rollups, w.mark_price, w.get("indicator.rsi"))
    return getattr(v, name)(*args)


@given(data=st.data())
@SETTINGS
def _view_calls(data: Any, kind: str) -> None:
    counted()
    feeds = _feeds(data)
    mods = impls(kind, "view")  # the view plus the reference's hard-coded accessors: every member
    n = feeds.exec_feed.length
    args = (data.draw(st.one_of(st.integers(-1, n), int_args), label="exec_idx"),
            data.draw(st.one_of(st.integers(-1, 3), int_args), label="htf_idx"),
            data.draw(st.one_of(st.integers(-1, 3), int_args), label="mtf_idx"),
            data.draw(st.sampled_from([None, ExchangeState.flat(1000.0), object()]), label="exchange"),
            data.draw(st.one_of(st.just(101.5), reals), label="mark"),
            data.draw(st.sampled_from(["close", None, 5, Str("close")]), label="source"))
    kw = data.draw(st.fixed_dictionaries({}, optional={
        "history_config": st.sampled_from([None, HistoryConfig(2, 2), "bogus"]), "history_ready": weird,
        "rollups": st.sampled_from([None, {}, {"px.rollup.bars_1m": 3, "px.rollup.max_1m": 7.5}, {"nope": 1},
                                    {"px.rollup.max_1m": "x"}, [1]])}), label="kwargs")
    views = []
    made = [outcome(lambda m=m: views.append(m.CompatSnapshotView(feeds, *args, **kw))) for m in mods]
    assert all(o == made[0] for o in made), made
    if len(views) != len(mods):
        return
    for op in data.draw(st.lists(view_ops, min_size=1, max_size=12), label="ops"):
        got = [outcome(lambda v=v: _apply(v, op, feeds)) for v in views]
        assert all(g == got[0] for g in got), (op, got)


def view_calls(kind: str) -> None:
    _view_calls(kind=kind)
    report()


# --------------------------------------------------------------------------- tracker and states

tracker_ops = st.one_of(
    st.tuples(st.just("on_bar_start"), st.one_of(st.integers(0, 60), int_args)),
    st.tuples(st.just("on_signal_evaluated"), st.one_of(st.sampled_from([1, -1, 0, 2]), int_args)),
    st.tuples(st.just("on_warmup_check"), weird, st.one_of(st.integers(0, 10), int_args)),
    st.tuples(st.just("on_history_check"), weird, st.one_of(st.integers(0, 10), int_args)),
    st.tuples(st.just("on_risk_check"), st.booleans(), st.sampled_from([None, "limit", 5]), reals, reals, reals),
    st.tuples(st.just("on_position_check"), st.one_of(st.integers(0, 3), int_args), reals),
    st.tuples(st.just("on_sizing_computed"), reals),
    st.tuples(st.sampled_from(["on_order_submitted", "on_order_filled"])),
    st.tuples(st.sampled_from(["on_order_rejected", "on_order_canceled"]), st.sampled_from([None, "why", 3])),
    st.tuples(st.just("on_bar_end")),
    st.tuples(st.just("get_block_at"), st.one_of(st.integers(-2, 60), int_args)),
    st.tuples(st.sampled_from(["summary_stats", "block_history", "total_bars", "get_current_signal_state",
                               "get_current_action_state", "config", "reset"])),
    st.tuples(st.just("copy"), st.sampled_from(["pickle", "copy", "deepcopy"])),
)
CONFIG_FIELDS = {"warmup_bars": ints, "max_positions": ints, "max_drawdown_pct": reals, "cooldown_bars": ints,
                 "max_history": st.integers(0, 12), "max_exposure_pct": reals, "required_history_bars": ints,
                 "confirmation_bars": ints, "expiry_bars": ints}


def _tracker_apply(t: Any, op: tuple) -> Any:
    name, *args = op
    if name == "copy":
        w = COPIES[args[0]](t)
        return (w.summary_stats(), w.block_history, w.get_current_signal_state(), w.get_current_action_state())
    attr = getattr(t, name)
    return attr(*args) if callable(attr) and name not in ("block_history", "total_bars", "config") else attr


@given(data=st.data())
@SETTINGS
def _tracker_calls(data: Any, kind: str) -> None:
    counted()
    mods = impls(kind, "tracker")
    cfg_kw = data.draw(st.fixed_dictionaries({}, optional={k: s for k, s in CONFIG_FIELDS.items()}), label="config")
    cfgs = [outcome(lambda m=m: m.StateTrackerConfig(**cfg_kw)) for m in mods]
    assert all(c[0] == cfgs[0][0] for c in cfgs), cfgs
    if cfgs[0][0] == "raise":
        return
    trackers = [m.StateTracker(m.StateTrackerConfig(**cfg_kw)) for m in mods]
    for op in data.draw(st.lists(tracker_ops, min_size=1, max_size=30), label="ops"):
        got = [outcome(lambda t=t: _tracker_apply(t, op)) for t in trackers]
        assert all(g == got[0] for g in got), (op, got)
    got = [outcome(t.summary_stats) for t in trackers]
    assert all(g == got[0] for g in got), got


def tracker_calls(kind: str) -> None:
    _tracker_calls(kind=kind)
    report()


def _state_cases(data: Any) -> list[tuple[str, tuple, dict]]:
    values = st.one_of(st.integers(-1, 10), int_args)
    return [
        ("SignalState", data.draw(st.tuples(values, values, values, values, values, st.none(), values)), {}),
        ("ActionState", data.draw(st.tuples(values, values, reals, values, values, st.sampled_from([None, "r", 1]))),
         data.draw(st.fixed_dictionaries({}, optional={"signal_id": values}))),
        ("BlockState", data.draw(st.tuples(values)), data.draw(st.fixed_dictionaries({}, optional={
            "raw_signal_direction": values, "signal_triggers": st.sampled_from([(), (1,), (1, 2), ("x",), 5]),
            "action_triggers": st.sampled_from([(), (1,), (99,)])}))),
        ("GateResult", data.draw(st.tuples(weird, values, st.sampled_from([(), (1, 2), (0,), ("a",), None]))), {}),
        ("GateContext", (), data.draw(st.fixed_dictionaries({}, optional={
            "bar_idx": values, "warmup_bars": values, "history_bars": values, "current_drawdown_pct": reals,
            "max_drawdown_limit_pct": reals, "available_margin": reals, "position_count": values,
            "max_positions": values, "cooldown_bars_remaining": values, "cache_ready": weird,
            "risk_policy_passed": weird}))),
        ("evaluate_warmup_gate", data.draw(st.tuples(values, values)), {}),
        ("transition_signal_state", data.draw(st.tuples(
            st.sampled_from(["none", "confirmed"]), values, weird, st.sampled_from([1, -1, 0, 2, "1"]), st.just("pass"),
            weird, values, values)), data.draw(st.fixed_dictionaries({}, optional={"expiry_bars": values}))),
        ("transition_action_state", data.draw(st.tuples(
            st.sampled_from(["idle", "sizing"]), values, weird, st.sampled_from([1, -1, 0]), st.just("pass"), weird,
            reals, weird, weird, weird)), data.draw(st.fixed_dictionaries({}, optional={"signal_id": values}))),
        ("evaluate_margin_gate", data.draw(st.tuples(reals, reals)), {}),
    ]


@given(data=st.data())
@SETTINGS
def _state_objects(data: Any, kind: str) -> None:
    counted()
    mods = impls(kind, "states")
    trans = impls(kind, "transitions")
    for name, args, kw in _state_cases(data):
        def make(m: Any, tm: Any) -> Any:
            if name.startswith("transition"):
                prev = {"none": m.SignalState(), "confirmed": m.SignalState(m.SignalStateValue.CONFIRMED, 1, 1, 2),
                        "idle": m.ActionState(), "sizing": m.ActionState(m.ActionStateValue.SIZING, 1, signal_id=1)}
                return getattr(tm, name)(prev[args[0]], *args[1:4], m.GateResult.pass_(), *args[5:], **kw)
            obj = getattr(m, name)(*args, **kw)
            if name == "GateContext":
                obj = m.evaluate_gates(obj)
            back = pickle.loads(pickle.dumps(obj))
            assert back == obj and copy.deepcopy(obj) == obj
            return obj
        got = [outcome(lambda m=m, tm=tm: make(m, tm)) for m, tm in zip(mods, trans)]
        assert all(g == got[0] for g in got), (name, args, kw, got)


def state_objects(kind: str) -> None:
    _state_objects(kind=kind)
    report()


# --------------------------------------------------------------------------- the loop


def _strategy(mod: Any, style: str, paths: list[str]) -> Any:
    def decide(view: Any) -> int:
        vals = [view.get(p) for p in paths] + [view.close, view.htf_indicator("rsi"), view.rollup_max_1m]
        s = sum(x for x in vals if x is not None)
        return (1, -1, 0, 2)[int(s * 7) % 4] if s == s else 0

    if style == "callable":
        return decide

    class OnBar(mod.CythonStrategy):
        def on_bar(self, view: Any) -> Any:
            return ("LONG", "SHORT", None, "FLAT")[(decide(view) + 4) % 4]

    class Call(mod.CythonStrategy):
        def on_bar(self, view: Any) -> Any:
            return 1

        def __call__(self, view: Any) -> Any:
            return decide(view)

    return OnBar() if style == "on_bar" else Call()


@given(data=st.data())
@SETTINGS
def _loop_runs(data: Any, kind: str) -> None:
    counted()
    feeds = _feeds(data)
    mods = impls(kind, "loop")
    trk = impls(kind, "tracker")
    n = feeds.exec_feed.length
    start, end = data.draw(st.one_of(st.integers(0, n), int_args)), data.draw(st.one_of(st.none(), st.integers(0, n), int_args))
    quote = data.draw(st.sampled_from(["feeds", "argument", "same", "foreign"]))
    bare = type(feeds)(feeds.exec_feed, feeds.htf_feed, feeds.mtf_feed)
    other = vd.make_feeds(6, seed=9).quote_feed
    given_feeds, q = {"feeds": (feeds, None), "argument": (bare, feeds.quote_feed),
                      "same": (feeds, feeds.quote_feed), "foreign": (feeds, other)}[quote]
    hc = data.draw(st.sampled_from([None, HistoryConfig(2, 3), HistoryConfig(0, 0, 1, 1)]))
    style = data.draw(st.sampled_from(["callable", "on_bar", "call"]))
    paths = data.draw(st.lists(st.sampled_from(["indicator.rsi", "indicator.rsi.htf", "price.last.close",
                                                "px.rollup.min_1m", "structure.swing.dir"]), max_size=3))
    with_tracker = data.draw(st.booleans())
    results = []
    for mod, tm in zip(mods, trk):
        def run(mod: Any = mod, tm: Any = tm) -> Any:
            loop = mod.BarLoop(given_feeds, start, end, quote_feed=q, history_config=hc)
            tracker = tm.StateTracker(tm.StateTrackerConfig(max_history=5)) if with_tracker else None
            res = loop.run(_strategy(mod, style, [p for p in paths if loop.view.is_valid_path(p)]), tracker=tracker)
            seen = [(v.exec_idx, v.htf_idx, v.m1_idx, v.get("price.last.close")) for v in loop]
            return (res.signals, res.first_eval, res.evaluated, seen, tracker.summary_stats() if tracker else None)
        results.append(outcome(run))
    assert all(r == results[0] for r in results), results


def loop_runs(kind: str) -> None:
    _loop_runs(kind=kind)
    report()
