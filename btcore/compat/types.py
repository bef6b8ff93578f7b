"""The reference ``types`` module: bars, feature snapshots, exchange state, history configuration.

The same objects as :mod:`btcore.types` (``RuntimeSnapshot`` and
``create_not_ready_feature_snapshot`` from :mod:`btcore.compat.legacy`). They store datetimes as
given, so an engine that builds them from the compat feeds' naive UTC datetimes keeps them naive.
"""

from __future__ import annotations

from ..types import DEFAULT_HISTORY_CONFIG, Bar, ExchangeState, FeatureSnapshot, HistoryConfig
from .legacy import RuntimeSnapshot, create_not_ready_feature_snapshot

__all__ = [
    "HistoryConfig",
    "DEFAULT_HISTORY_CONFIG",
    "Bar",
    "FeatureSnapshot",
    "ExchangeState",
    "RuntimeSnapshot",
    "create_not_ready_feature_snapshot",
]
