"""The reference ``state_tracker`` module (btcore's compiled tracker; see docs/STATE_MACHINES.md)."""

from __future__ import annotations

from ..state import StateTracker, StateTrackerConfig, create_state_tracker

__all__ = ["StateTrackerConfig", "StateTracker", "create_state_tracker"]
