"""Signal / action / gate state machines and the bounded per-bar :class:`StateTracker`.

Names are bound to the compiled core or to the pure-Python twins (see :mod:`btcore._twin`).
The machines are the tables ``SIGNAL_TABLE`` and ``ACTION_TABLE`` (``(state, trigger) -> next
state``); ``docs/STATE_MACHINES.md`` describes the rules and the tracker.
"""

from __future__ import annotations

from ._twin import load

_states = load("states")
_transitions = load("transitions")
_tracker = load("tracker")

SignalStateValue = _states.SignalStateValue
ActionStateValue = _states.ActionStateValue
GateCode = _states.GateCode
SignalTrigger = _states.SignalTrigger
ActionTrigger = _states.ActionTrigger
GATE_CODE_DESCRIPTIONS = _states.GATE_CODE_DESCRIPTIONS
GATE_ORDER = _states.GATE_ORDER
SIGNAL_TABLE = _states.SIGNAL_TABLE
ACTION_TABLE = _states.ACTION_TABLE
SIGNAL_TRANSITIONS = _states.SIGNAL_TRANSITIONS
ACTION_TRANSITIONS = _states.ACTION_TRANSITIONS
next_signal_value = _states.next_signal_value
next_action_value = _states.next_action_value
GateResult = _states.GateResult
SignalState = _states.SignalState
ActionState = _states.ActionState
GateContext = _states.GateContext
BlockState = _states.BlockState
evaluate_gates = _states.evaluate_gates
evaluate_warmup_gate = _states.evaluate_warmup_gate
evaluate_margin_gate = _states.evaluate_margin_gate
create_block_state = _states.create_block_state
reset_signal_state = _states.reset_signal_state
reset_action_state = _states.reset_action_state
reset_block_state = _states.reset_block_state
transition_signal_state = _transitions.transition_signal_state
transition_action_state = _transitions.transition_action_state
StateTracker = _tracker.StateTracker
StateTrackerConfig = _tracker.StateTrackerConfig
create_state_tracker = _tracker.create_state_tracker

__all__ = [
    "SignalStateValue", "ActionStateValue", "GateCode", "SignalTrigger", "ActionTrigger",
    "GATE_CODE_DESCRIPTIONS", "GATE_ORDER", "SIGNAL_TABLE", "ACTION_TABLE", "SIGNAL_TRANSITIONS",
    "ACTION_TRANSITIONS", "next_signal_value", "next_action_value", "GateResult", "SignalState",
    "ActionState", "GateContext", "BlockState", "evaluate_gates", "evaluate_warmup_gate",
    "evaluate_margin_gate", "create_block_state", "reset_signal_state", "reset_action_state",
    "reset_block_state", "transition_signal_state", "transition_action_state", "StateTracker",
    "StateTrackerConfig", "create_state_tracker",
]
