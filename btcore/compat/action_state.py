"""The reference ``action_state`` module (btcore's action machine; see docs/STATE_MACHINES.md)."""

from __future__ import annotations

from ..state import ACTION_TRANSITIONS, ActionState, reset_action_state, transition_action_state

__all__ = ["ActionState", "ACTION_TRANSITIONS", "transition_action_state", "reset_action_state"]
