"""What both twins of the state objects share.

``btcore._core.states`` and ``btcore._pure.states`` import it; neither imports the other.

``DOCS``: the docstrings of their public classes, functions and methods (see
:mod:`btcore._shared.docs`).
"""

from __future__ import annotations

from typing import Any, Iterable

from .state_tables import (
    ACTION_TABLE,
    SIGNAL_TABLE,
    ActionStateValue,
    ActionTrigger,
    GateCode,
    SignalStateValue,
    SignalTrigger,
    _check_bar,
    _check_member,
    _check_raw_direction,
    _pack_triggers,
    _value,
)
from .boundary import as_double

#: The public names of both twins.
NAMES = [
    "SignalStateValue", "ActionStateValue", "GateCode", "SignalTrigger", "ActionTrigger",
    "GATE_CODE_DESCRIPTIONS", "GATE_ORDER", "SIGNAL_TABLE", "ACTION_TABLE", "SIGNAL_TRANSITIONS",
    "ACTION_TRANSITIONS", "next_signal_value", "next_action_value", "StateTrackerConfig",
    "GateResult", "SignalState", "ActionState", "GateContext", "BlockState",
    "reset_signal_state", "reset_action_state", "reset_block_state", "create_block_state",
    "evaluate_gates", "evaluate_warmup_gate", "evaluate_margin_gate",
]

_SIG_MEMBERS = tuple(SignalStateValue)
_ACT_MEMBERS = tuple(ActionStateValue)
_GATE_MEMBERS = tuple(GateCode)

# The constructors' argument checks, in the order both twins apply them (the first bad argument
# decides the exception); each twin stores the checked values in its own layout.


def failure(code: Any, reason: Any, additional_codes: Any) -> tuple[Any, tuple[Any, ...], Any]:
    """``GateResult.fail_``'s ``(code, codes, reason)``: the reason defaults to the code's description."""
    code = _check_member(_GATE_MEMBERS, code, "GateResult.code")
    if reason is None:
        reason = GateCode.get_description(code)
    return code, (code,) + tuple(additional_codes or ()), reason


def signal_fields(value: Any, direction: Any, detected_bar: Any, confirmed_bar: Any, consumed_bar: Any,
                  gate_result: Any, signal_id: Any, gate_cls: type) -> tuple[Any, tuple[int, int, int], int]:
    """SignalState's arguments checked: ``(value member, (detected, confirmed, consumed), signal id)``."""
    if direction not in (-1, 0, 1):
        raise ValueError(f"SignalState.direction must be -1, 0 or 1, got {direction!r}")
    if gate_result is not None and not isinstance(gate_result, gate_cls):
        raise TypeError(f"SignalState.gate_result must be a GateResult or None, got {gate_result!r}")
    member = _check_member(_SIG_MEMBERS, value, "SignalState.value")
    bars = (_check_bar(detected_bar, "SignalState.detected_bar"),
            _check_bar(confirmed_bar, "SignalState.confirmed_bar"),
            _check_bar(consumed_bar, "SignalState.consumed_bar"))
    return member, bars, _check_bar(signal_id, "SignalState.signal_id", 0)


def action_fields(value: Any, direction: Any, size_usdt: Any, submitted_bar: Any, filled_bar: Any,
                  signal_id: Any) -> tuple[Any, float, tuple[int, int], int]:
    """ActionState's arguments checked: ``(value member, size, (submitted, filled), signal id)``."""
    if direction not in (-1, 0, 1):
        raise ValueError(f"ActionState.direction must be -1, 0 or 1, got {direction!r}")
    member = _check_member(_ACT_MEMBERS, value, "ActionState.value")
    size = as_double(size_usdt, "ActionState.size_usdt")
    bars = (_check_bar(submitted_bar, "ActionState.submitted_bar"),
            _check_bar(filled_bar, "ActionState.filled_bar"))
    return member, size, bars, _check_bar(signal_id, "ActionState.signal_id", 0)


def block_fields(bar_idx: Any, parts: Iterable[tuple[str, Any, type]], raw_signal_direction: Any,
                 signal_triggers: Iterable[int], action_triggers: Iterable[int]) -> tuple[int, int, int, int]:
    """BlockState's arguments checked: ``(bar, raw direction, packed signal / action triggers)``.

    ``parts`` gives ``(name, value, class)`` of the signal, the action and the gate (None allowed).
    """
    for name, obj, cls in parts:
        if obj is not None and not isinstance(obj, cls):
            raise TypeError(f"BlockState.{name} must be a {cls.__name__}, got {obj!r}")
    bar = _check_bar(bar_idx, "BlockState.bar_idx")
    raw = _check_raw_direction(raw_signal_direction, "BlockState.raw_signal_direction")
    return (bar, raw, _pack_triggers(signal_triggers, SignalTrigger, SIGNAL_TABLE),
            _pack_triggers(action_triggers, ActionTrigger, ACTION_TABLE))


def set_context(ctx: Any, args: dict[str, Any]) -> None:
    """``GateContext.__init__``: its sixteen fields from the constructor's arguments (its ``locals()``),
    in field order, each converted by the field (so the first bad one raises)."""
    for name in _CONTEXT_FIELDS:
        setattr(ctx, name, args[name])


def context_reduce(ctx: Any) -> tuple[Any, ...]:
    """``GateContext.__reduce__``: rebuilt through its constructor from its sixteen fields."""
    return (_value, (type(ctx), tuple(getattr(ctx, k) for k in _CONTEXT_FIELDS), {}))

_CONTEXT_FIELDS = ("bar_idx", "warmup_bars", "history_bars", "cache_ready", "current_drawdown_pct",
                   "max_drawdown_limit_pct", "available_margin", "required_margin", "position_count",
                   "max_positions", "current_exposure_pct", "max_exposure_pct",
                   "cooldown_bars_remaining", "risk_policy_passed", "risk_policy_reason",
                   "required_history_bars")


def _context_repr(ctx: Any) -> str:
    return "GateContext(" + ", ".join(f"{k}={getattr(ctx, k)!r}" for k in _CONTEXT_FIELDS) + ")"


DOCS = {
    "GateResult": """Outcome of the gates of one bar (immutable, hashable, compared by value).

Parameters
----------
passed : bool
    True when every gate passed.
code : GateCode
    ``G_PASS``, or the first failing gate in :data:`GATE_ORDER`.
codes : tuple of GateCode
    Every failing gate in evaluation order (``(G_PASS,)`` for a pass).
reason : str or None
    Why the first failing gate failed (None for a pass).
""",
    "GateResult.pass_": """The passing result ``GateResult(True, G_PASS, (G_PASS,), None)`` (one shared object).""",
    "GateResult.fail_": """A failing result for ``code`` (reason defaults to the code's description).""",
    "SignalState": """State of the current signal (immutable; the per-bar functions return new objects).

Parameters
----------
value : SignalStateValue
    Current state.
direction : int
    1 long, -1 short, 0 none.
detected_bar, confirmed_bar, consumed_bar : int
    Bar of the DETECT, CONFIRM and CONSUME transitions (-1 until they happen).
gate_result : GateResult or None
    Gate result of the bar of the last transition.
signal_id : int
    Id of the signal (ids are issued 1, 2, 3, ... by DETECT; 0 = no signal).
""",
    "SignalState.can_transition_to": """True when ``target`` is one edge away in ``SIGNAL_TABLE``.""",
    "SignalState.bars_since_detected": """``current_bar - detected_bar`` (-1 when there is no detection).""",
    "SignalState.bars_since_confirmed": """``current_bar - confirmed_bar`` (-1 when not confirmed).""",
    "ActionState": """State of the order acting on a confirmed signal (immutable).

Parameters
----------
value : ActionStateValue
    Current state.
direction : int
    Direction of the signal being acted on (1, -1; 0 when idle).
size_usdt : float
    Size reported by the SIZE step (0.0 before).
submitted_bar, filled_bar : int
    Bar of the SUBMIT and FILL transitions (-1 until they happen).
reject_reason : str or None
    Why the action ended without a fill (REJECTED, CANCELED, or the reason of the last
    DISARM / ABANDON back to IDLE).
signal_id : int, keyword-only
    Id of the signal this action acts on (0 when idle). Kept as a keyword for engines ported to btcore
    that pass it.
""",
    "ActionState.can_transition_to": """True when ``target`` is one edge away in ``ACTION_TABLE``.""",
    "GateContext": """Inputs of the gates of one bar (mutable; ``evaluate_gates`` reads it).

Parameters
----------
bar_idx, warmup_bars : int
    Gate 1 (warmup) fails while ``bar_idx < warmup_bars``.
history_bars, required_history_bars : int
    Gate 2 (history) fails while ``history_bars < required_history_bars``.
cache_ready : bool
    Gate 3 fails when False.
current_drawdown_pct, max_drawdown_limit_pct : float
    Gate 5 fails unless ``current_drawdown_pct < max_drawdown_limit_pct``.
available_margin, required_margin : float
    Gate 6 fails unless ``available_margin >= required_margin``.
position_count, max_positions : int
    Gate 8 fails while ``position_count >= max_positions``.
current_exposure_pct, max_exposure_pct : float
    Gate 9 fails unless ``current_exposure_pct < max_exposure_pct``.
cooldown_bars_remaining : int
    Gate 7 fails while > 0.
risk_policy_passed : bool
    Gate 4 fails when False.
risk_policy_reason : str or None
    Reason reported for gate 4.
""",
    "evaluate_gates": """Evaluate all nine gates of ``ctx`` (collect-all, fixed order ``GATE_ORDER``).

Every gate is evaluated; ``codes`` lists all failures in order, ``code`` and ``reason`` are
those of the first failure. A gate passes only when its pass condition is true, so a NaN input
fails its gate (the reason says NaN). No failure returns ``GateResult.pass_()``.
""",
    "evaluate_warmup_gate": """Gate 1 alone: fails while ``bar_idx < warmup_bars``.""",
    "evaluate_margin_gate": """Gate 6 alone: fails unless ``available_margin >= required_margin`` (NaN fails).""",
    "BlockState": """Everything recorded for one bar: signal, action, gate, raw direction and the triggers.

Parameters
----------
bar_idx : int
    The bar.
signal : SignalState
    Signal state at the end of the bar.
action : ActionState
    Action state at the end of the bar.
gate : GateResult
    Gate result of the bar.
raw_signal_direction : int
    Direction reported by the strategy (1, -1, 0, or 2 for FLAT).
signal_triggers, action_triggers : sequence of SignalTrigger / ActionTrigger, keyword-only
    Triggers applied during the bar, in order (each one edge of the machine's table).
""",
    "BlockState.summary": """One line: ``bar=<i> | signal=<STATE>(<DIR>) | action=<STATE> | blocked=<CODE>``.""",
    "create_block_state": """A :class:`BlockState` from its parts (no triggers).""",
    "reset_signal_state": """A signal in NONE (the shared NONE object).""",
    "reset_action_state": """An action in IDLE (the shared IDLE object).""",
    "reset_block_state": """A block with a NONE signal, an IDLE action and a passing gate.""",
}
