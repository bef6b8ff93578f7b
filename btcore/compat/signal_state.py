"""The reference ``signal_state`` module (btcore's signal machine; see docs/STATE_MACHINES.md)."""

from __future__ import annotations

from ..state import SIGNAL_TRANSITIONS, SignalState, reset_signal_state, transition_signal_state

__all__ = ["SignalState", "SIGNAL_TRANSITIONS", "transition_signal_state", "reset_signal_state"]
