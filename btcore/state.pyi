"""Type stub of :mod:`btcore.state` (written by ci/gen_public_stubs.py; do not edit).

At runtime the names are bound to the compiled core or to the pure-Python twin (see
:mod:`btcore._twin`); both have the same API, so type checkers see the compiled module's stub
(without this file every name would be ``Any``). Checked by tests/test_dist_stubs.py.
"""

from btcore._core.states import (
    ACTION_TABLE as ACTION_TABLE,
    ACTION_TRANSITIONS as ACTION_TRANSITIONS,
    ActionState as ActionState,
    ActionStateValue as ActionStateValue,
    ActionTrigger as ActionTrigger,
    BlockState as BlockState,
    GATE_CODE_DESCRIPTIONS as GATE_CODE_DESCRIPTIONS,
    GATE_ORDER as GATE_ORDER,
    GateCode as GateCode,
    GateContext as GateContext,
    GateResult as GateResult,
    SIGNAL_TABLE as SIGNAL_TABLE,
    SIGNAL_TRANSITIONS as SIGNAL_TRANSITIONS,
    SignalState as SignalState,
    SignalStateValue as SignalStateValue,
    SignalTrigger as SignalTrigger,
    create_block_state as create_block_state,
    evaluate_gates as evaluate_gates,
    evaluate_margin_gate as evaluate_margin_gate,
    evaluate_warmup_gate as evaluate_warmup_gate,
    next_action_value as next_action_value,
    next_signal_value as next_signal_value,
    reset_action_state as reset_action_state,
    reset_block_state as reset_block_state,
    reset_signal_state as reset_signal_state,
)
from btcore._core.tracker import (
    StateTracker as StateTracker,
    StateTrackerConfig as StateTrackerConfig,
    create_state_tracker as create_state_tracker,
)
from btcore._core.transitions import (
    transition_action_state as transition_action_state,
    transition_signal_state as transition_signal_state,
)

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
    "GateResult",
    "SignalState",
    "ActionState",
    "GateContext",
    "BlockState",
    "evaluate_gates",
    "evaluate_warmup_gate",
    "evaluate_margin_gate",
    "create_block_state",
    "reset_signal_state",
    "reset_action_state",
    "reset_block_state",
    "transition_signal_state",
    "transition_action_state",
    "StateTracker",
    "StateTrackerConfig",
    "create_state_tracker",
]
