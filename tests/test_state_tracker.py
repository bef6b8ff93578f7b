"""StateTracker: hook wiring, config use, multi-step bars, the bounded ring, and random runs.

Random runs (hypothesis) check that every state change is an edge of the tables, that the
compiled and pure trackers agree block by block, and that the O(1) counters equal statistics
recomputed from the full log of blocks.
"""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from btcore.errors import DataError, IllegalTransitionError

INF, NAN = math.inf, math.nan


def _bar(t, i, direction=0, position=0, **events):
    t.on_bar_start(i)
    t.on_signal_evaluated(direction)
    t.on_position_check(position)
    if "size" in events:
        t.on_sizing_computed(events["size"])
    if events.get("submit"):
        t.on_order_submitted()
    if events.get("fill"):
        t.on_order_filled()
    if "reject" in events:
        t.on_order_rejected(events["reject"])
    if "cancel" in events:
        t.on_order_canceled(events["cancel"])
    return t.on_bar_end()


def _states(block):
    return block.signal.value.name, block.action.value.name


def test_engine_flow_submit_then_fill_next_bar(twin):
    t = twin("tracker").StateTracker(twin("tracker").StateTrackerConfig(max_positions=1))
    assert t.summary_stats() == {}
    blocks = [_bar(t, 0), _bar(t, 1, 1, size=100.0, submit=True), _bar(t, 2, fill=True, position=1),
              _bar(t, 3, position=1), _bar(t, 4, 1, position=1)]
    assert [_states(b) for b in blocks] == [
        ("NONE", "IDLE"), ("CONSUMED", "SUBMITTED"), ("NONE", "FILLED"), ("NONE", "IDLE"),
        ("CONFIRMED", "IDLE")]
    assert [t.name for t in blocks[1].signal_triggers] == ["DETECT", "CONFIRM", "CONSUME"]
    assert [t.name for t in blocks[1].action_triggers] == ["ARM", "SIZE", "SUBMIT"]
    assert blocks[1].action.size_usdt == 100.0 and blocks[2].action.filled_bar == 2
    assert blocks[4].gate.code.name == "G_POSITION_LIMIT" and not blocks[4].is_actionable
    s = t.summary_stats()
    assert (s["total_bars"], s["actions_filled"], s["signals_consumed"], s["gates_blocked"]) == (5, 1, 1, 3)
    assert s["gate_code_breakdown"] == {"G_POSITION_LIMIT": 3}  # bars 2-4 hold the position
    assert s["action_events"]["FILL"] == 1 and s["signals_issued"] == 2


def test_several_action_steps_in_one_bar(twin):
    t = twin("tracker").create_state_tracker()
    b = _bar(t, 7, -1, size=50.0, submit=True, fill=True)
    assert _states(b) == ("CONSUMED", "FILLED")
    assert [x.name for x in b.action_triggers] == ["ARM", "SIZE", "SUBMIT", "FILL"]
    assert (b.action.submitted_bar, b.action.filled_bar, b.action.direction) == (7, 7, -1)
    assert t.summary_stats()["actions_filled"] == 1


def test_config_warmup_history_and_cooldown_are_used(twin):
    m = twin("tracker")
    t = m.create_state_tracker(warmup_bars=2, cooldown_bars=2, required_history_bars=1)
    codes = []
    for i in range(8):
        t.on_bar_start(i)
        t.on_history_check(True, 0 if i < 1 else 5)
        t.on_signal_evaluated(1 if i == 3 else 0)
        if i == 3:
            t.on_sizing_computed(1.0)
            t.on_order_submitted()
            t.on_order_filled()
        codes.append([c.name for c in t.on_bar_end().gate.codes])
    assert codes == [["G_WARMUP_REMAINING", "G_HISTORY_NOT_READY"], ["G_WARMUP_REMAINING"],
                     ["G_PASS"], ["G_PASS"], ["G_COOLDOWN_ACTIVE"], ["G_COOLDOWN_ACTIVE"],
                     ["G_PASS"], ["G_PASS"]]
    assert t.get_block_at(4).gate.reason == "Cooldown: 2 bars remaining"
    t.on_bar_start(8)
    t.on_warmup_check(False, 3)  # warmup_ok=False fails gate 1 whatever the index says
    assert t.on_bar_end().gate.reason == "Warmup: bar 8 < required 9"


def test_config_drawdown_exposure_positions_and_persistence(twin):
    m = twin("tracker")
    t = m.create_state_tracker(max_drawdown_pct=20.0, max_positions=2, max_exposure_pct=80.0)
    t.on_bar_start(0)
    t.on_risk_check(True, drawdown_pct=25.0)
    t.on_position_check(2, 90.0)
    g = t.on_bar_end().gate
    assert [c.name for c in g.codes] == ["G_MAX_DRAWDOWN", "G_POSITION_LIMIT", "G_EXPOSURE_LIMIT"]
    assert g.reason == "Drawdown 25.0% >= limit 20.0%"
    t.on_bar_start(1)  # nothing reported: the last values stay in force
    assert t.on_bar_end().gate == g
    t.on_bar_start(2)
    t.on_risk_check(False, "vol spike", available_margin=5.0, required_margin=10.0)
    t.on_position_check(0, NAN)  # NaN exposure fails its gate
    g = t.on_bar_end().gate
    assert [c.name for c in g.codes] == ["G_RISK_BLOCK", "G_INSUFFICIENT_MARGIN", "G_EXPOSURE_LIMIT"]
    assert g.reason == "vol spike"


def test_reject_and_cancel_reasons_are_kept(twin):
    t = twin("tracker").create_state_tracker()
    b = _bar(t, 0, 1, size=10.0, submit=True, reject="insufficient margin")
    assert (b.action.value.name, b.action.reject_reason) == ("REJECTED", "insufficient margin")
    _bar(t, 1)
    _bar(t, 2, -1, size=10.0, submit=True)
    b = _bar(t, 3, cancel="user")
    assert (b.action.value.name, b.action.reject_reason) == ("CANCELED", "user")
    assert t.summary_stats()["action_events"]["CANCEL"] == 1


def test_signal_ids_are_contiguous_and_expiry_applies(twin):
    t = twin("tracker").create_state_tracker(confirmation_bars=2, expiry_bars=1)
    dirs = [1, 1, 1, 0, -1, 0, 1, 1, 0, 0, -1, -1, 1, 1]
    blocks = [_bar(t, i, d) for i, d in enumerate(dirs)]
    ids = [b.signal.signal_id for b in blocks if b.signal.signal_id]
    assert sorted(set(ids)) == list(range(1, max(ids) + 1))
    # bar 2: confirmed on bar 1, not acted on within expiry_bars=1 -> EXPIRE, and the raw signal
    # of bar 2 starts signal 2 (a candidate again, dropped on bar 3)
    assert [b.signal.value.name for b in blocks[:4]] == ["CANDIDATE", "CONFIRMED", "CANDIDATE", "NONE"]
    assert [t.name for t in blocks[2].signal_triggers] == ["EXPIRE", "DETECT"]
    assert blocks[4].signal.value.name == "CANDIDATE" and blocks[5].signal.value.name == "NONE"
    assert t.summary_stats()["signals_issued"] == max(ids)


def test_ring_is_bounded_with_o1_lookup_and_exact_stats(twin):
    t = twin("tracker").create_state_tracker(max_history=3)
    for i in range(10):
        _bar(t, i, 1 if i % 4 == 0 else 0)
    assert [b.bar_idx for b in t.block_history] == [7, 8, 9]
    assert t.get_block_at(8).bar_idx == 8 and t.get_block_at(6) is None
    assert t.get_block_at(10) is None and t.get_block_at(-5) is None
    for i in range(12, 20, 2):  # with gaps the window (last 3 bar indices) holds fewer blocks
        _bar(t, i)
    assert [b.bar_idx for b in t.block_history] == [16, 18]
    assert t.get_block_at(17) is None and t.get_block_at(15) is None
    s = t.summary_stats()
    assert (s["total_bars"], s["first_bar_idx"], s["last_bar_idx"]) == (14, 0, 18)
    keep_all = twin("tracker").create_state_tracker(max_history=0)
    for i in range(50):
        _bar(keep_all, i)
    assert len(keep_all.block_history) == 50 and keep_all.get_block_at(0).bar_idx == 0
    keep_all.reset()
    assert keep_all.summary_stats() == {} and keep_all.block_history == []


def test_bars_without_bar_end_are_discarded(twin):
    t = twin("tracker").create_state_tracker()
    _bar(t, 0)
    t.on_bar_start(1)
    t.on_signal_evaluated(1)
    t.on_order_submitted()
    t.on_bar_start(2)  # bar 1 never ends: its signal and order are dropped
    b = t.on_bar_end()
    assert _states(b) == ("NONE", "IDLE") and t.get_block_at(1) is None
    s = t.summary_stats()
    assert (s["bars_abandoned"], s["total_bars"], s["signals_issued"]) == (1, 2, 0)


def test_hook_order_and_values_are_validated(twin):
    m = twin("tracker")
    t = m.create_state_tracker()
    with pytest.raises(IllegalTransitionError, match="on_bar_start"):
        t.on_order_filled()
    with pytest.raises(IllegalTransitionError):
        t.on_bar_end()
    _bar(t, 5)
    with pytest.raises(DataError, match="increase"):
        t.on_bar_start(5)
    with pytest.raises(ValueError):
        t.on_bar_start(-1)
    t.on_bar_start(6)
    with pytest.raises(ValueError):
        t.on_signal_evaluated(3)
    with pytest.raises(ValueError):
        t.on_position_check(-1)
    with pytest.raises(TypeError):
        m.StateTracker({"warmup_bars": 3})
    with pytest.raises(ValueError):
        m.StateTrackerConfig(confirmation_bars=0)
    with pytest.raises(ValueError):
        m.StateTrackerConfig(max_drawdown_pct=NAN)


# -- random runs --------------------------------------------------------------------------------

HOOKS = st.one_of(
    st.tuples(st.just("on_signal_evaluated"), st.tuples(st.sampled_from([-1, 0, 1, 1, 2]))),
    st.tuples(st.just("on_warmup_check"), st.tuples(st.booleans(), st.integers(0, 4))),
    st.tuples(st.just("on_history_check"), st.tuples(st.booleans(), st.integers(0, 4))),
    st.tuples(st.just("on_risk_check"), st.tuples(
        st.booleans(), st.sampled_from([None, "policy"]), st.sampled_from([0.0, 30.0, NAN]),
        st.sampled_from([INF, 5.0]), st.sampled_from([0.0, 10.0]))),
    st.tuples(st.just("on_position_check"), st.tuples(st.integers(0, 2),
                                                      st.sampled_from([0.0, 50.0, 150.0, NAN]))),
    st.tuples(st.just("on_sizing_computed"), st.tuples(st.sampled_from([10.0, 0.0]))),
    st.tuples(st.just("on_order_submitted"), st.just(())),
    st.tuples(st.just("on_order_filled"), st.just(())),
    st.tuples(st.just("on_order_rejected"), st.tuples(st.sampled_from([None, "no margin"]))),
    st.tuples(st.just("on_order_canceled"), st.tuples(st.sampled_from([None, "user"]))),
)
SCRIPTS = st.lists(st.tuples(st.integers(1, 3), st.lists(HOOKS, max_size=6),
                             st.sampled_from([True] * 8 + [False])), max_size=40)
CONFIGS = st.fixed_dictionaries({
    "warmup_bars": st.integers(0, 3), "max_positions": st.integers(1, 2),
    "max_drawdown_pct": st.sampled_from([20.0, 100.0]), "cooldown_bars": st.integers(0, 2),
    "max_history": st.sampled_from([0, 1, 3, 1000]), "required_history_bars": st.integers(0, 3),
    "confirmation_bars": st.integers(1, 3), "expiry_bars": st.integers(0, 2),
    "max_exposure_pct": st.sampled_from([100.0, INF]),
})


def _run(mod, cfg, script):
    t = mod.StateTracker(mod.StateTrackerConfig(**cfg))
    bar, blocks, abandoned = -1, [], 0
    for n, (step, hooks, ends) in enumerate(script):
        bar += step
        t.on_bar_start(bar)
        for name, args in hooks:
            getattr(t, name)(*args)
        if ends:
            blocks.append(t.on_bar_end())
        elif n + 1 < len(script):
            abandoned += 1
    return t, blocks, abandoned


def _edges(states, blocks):
    """Replay each block's triggers through the tables; return the edges taken."""
    taken = set()
    sig, act = states.SignalStateValue.NONE, states.ActionStateValue.IDLE
    for b in blocks:
        for trig in b.signal_triggers:
            nxt = states.next_signal_value(sig, trig)  # raises if not an edge
            taken.add(("signal", sig, trig))
            sig = nxt
        for trig in b.action_triggers:
            nxt = states.next_action_value(act, trig)
            taken.add(("action", act, trig))
            act = nxt
        assert (sig, act) == (b.signal.value, b.action.value), b
    return taken


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # twin/both are stateless
@given(cfg=CONFIGS, script=SCRIPTS)
def test_every_state_change_is_a_table_edge(twin, cfg, script):
    _, blocks, _ = _run(twin("tracker"), cfg, script)
    _edges(twin("states"), blocks)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # twin/both are stateless
@given(cfg=CONFIGS, script=SCRIPTS)
def test_compiled_and_pure_trackers_agree(both, cfg, script):
    compiled, pure = both("tracker")
    tc, bc, _ = _run(compiled, cfg, script)
    tp, bp, _ = _run(pure, cfg, script)
    assert [b.to_dict() for b in bc] == [b.to_dict() for b in bp]
    assert tc.summary_stats() == tp.summary_stats()
    assert [b.to_dict() for b in tc.block_history] == [b.to_dict() for b in tp.block_history]
    assert tc.get_current_action_state().to_dict() == tp.get_current_action_state().to_dict()


def _recompute(blocks, max_history):
    """Statistics recomputed from the full log of blocks (not from the tracker's counters)."""
    if not blocks:
        return {}
    sig = Counter(b.signal.value.name for b in blocks)
    act = Counter(b.action.value.name for b in blocks)
    blocked = [b.gate for b in blocks if not b.gate.passed]
    sig_ev = Counter(t.name for b in blocks for t in b.signal_triggers)
    act_ev = Counter(t.name for b in blocks for t in b.action_triggers)
    return {
        "total_bars": len(blocks), "signals_detected": len(blocks) - sig["NONE"],
        "signals_confirmed": sig["CONFIRMED"], "signals_consumed": sig["CONSUMED"],
        "actions_filled": act["FILLED"], "gates_blocked": len(blocked),
        "gate_code_breakdown": dict(Counter(g.code.name for g in blocked)),
        "signal_state_bars": dict(sig), "action_state_bars": dict(act),
        "signal_events": dict(sig_ev), "action_events": dict(act_ev),
        "gate_failures": dict(Counter(c.name for g in blocked for c in g.codes)),
        "signals_issued": sig_ev["DETECT"], "first_bar_idx": blocks[0].bar_idx,
        "last_bar_idx": blocks[-1].bar_idx,
    }


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # twin/both are stateless
@given(cfg=CONFIGS, script=SCRIPTS)
def test_counters_equal_stats_recomputed_from_the_log(twin, cfg, script):
    t, blocks, abandoned = _run(twin("tracker"), cfg, script)
    stats = t.summary_stats()
    expected = _recompute(blocks, cfg["max_history"])
    for key, value in expected.items():
        got = stats[key]
        if isinstance(value, dict):  # counters list every name; zeros are absent from Counters
            got = {k: v for k, v in got.items() if v}
        assert got == value, key
    if blocks:
        assert stats["bars_abandoned"] == abandoned
        last, cap = blocks[-1].bar_idx, cfg["max_history"]
        kept = [b for b in blocks if not cap or b.bar_idx > last - cap]
        assert t.block_history == kept
        for b in blocks:
            assert t.get_block_at(b.bar_idx) == (b if b in kept else None)


def _random_script(rng):
    script = []
    for _ in range(rng.randint(10, 60)):
        hooks = [("on_signal_evaluated", (rng.choice([-1, 0, 0, 1, 1, 1, 2]),)),
                 ("on_position_check", (rng.choice([0, 0, 0, 1]), 0.0))]
        for name, args, p in (("on_sizing_computed", (10.0,), 0.4), ("on_order_submitted", (), 0.4),
                              ("on_order_filled", (), 0.3), ("on_order_rejected", ("x",), 0.15),
                              ("on_order_canceled", (None,), 0.15)):
            if rng.random() < p:
                hooks.append((name, args))
        rng.shuffle(hooks)
        script.append((1, hooks, rng.random() < 0.95))
    return script


def test_every_table_edge_is_reachable(twin):
    rng = random.Random(20201)
    states, mod = twin("states"), twin("tracker")
    taken = set()
    for _ in range(150):
        cfg = {"confirmation_bars": rng.randint(1, 4), "expiry_bars": rng.randint(0, 2),
               "max_positions": rng.randint(1, 2), "max_history": 10}
        taken |= _edges(states, _run(mod, cfg, _random_script(rng))[1])
    table_edges = {("signal", s, t) for s, t in states.SIGNAL_TABLE} | {
        ("action", s, t) for s, t in states.ACTION_TABLE}
    assert taken == table_edges


@pytest.mark.parametrize("hook, args", [
    ("on_bar_start", (6.5,)),
    ("on_bar_start", (6.0,)),
    ("on_signal_evaluated", (1.0,)),
    ("on_history_check", (True, 3.0)),
    ("on_position_check", (1.0,)),
])
def test_float_indices_are_rejected_not_truncated(twin, hook, args):
    tracker = twin("tracker").StateTracker()
    if hook != "on_bar_start":
        tracker.on_bar_start(0)
    with pytest.raises(TypeError):
        getattr(tracker, hook)(*args)
