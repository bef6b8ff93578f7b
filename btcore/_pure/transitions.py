"""Per-bar transition functions of the signal and action machines (twin of ``_core.transitions``).

Each function derives the triggers one bar calls for and applies them, in order, through the
machine's table (``SIGNAL_TABLE`` / ``ACTION_TABLE``), so every state change is a table edge. The
rules that pick the triggers are documented in ``docs/STATE_MACHINES.md``.
"""

from __future__ import annotations

from typing import Optional

from .._shared.state_tables import (
    _TRIGGER_BITS,
    ACTION_TABLE,
    SIGNAL_TABLE,
    ActionStateValue,
    ActionTrigger,
    SignalStateValue,
    SignalTrigger,
)
from .states import (
    _ACTION_STATE_IDLE,
    _SIGNAL_STATE_NONE,
    _make_action,
    _make_signal,
    ActionState,
    GateResult,
    SignalState,
)
from .._shared.docs import attach
from .._shared import transitions as _shared
from .._shared.transitions import DOCS, REASON_NOT_SUBMITTED, REASON_SIGNAL_GONE

__all__ = ["transition_signal_state", "transition_action_state"]

_SIG_NEXT = {(int(s), int(t)): int(n) for (s, t), n in SIGNAL_TABLE.items()}
_ACT_NEXT = {(int(s), int(t)): int(n) for (s, t), n in ACTION_TABLE.items()}

_NONE, _CANDIDATE, _CONFIRMING, _CONFIRMED, _EXPIRED, _CONSUMED = (int(v) for v in SignalStateValue)
_DETECT, _PERSIST, _CONFIRM, _DROP, _CONSUME, _EXPIRE, _CLEAR = (int(t) for t in SignalTrigger)
_IDLE, _ACTIONABLE, _SIZING, _SUBMITTED, _FILLED = tuple(int(v) for v in ActionStateValue)[:5]
(_ARM, _DISARM, _SIZE, _SUBMIT, _FILL, _REJECT, _CANCEL, _ABANDON,
 _RESET) = (int(t) for t in ActionTrigger)

#: Bits of the ``used`` mask returned by :func:`advance_action` (which reported events it used).
EV_SIZING, EV_SUBMIT, EV_FILL, EV_REJECT, EV_CANCEL = 1, 2, 4, 8, 16


def advance_signal(prev: SignalState, bar_idx: int, direction: int, gate: GateResult,
                   action_taken: bool, next_signal_id: int, confirmation_bars: int,
                   expiry_bars: int) -> tuple[SignalState, int, bool]:
    """One bar of the signal machine: ``(new state, packed triggers, new id used)``.

    ``direction`` is the raw entry direction of the bar (1, -1, or 0 for none).
    """
    v = int(prev.value)
    d, det, conf, cons, sid = (prev.direction, prev.detected_bar, prev.confirmed_bar,
                               prev.consumed_bar, prev.signal_id)
    detected = direction != 0
    fresh = False
    packed = n = 0
    trig = []
    if v == _EXPIRED or v == _CONSUMED:
        trig.append(_DETECT if detected else _CLEAR)
        fresh = detected
    elif v == _NONE:
        if detected:
            trig.append(_DETECT)
            fresh = True
    elif v == _CANDIDATE or v == _CONFIRMING:
        if detected and direction == d:
            if bar_idx - det + 1 >= confirmation_bars:
                trig.append(_CONFIRM)
                conf = bar_idx
            else:
                trig.append(_PERSIST)
        else:
            trig.append(_DROP)
            if detected:
                trig.append(_DETECT)
                fresh = True
    elif v == _CONFIRMED and not action_taken:
        if detected and direction != d:
            trig += [_EXPIRE, _DETECT]
            fresh = True
        elif expiry_bars > 0 and bar_idx - conf >= expiry_bars:
            trig.append(_EXPIRE)
            if detected:
                trig.append(_DETECT)
                fresh = True
    for t in trig:
        v = _SIG_NEXT[v, t]
        packed |= t << (_TRIGGER_BITS * n)
        n += 1
    if fresh:
        d, det, conf, cons, sid = direction, bar_idx, -1, -1, next_signal_id
        if confirmation_bars <= 1:
            v = _SIG_NEXT[v, _CONFIRM]
            packed |= _CONFIRM << (_TRIGGER_BITS * n)
            n += 1
            conf = bar_idx
    if v == _CONFIRMED and action_taken:
        v = _SIG_NEXT[v, _CONSUME]
        packed |= _CONSUME << (_TRIGGER_BITS * n)
        cons = bar_idx
    if packed == 0:
        return prev, 0, False
    if v == _NONE:
        return _SIGNAL_STATE_NONE, packed, False
    return _make_signal(v, d, det, conf, cons, gate, sid), packed, fresh


def advance_action(prev: ActionState, bar_idx: int, signal_confirmed: bool, signal_direction: int,
                   signal_id: int, gate: GateResult, size_computed: bool, size_usdt: float,
                   submitted: bool, filled: bool, rejected: bool, canceled: bool,
                   reject_reason: Optional[str], cancel_reason: Optional[str]
                   ) -> tuple[ActionState, int, int]:
    """One bar of the action machine: ``(new state, packed triggers, used-event mask)``."""
    v = int(prev.value)
    d, size, sub, fil, reason, sid = (prev.direction, prev.size_usdt, prev.submitted_bar,
                                      prev.filled_bar, prev.reject_reason, prev.signal_id)
    used = packed = n = 0
    armed = sized_now = False
    while True:
        if v >= _FILLED:
            if n:
                break  # finished this bar: shown on this bar's block, RESET on the next bar
            t = _RESET
        elif v == _IDLE:
            if armed or not (signal_confirmed and gate.passed):
                break
            t = _ARM
        elif v == _ACTIONABLE:
            if not gate.passed or not signal_confirmed or signal_id != sid:
                t = _DISARM
            elif (size_computed and not used & EV_SIZING) or (submitted and not used & EV_SUBMIT):
                t = _SIZE
            else:
                break
        elif v == _SIZING:
            if submitted and not used & EV_SUBMIT:
                t = _SUBMIT
            elif rejected and not used & EV_REJECT:
                t = _REJECT
            elif sized_now:
                break
            else:
                t = _ABANDON
        else:  # SUBMITTED
            if filled and not used & EV_FILL:
                t = _FILL
            elif rejected and not used & EV_REJECT:
                t = _REJECT
            elif canceled and not used & EV_CANCEL:
                t = _CANCEL
            else:
                break
        # Field updates of the edge just chosen; the table gives the next state.
        if t == _RESET or t == _DISARM or t == _ABANDON:
            reason = (None if t == _RESET else REASON_NOT_SUBMITTED if t == _ABANDON
                      else gate.reason if not gate.passed else REASON_SIGNAL_GONE)
            d, size, sub, fil, sid = 0, 0.0, -1, -1, 0
        elif t == _ARM:
            armed = True
            d, size, sub, fil, reason, sid = signal_direction, 0.0, -1, -1, None, signal_id
        elif t == _SIZE:
            sized_now = True
            if size_computed and not used & EV_SIZING:
                used |= EV_SIZING
                size = size_usdt
        elif t == _SUBMIT:
            used |= EV_SUBMIT
            sub = bar_idx
        elif t == _FILL:
            used |= EV_FILL
            fil = bar_idx
        elif t == _REJECT:
            used |= EV_REJECT
            reason = reject_reason or ("Order rejected" if v == _SUBMITTED
                                       else "Size validation failed")
        elif t == _CANCEL:
            used |= EV_CANCEL
            reason = cancel_reason or "Order canceled"
        v = _ACT_NEXT[v, t]
        packed |= t << (_TRIGGER_BITS * n)
        n += 1
    if n == 0:
        return prev, 0, 0
    if v == _IDLE and reason is None:
        return _ACTION_STATE_IDLE, packed, used
    return _make_action(v, d, size, sub, fil, reason, sid), packed, used


def transition_signal_state(prev_state: SignalState, bar_idx: int, signal_detected: bool,
                            signal_direction: int, gate_result: GateResult, action_taken: bool,
                            next_signal_id: int, confirmation_bars: int = 1, *,
                            expiry_bars: int = 1) -> SignalState:
    bar, direction, gate, sid, conf, exp = _shared.signal_call(
        prev_state, bar_idx, signal_detected, signal_direction, gate_result, next_signal_id, confirmation_bars,
        expiry_bars, SignalState, GateResult)
    return advance_signal(prev_state, bar, direction, gate, bool(action_taken), sid, conf, exp)[0]


def transition_action_state(prev_state: ActionState, bar_idx: int, signal_confirmed: bool,
                            signal_direction: int, gate_result: GateResult, size_computed: bool,
                            size_usdt: float, order_submitted: bool, order_filled: bool,
                            order_rejected: bool, reject_reason: Optional[str] = None, *,
                            signal_id: int = 0, order_canceled: bool = False,
                            cancel_reason: Optional[str] = None) -> ActionState:
    bar, direction, sid, gate, size = _shared.action_call(
        prev_state, bar_idx, signal_confirmed, signal_direction, gate_result, size_usdt, signal_id, ActionState,
        GateResult)
    return advance_action(prev_state, bar, bool(signal_confirmed), direction, sid, gate, bool(size_computed), size,
                          bool(order_submitted), bool(order_filled), bool(order_rejected), bool(order_canceled),
                          reject_reason, cancel_reason)[0]


attach(globals(), DOCS)
