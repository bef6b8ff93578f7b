"""The reference ``block_state`` module (btcore's per-bar block records)."""

from __future__ import annotations

from ..state import BlockState, create_block_state, reset_block_state

__all__ = ["BlockState", "create_block_state", "reset_block_state"]
