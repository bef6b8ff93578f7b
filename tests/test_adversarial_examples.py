"""Every example of issue 14 (core parts), each run in a child interpreter on both twins.

A child runs all the cases of one implementation with faulthandler on, so an example that crashes
the interpreter fails its test (naming the case) instead of killing the run. Each case leaves its
answer in ``result``; the expected outcome is the same string for both twins.
"""

from __future__ import annotations

import pytest

from _isolated import run_cases

SETUP = """
import copy, gc, pickle, math
import numpy as np
from types import MappingProxyType
from btcore import _twin
from btcore.feed import FeatureArrays, FeedStore, MultiTFFeedStore, StructureStore
import _view_data as vd
KIND = {kind!r}
def L(name):
    return _twin.load_compiled(name) if KIND == "compiled" else _twin.load_pure(name)
V, LP, TR, ST = L("view"), L("loop"), L("tracker"), L("states")
View = V.RuntimeSnapshotView
T0, H = vd.T0, 3_600_000
def view(feeds, i=0):
    return View(feeds, i, None, None, None, 1.0, "close")
def outcome(fn):
    try:
        return repr(fn())
    except Exception as exc:
        return type(exc).__name__
def frozen_problems(arrays):
    bad = []
    for name, a in arrays:
        root = a  # what owns the memory, at the end of the base chain
        while isinstance(root, np.ndarray):
            root = root.base
        for attack in ("flag", "setflags", "resize", "write", "owner", "owner_buffer"):
            try:
                if attack == "flag":
                    a.flags.writeable = True
                elif attack == "setflags":
                    a.setflags(write=True)
                elif attack == "resize":
                    a.resize(10 ** 7, refcheck=False)
                elif attack == "write":
                    a.reshape(-1)[:1] = a.reshape(-1)[:1]
                else:  # through the owner: harmless only if the array's bytes stay the same
                    before = a.tobytes()
                    target = np.asarray(root) if attack == "owner" else np.frombuffer(root, dtype=np.uint8)
                    target.reshape(-1)[:1] = 1
                    if a.tobytes() == before:
                        continue
                bad.append(f"{{name}}: {{attack}}")
            except (ValueError, TypeError):
                pass
    return bad
"""

CASES: dict[str, tuple[str, str]] = {
    # ---- 1. read-only is one flag away from writeable -----------------------------------------
    "alignment_index_cannot_be_made_writeable": ("""
        feeds = vd.make_feeds(48, nan_frac=0)
        loop = LP.BarLoop(feeds)
        bad = frozen_problems([(n, getattr(loop.alignment, n)) for n in
                               ("htf_idx", "mtf_idx", "m1_start", "m1_end", "m1_last", "rollups")])
        try:  # the issue's attack: 10**12 into htf_idx, then run()
            a = loop.alignment.htf_idx
            a.flags.writeable = True
            a[:] = 10 ** 12
        except ValueError:
            pass
        res = loop.run(lambda v: 1 if (v.htf_indicator("rsi") or 0) > 0 else 0)
        result = (bad, res.evaluated, res.n_long == int((loop.alignment.htf_idx >= 0).sum()))
    """, "ok: ([], 48, True)"),
    "every_public_array_is_immutable": ("""
        feeds = vd.make_feeds(48)
        arrays = []
        for role in ("exec_feed", "mtf_feed", "htf_feed", "quote_feed"):
            f = getattr(feeds, role)
            for n in ("ts_open_ms", "ts_close_ms", "ts_open", "ts_close", "open", "high", "low", "close",
                      "volume", "indicator_matrix"):
                arrays.append((f"{role}.{n}", getattr(f, n)))
            arrays += [(f"{role}.indicators[{k}]", a) for k, a in f.indicators.items()]
            for key, st in f.structures.items():
                arrays += [(f"{role}.{key}.{k}", a) for k, a in st.fields.items()]
                arrays += [(f"{role}.{key}.{z}.{k}", a) for z, zs in st.zones.items() for k, a in zs.fields.items()]
        fa = FeatureArrays({"x": np.arange(4.0)})
        arrays.append(("FeatureArrays.x", fa.arrays["x"]))
        arrays.append(("LoopResult.signals", LP.BarLoop(feeds).run(lambda v: 1).signals))
        result = (len(arrays), frozen_problems(arrays))
    """, "ok: (54, [])"),
    "resizing_a_column_under_a_view_is_refused": ("""
        feeds = vd.make_feeds(48, nan_frac=0)
        v = view(feeds, 40)
        before = v.close
        try:
            feeds.exec_feed.close.resize(10 ** 7, refcheck=False)
        except ValueError:
            pass
        result = v.close == before == float(feeds.exec_feed.close[40])
    """, "ok: True"),
    "the_view_pins_the_memory_it_reads": ("""
        feeds = vd.make_feeds(48, nan_frac=0)
        v = view(feeds, 40)
        h = v.compile("structure.swing.dir")
        want = (float(feeds.exec_feed.close[40]), float(feeds.exec_feed.structures["swing"].fields["dir"][40]))
        ex = feeds.exec_feed  # re-point the columns behind the view's back, drop every reference
        object.__setattr__(ex, "close", np.zeros(3))
        object.__setattr__(feeds.exec_feed.structures["swing"], "fields", MappingProxyType({}))
        gc.collect()
        junk = [np.full(48, 7.0) for _ in range(200)]
        result = (v.close, h.get()) == want
    """, "ok: True"),
    "a_sabotaged_feed_is_refused_when_read_again": ("""
        feeds = vd.make_feeds(48)
        object.__setattr__(feeds.exec_feed, "close", np.zeros(48))  # a writeable array
        feeds.exec_feed._view_tables.clear()
        feeds._view_tables.clear()
        result = outcome(lambda: view(feeds, 3))
    """, "ok: 'DataError'"),
    "a_million_row_feed_is_read_to_its_last_bar": ("""
        n = 1_000_000
        x = np.arange(n, dtype=np.float64)
        f = FeedStore.from_arrays("1m", "X", T0 + 60_000 * np.arange(n, dtype=np.int64), x, x, x, x, x,
                                  indicators={"i": x[::-1].copy()})
        v = view(MultiTFFeedStore(f), n - 1)
        result = (v.close, v.indicator("i"), v.bars_exec_low(2 ** 70), frozen_problems([("close", f.close)]),
                  outcome(lambda: v._move(n)))
    """, "ok: (999999.0, 0.0, 0.0, [], 'IndexError')"),
    # ---- 2. objects that were never initialised -------------------------------------------------
    "uninitialised_objects_raise": ("""
        out = []
        for make, use in (
            (lambda: View.__new__(View), lambda o: o.ts_close_ms),
            (lambda: V.PathHandle.__new__(V.PathHandle), lambda o: o.get()),
            (lambda: V.TFContext.__new__(V.TFContext), lambda o: o.open),
            (lambda: LP.BarLoop.__new__(LP.BarLoop), lambda o: o.run(lambda v: 0)),
            (lambda: LP.BarLoop.__new__(LP.BarLoop), lambda o: list(o)),
            (lambda: TR.StateTracker.__new__(TR.StateTracker), lambda o: (o.on_bar_start(0), o.on_bar_end())),
            (lambda: TR.StateTracker.__new__(TR.StateTracker), lambda o: o.summary_stats()),
        ):
            out.append(outcome(lambda: use(make())))
        result = sorted(set(out))
    """, "ok: ['NotInitializedError']"),
    "subclasses_skipping_super_init_raise": ("""
        class SV(View):
            def __init__(self, *a):
                pass
        class ST(TR.StateTracker):
            def __init__(self):
                pass
        class SC(V.TFContext):
            def __init__(self, *a):
                pass
        class SH(V.PathHandle):
            def __init__(self, *a):
                pass
        feeds = vd.make_feeds(12)
        out = [outcome(lambda: SV(feeds, 0, None, None, None, 1.0, "c").close),
               outcome(lambda: ST().on_bar_start(1)),
               outcome(lambda: SC(feeds.exec_feed, 0).close),
               outcome(lambda: SH(view(feeds), "indicator.rsi").get())]
        result = sorted(set(out))
    """, "ok: ['NotInitializedError']"),
    "uninitialised_value_objects_read_as_defaults": ("""
        out = []
        for cls in (ST.BlockState, ST.SignalState, ST.ActionState, ST.GateContext):
            out.append(cls.__new__(cls) == cls() if cls is not ST.GateContext else repr(cls.__new__(cls)) == repr(cls()))
        g = ST.GateResult.__new__(ST.GateResult)
        out.append(g == ST.GateResult.pass_())
        b = ST.BlockState.__new__(ST.BlockState)
        out.append((b.is_actionable, b.is_blocked, b.block_code, b.summary()))
        result = out
    """, "ok: [True, True, True, True, True, (False, False, <GateCode.G_PASS: 0>, 'bar=0')]"),
    # ---- 3. re-running __init__ ------------------------------------------------------------------
    "reinitialising_a_view_is_refused_and_handles_stay_valid": ("""
        a, short = vd.make_feeds(48, nan_frac=0), vd.make_feeds(10, nan_frac=0, seed=5)
        v = view(a, 0)
        h = v.compile("structure.swing.dir")
        v._move(47)
        err = outcome(lambda: v.__init__(short, 0, None, None, None, 1.0, "c"))
        result = (err, h.get() == float(a.exec_feed.structures["swing"].fields["dir"][47]), v.exec_idx)
    """, "ok: ('TypeError', True, 47)"),
    "a_failed_first_init_leaves_the_view_uninitialised": ("""
        a = vd.make_feeds(48)
        w = View.__new__(View)
        first = outcome(lambda: w.__init__(a, 10 ** 6, None, None, None, 1.0, "c"))
        result = (first, outcome(lambda: w.exec_idx), outcome(lambda: w.close))
    """, "ok: ('IndexError', 'NotInitializedError', 'NotInitializedError')"),
    "a_tracker_init_that_fails_half_way_changes_nothing": ("""
        cfg = TR.StateTrackerConfig(max_history=5)
        object.__setattr__(cfg, "expiry_bars", 2 ** 64)  # past the config's own checks
        t = TR.StateTracker.__new__(TR.StateTracker)
        first = outcome(lambda: t.__init__(cfg))
        after = outcome(lambda: (t.on_bar_start(7), t.on_bar_end()))
        good = TR.StateTracker(TR.StateTrackerConfig(max_history=5))
        again = outcome(lambda: good.__init__(TR.StateTrackerConfig(max_history=50)))
        for i in range(12):
            good.on_bar_start(i)
            good.on_bar_end()
        result = (first, after, again, [b.bar_idx for b in good.block_history])
    """, "ok: ('OverflowError', 'NotInitializedError', 'TypeError', [7, 8, 9, 10, 11])"),
    "reinitialising_a_loop_or_context_is_refused": ("""
        a, b = vd.make_feeds(48), vd.make_feeds(10, seed=3)
        loop = LP.BarLoop(a)
        ctx = view(a, 30).htf_ctx
        result = (outcome(lambda: loop.__init__(b)), outcome(lambda: ctx.__init__(b.htf_feed, 0)), len(loop))
    """, "ok: ('TypeError', 'TypeError', 48)"),
    # ---- 4. caller-controlled objects trusted by C ---------------------------------------------
    "a_quote_feed_other_than_the_feeds_one_is_refused": ("""
        a, b = vd.make_feeds(48), vd.make_feeds(10, seed=4)
        result = outcome(lambda: LP.BarLoop(a, quote_feed=b.quote_feed))
    """, "ok: 'ConfigError'"),
    "the_documented_quote_feed_argument_is_read_by_the_view": ("""
        a = vd.make_feeds(48, nan_frac=0)
        bare = MultiTFFeedStore(a.exec_feed, a.htf_feed, a.mtf_feed)
        loop = LP.BarLoop(bare, quote_feed=a.quote_feed)
        seen = []
        loop.run(lambda v: seen.append(v.get("price.last.close")))
        q, last = a.quote_feed.close, loop.alignment.m1_last
        want = [None if j < 0 else float(q[j]) for j in last]
        result = (seen == want, loop.feeds.quote_feed is a.quote_feed, len(seen))
    """, "ok: (True, True, 48)"),
    "a_duck_typed_feed_set_swapped_after_the_first_view": ("""
        class Duck:
            pass
        a, short = vd.make_feeds(48, nan_frac=0), vd.make_feeds(10, nan_frac=0, seed=9)
        d = Duck()
        for k in ("exec_feed", "htf_feed", "mtf_feed", "quote_feed", "tf_mapping"):
            setattr(d, k, getattr(a, k))
        d._view_tables = {}
        v = view(d, 40)
        first = (v.get("indicator.rsi"), v.get("structure.swing.dir"))
        for k in ("exec_feed", "htf_feed", "mtf_feed", "quote_feed"):
            setattr(d, k, getattr(short, k))
        w = view(d, 5)
        ex = short.exec_feed
        ok = (w.close == float(ex.close[5]) and w.get("indicator.rsi") == float(ex.indicators["rsi"][5])
              and w.get("structure.swing.dir") == float(ex.structures["swing"].fields["dir"][5]))
        result = (ok, outcome(lambda: view(d, 40)), v.get("indicator.rsi") == first[0])
    """, "ok: (True, 'IndexError', True)"),
    "a_structure_store_subclass_lying_about_its_length": ("""
        class Lying(StructureStore):
            __slots__ = ()
            length = 48
            def __init__(self, key, fields):
                object.__setattr__(self, "key", key)
                object.__setattr__(self, "fields", MappingProxyType({k: np.asarray(x, float) for k, x in fields.items()}))
                object.__setattr__(self, "zones", MappingProxyType({}))
        ex = vd.make_feed("5m", 48)
        cols = {k: getattr(ex, k) for k in vd.OHLCV}
        result = outcome(lambda: FeedStore.from_arrays("5m", "X", ex.ts_open_ms, **cols,
                                                       structures={"sw": Lying("sw", {"lvl": np.arange(5.0)})}))
    """, "ok: 'DataError'"),
    "a_structure_shorter_than_the_feed_is_refused_at_parse": ("""
        feeds = vd.make_feeds(48)
        st = feeds.exec_feed.structures["swing"]
        object.__setattr__(st, "fields", MappingProxyType({"dir": FeedStore.from_arrays(
            "5m", "X", [T0], [1.0], [1.0], [1.0], [1.0], [1.0]).close}))
        result = outcome(lambda: view(feeds, 47).get("structure.swing.dir"))
    """, "ok: 'DataError'"),
    # ---- 6. integer edges -----------------------------------------------------------------------
    "tracker_near_int64_max": ("""
        from btcore._shared.state_tables import MAX_INDEX
        t = TR.StateTracker()
        out = [outcome(lambda: t.on_bar_start(2 ** 63 - 1)), outcome(lambda: t.on_bar_start(2 ** 63)),
               outcome(lambda: TR.StateTrackerConfig(cooldown_bars=2 ** 62)),
               outcome(lambda: TR.StateTrackerConfig(warmup_bars=2 ** 63))]
        t.on_bar_start(MAX_INDEX)
        t.on_warmup_check(False, 0)  # warmup then ends at bar + 1: the gate fails in both twins
        out.append(t.on_bar_end().gate.passed)
        t2 = TR.create_state_tracker(cooldown_bars=MAX_INDEX)  # a fill at MAX_INDEX - 1: cooldown to 2**63 - 3
        t2.on_bar_start(MAX_INDEX - 1)
        t2.on_signal_evaluated(1)
        t2.on_order_submitted()
        t2.on_order_filled()
        filled = t2.on_bar_end().action_filled
        t2.on_bar_start(MAX_INDEX)
        out.append((filled, t2.on_bar_end().gate.code.name))
        result = out
    """, "ok: ['ValueError', 'OverflowError', 'ConfigError', 'ConfigError', False, (True, 'G_COOLDOWN_ACTIVE')]"),
    "timestamps_near_int64_max": ("""
        one = [1.0]
        out = [outcome(lambda: FeedStore.from_arrays("1h", "X", [2 ** 63 - H // 2], one, one, one, one, one)),
               outcome(lambda: FeedStore.from_arrays("1h", "X", [2 ** 62], one, one, one, one, one)),
               outcome(lambda: FeedStore.from_arrays("1m", "X", np.array([2 ** 63 + 10], np.uint64), one, one, one, one, one))]
        f = FeedStore.from_arrays("1m", "X", np.array([T0, T0 + 60_000], np.uint64), one * 2, one * 2, one * 2, one * 2, one * 2)
        out.append((f.ts_open_ms.dtype.name, int(f.ts_open_ms[1]) == T0 + 60_000))
        result = out
    """, "ok: ['DataError', 'DataError', 'DataError', ('int64', True)]"),
    "years_past_9999": ("""
        from btcore.timeframe import MAX_EPOCH_MS, from_epoch_ms
        one = [1.0]
        out = [outcome(lambda: FeedStore.from_arrays("1d", "X", [MAX_EPOCH_MS - 1000], one, one, one, one, one)),
               outcome(lambda: FeedStore.from_arrays("1d", "X", np.array(["10000-01-01"], "datetime64[D]"), one, one, one, one, one)),
               outcome(lambda: FeedStore.from_arrays("1d", "X", np.array([2 ** 60], "datetime64[s]"), one, one, one, one, one)),
               outcome(lambda: from_epoch_ms(MAX_EPOCH_MS + 1))]
        last = FeedStore.from_arrays("1d", "X", [MAX_EPOCH_MS + 1 - 2 * 86_400_000], one, one, one, one, one)
        out.append(repr(last).endswith("9999-12-31T00:00:00+00:00>"))
        result = out
    """, "ok: ['DataError', 'DataError', 'DataError', 'TimeframeError', True]"),
    # ---- 7. twins that disagree -----------------------------------------------------------------
    "huge_ints_read_as_before_the_first_bar": ("""
        feeds = vd.make_feeds(48, nan_frac=0)
        v = view(feeds, 20)
        low = float(feeds.exec_feed.low[:21].min())
        result = (v.get_feature("ema_fast", "exec", 2 ** 70), v.prev_indicator("ema_fast", 2 ** 70),
                  v.prev_close(2 ** 200), v.bars_exec_low(2 ** 70) == low, outcome(lambda: v.get_feature("rsi", "exec", -2 ** 70)))
    """, "ok: (None, None, None, True, 'ValueError')"),
    "numeric_strings_are_refused_alike": ("""
        feeds = vd.make_feeds(12)
        v = view(feeds, 3)
        t = TR.StateTracker()
        t.on_bar_start(0)
        def set_mark():
            v.mark_price = "5"
        out = [outcome(set_mark), outcome(lambda: t.on_risk_check(True, None, "5")),
               outcome(lambda: t.on_sizing_computed("5")), outcome(lambda: t.on_bar_start("5")),
               outcome(lambda: ST.GateContext(current_drawdown_pct="5")), outcome(lambda: ST.GateContext(bar_idx="5")),
               outcome(lambda: ST.SignalState(detected_bar="5")), outcome(lambda: ST.ActionState(size_usdt="5")),
               outcome(lambda: ST.evaluate_margin_gate("5", 1)), outcome(lambda: ST.evaluate_warmup_gate("5", 1)),
               outcome(lambda: View(feeds, 0, None, None, None, "5", "c"))]
        result = sorted(set(out))
    """, "ok: ['TypeError']"),
    "non_str_names_are_answered_alike": ("""
        feeds = vd.make_feeds(12)
        v = view(feeds, 3)
        def set_source():
            v.mark_price_source = 5
        result = [outcome(lambda: v.indicator_col(5)), outcome(lambda: v.indicator_col("rsi", 5)),
                  outcome(lambda: v.indicator(5)), outcome(lambda: v.has_indicator(5)),
                  outcome(lambda: v.get_feature(5)), outcome(lambda: v.exec_ctx.get_indicator_strict(5)),
                  outcome(set_source), outcome(lambda: v.indicator([1]))]
    """, "ok: ['UnknownKeyError', 'PathError', 'None', 'False', 'None', 'UnknownKeyError', 'TypeError', 'TypeError']"),
    "pickle_and_copies_alike": ("""
        feeds = vd.make_feeds(48)
        loop = LP.BarLoop(feeds)
        it = iter(loop)
        for _ in range(31):
            lv = next(it)
        t = TR.StateTracker(TR.StateTrackerConfig(max_history=8, cooldown_bars=2))
        for i in range(20):
            t.on_bar_start(i)
            t.on_signal_evaluated(1 if i % 3 else -1)
            if i % 4 == 0:
                t.on_order_submitted()
                t.on_order_filled()
            t.on_bar_end()
        v = view(feeds, 30)
        objs = {"view": lv, "plain_view": v, "ctx": lv.htf_ctx, "handle": lv.compile("px.rollup.max_1m"),
                "loop": loop, "tracker": t, "gate": ST.GateResult.fail_(ST.GateCode.G_COOLDOWN_ACTIVE),
                "signal": ST.SignalState(ST.SignalStateValue.CONFIRMED, 1, 3, 4, -1, None, 2),
                "action": ST.ActionState(ST.ActionStateValue.SIZING, 1, 5.0, signal_id=2),
                "block": t.block_history[-1], "gctx": ST.GateContext(bar_idx=4), "strategy": LP.CythonStrategy()}
        def reading(name, o):
            if name in ("view", "plain_view"):
                return (o.exec_idx, o.htf_idx, o.m1_idx, o.close, o.rollups, o.get("price.last.close"), o.mark_price)
            if name == "ctx":
                return (o.current_idx, o.close, o.ready)
            if name == "handle":
                return (o.path, o.get())
            if name == "loop":
                return (len(o), o.run(lambda v: 1 if (v.indicator("rsi") or 0) > 100 else 0).n_long)
            if name == "tracker":
                o.on_bar_start(25)
                o.on_signal_evaluated(1)
                o.on_bar_end()
                return (o.summary_stats(), [b.bar_idx for b in o.block_history])
            if name in ("gctx", "strategy"):
                return repr(o).split(" at ")[0]
            return o
        bad = []
        for name, o in objs.items():
            for how, fn in (("pickle", lambda x: pickle.loads(pickle.dumps(x))), ("copy", copy.copy), ("deepcopy", copy.deepcopy)):
                try:
                    if reading(name, fn(o)) != reading(name, copy.copy(o) if name == "tracker" else o):
                        bad.append(f"{name} {how}: different")
                except Exception as exc:
                    bad.append(f"{name} {how}: {type(exc).__name__} {exc}")
        result = bad
    """, "ok: []"),
    "a_strategy_overriding_call_is_called_by_both_loops": ("""
        class S(LP.CythonStrategy):
            def on_bar(self, view):
                return -1
            def __call__(self, view):
                return 1
        res = LP.BarLoop(vd.make_feeds(24)).run(S())
        result = (res.n_long, res.n_short, outcome(lambda: LP.CythonStrategy()(None)))
    """, "ok: (24, 0, 'TypeError')"),
    # ---- 8. raw errors from malformed input (core part) ----------------------------------------
    "malformed_structures": ("""
        ex = vd.make_feed("5m", 6)
        cols = {k: getattr(ex, k) for k in vd.OHLCV}
        def build(structures):
            return lambda: FeedStore.from_arrays("5m", "X", ex.ts_open_ms, **cols, structures=structures)
        result = [outcome(build({"a": 5})), outcome(build([1])), outcome(build({"a": {"f": ["x"] * 6}})),
                  outcome(build({"a": {"f": np.ones(5)}})),
                  outcome(lambda: StructureStore("a", {"f": np.ones(6)}, zones=5)),
                  outcome(lambda: StructureStore(5, {"f": np.ones(6)})),
                  outcome(lambda: FeedStore.from_arrays("5m", "X", ex.ts_open_ms, **cols, indicators=[1])),
                  outcome(lambda: FeatureArrays({"x": [1.0]}, metadata=[1]))]
    """, "ok: ['DataError', 'DataError', 'DataError', 'DataError', 'DataError', 'DataError', 'DataError', 'DataError']"),
    "malformed_tf_mapping": ("""
        ex = vd.make_feed("5m", 6)
        result = [outcome(lambda: MultiTFFeedStore(ex, tf_mapping=[("exec", "5m")])),
                  outcome(lambda: MultiTFFeedStore(ex, tf_mapping={"bogus": "5m"})),
                  outcome(lambda: MultiTFFeedStore(ex, tf_mapping={5: "5m"})),
                  outcome(lambda: MultiTFFeedStore(ex, tf_mapping={"exec": 5}))]
    """, "ok: ['TimeframeError', 'TimeframeError', 'TimeframeError', 'TimeframeError']"),
    "non_string_paths": ("""
        v = view(vd.make_feeds(12), 3)
        result = [outcome(lambda: v.get([1])), outcome(lambda: v.compile([1])), outcome(lambda: v.is_valid_path([1])),
                  outcome(lambda: v.has_path(None)), outcome(lambda: v.get_strict(1.5)),
                  outcome(lambda: View(vd.make_feeds(12), 0, None, None, None, 1.0, "c", rollups=[1]))]
    """, "ok: ['PathError', 'PathError', 'False', 'PathError', 'PathError', 'DataError']"),
}


@pytest.fixture(scope="module")
def outcomes():
    cache: dict[str, dict[str, str]] = {}

    def get(kind: str) -> dict[str, str]:
        if kind not in cache:
            cache[kind] = run_cases({k: code for k, (code, _) in CASES.items()}, SETUP.format(kind=kind))
        return cache[kind]

    return get


@pytest.mark.parametrize("name", sorted(CASES))
def test_issue_example(outcomes, impl_kind, name):
    assert outcomes(impl_kind)[name] == CASES[name][1]
