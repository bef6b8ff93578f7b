"""Pure-Python twin of :mod:`btcore._core.feedtables`: the checked columns of each feed and the
tables of a feed set (roles, columns, names, lengths and the bounded resolved-path cache).

Both are built once and cached on the feed objects; a cache entry is used only by the object it
was built for. The arrays are checked as the compiled tables check them
(:func:`btcore._shared.feeds.owned_array`), so both twins refuse the same feeds alike.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import numpy as np

from .._shared import constants as C
from .._shared import feeds as F
from .._shared import paths as P
from ..errors import DataError
from ..feed import MultiTFFeedStore

__all__: list[str] = []

_COLUMNS_KEY = "pure"         # FeedStore._view_tables entry: FeedColumns
_FEED_SET_KEY = "pure-feeds"  # MultiTFFeedStore._view_tables entry: FeedSetTables


class FeedColumns:
    """The checked columns of one FeedStore (``cols[src][idx]`` reads a source) and its names."""

    __slots__ = ("cols", "names", "n", "ts_close", "owner")

    def __init__(self, feed: Any) -> None:
        ts = F.owned_array(feed, "ts_open_ms", np.int64, None)
        n = ts.shape[0]
        if feed.length != n:
            raise DataError(f"FeedStore {feed.tf}: length {feed.length!r} but {n} bar times", "BAD_FEED")
        self.ts_close = F.owned_array(feed, "ts_close_ms", np.int64, (n,))
        cols = [F.owned_array(feed, f, np.float64, (n,)) for f in C.OHLCV]
        k = len(feed.indicator_names)
        matrix = F.owned_array(feed, "indicator_matrix", np.float64, (k, n))
        self.names = F.feed_names(feed, k)
        self.cols = cols + list(matrix)
        self.n = n
        self.owner = weakref.ref(feed)


def feed_columns(feed: Any) -> FeedColumns:
    """The checked columns of FeedStore ``feed``, from its cache when they were built for it."""
    cache = feed._view_tables
    t = cache.get(_COLUMNS_KEY) if type(cache) is dict else None
    if type(t) is not FeedColumns or t.owner() is not feed:
        t = FeedColumns(feed)
        if type(cache) is dict:
            cache[_COLUMNS_KEY] = t
    return t


class FeedSetTables:
    """The roles of one feed set, their tables and the bounded parsed-path cache."""

    __slots__ = ("roles", "tables", "cols", "names", "lengths", "counts", "ts_close", "paths", "lock", "owner",
                 "duck", "__weakref__")

    def __init__(self, feeds: Any) -> None:
        roles = F.role_feeds(feeds)
        tables: tuple[Any, ...] = tuple(None if f is None else feed_columns(f) for f in roles)
        self.tables = tables
        self.cols: list[Any] = [None if t is None else t.cols for t in tables]
        self.names: tuple[Any, ...] = tuple(None if t is None else t.names for t in tables)
        self.lengths = tuple(None if t is None else t.n for t in tables)
        self.counts = tuple(0 if t is None else len(t.names) for t in tables)
        self.ts_close = tuple(None if t is None else t.ts_close for t in tables)
        self.paths: dict[str, tuple] = {}
        self.lock = threading.Lock()
        self.owner = id(feeds)  # a table copied into another feed set's cache is rebuilt there
        self.duck = not isinstance(feeds, MultiTFFeedStore)
        self.roles = roles


def feed_set_tables(feeds: Any) -> FeedSetTables:
    """The cached tables of a feed set; building them validates ``feeds`` (TypeError otherwise)."""
    cache = getattr(feeds, "_view_tables", None)
    t = cache.get(_FEED_SET_KEY) if type(cache) is dict else None
    if type(t) is not FeedSetTables or t.owner != id(feeds) or (t.duck and not F.same_roles(t.roles, feeds)):
        t = FeedSetTables(feeds)
        if type(cache) is dict:
            cache[_FEED_SET_KEY] = t
    return t


def resolve(ft: FeedSetTables, path: Any) -> tuple:
    """The resolved path of ``path`` for this feed set (resolved, checked and cached on first use)."""
    key = P.path_key(path)
    spec = ft.paths.get(key)
    if spec is None:
        spec = P.check_resolved(P.resolve_path(key, ft.roles, ft.names), key, ft.lengths, ft.counts)
        with ft.lock:  # two threads may evict the same oldest entry otherwise
            if len(ft.paths) >= C.PATH_CACHE_SIZE:
                del ft.paths[next(iter(ft.paths))]
            ft.paths[key] = spec
    return spec


def last_closed_1m(ts: Any, t: int) -> int:
    """Last row with ``ts[row] <= t`` (-1 if none), searched from where a gap-free 1m feed has it."""
    n = len(ts)
    if n == 0 or ts[0] > t:
        return -1
    i = min(int((t - int(ts[0])) // 60_000), n - 1)
    if ts[i] <= t and (i + 1 == n or ts[i + 1] > t):
        return i  # the usual case: no gap before this bar
    return int(np.searchsorted(ts, t, side="right")) - 1
