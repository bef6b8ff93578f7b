"""What both twins of the per-bar transition functions share.

``btcore._core.transitions`` and ``btcore._pure.transitions`` import it; neither imports the other.

``DOCS``: the docstrings of their public classes, functions and methods (see
:mod:`btcore._shared.docs`).
"""

from __future__ import annotations

from typing import Any

from .boundary import as_double
from .state_tables import _check_bar, _transition_ints

REASON_SIGNAL_GONE = "Signal no longer confirmed"
REASON_NOT_SUBMITTED = "Sized but never submitted"


def _check_direction(direction: int, active: bool, what: str) -> int:
    if direction not in (-1, 0, 1) or (active and direction == 0):
        raise ValueError(f"{what} must be 1 (long) or -1 (short) when a signal is active "
                         f"(0 otherwise), got {direction!r}")
    return int(direction) if active else 0


def _check_gate(gate_result: Any, cls: type) -> Any:
    if not isinstance(gate_result, cls):
        raise TypeError(f"gate_result must be a GateResult, got {gate_result!r} (the signal_id "
                        "positional parameter was removed; pass signal_id=... by keyword)")
    return gate_result


def signal_call(prev_state: Any, bar_idx: Any, signal_detected: Any, signal_direction: Any, gate_result: Any,
                next_signal_id: Any, confirmation_bars: Any, expiry_bars: Any, state_cls: type,
                gate_cls: type) -> tuple[int, int, Any, int, int, int]:
    """``transition_signal_state``'s arguments checked: ``(bar, direction, gate, id, confirmation, expiry)``."""
    if not isinstance(prev_state, state_cls):
        raise TypeError(f"prev_state must be a SignalState, got {prev_state!r}")
    if confirmation_bars < 1 or expiry_bars < 0:
        raise ValueError(f"confirmation_bars must be >= 1 and expiry_bars >= 0, got "
                         f"{confirmation_bars!r} and {expiry_bars!r}")
    direction = _check_direction(signal_direction, bool(signal_detected), "signal_direction")
    bar, sid, conf, exp = _transition_ints(bar_idx, next_signal_id, confirmation_bars, expiry_bars)
    return bar, direction, _check_gate(gate_result, gate_cls), sid, conf, exp


def action_call(prev_state: Any, bar_idx: Any, signal_confirmed: Any, signal_direction: Any, gate_result: Any,
                size_usdt: Any, signal_id: Any, state_cls: type, gate_cls: type) -> tuple[int, int, int, Any, float]:
    """``transition_action_state``'s arguments checked: ``(bar, direction, signal id, gate, size)``."""
    if not isinstance(prev_state, state_cls):
        raise TypeError(f"prev_state must be an ActionState, got {prev_state!r}")
    direction = _check_direction(signal_direction, bool(signal_confirmed), "signal_direction")
    bar, sid = _check_bar(bar_idx, "bar_idx", 0), _check_bar(signal_id, "signal_id", 0)
    return bar, direction, sid, _check_gate(gate_result, gate_cls), as_double(size_usdt, "size_usdt")


DOCS = {
    "transition_signal_state": """Advance the signal machine by one bar (pure: ``prev_state`` is never changed).

Parameters
----------
prev_state : SignalState
    State at the end of the previous bar.
bar_idx : int
    This bar.
signal_detected : bool
    The strategy emitted an entry signal on this bar.
signal_direction : int
    Its direction (1 long, -1 short); ignored when ``signal_detected`` is False.
gate_result : GateResult
    Gate result of this bar (stored on the new state).
action_taken : bool
    An order was submitted on this bar (a CONFIRMED signal becomes CONSUMED).
next_signal_id : int
    Id given to a signal this bar detects.
confirmation_bars : int
    Consecutive bars a raw signal must be seen before CONFIRM (1 = immediately).
expiry_bars : int, keyword-only
    A CONFIRMED signal not acted on by bar ``confirmed_bar + expiry_bars`` EXPIRES
    (0 = only an opposite signal expires it).

Returns
-------
SignalState
    The new state; ``prev_state`` itself when no trigger applied.
""",
    "transition_action_state": """Advance the action machine by one bar, several steps if the bar reports several events.

Parameters
----------
prev_state : ActionState
    State at the end of the previous bar.
bar_idx : int
    This bar.
signal_confirmed : bool
    The signal is CONFIRMED on this bar (or was, before this bar consumed it).
signal_direction : int
    Its direction (1 or -1 when confirmed).
gate_result : GateResult
    Gate result of this bar.
size_computed, size_usdt : bool, float
    The engine sized an order on this bar, and the size.
order_submitted, order_filled, order_rejected : bool
    Order events of this bar.
reject_reason : str, optional
    Reason of the rejection.
signal_id : int, keyword-only
    Id of the confirmed signal (an ACTIONABLE action for another id is DISARMed).
order_canceled : bool, keyword-only
    The submitted order was withdrawn on this bar.
cancel_reason : str, keyword-only, optional
    Reason of the cancelation.

Returns
-------
ActionState
    The new state; ``prev_state`` itself when no trigger applied.
""",
}
