"""Checks of what a view is built from: feed sets, feeds, their arrays, indices and counts.

Both view twins call these where data enters (constructor, ``_move``, the first use of a feed or
feed set), so both refuse the same input with the same exception. Nothing here runs per bar.
"""

from __future__ import annotations

import operator
from typing import Any, Optional

import numpy as np

from .._arrays import _is_frozen
from ..errors import DataError, PathError, UnknownKeyError
from .constants import MAX_LOOKBACK, ROLE_OF, TF_ROLES

__all__ = [
    "role_index", "role_feeds", "same_roles", "check_feed", "bar_index", "check_count", "check_offset",
    "owned_array", "feed_names", "indicator_row",
]


def role_index(role: Any) -> int:
    """Internal index of a tf role name; PathError naming the valid roles otherwise."""
    r = ROLE_OF.get(role) if isinstance(role, str) else None
    if r is None:
        raise PathError(f"Unknown tf role {role!r}. Valid roles: {list(TF_ROLES)}")
    return r


def role_feeds(feeds: Any) -> tuple[Any, ...]:
    """``(exec, mtf, htf, quote)`` feeds of a MultiTFFeedStore (None where absent)."""
    from ..feed import FeedStore

    out = (getattr(feeds, "exec_feed", None), getattr(feeds, "mtf_feed", None), getattr(feeds, "htf_feed", None),
           getattr(feeds, "quote_feed", None))
    if not isinstance(out[0], FeedStore) or not all(f is None or isinstance(f, FeedStore) for f in out):
        raise TypeError(f"feeds must be a btcore.feed.MultiTFFeedStore, got {type(feeds).__name__}")
    return out



def same_roles(roles: tuple[Any, ...], feeds: Any) -> bool:
    """True if ``feeds`` still holds the ``(exec, mtf, htf, quote)`` feeds ``roles`` were read from
    (a duck-typed feed set may re-point its attributes; tables built for it hold only then)."""
    return (getattr(feeds, "exec_feed", None) is roles[0] and getattr(feeds, "mtf_feed", None) is roles[1]
            and getattr(feeds, "htf_feed", None) is roles[2] and getattr(feeds, "quote_feed", None) is roles[3])


def check_feed(feed: Any) -> Any:
    """``feed`` if it is a FeedStore; TypeError otherwise."""
    from ..feed import FeedStore

    if not isinstance(feed, FeedStore):
        raise TypeError(f"feed must be a btcore.feed.FeedStore, got {type(feed).__name__}")
    return feed


def bar_index(feed: Any, idx: Any, name: str) -> int:
    """-1 for None or -1 (no bar yet), else ``idx`` checked against ``feed`` (IndexError)."""
    if idx is None or (not isinstance(idx, bool) and isinstance(idx, (int, np.integer)) and idx == -1):
        return -1
    if feed is None:
        raise IndexError(f"{name}={idx!r} but the view has no feed for that role; pass -1")
    return int(feed.check_index(idx))


def check_count(value: Any, name: str, minimum: int) -> int:
    """``value`` as an int >= ``minimum`` (at most :data:`MAX_LOOKBACK`); TypeError for
    non-integers, ValueError naming the value."""
    v = operator.index(value)
    if v < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {v}")
    return min(v, MAX_LOOKBACK)


def check_offset(offset: Any) -> int:
    """A look-back offset: an int >= 0 (negative offsets would read the future), at most
    :data:`MAX_LOOKBACK`."""
    v = operator.index(offset)
    if v < 0:
        raise ValueError(f"offset must be >= 0 (bars back from the current one), got {v}; negative offsets would read future bars")
    return min(v, MAX_LOOKBACK)


def owned_array(feed: Any, attr: str, dtype: Any, shape: Optional[tuple[int, ...]]) -> Any:
    """``feed.<attr>`` if it is a btcore-owned (frozen) C-contiguous array of ``dtype`` and
    ``shape``; DataError otherwise. What the compiled view points into passes through here."""
    a: Any = getattr(feed, attr, None)
    if (not _is_frozen(a) or a.dtype != dtype or not a.flags.c_contiguous
            or (shape is not None and a.shape != shape) or (shape is None and a.ndim != 1)):
        got = f"{a.dtype}{a.shape}" if isinstance(a, np.ndarray) else type(a).__name__
        want = f"{np.dtype(dtype)}{shape if shape is not None else '[n]'}"
        raise DataError(
            f"FeedStore {getattr(feed, 'tf', '?')}: {attr} must be a btcore-owned read-only {want} array, "
            f"got {got}; build feeds with FeedStore.from_arrays / from_dataframe",
            "BAD_FEED",
        )
    return a


def feed_names(feed: Any, k: int) -> dict[str, int]:
    """Indicator name -> matrix row, rebuilt from ``feed.indicator_names`` (``k`` unique strings)."""
    names = feed.indicator_names
    if type(names) is not tuple or len(names) != k or not all(type(x) is str for x in names) or len(set(names)) != k:
        raise DataError(
            f"FeedStore {getattr(feed, 'tf', '?')}: indicator_names must be a tuple of {k} unique strings "
            f"(one per indicator_matrix row), got {names!r:.120}",
            "BAD_FEED",
        )
    return {name: j for j, name in enumerate(names)}


def indicator_row(names: dict[str, int], feed: Any, name: Any) -> int:
    """Row of ``name`` in ``names``; UnknownKeyError listing the declared names otherwise."""
    j = names.get(name)
    if j is None:
        raise UnknownKeyError(
            f"Indicator {name!r} not declared on the {feed.tf} feed. Available indicators: {list(names)}"
        )
    return j
