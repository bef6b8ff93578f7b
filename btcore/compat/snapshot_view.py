"""The reference ``snapshot_view`` module: btcore's compiled (or pure) view and context.

``RuntimeSnapshotView(feeds, exec_idx, htf_idx, mtf_idx, exchange, mark_price, mark_price_source,
history_config=None, history_ready=True, rollups=None, incremental_state=None)`` is
:class:`btcore.view.RuntimeSnapshotView` plus the accessors the reference hard-coded for four
indicators (``ema_fast``, ``ema_slow``, ``rsi``, ``atr``: ``view.ema_fast``, ``prev_rsi()``,
``htf_ema_slow``, ...), a compiled subclass with no state of its own, so building one per bar costs
what the compiled constructor costs. Its datetimes come from the feeds: naive UTC for feeds built
through :mod:`btcore.compat.feed_store`.
"""

from __future__ import annotations

from .._twin import load
from ..view import TFContext

RuntimeSnapshotView = load("view").CompatSnapshotView

__all__ = ["TFContext", "RuntimeSnapshotView"]
