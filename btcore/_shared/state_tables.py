"""Definitions shared by both implementations of the state machines: codes, triggers, tables.

This module is the single source of truth of the signal and action machines. ``SIGNAL_TABLE`` and
``ACTION_TABLE`` map ``(state, trigger) -> next state``; the transition functions of both twins
derive a trigger from their inputs and then look the next state up here (the compiled core copies
the tables into C arrays at import). Every state change either implementation performs is
therefore an edge of these tables, and ``docs/STATE_MACHINES.md`` is checked against them.

The enums are plain :class:`enum.IntEnum` classes used by both twins (the compiled core also
declares the same values as C constants in ``btcore/_core/states.pxd`` and checks them against
these at import).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from enum import IntEnum
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Optional

from ..errors import ConfigError, IllegalTransitionError
from .boundary import as_intp

__all__ = [
    "SignalStateValue",
    "ActionStateValue",
    "GateCode",
    "SignalTrigger",
    "ActionTrigger",
    "GATE_CODE_DESCRIPTIONS",
    "GATE_ORDER",
    "SIGNAL_TABLE",
    "ACTION_TABLE",
    "SIGNAL_TRANSITIONS",
    "ACTION_TRANSITIONS",
    "next_signal_value",
    "next_action_value",
    "format_gate_reason",
    "MAX_INDEX",
    "StateTrackerConfig",
]


class SignalStateValue(IntEnum):
    """Lifecycle of one trading signal (values are stable: they are stored in arrays)."""

    NONE = 0
    CANDIDATE = 1
    CONFIRMING = 2
    CONFIRMED = 3
    EXPIRED = 4
    CONSUMED = 5


class ActionStateValue(IntEnum):
    """Lifecycle of the order that acts on a confirmed signal (values are stable)."""

    IDLE = 0
    ACTIONABLE = 1
    SIZING = 2
    SUBMITTED = 3
    FILLED = 4
    REJECTED = 5
    CANCELED = 6


_GATE_DESCRIPTIONS: dict[int, str] = {
    0: "All gates passed",
    1: "Warmup period not complete",
    2: "Insufficient bar history for indicators",
    3: "Feature cache not yet populated",
    4: "Risk policy blocked this action",
    5: "Maximum drawdown limit reached",
    6: "Insufficient margin for position size",
    7: "Post-trade cooldown period active",
    8: "Maximum open positions reached",
    9: "Maximum exposure limit reached",
}


class GateCode(IntEnum):
    """Why a bar's gates failed (additive only: values never change meaning)."""

    G_PASS = 0
    G_WARMUP_REMAINING = 1
    G_HISTORY_NOT_READY = 2
    G_CACHE_NOT_READY = 3
    G_RISK_BLOCK = 4
    G_MAX_DRAWDOWN = 5
    G_INSUFFICIENT_MARGIN = 6
    G_COOLDOWN_ACTIVE = 7
    G_POSITION_LIMIT = 8
    G_EXPOSURE_LIMIT = 9

    @property
    def description(self) -> str:
        """Human-readable description of this code."""
        return GateCode.get_description(self)

    @classmethod
    def get_description(cls, code: int) -> str:
        """Description of ``code``; ``"Gate failed: <NAME>"`` for a code without one."""
        text = _GATE_DESCRIPTIONS.get(int(code))
        if text is not None:
            return text
        try:
            name = cls(code).name
        except ValueError:
            name = str(code)
        return f"Gate failed: {name}"


#: ``GateCode -> description`` (read-only; kept for engines ported to btcore that read it).
GATE_CODE_DESCRIPTIONS: Mapping[GateCode, str] = MappingProxyType(
    {GateCode(k): v for k, v in _GATE_DESCRIPTIONS.items()}
)

#: Order in which ``evaluate_gates`` checks (and reports) the gates.
GATE_ORDER: tuple[GateCode, ...] = tuple(GateCode)[1:]


class SignalTrigger(IntEnum):
    """Events that move the signal machine (0 is never a trigger)."""

    DETECT = 1    # a raw entry signal starts a new signal (new signal id)
    PERSIST = 2   # the candidate is seen again but not yet for confirmation_bars bars
    CONFIRM = 3   # the candidate has been seen for confirmation_bars consecutive bars
    DROP = 4      # the candidate vanished (or flipped direction) before confirmation
    CONSUME = 5   # an order was submitted for the confirmed signal
    EXPIRE = 6    # confirmed but not acted on within expiry_bars bars, or an opposite signal
    CLEAR = 7     # a finished signal (expired/consumed) is forgotten on the next quiet bar


class ActionTrigger(IntEnum):
    """Events that move the action machine (0 is never a trigger)."""

    ARM = 1       # a confirmed signal with passing gates becomes actionable
    DISARM = 2    # gates failed, or the signal is no longer the confirmed one, before sizing
    SIZE = 3      # the engine computed an order size (or submitted without reporting one)
    SUBMIT = 4    # the order was submitted
    FILL = 5      # the order was filled
    REJECT = 6    # the order (or its size) was rejected
    CANCEL = 7    # the submitted order was withdrawn
    ABANDON = 8   # sized on an earlier bar, never submitted nor rejected
    RESET = 9     # a finished action (filled/rejected/canceled) returns to idle on the next bar


_S = SignalStateValue
_ST = SignalTrigger
_A = ActionStateValue
_AT = ActionTrigger

#: The signal machine: ``(state, trigger) -> next state``. Nothing else moves a signal.
SIGNAL_TABLE: Mapping[tuple[SignalStateValue, SignalTrigger], SignalStateValue] = MappingProxyType({
    (_S.NONE, _ST.DETECT): _S.CANDIDATE,
    (_S.CANDIDATE, _ST.PERSIST): _S.CONFIRMING,
    (_S.CANDIDATE, _ST.CONFIRM): _S.CONFIRMED,
    (_S.CANDIDATE, _ST.DROP): _S.NONE,
    (_S.CONFIRMING, _ST.PERSIST): _S.CONFIRMING,
    (_S.CONFIRMING, _ST.CONFIRM): _S.CONFIRMED,
    (_S.CONFIRMING, _ST.DROP): _S.NONE,
    (_S.CONFIRMED, _ST.CONSUME): _S.CONSUMED,
    (_S.CONFIRMED, _ST.EXPIRE): _S.EXPIRED,
    (_S.EXPIRED, _ST.DETECT): _S.CANDIDATE,
    (_S.EXPIRED, _ST.CLEAR): _S.NONE,
    (_S.CONSUMED, _ST.DETECT): _S.CANDIDATE,
    (_S.CONSUMED, _ST.CLEAR): _S.NONE,
})

#: The action machine: ``(state, trigger) -> next state``. Nothing else moves an action.
ACTION_TABLE: Mapping[tuple[ActionStateValue, ActionTrigger], ActionStateValue] = MappingProxyType({
    (_A.IDLE, _AT.ARM): _A.ACTIONABLE,
    (_A.ACTIONABLE, _AT.DISARM): _A.IDLE,
    (_A.ACTIONABLE, _AT.SIZE): _A.SIZING,
    (_A.SIZING, _AT.SUBMIT): _A.SUBMITTED,
    (_A.SIZING, _AT.REJECT): _A.REJECTED,
    (_A.SIZING, _AT.ABANDON): _A.IDLE,
    (_A.SUBMITTED, _AT.FILL): _A.FILLED,
    (_A.SUBMITTED, _AT.REJECT): _A.REJECTED,
    (_A.SUBMITTED, _AT.CANCEL): _A.CANCELED,
    (_A.FILLED, _AT.RESET): _A.IDLE,
    (_A.REJECTED, _AT.RESET): _A.IDLE,
    (_A.CANCELED, _AT.RESET): _A.IDLE,
})


def _successors(table: Mapping[Any, Any], states: type[IntEnum]) -> Mapping[Any, frozenset[Any]]:
    return MappingProxyType({
        s: frozenset(nxt for (src, _), nxt in table.items() if src == s) for s in states
    })


#: ``state -> frozenset of states one edge away`` (derived from ``SIGNAL_TABLE``).
SIGNAL_TRANSITIONS: Mapping[SignalStateValue, frozenset[SignalStateValue]] = _successors(
    SIGNAL_TABLE, SignalStateValue)
#: ``state -> frozenset of states one edge away`` (derived from ``ACTION_TABLE``).
ACTION_TRANSITIONS: Mapping[ActionStateValue, frozenset[ActionStateValue]] = _successors(
    ACTION_TABLE, ActionStateValue)


def _next(table: Mapping[Any, Any], states: type[IntEnum], triggers: type[IntEnum], machine: str,
          value: int, trigger: int) -> Any:
    try:
        state = states(value)
        trig = triggers(trigger)
    except ValueError:
        raise IllegalTransitionError(
            f"{machine} machine: unknown state {value!r} or trigger {trigger!r}; states are "
            f"{[s.name for s in states]}, triggers {[t.name for t in triggers]}") from None
    nxt = table.get((state, trig))
    if nxt is None:
        allowed = sorted(t.name for (s, t) in table if s == state)
        raise IllegalTransitionError(
            f"{machine} machine: trigger {trig.name} is not allowed in state {state.name}; "
            f"allowed triggers in {state.name}: {allowed}")
    return nxt


def next_signal_value(value: int, trigger: int) -> SignalStateValue:
    """Next signal state for ``trigger`` in state ``value`` (one edge of ``SIGNAL_TABLE``).

    Raises
    ------
    IllegalTransitionError
        The table has no such edge; the message names the state, the trigger and the triggers
        allowed in that state.
    """
    return _next(SIGNAL_TABLE, SignalStateValue, SignalTrigger, "signal", value,  # type: ignore[no-any-return]
                 trigger)


def next_action_value(value: int, trigger: int) -> ActionStateValue:
    """Next action state for ``trigger`` in state ``value`` (one edge of ``ACTION_TABLE``).

    Raises
    ------
    IllegalTransitionError
        The table has no such edge; the message names the state, the trigger and the triggers
        allowed in that state.
    """
    return _next(ACTION_TABLE, ActionStateValue, ActionTrigger, "action", value,  # type: ignore[no-any-return]
                 trigger)


# ---------------------------------------------------------------------------------------------
# Validation, trigger packing and text forms shared by both twins (public attributes only).

_TRIGGER_BITS = 4  # triggers are packed into one int per block, first trigger in the low bits


def _check_member(members: tuple[Any, ...], value: Any, what: str) -> Any:
    try:
        i = int(value)
    except (TypeError, ValueError):
        i = -1
    if isinstance(value, bool) or not 0 <= i < len(members) or i != value:
        raise ValueError(f"{what} must be one of {[m.name for m in members]} (0..{len(members) - 1}), "
                         f"got {value!r}")
    return members[i]


def _config_float(v: Any) -> float:
    """A config percentage as a float; NaN for anything that is not a real number (or too big)."""
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        return math.nan
    try:
        return float(v)
    except OverflowError:
        return math.nan


def _check_bar(value: Any, what: str, low: int = -1) -> int:
    """A bar index, count or id: an int (``__index__``) in ``low..MAX_INDEX``."""
    i = as_intp(value, what)
    if not low <= i <= MAX_INDEX:
        raise ValueError(f"{what} must be in {low}..{MAX_INDEX}, got {value!r}")
    return i


def _transition_ints(bar_idx: Any, next_signal_id: Any, confirmation_bars: Any, expiry_bars: Any) -> tuple[int, int, int, int]:
    """The integer arguments of ``transition_signal_state``, checked alike in both twins."""
    return (_check_bar(bar_idx, "bar_idx", 0), _check_bar(next_signal_id, "next_signal_id", 0),
            _check_bar(confirmation_bars, "confirmation_bars", 1), _check_bar(expiry_bars, "expiry_bars", 0))


def _check_raw_direction(value: Any, what: str) -> int:
    d = as_intp(value, what)
    if d not in (-1, 0, 1, 2):
        raise ValueError(f"{what} must be 1, -1, 0 or 2 (FLAT), got {value!r}")
    return d


def _value(cls: type, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
    """Rebuild a state object through its (validating) constructor: the pickle/copy path of both twins."""
    return cls(*args, **kwargs)


def _pack_triggers(triggers: Iterable[int], enum: type, table: Any) -> int:
    packed = 0
    names = {t for (_, t) in table}
    for n, t in enumerate(triggers):
        if t not in names or n >= 15:
            raise ValueError(f"{t!r} is not a {enum.__name__} (or more than 15 triggers)")
        packed |= int(t) << (_TRIGGER_BITS * n)
    return packed


def _unpack_triggers(packed: int, enum: type) -> tuple[Any, ...]:
    out = []
    while packed:
        out.append(enum(packed & 0xF))
        packed >>= _TRIGGER_BITS
    return tuple(out)


# Text and dict forms, shared with the compiled twin (they read public attributes only).

def _gate_to_dict(g: Any) -> dict[str, Any]:
    return {"passed": g.passed, "code": g.code.name, "codes": [c.name for c in g.codes],
            "reason": g.reason}


def _gate_repr(g: Any) -> str:
    if g.passed:
        return "GateResult(PASS)"
    return f"GateResult(FAIL: {g.code.name}, reason={g.reason!r})"


def _signal_to_dict(s: Any) -> dict[str, Any]:
    return {"value": s.value.name, "direction": s.direction, "detected_bar": s.detected_bar,
            "confirmed_bar": s.confirmed_bar, "consumed_bar": s.consumed_bar,
            "signal_id": s.signal_id,
            "gate_result": None if s.gate_result is None else _gate_to_dict(s.gate_result)}


def _signal_repr(s: Any) -> str:
    return (f"SignalState({s.value.name}, direction={s.direction}, signal_id={s.signal_id}, "
            f"detected_bar={s.detected_bar}, confirmed_bar={s.confirmed_bar}, "
            f"consumed_bar={s.consumed_bar})")


def _action_to_dict(a: Any) -> dict[str, Any]:
    return {"value": a.value.name, "direction": a.direction, "size_usdt": a.size_usdt,
            "submitted_bar": a.submitted_bar, "filled_bar": a.filled_bar,
            "reject_reason": a.reject_reason, "signal_id": a.signal_id}


def _action_repr(a: Any) -> str:
    return (f"ActionState({a.value.name}, direction={a.direction}, signal_id={a.signal_id}, "
            f"size_usdt={a.size_usdt!r}, submitted_bar={a.submitted_bar}, "
            f"filled_bar={a.filled_bar}, reject_reason={a.reject_reason!r})")


_DIRECTION_LABEL = {1: "LONG", -1: "SHORT", 0: "NONE"}


def _block_summary(b: Any) -> str:
    parts = [f"bar={b.bar_idx}"]
    if b.signal.value != SignalStateValue.NONE:
        parts.append(f"signal={b.signal.value.name}({_DIRECTION_LABEL.get(b.signal.direction, '?')})")
    if b.action.value != ActionStateValue.IDLE:
        parts.append(f"action={b.action.value.name}")
    if not b.gate.passed:
        parts.append(f"blocked={b.gate.code.name}")
    return " | ".join(parts)


def _block_to_dict(b: Any) -> dict[str, Any]:
    return {"bar_idx": b.bar_idx, "signal": _signal_to_dict(b.signal),
            "action": _action_to_dict(b.action), "gate": _gate_to_dict(b.gate),
            "raw_signal_direction": b.raw_signal_direction,
            "signal_triggers": [t.name for t in b.signal_triggers],
            "action_triggers": [t.name for t in b.action_triggers]}


# ---------------------------------------------------------------------------------------------
# Gate reasons: both twins format failures here so the texts cannot drift apart.

def _pct(x: float) -> str:
    return "NaN" if math.isnan(x) else f"{x:.1f}%"


def _usdt(x: float) -> str:
    return "NaN" if math.isnan(x) else f"{x:.2f} USDT"


def format_gate_reason(code: int, a: float, b: float, risk_reason: Optional[str]) -> str:
    """Reason text of the first failing gate ``code`` given its two compared values ``a``, ``b``."""
    if code == GateCode.G_WARMUP_REMAINING:
        return f"Warmup: bar {int(a)} < required {int(b)}"
    if code == GateCode.G_HISTORY_NOT_READY:
        return f"History: {int(a)} bars < required {int(b)}"
    if code == GateCode.G_CACHE_NOT_READY:
        return "Feature cache not populated"
    if code == GateCode.G_RISK_BLOCK:
        return risk_reason if risk_reason is not None else "Risk policy blocked"
    if code == GateCode.G_MAX_DRAWDOWN:
        return f"Drawdown {_pct(a)} >= limit {_pct(b)}"
    if code == GateCode.G_INSUFFICIENT_MARGIN:
        return f"Margin {_usdt(a)} < required {_usdt(b)}"
    if code == GateCode.G_COOLDOWN_ACTIVE:
        return f"Cooldown: {int(a)} bars remaining"
    if code == GateCode.G_POSITION_LIMIT:
        return f"Positions {int(a)} >= limit {int(b)}"
    if code == GateCode.G_EXPOSURE_LIMIT:
        return f"Exposure {_pct(a)} >= limit {_pct(b)}"
    return GateCode.get_description(code)


# ---------------------------------------------------------------------------------------------
# Tracker configuration (one frozen dataclass used by both twins).

#: Largest bar index, count or signal id the machines take. The compiled core does its bar
#: arithmetic (``bar + cooldown_bars``, ``confirmed_bar + expiry_bars`` ...) in int64: with every
#: operand at most 2**62 - 1 no sum can wrap, so both twins compute the same gates.
MAX_INDEX = (1 << 62) - 1

@dataclass(frozen=True)
class StateTrackerConfig:
    """Configuration of a :class:`StateTracker`; every field is used.

    Parameters
    ----------
    warmup_bars : int
        Gate 1 fails while ``bar_idx < max(warmup_bars, warmup_end_idx)`` (the latter from
        ``on_warmup_check``).
    max_positions : int
        Gate 8 fails while the reported position count is ``>= max_positions``.
    max_drawdown_pct : float
        Gate 5 fails while the drawdown reported by ``on_risk_check`` is ``>=`` this.
    cooldown_bars : int
        Gate 7 fails on the ``cooldown_bars`` bars that follow a bar whose action was filled.
    max_history : int
        Number of most recent :class:`BlockState` kept for ``get_block_at`` (0 = keep all,
        memory then grows with the run). ``summary_stats`` always covers the whole run.
    max_exposure_pct : float
        Gate 9 fails while the exposure reported by ``on_position_check`` is ``>=`` this.
    required_history_bars : int
        Gate 2 fails while the history length reported by ``on_history_check`` is below this.
    confirmation_bars : int
        Consecutive bars a raw signal must be seen before it is CONFIRMED (1 = on its first bar).
    expiry_bars : int
        A CONFIRMED signal not acted on by the end of bar ``confirmed_bar + expiry_bars`` EXPIRES
        (0 = only an opposite signal expires it).
    """

    warmup_bars: int = 0
    max_positions: int = 100
    max_drawdown_pct: float = 100.0
    cooldown_bars: int = 0
    max_history: int = 10000
    max_exposure_pct: float = 100.0
    required_history_bars: int = 0
    confirmation_bars: int = 1
    expiry_bars: int = 1

    def __post_init__(self) -> None:
        for name in ("warmup_bars", "max_positions", "cooldown_bars", "max_history",
                     "required_history_bars", "expiry_bars", "confirmation_bars"):
            v = getattr(self, name)
            low = 1 if name == "confirmation_bars" else 0
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or not low <= int(v) <= MAX_INDEX:
                raise ConfigError(f"StateTrackerConfig.{name} must be an int in {low}..{MAX_INDEX}, got {v!r}")
            object.__setattr__(self, name, int(v))
        for name in ("max_drawdown_pct", "max_exposure_pct"):
            v = getattr(self, name)
            f = _config_float(v)
            if math.isnan(f):
                raise ConfigError(f"StateTrackerConfig.{name} must be a number (not NaN), got {v!r}")
            object.__setattr__(self, name, f)
