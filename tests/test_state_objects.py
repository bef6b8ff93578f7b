"""GateResult, SignalState, ActionState, BlockState, the gates and the per-bar functions."""

from __future__ import annotations

import inspect
import math

import pytest

NAN = math.nan


def test_gate_result_pass_fail_repr_equality(twin):
    st = twin("states")
    p = st.GateResult.pass_()
    assert (p.passed, p.code, p.codes, p.reason) == (True, st.GateCode.G_PASS, (st.GateCode.G_PASS,), None)
    assert repr(p) == "GateResult(PASS)"
    assert p == st.GateResult(True, 0, (0,)) and hash(p) == hash(st.GateResult(True, 0, (0,)))
    f = st.GateResult.fail_(st.GateCode.G_RISK_BLOCK)
    assert f.reason == "Risk policy blocked this action" and f.codes == (st.GateCode.G_RISK_BLOCK,)
    g = st.GateResult.fail_(5, "dd", additional_codes=(8,))
    assert g.codes == (st.GateCode.G_MAX_DRAWDOWN, st.GateCode.G_POSITION_LIMIT)
    assert repr(g) == "GateResult(FAIL: G_MAX_DRAWDOWN, reason='dd')"
    assert g != f and len({g, f, st.GateResult.fail_(5, "dd", additional_codes=(8,))}) == 2
    with pytest.raises(AttributeError):
        g.reason = "x"
    with pytest.raises(ValueError, match="GateResult.code"):
        st.GateResult(False, 10)


def test_signal_state_predicates(twin):
    st = twin("states")
    S = st.SignalStateValue
    s = st.SignalState(S.CONFIRMED, 1, detected_bar=4, confirmed_bar=6, signal_id=2)
    assert s.is_confirmed and not s.is_terminal and not s.is_none and s.value is S.CONFIRMED
    assert s.bars_since_detected(10) == 6 and s.bars_since_confirmed(10) == 4
    assert st.SignalState().bars_since_detected(10) == -1
    assert s.can_transition_to(S.EXPIRED) and not s.can_transition_to(S.NONE)
    assert st.SignalState(S.EXPIRED).is_terminal and st.SignalState(S.CONSUMED).is_terminal
    same = st.SignalState(3, 1, 4, 6, -1, None, 2)
    assert s == same and hash(s) == hash(same)
    with pytest.raises(ValueError):
        st.SignalState(S.NONE, 3)
    with pytest.raises(ValueError):
        st.SignalState(6)
    with pytest.raises(AttributeError):
        s.direction = -1


def test_action_state_predicates_and_optional_signal_id(twin):
    st = twin("states")
    A = st.ActionStateValue
    a = st.ActionState(A.SUBMITTED, -1, 250.0, 7, signal_id=3)
    assert a.is_submitted and not a.is_terminal and a.signal_id == 3 and a.size_usdt == 250.0
    assert st.ActionState().signal_id == 0 and st.ActionState().is_idle
    assert all(st.ActionState(v).is_terminal for v in (A.FILLED, A.REJECTED, A.CANCELED))
    assert a.can_transition_to(A.CANCELED) and not a.can_transition_to(A.IDLE)
    with pytest.raises(TypeError):
        st.ActionState(A.IDLE, 0, 0.0, -1, -1, None, 5)  # signal_id is keyword-only


def test_block_state_properties_and_summary(twin):
    st = twin("states")
    S, A = st.SignalStateValue, st.ActionStateValue
    sig = st.SignalState(S.CONFIRMED, -1, 2, 2, signal_id=1)
    blk = st.create_block_state(5, sig, st.ActionState(A.ACTIONABLE, -1, signal_id=1),
                                st.GateResult.pass_(), -1)
    assert blk.summary() == "bar=5 | signal=CONFIRMED(SHORT) | action=ACTIONABLE"
    assert blk.is_actionable and not blk.is_blocked and blk.block_reason is None
    assert blk.signal_detected and blk.signal_confirmed and not blk.signal_consumed
    blocked = st.BlockState(6, sig, st.ActionState(), st.GateResult.fail_(8, "full"), 0)
    assert blocked.summary() == "bar=6 | signal=CONFIRMED(SHORT) | blocked=G_POSITION_LIMIT"
    assert blocked.is_blocked and blocked.block_reason == "full" and not blocked.is_actionable
    assert blocked.block_code is st.GateCode.G_POSITION_LIMIT
    r = st.reset_block_state(3)
    assert r.summary() == "bar=3"
    assert r.signal == st.reset_signal_state() and r.action == st.reset_action_state()
    t = st.BlockState(1, signal_triggers=[st.SignalTrigger.DETECT, st.SignalTrigger.CONFIRM],
                      action_triggers=[st.ActionTrigger.ARM])
    assert t.signal_triggers == (st.SignalTrigger.DETECT, st.SignalTrigger.CONFIRM)
    assert t.to_dict()["action_triggers"] == ["ARM"]
    with pytest.raises(ValueError):
        st.BlockState(1, action_triggers=[42])
    with pytest.raises(TypeError):
        st.BlockState(1, signal=st.ActionState())


# -- gates ------------------------------------------------------------------------------------

GATE_CASES = [  # (context overrides, expected first code name, expected reason)
    (dict(bar_idx=3, warmup_bars=5), "G_WARMUP_REMAINING", "Warmup: bar 3 < required 5"),
    (dict(history_bars=2, required_history_bars=4, warmup_bars=0), "G_HISTORY_NOT_READY",
     "History: 2 bars < required 4"),
    (dict(cache_ready=False), "G_CACHE_NOT_READY", "Feature cache not populated"),
    (dict(risk_policy_passed=False), "G_RISK_BLOCK", "Risk policy blocked"),
    (dict(risk_policy_passed=False, risk_policy_reason="vol"), "G_RISK_BLOCK", "vol"),
    (dict(current_drawdown_pct=20.0, max_drawdown_limit_pct=20.0), "G_MAX_DRAWDOWN",
     "Drawdown 20.0% >= limit 20.0%"),
    (dict(available_margin=10.0, required_margin=12.5), "G_INSUFFICIENT_MARGIN",
     "Margin 10.00 USDT < required 12.50 USDT"),
    (dict(cooldown_bars_remaining=2), "G_COOLDOWN_ACTIVE", "Cooldown: 2 bars remaining"),
    (dict(position_count=1, max_positions=1), "G_POSITION_LIMIT", "Positions 1 >= limit 1"),
    (dict(current_exposure_pct=150.0), "G_EXPOSURE_LIMIT", "Exposure 150.0% >= limit 100.0%"),
    # NaN never passes
    (dict(current_drawdown_pct=NAN), "G_MAX_DRAWDOWN", "Drawdown NaN >= limit 100.0%"),
    (dict(available_margin=NAN, required_margin=1.0), "G_INSUFFICIENT_MARGIN",
     "Margin NaN < required 1.00 USDT"),
    (dict(current_exposure_pct=10.0, max_exposure_pct=NAN), "G_EXPOSURE_LIMIT",
     "Exposure 10.0% >= limit NaN"),
]


@pytest.mark.parametrize("overrides, code, reason", GATE_CASES)
def test_each_gate_alone(twin, overrides, code, reason):
    st = twin("states")
    res = st.evaluate_gates(st.GateContext(**overrides))
    assert not res.passed and res.code.name == code and res.reason == reason
    assert [c.name for c in res.codes] == [code]


def test_gates_collect_all_in_order_and_pass(twin):
    st = twin("states")
    ctx = st.GateContext(bar_idx=0, warmup_bars=2, position_count=5, max_positions=1,
                         cache_ready=False, cooldown_bars_remaining=1)
    res = st.evaluate_gates(ctx)
    assert [c.name for c in res.codes] == ["G_WARMUP_REMAINING", "G_CACHE_NOT_READY",
                                           "G_COOLDOWN_ACTIVE", "G_POSITION_LIMIT"]
    assert res.code.name == "G_WARMUP_REMAINING"
    passing = st.GateContext(bar_idx=2, warmup_bars=2, history_bars=0)
    assert st.evaluate_gates(passing) == st.GateResult.pass_()
    ctx.bar_idx, ctx.cache_ready = 9, True  # GateContext stays mutable like the reference
    assert [c.name for c in st.evaluate_gates(ctx).codes] == ["G_COOLDOWN_ACTIVE", "G_POSITION_LIMIT"]
    assert [f.name for f in st.GATE_ORDER] == [n for _, n, _ in GATE_CASES[:3]] + [
        "G_RISK_BLOCK", "G_MAX_DRAWDOWN", "G_INSUFFICIENT_MARGIN", "G_COOLDOWN_ACTIVE",
        "G_POSITION_LIMIT", "G_EXPOSURE_LIMIT"]


def test_single_gate_functions(twin):
    st = twin("states")
    assert st.evaluate_warmup_gate(5, 5).passed
    assert st.evaluate_warmup_gate(4, 5).reason == "Warmup: bar 4 < required 5"
    assert st.evaluate_margin_gate(1.0, 1.0).passed
    assert st.evaluate_margin_gate(NAN, 0.0).code.name == "G_INSUFFICIENT_MARGIN"


# -- per-bar functions ------------------------------------------------------------------------

def test_signal_function_confirmation_and_expiry(twin):
    st, tr = twin("states"), twin("transitions")
    S, P = st.SignalStateValue, st.GateResult.pass_()
    s0 = st.reset_signal_state()
    assert tr.transition_signal_state(s0, 0, False, 0, P, False, 1) is s0
    # confirmation_bars=3: CANDIDATE, CONFIRMING, CONFIRMED on bars 0, 1, 2
    s = tr.transition_signal_state(s0, 0, True, 1, P, False, 1, 3)
    assert (s.value, s.detected_bar, s.signal_id) == (S.CANDIDATE, 0, 1)
    s = tr.transition_signal_state(s, 1, True, 1, P, False, 2, 3)
    assert s.value is S.CONFIRMING and s.signal_id == 1
    s = tr.transition_signal_state(s, 2, True, 1, P, False, 2, 3)
    assert (s.value, s.confirmed_bar) == (S.CONFIRMED, 2)
    # expiry_bars=2: still confirmed at bar 3 and 4 would consume; at bar 4 without action: EXPIRED
    s3 = tr.transition_signal_state(s, 3, False, 0, P, False, 2, 3, expiry_bars=2)
    assert s3 is s
    s4 = tr.transition_signal_state(s, 4, False, 0, P, False, 2, 3, expiry_bars=2)
    assert s4.value is S.EXPIRED and s4.signal_id == 1
    assert tr.transition_signal_state(s4, 5, False, 0, P, False, 2).value is S.NONE
    c4 = tr.transition_signal_state(s, 4, False, 0, P, True, 2, 3, expiry_bars=2)
    assert (c4.value, c4.consumed_bar) == (S.CONSUMED, 4)
    # expiry_bars=0: never times out; an opposite signal expires and starts a new one
    assert tr.transition_signal_state(s, 100, False, 0, P, False, 2, expiry_bars=0) is s
    flip = tr.transition_signal_state(s, 5, True, -1, P, False, 2, 1, expiry_bars=0)
    assert (flip.value, flip.direction, flip.signal_id, flip.detected_bar) == (S.CONFIRMED, -1, 2, 5)
    # a candidate that is not seen again is dropped
    cand = tr.transition_signal_state(s0, 0, True, 1, P, False, 1, 2)
    assert tr.transition_signal_state(cand, 1, False, 0, P, False, 2, 2) == s0
    with pytest.raises(ValueError):
        tr.transition_signal_state(s0, 0, True, 0, P, False, 1)
    with pytest.raises(TypeError, match="GateResult"):
        tr.transition_signal_state(s0, 0, True, 1, 7, False, 1)


def test_action_function_multi_step_and_reasons(twin):
    st, tr = twin("states"), twin("transitions")
    A, P = st.ActionStateValue, st.GateResult.pass_()
    idle = st.reset_action_state()
    # sizing + submit + fill in one bar: IDLE -> ... -> FILLED
    a = tr.transition_action_state(idle, 3, True, 1, P, True, 100.0, True, True, False, signal_id=4)
    assert (a.value, a.size_usdt, a.submitted_bar, a.filled_bar, a.signal_id) == (A.FILLED, 100.0, 3, 3, 4)
    # next bar: RESET to IDLE (no new signal)
    assert tr.transition_action_state(a, 4, False, 0, P, False, 0.0, False, False, False) == idle
    # gate failure disarms with the gate's reason
    armed = tr.transition_action_state(idle, 1, True, -1, P, False, 0.0, False, False, False)
    assert armed.value is A.ACTIONABLE and armed.direction == -1
    fail = st.GateResult.fail_(8, "Positions 1 >= limit 1")
    d = tr.transition_action_state(armed, 2, True, -1, fail, False, 0.0, False, False, False)
    assert (d.value, d.reject_reason) == (A.IDLE, "Positions 1 >= limit 1")
    # rejection reasons are kept; defaults name the stage
    sized = tr.transition_action_state(armed, 2, True, -1, P, True, 50.0, False, False, False)
    assert sized.value is A.SIZING
    r = tr.transition_action_state(sized, 3, True, -1, P, False, 0.0, False, False, True, "min size")
    assert (r.value, r.reject_reason, r.size_usdt) == (A.REJECTED, "min size", 50.0)
    r2 = tr.transition_action_state(sized, 3, True, -1, P, False, 0.0, False, False, True)
    assert r2.reject_reason == "Size validation failed"
    sub = tr.transition_action_state(sized, 3, True, -1, P, False, 0.0, True, False, False)
    rej = tr.transition_action_state(sub, 4, False, 0, P, False, 0.0, False, False, True)
    assert rej.reject_reason == "Order rejected"
    c = tr.transition_action_state(sub, 5, False, 0, P, False, 0.0, False, False, False,
                                   order_canceled=True, cancel_reason="user")
    assert (c.value, c.reject_reason) == (A.CANCELED, "user")
    assert tr.transition_action_state(sub, 5, False, 0, P, False, 0.0, False, False, False) is sub
    # sized on an earlier bar, nothing on this bar: ABANDON back to IDLE
    ab = tr.transition_action_state(sized, 9, False, 0, P, False, 0.0, False, False, False)
    assert (ab.value, ab.reject_reason) == (A.IDLE, "Sized but never submitted")
    with pytest.raises(TypeError, match="signal_id"):
        tr.transition_action_state(idle, 0, True, 1, 5, P, True, 1.0, True, False, False)


def _doc(obj, name):
    doc = inspect.getdoc(obj) or ""
    first, _, rest = doc.partition("\n")
    # embedsignature puts "name(args)" on the first line of compiled docstrings
    if first.startswith(f"{name}(") or f".{name}(" in first.split(" ")[0]:
        return rest.lstrip("\n")
    return doc


@pytest.mark.parametrize("module", ["states", "transitions", "tracker"])
def test_twins_share_names_and_docstrings(both, module):
    compiled, pure = both(module)
    assert sorted(compiled.__all__) == sorted(pure.__all__)
    for name in pure.__all__:
        c, p = getattr(compiled, name), getattr(pure, name)
        if c is p or not callable(p):
            continue
        assert _doc(c, name) == _doc(p, name), name
        for attr, member in vars(p).items():
            if attr.startswith("_") or not (callable(member) or isinstance(member, (property, classmethod))):
                continue
            assert _doc(getattr(c, attr), attr) == _doc(getattr(p, attr), attr), f"{name}.{attr}"
