"""The strategy-facing view of one exec bar (compiled core or pure twin, see :mod:`btcore._twin`).

:class:`RuntimeSnapshotView` answers "what was known at this bar's close" in O(1): exec OHLCV and
indicators, forward-filled MTF/HTF contexts (:class:`TFContext`), 1-minute rollups, the last 1m
quote, market structure and exchange state. ``view.get(path)`` reads the path grammar of
:mod:`btcore._shared.paths`; ``view.compile(path)`` returns a :class:`PathHandle` that reads with no
string work. ``ROLE_EXEC``, ``ROLE_MTF`` and ``ROLE_HTF`` are the role numbers of the C readers.
"""

from __future__ import annotations

from ._twin import load
from ._shared.constants import PATH_CACHE_SIZE, ROLLUP_FIELDS

_impl = load("view")

RuntimeSnapshotView = _impl.RuntimeSnapshotView
TFContext = _impl.TFContext
PathHandle = _impl.PathHandle
ROLE_EXEC = _impl.ROLE_EXEC
ROLE_MTF = _impl.ROLE_MTF
ROLE_HTF = _impl.ROLE_HTF

__all__ = [
    "RuntimeSnapshotView",
    "TFContext",
    "PathHandle",
    "ROLE_EXEC",
    "ROLE_MTF",
    "ROLE_HTF",
    "ROLLUP_FIELDS",
    "PATH_CACHE_SIZE",
]
