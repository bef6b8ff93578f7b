"""The reference ``snapshot_builder`` module (deprecated materialised snapshots)."""

from __future__ import annotations

from .legacy import SnapshotBuilder, build_exchange_state_from_exchange

__all__ = ["SnapshotBuilder", "build_exchange_state_from_exchange"]
