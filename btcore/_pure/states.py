"""Signal, action, gate and block state machines (pure-Python twin of ``btcore._core.states``).

The machines are the tables in :mod:`btcore._shared.state_tables`; the per-bar functions here derive
triggers from their inputs and apply them through those tables, several per bar when the inputs
call for it (``docs/STATE_MACHINES.md`` gives the rules). State objects are immutable: a function
returns the same object when nothing changed, so consecutive blocks share unchanged states.

As in the compiled twin: an object made with ``cls.__new__(cls)`` reads as ``cls()`` (an unset
field reads as its default), constructor arguments are converted as C converts them (bars, ids
and counts in ``-1 .. MAX_INDEX``), and pickling goes through the constructor.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Optional

from .._shared.boundary import as_double, as_int64
# The tables, enums and config of the machines are part of this module's API, as they are.
from .._shared.state_tables import *  # noqa: F401,F403
from .._shared.docs import attach
from .._shared import states as _shared
from .._shared import state_tables as _tables
from .._shared.states import DOCS, NAMES

__all__ = list(NAMES)

_S = SignalStateValue
_A = ActionStateValue
_SIG_MEMBERS = tuple(SignalStateValue)
_ACT_MEMBERS = tuple(ActionStateValue)
_GATE_MEMBERS = tuple(GateCode)


def _with_defaults(cls: type, defaults: dict[str, Any]) -> None:
    """``cls.__new__(cls)`` gives an object reading as ``cls()`` (the compiled ``__cinit__`` does
    the same); the machines' own constructors use ``object.__new__`` and set every field."""

    def __new__(klass: type, *args: Any, **kwargs: Any) -> Any:
        obj: Any = object.__new__(klass)
        for name, value in defaults.items():
            object.__setattr__(obj, name, value)
        return obj

    cls.__new__ = __new__  # type: ignore[method-assign,assignment]


class _Frozen:
    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; attribute {name!r} is read-only")

    def _key(self) -> tuple[Any, ...]:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


# ---------------------------------------------------------------------------------------------
# Gate result

class GateResult(_Frozen):
    __doc__ = DOCS["GateResult"]

    __slots__ = ("passed", "code", "codes", "reason")
    passed: bool
    code: GateCode
    codes: tuple[GateCode, ...]
    reason: Optional[str]

    def __init__(self, passed: bool, code: int, codes: Iterable[int] = (),
                 reason: Optional[str] = None) -> None:
        object.__setattr__(self, "passed", bool(passed))
        object.__setattr__(self, "code", _tables._check_member(_GATE_MEMBERS, code, "GateResult.code"))
        object.__setattr__(self, "codes", tuple(_tables._check_member(_GATE_MEMBERS, c, "GateResult.codes")
                                                for c in codes))
        object.__setattr__(self, "reason", None if reason is None else str(reason))

    @classmethod
    def pass_(cls) -> "GateResult":
        return _PASS

    @classmethod
    def fail_(cls, code: int, reason: Optional[str] = None,
              additional_codes: Optional[Iterable[int]] = None) -> "GateResult":
        return cls(False, *_shared.failure(code, reason, additional_codes))

    def _key(self) -> tuple[Any, ...]:
        return (self.passed, int(self.code), tuple(int(c) for c in self.codes), self.reason)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_tables._value, (type(self), (self.passed, self.code, self.codes, self.reason), {}))

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form (enum names as strings) for reports and JSON."""
        return _tables._gate_to_dict(self)

    def __repr__(self) -> str:
        return _tables._gate_repr(self)


_PASS = GateResult(True, GateCode.G_PASS, (GateCode.G_PASS,), None)
_with_defaults(GateResult,
    {"passed": True, "code": GateCode.G_PASS, "codes": (GateCode.G_PASS,), "reason": None})


# ---------------------------------------------------------------------------------------------
# Signal state

class SignalState(_Frozen):
    __doc__ = DOCS["SignalState"]

    __slots__ = ("value", "direction", "detected_bar", "confirmed_bar", "consumed_bar",
                 "gate_result", "signal_id")
    value: SignalStateValue
    direction: int
    detected_bar: int
    confirmed_bar: int
    consumed_bar: int
    gate_result: Optional[GateResult]
    signal_id: int

    def __init__(self, value: int = _S.NONE, direction: int = 0, detected_bar: int = -1,
                 confirmed_bar: int = -1, consumed_bar: int = -1,
                 gate_result: Optional[GateResult] = None, signal_id: int = 0) -> None:
        member, bars, sid = _shared.signal_fields(value, direction, detected_bar, confirmed_bar,
                                                  consumed_bar, gate_result, signal_id, GateResult)
        sa = object.__setattr__
        sa(self, "value", member)
        sa(self, "direction", as_int64(direction, "SignalState.direction"))
        sa(self, "detected_bar", bars[0])
        sa(self, "confirmed_bar", bars[1])
        sa(self, "consumed_bar", bars[2])
        sa(self, "gate_result", gate_result)
        sa(self, "signal_id", sid)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_tables._value, (type(self), (self.value, self.direction, self.detected_bar, self.confirmed_bar,
                                              self.consumed_bar, self.gate_result, self.signal_id), {}))

    def _key(self) -> tuple[Any, ...]:
        return (int(self.value), self.direction, self.detected_bar, self.confirmed_bar,
                self.consumed_bar, self.gate_result, self.signal_id)

    @property
    def is_none(self) -> bool:
        """True in NONE."""
        return self.value == _S.NONE

    @property
    def is_candidate(self) -> bool:
        """True in CANDIDATE."""
        return self.value == _S.CANDIDATE

    @property
    def is_confirmed(self) -> bool:
        """True in CONFIRMED."""
        return self.value == _S.CONFIRMED

    @property
    def is_consumed(self) -> bool:
        """True in CONSUMED."""
        return self.value == _S.CONSUMED

    @property
    def is_expired(self) -> bool:
        """True in EXPIRED."""
        return self.value == _S.EXPIRED

    @property
    def is_terminal(self) -> bool:
        """True in EXPIRED or CONSUMED (the signal is finished)."""
        return self.value == _S.EXPIRED or self.value == _S.CONSUMED

    def can_transition_to(self, target: int) -> bool:
        return target in SIGNAL_TRANSITIONS[self.value]

    def bars_since_detected(self, current_bar: int) -> int:
        return -1 if self.detected_bar < 0 else current_bar - self.detected_bar

    def bars_since_confirmed(self, current_bar: int) -> int:
        return -1 if self.confirmed_bar < 0 else current_bar - self.confirmed_bar

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form (enum names as strings) for reports and JSON."""
        return _tables._signal_to_dict(self)

    def __repr__(self) -> str:
        return _tables._signal_repr(self)


_SIGNAL_STATE_NONE = SignalState()
_with_defaults(SignalState,
    {"value": _S.NONE, "direction": 0, "detected_bar": -1, "confirmed_bar": -1, "consumed_bar": -1,
     "gate_result": None, "signal_id": 0})


# ---------------------------------------------------------------------------------------------
# Action state

class ActionState(_Frozen):
    __doc__ = DOCS["ActionState"]

    __slots__ = ("value", "direction", "size_usdt", "submitted_bar", "filled_bar",
                 "reject_reason", "signal_id")
    value: ActionStateValue
    direction: int
    size_usdt: float
    submitted_bar: int
    filled_bar: int
    reject_reason: Optional[str]
    signal_id: int

    def __init__(self, value: int = _A.IDLE, direction: int = 0, size_usdt: float = 0.0,
                 submitted_bar: int = -1, filled_bar: int = -1,
                 reject_reason: Optional[str] = None, *, signal_id: int = 0) -> None:
        member, size, bars, sid = _shared.action_fields(value, direction, size_usdt, submitted_bar,
                                                        filled_bar, signal_id)
        sa = object.__setattr__
        sa(self, "value", member)
        sa(self, "direction", as_int64(direction, "ActionState.direction"))
        sa(self, "size_usdt", size)
        sa(self, "submitted_bar", bars[0])
        sa(self, "filled_bar", bars[1])
        sa(self, "reject_reason", None if reject_reason is None else str(reject_reason))
        sa(self, "signal_id", sid)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_tables._value, (type(self), (self.value, self.direction, self.size_usdt, self.submitted_bar,
                                              self.filled_bar, self.reject_reason), {"signal_id": self.signal_id}))

    def _key(self) -> tuple[Any, ...]:
        return (int(self.value), self.direction, self.size_usdt, self.submitted_bar,
                self.filled_bar, self.reject_reason, self.signal_id)

    @property
    def is_idle(self) -> bool:
        """True in IDLE."""
        return self.value == _A.IDLE

    @property
    def is_actionable(self) -> bool:
        """True in ACTIONABLE."""
        return self.value == _A.ACTIONABLE

    @property
    def is_submitted(self) -> bool:
        """True in SUBMITTED."""
        return self.value == _A.SUBMITTED

    @property
    def is_terminal(self) -> bool:
        """True in FILLED, REJECTED or CANCELED (shown for one bar, then RESET to IDLE)."""
        return self.value >= _A.FILLED

    def can_transition_to(self, target: int) -> bool:
        return target in ACTION_TRANSITIONS[self.value]

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form (enum names as strings) for reports and JSON."""
        return _tables._action_to_dict(self)

    def __repr__(self) -> str:
        return _tables._action_repr(self)


_ACTION_STATE_IDLE = ActionState()
_with_defaults(ActionState,
    {"value": _A.IDLE, "direction": 0, "size_usdt": 0.0, "submitted_bar": -1, "filled_bar": -1,
     "reject_reason": None, "signal_id": 0})


# ---------------------------------------------------------------------------------------------
# Gates


class _Field:
    """A GateContext field, converted on assignment as the compiled twin's C field converts it."""

    def __init__(self, convert: Any) -> None:
        self.convert = convert

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.slot = name, "_" + name

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        return self if obj is None else getattr(obj, self.slot)

    def __set__(self, obj: Any, value: Any) -> None:
        if self.convert is as_int64 or self.convert is as_double:
            value = self.convert(value, f"GateContext.{self.name}")
        elif self.convert is bool:
            value = bool(value)
        setattr(obj, self.slot, value)


class GateContext:
    __doc__ = DOCS["GateContext"]

    __slots__ = tuple("_" + name for name in _shared._CONTEXT_FIELDS)
    bar_idx = _Field(as_int64)
    warmup_bars = _Field(as_int64)
    history_bars = _Field(as_int64)
    cache_ready = _Field(bool)
    current_drawdown_pct = _Field(as_double)
    max_drawdown_limit_pct = _Field(as_double)
    available_margin = _Field(as_double)
    required_margin = _Field(as_double)
    position_count = _Field(as_int64)
    max_positions = _Field(as_int64)
    current_exposure_pct = _Field(as_double)
    max_exposure_pct = _Field(as_double)
    cooldown_bars_remaining = _Field(as_int64)
    risk_policy_passed = _Field(bool)
    risk_policy_reason = _Field(None)
    required_history_bars = _Field(as_int64)

    def __init__(self, bar_idx: int = 0, warmup_bars: int = 0, history_bars: int = 0,
                 cache_ready: bool = True, current_drawdown_pct: float = 0.0,
                 max_drawdown_limit_pct: float = 100.0, available_margin: float = math.inf,
                 required_margin: float = 0.0, position_count: int = 0, max_positions: int = 100,
                 current_exposure_pct: float = 0.0, max_exposure_pct: float = 100.0,
                 cooldown_bars_remaining: int = 0, risk_policy_passed: bool = True,
                 risk_policy_reason: Optional[str] = None, required_history_bars: int = 0) -> None:
        _shared.set_context(self, locals())

    def __reduce__(self) -> tuple[Any, ...]:
        return _shared.context_reduce(self)

    def __repr__(self) -> str:
        return _shared._context_repr(self)


_with_defaults(GateContext,
    {"_" + k: v for k, v in zip(_shared._CONTEXT_FIELDS, (0, 0, 0, True, 0.0, 100.0, math.inf, 0.0, 0, 100, 0.0, 100.0, 0,
                                                 True, None, 0))})


def _gate_result(bar_idx: int, warmup_bars: int, history_bars: int, required_history_bars: int,
                 cache_ready: bool, risk_passed: bool, risk_reason: Optional[str], dd: float,
                 dd_limit: float, avail: float, req: float, cooldown: int, positions: int,
                 max_positions: int, expo: float, max_expo: float) -> GateResult:
    # Each gate passes only when its pass condition is true, so a NaN input fails the gate.
    fails = (
        not bar_idx >= warmup_bars,
        not history_bars >= required_history_bars,
        not cache_ready,
        not risk_passed,
        not dd < dd_limit,
        not avail >= req,
        not cooldown <= 0,
        not positions < max_positions,
        not expo < max_expo,
    )
    if not any(fails):
        return _PASS
    values = ((bar_idx, warmup_bars), (history_bars, required_history_bars), (0, 0), (0, 0),
              (dd, dd_limit), (avail, req), (cooldown, 0), (positions, max_positions),
              (expo, max_expo))
    codes = tuple(code for code, f in zip(GATE_ORDER, fails) if f)
    first = codes[0]
    a, b = values[first - 1]  # as doubles, as the compiled twin formats them
    return GateResult(False, first, codes, format_gate_reason(first, float(a), float(b), risk_reason))


def evaluate_gates(ctx: GateContext) -> GateResult:
    return _gate_result(ctx.bar_idx, ctx.warmup_bars, ctx.history_bars, ctx.required_history_bars,
                        ctx.cache_ready, ctx.risk_policy_passed, ctx.risk_policy_reason,
                        ctx.current_drawdown_pct, ctx.max_drawdown_limit_pct, ctx.available_margin,
                        ctx.required_margin, ctx.cooldown_bars_remaining, ctx.position_count,
                        ctx.max_positions, ctx.current_exposure_pct, ctx.max_exposure_pct)


def evaluate_warmup_gate(bar_idx: int, warmup_bars: int) -> GateResult:
    return _gate_result(as_int64(bar_idx, "bar_idx"), as_int64(warmup_bars, "warmup_bars"), 0, 0, True, True,
                        None, 0.0, 100.0, math.inf, 0.0, 0, 0, 1, 0.0, 100.0)


def evaluate_margin_gate(available_margin: float, required_margin: float) -> GateResult:
    return _gate_result(0, 0, 0, 0, True, True, None, 0.0, 100.0, as_double(available_margin, "available_margin"),
                        as_double(required_margin, "required_margin"), 0, 0, 1, 0.0, 100.0)


# ---------------------------------------------------------------------------------------------
# Block state

class BlockState(_Frozen):
    __doc__ = DOCS["BlockState"]

    __slots__ = ("bar_idx", "signal", "action", "gate", "raw_signal_direction", "_sig_trig",
                 "_act_trig")
    bar_idx: int
    signal: SignalState
    action: ActionState
    gate: GateResult
    raw_signal_direction: int
    _sig_trig: int
    _act_trig: int

    def __init__(self, bar_idx: int = 0, signal: Optional[SignalState] = None,
                 action: Optional[ActionState] = None, gate: Optional[GateResult] = None,
                 raw_signal_direction: int = 0, *, signal_triggers: Iterable[int] = (),
                 action_triggers: Iterable[int] = ()) -> None:
        bar, raw, sig_trig, act_trig = _shared.block_fields(
            bar_idx, (("signal", signal, SignalState), ("action", action, ActionState), ("gate", gate, GateResult)),
            raw_signal_direction, signal_triggers, action_triggers)
        sa = object.__setattr__
        sa(self, "bar_idx", bar)
        sa(self, "signal", _SIGNAL_STATE_NONE if signal is None else signal)
        sa(self, "action", _ACTION_STATE_IDLE if action is None else action)
        sa(self, "gate", _PASS if gate is None else gate)
        sa(self, "raw_signal_direction", raw)
        sa(self, "_sig_trig", sig_trig)
        sa(self, "_act_trig", act_trig)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_tables._value, (type(self), (self.bar_idx, self.signal, self.action, self.gate, self.raw_signal_direction),
                                 {"signal_triggers": self.signal_triggers, "action_triggers": self.action_triggers}))

    def _key(self) -> tuple[Any, ...]:
        return (self.bar_idx, self.signal, self.action, self.gate, self.raw_signal_direction,
                self._sig_trig, self._act_trig)

    @property
    def signal_triggers(self) -> tuple[SignalTrigger, ...]:
        """Signal triggers applied during this bar, in order."""
        return _tables._unpack_triggers(self._sig_trig, SignalTrigger)

    @property
    def action_triggers(self) -> tuple[ActionTrigger, ...]:
        """Action triggers applied during this bar, in order."""
        return _tables._unpack_triggers(self._act_trig, ActionTrigger)

    @property
    def is_actionable(self) -> bool:
        """Gate passed, signal CONFIRMED and the action IDLE or ACTIONABLE (a trade may start)."""
        return (self.gate.passed and self.signal.value == _S.CONFIRMED
                and self.action.value <= _A.ACTIONABLE)

    @property
    def is_blocked(self) -> bool:
        """True when a gate failed."""
        return not self.gate.passed

    @property
    def block_reason(self) -> Optional[str]:
        """Reason of the first failing gate (None when passed)."""
        return None if self.gate.passed else self.gate.reason

    @property
    def block_code(self) -> GateCode:
        """Code of the first failing gate (``G_PASS`` when passed)."""
        return self.gate.code

    @property
    def signal_detected(self) -> bool:
        """True when a signal is active (signal state not NONE)."""
        return self.signal.value != _S.NONE

    @property
    def signal_confirmed(self) -> bool:
        """True when the signal is CONFIRMED."""
        return self.signal.value == _S.CONFIRMED

    @property
    def signal_consumed(self) -> bool:
        """True when the signal is CONSUMED."""
        return self.signal.value == _S.CONSUMED

    @property
    def action_filled(self) -> bool:
        """True when the action is FILLED."""
        return self.action.value == _A.FILLED

    @property
    def action_rejected(self) -> bool:
        """True when the action is REJECTED."""
        return self.action.value == _A.REJECTED

    def summary(self) -> str:
        return _tables._block_summary(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form (enum names as strings) for reports and JSON."""
        return _tables._block_to_dict(self)

    def __repr__(self) -> str:
        return f"BlockState({self.summary()})"


_with_defaults(BlockState,
    {"bar_idx": 0, "signal": _SIGNAL_STATE_NONE, "action": _ACTION_STATE_IDLE, "gate": _PASS, "raw_signal_direction": 0,
     "_sig_trig": 0, "_act_trig": 0})


def _make_block(bar_idx: int, signal: SignalState, action: ActionState, gate: GateResult,
                raw_direction: int, sig_trig: int, act_trig: int) -> BlockState:
    # The tracker's constructor: parts already validated, triggers already packed.
    block = object.__new__(BlockState)
    sa = object.__setattr__
    sa(block, "bar_idx", bar_idx)
    sa(block, "signal", signal)
    sa(block, "action", action)
    sa(block, "gate", gate)
    sa(block, "raw_signal_direction", raw_direction)
    sa(block, "_sig_trig", sig_trig)
    sa(block, "_act_trig", act_trig)
    return block


def _make_signal(value: int, direction: int, detected: int, confirmed: int, consumed: int,
                 gate: Optional[GateResult], signal_id: int) -> SignalState:
    # The machines' constructor: values already valid (the compiled make_signal).
    s = object.__new__(SignalState)
    for name, v in zip(_SIGNAL_FIELDS, (_SIG_MEMBERS[value], direction, detected, confirmed, consumed, gate, signal_id)):
        object.__setattr__(s, name, v)
    return s


def _make_action(value: int, direction: int, size: float, submitted: int, filled: int, reason: Optional[str],
                 signal_id: int) -> ActionState:
    # The machines' constructor: values already valid (the compiled make_action).
    a = object.__new__(ActionState)
    for name, v in zip(_ACTION_FIELDS, (_ACT_MEMBERS[value], direction, size, submitted, filled, reason, signal_id)):
        object.__setattr__(a, name, v)
    return a


_SIGNAL_FIELDS = SignalState.__slots__
_ACTION_FIELDS = ActionState.__slots__


def create_block_state(bar_idx: int, signal: SignalState, action: ActionState, gate: GateResult,
                       raw_signal_direction: int = 0) -> BlockState:
    return BlockState(bar_idx, signal, action, gate, raw_signal_direction)


def reset_signal_state() -> SignalState:
    return _SIGNAL_STATE_NONE


def reset_action_state() -> ActionState:
    return _ACTION_STATE_IDLE


def reset_block_state(bar_idx: int = 0) -> BlockState:
    return BlockState(bar_idx)


attach(globals(), DOCS)
