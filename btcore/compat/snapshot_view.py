"""The reference ``snapshot_view`` module: btcore's compiled (or pure) view and context.

``RuntimeSnapshotView(feeds, exec_idx, htf_idx, mtf_idx, exchange, mark_price, mark_price_source,
history_config=None, history_ready=True, rollups=None, incremental_state=None)`` is
:class:`btcore.view.RuntimeSnapshotView` itself, so building one per bar costs what the compiled
constructor costs. Its datetimes come from the feeds: naive UTC for feeds built through
:mod:`btcore.compat.feed_store`.
"""

from __future__ import annotations

from ..view import RuntimeSnapshotView, TFContext

__all__ = ["TFContext", "RuntimeSnapshotView"]
