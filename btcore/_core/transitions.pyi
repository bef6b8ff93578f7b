from typing import Optional

from btcore._core.states import ActionState, GateResult, SignalState

__all__ = [
    "transition_signal_state",
    "transition_action_state",
]

def transition_signal_state(prev_state: SignalState, bar_idx: int, signal_detected: bool,
                            signal_direction: int, gate_result: GateResult, action_taken: bool,
                            next_signal_id: int, confirmation_bars: int = ..., *,
                            expiry_bars: int = ...) -> SignalState: ...
def transition_action_state(prev_state: ActionState, bar_idx: int, signal_confirmed: bool,
                            signal_direction: int, gate_result: GateResult, size_computed: bool,
                            size_usdt: float, order_submitted: bool, order_filled: bool,
                            order_rejected: bool, reject_reason: Optional[str] = ..., *,
                            signal_id: int = ..., order_canceled: bool = ...,
                            cancel_reason: Optional[str] = ...) -> ActionState: ...
