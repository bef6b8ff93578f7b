"""The reference ``feed_store`` module: :class:`FeedStore` and :class:`MultiTFFeedStore` as its
engine calls them.

Both are btcore's immutable stores (subclasses adding no state), plus what the reference engine
uses beyond the modern API:

* datetimes are naive UTC (:mod:`btcore.compat._time`), so trade timestamps hash as before;
* the reference constructor ``FeedStore(tf, symbol, ts_open, ts_close, open, ...)`` still works,
  and ``from_dataframe`` sorts by time as the reference did (rows move together);
* ``_get_ts_close_ms_at(idx)`` (the engine builds quotes with it);
* ``get_1m_indices_for_exec(exec_idx, exec_tf_minutes)`` on the 1m quote feed, **by time**.

How the quote feed knows the exec bar's times
    The reference computed ``(exec_idx * m, exec_idx * m + m - 1)``: positions, which read the
    wrong minutes (weeks in the future on real data) as soon as the 1m feed starts at another time
    than the exec feed or has a gap. Here the range is the quote rows lying inside
    ``[ts_open, ts_close)`` of exec bar ``exec_idx``, so the quote feed needs the exec feed of the
    same run. It takes it from, in order:

    1. ``exec_ts_open`` / ``exec_ts_close`` passed to the call (the later reference signature);
    2. an explicit link: ``MultiTFFeedStore(..., quote_feed=q)`` or :func:`link_quote_feed`;
    3. the same run: a 1m feed built through this module is linked, when it is built, to the
       :class:`MultiTFFeedStore` built last before it in the same thread (same symbol, no quote
       feed of its own) — the reference engine's ``run()`` builds its feed set, then its quote
       feed;
    4. otherwise, the exec feeds of the live :class:`MultiTFFeedStore` objects built through this
       module for the same symbol and ``exec_tf_minutes``: one, or several that all give bar
       ``exec_idx`` the same open time.

    Anything else is a :class:`~btcore.errors.DataError` naming the two ways to link
    explicitly: no exec feed, feeds that disagree, a linked feed that no longer exists, or
    ``exec_tf_minutes`` different from the exec feed's timeframe (the reference engine silently
    used 15 for an unknown timeframe). It never guesses.

    The returned rows are always inside the bar; a bar without 1m rows (a gap) gives an empty
    range ``(start, start - 1)``, so ``range(start, end + 1)`` runs zero times.
"""

from __future__ import annotations

import operator
import threading
import weakref
from datetime import datetime
from typing import Any, Iterable, Mapping, Optional, cast

import numpy as np

from .. import feed as _feed
from .._arrays import StructureStore
from ..errors import DataError
from ..timeframe import to_epoch_ms
from ._time import naive_utc

__all__ = ["FeedStore", "MultiTFFeedStore", "link_quote_feed"]

_MS_PER_MIN = 60_000


def _minutes(value: Any) -> int:
    if isinstance(value, bool):
        raise DataError(f"exec_tf_minutes must be an int >= 1, got {value!r}", "BAD_TIMEFRAME")
    try:
        m = operator.index(value)
    except TypeError:
        raise DataError(f"exec_tf_minutes must be an int >= 1, got {value!r}", "BAD_TIMEFRAME") from None
    if m < 1:
        raise DataError(f"exec_tf_minutes must be an int >= 1, got {m}", "BAD_TIMEFRAME")
    return m


# --------------------------------------------------------------------------- quote -> exec links


class _Links:
    """Exec feeds of compat feed sets, quote -> exec links, and per-pair range tables."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.exec_feeds: "weakref.WeakSet[FeedStore]" = weakref.WeakSet()
        self.explicit: "weakref.WeakKeyDictionary[Any, weakref.ref[Any]]" = weakref.WeakKeyDictionary()
        self.same_run: "weakref.WeakKeyDictionary[Any, weakref.ref[Any]]" = weakref.WeakKeyDictionary()
        self.thread = threading.local()  # .pending: the exec feed of the last feed set built here
        # quote feed -> {id(exec feed): (weakref to exec feed, starts, ends)}
        self.ranges: "weakref.WeakKeyDictionary[Any, dict[int, tuple[Any, list[int], list[int]]]]" = (
            weakref.WeakKeyDictionary())

    def register(self, exec_feed: Any, quote_feed: Any) -> None:
        with self.lock:
            self.exec_feeds.add(exec_feed)
            if quote_feed is not None:
                self.explicit[quote_feed] = weakref.ref(exec_feed)
        self.thread.pending = None if quote_feed is not None else weakref.ref(exec_feed)

    def link(self, quote: Any, exec_feed: Any) -> None:
        with self.lock:
            self.explicit[quote] = weakref.ref(exec_feed)

    def adopt(self, quote: Any) -> None:
        """A 1m feed just built: the same run's feed set is the one built last in this thread."""
        ref: "Optional[weakref.ref[Any]]" = getattr(self.thread, "pending", None)
        feed = ref() if ref is not None else None
        if ref is not None and feed is not None and feed.symbol == quote.symbol and feed is not quote:
            with self.lock:
                self.same_run[quote] = ref
            self.thread.pending = None

    @staticmethod
    def _linked(ref: Any, how: str, minutes: int) -> Any:
        feed = ref()
        if feed is None:
            raise DataError(f"the exec feed {how} this quote feed no longer exists; link the current one with "
                            "btcore.compat.link_quote_feed(quote_feed, exec_feed)", "NO_EXEC_FEED")
        if feed.tf_ms != minutes * _MS_PER_MIN:
            raise DataError(f"exec_tf_minutes={minutes} but the exec feed {how} this quote feed is {feed.tf} "
                            f"({feed.tf_ms // _MS_PER_MIN} minutes); an unknown exec timeframe must not default to "
                            "a number of minutes", "TIMEFRAME_MISMATCH")
        return feed

    def exec_feed_for(self, quote: Any, minutes: int, exec_idx: int) -> Any:
        ref = self.explicit.get(quote)
        if ref is not None:
            return self._linked(ref, "linked to", minutes)
        ref = self.same_run.get(quote)
        if ref is not None:
            return self._linked(ref, "built before (same run as)", minutes)
        step = minutes * _MS_PER_MIN
        with self.lock:
            same_symbol = [f for f in self.exec_feeds if f.symbol == quote.symbol]
        if not same_symbol:
            raise DataError(
                f"get_1m_indices_for_exec: the {quote.symbol} {quote.tf} quote feed cannot know the times of exec bar "
                f"{exec_idx}: no MultiTFFeedStore built through btcore.compat holds a {quote.symbol} exec feed. Pass "
                "exec_ts_open/exec_ts_close, build MultiTFFeedStore(..., quote_feed=quote_feed), or call "
                "btcore.compat.link_quote_feed(quote_feed, exec_feed)",
                "NO_EXEC_FEED",
            )
        feeds = [f for f in same_symbol if f.tf_ms == step]
        if not feeds:
            raise DataError(
                f"exec_tf_minutes={minutes} but the {quote.symbol} exec feeds built through btcore.compat are "
                f"{sorted({f.tf for f in same_symbol})} (an unknown exec timeframe must not default to a number "
                "of minutes)",
                "TIMEFRAME_MISMATCH",
            )
        if len(feeds) > 1:
            opens = {int(f.ts_open_ms[exec_idx]) if 0 <= exec_idx < f.length else None for f in feeds}
            if len(opens) != 1 or None in opens:
                raise DataError(
                    f"get_1m_indices_for_exec: {len(feeds)} live {quote.symbol} {feeds[0].tf} exec feeds disagree on "
                    f"the time of bar {exec_idx}, so the quote feed cannot tell which one the index refers to. Link "
                    "it: MultiTFFeedStore(..., quote_feed=quote_feed) or btcore.compat.link_quote_feed(quote_feed, "
                    "exec_feed)",
                    "AMBIGUOUS_EXEC_FEED",
                )
        return feeds[0]

    def table(self, quote: Any, exec_feed: Any) -> tuple[list[int], list[int]]:
        """Per exec bar, the first and last quote row inside it (vectorised once per pair)."""
        per_quote = self.ranges.get(quote)
        entry = per_quote.get(id(exec_feed)) if per_quote is not None else None
        if entry is not None and entry[0]() is exec_feed:
            return entry[1], entry[2]
        starts = np.searchsorted(quote.ts_open_ms, exec_feed.ts_open_ms, side="left")
        ends = np.searchsorted(quote.ts_close_ms, exec_feed.ts_close_ms, side="right") - 1
        ends = np.maximum(ends, starts - 1)  # no row inside: (start, start - 1), an empty range
        entry = (weakref.ref(exec_feed), starts.tolist(), ends.tolist())
        with self.lock:
            self.ranges.setdefault(quote, {})[id(exec_feed)] = entry
        return entry[1], entry[2]


_LINKS = _Links()


def link_quote_feed(quote_feed: Any, exec_feed: Any) -> None:
    """Link a 1m quote feed to the exec feed whose bar indices it will be asked about.

    Raises
    ------
    DataError
        If either is not a btcore FeedStore or their symbols differ.
    """
    for name, f in (("quote_feed", quote_feed), ("exec_feed", exec_feed)):
        if not isinstance(f, _feed.FeedStore):
            raise DataError(f"{name} must be a btcore FeedStore, got {type(f).__name__}", "BAD_FEED")
    if quote_feed.symbol != exec_feed.symbol:
        raise DataError(f"quote feed is {quote_feed.symbol!r} but the exec feed is {exec_feed.symbol!r}", "SYMBOL_MISMATCH")
    _LINKS.link(quote_feed, exec_feed)


# --------------------------------------------------------------------------- FeedStore


def _close_ms(values: Any) -> np.ndarray:
    a = np.asarray(values)
    if np.issubdtype(a.dtype, np.datetime64):
        return a.astype("datetime64[ms]").astype(np.int64)
    return np.array([to_epoch_ms(v) for v in a.tolist()], dtype=np.int64)


def _structure(key: str, store: Any) -> Any:
    if isinstance(store, (StructureStore, Mapping)) or not hasattr(store, "fields"):
        return store
    zones_in: Any = getattr(store, "zones", None) or {}
    zones: dict[str, Any] = {}
    for zone_key, zone in dict(zones_in).items():
        zone_fields: Any = getattr(zone, "fields", zone)  # a ZoneStore-like object or a mapping
        zones[zone_key] = dict(zone_fields)
    fields: Any = store.fields
    return StructureStore(key, dict(fields), zones)


class FeedStore(_feed.FeedStore):
    """btcore's immutable :class:`~btcore.feed.FeedStore` as the reference engine uses it.

    Differences from ``btcore.feed.FeedStore``: datetimes are naive UTC, the reference
    constructor works, ``from_dataframe*`` sort by time by default, and the quote-feed calls
    ``get_1m_indices_for_exec`` (by time; see the module docstring) and ``_get_ts_close_ms_at``.

    Parameters
    ----------
    tf, symbol, ts_open, ts_close, open, high, low, close, volume, indicators, indicator_metadata,
    structures, structure_key_map, close_ts_set, ts_close_ms_to_idx, _sorted_close_ms, length,
    warmup_bars :
        The reference dataclass's fields. ``ts_close`` must equal ``ts_open + tf`` (it is
        checked, then recomputed); ``close_ts_set``, ``ts_close_ms_to_idx`` and
        ``_sorted_close_ms`` were lookup caches and are rebuilt, so they are ignored;
        ``structures`` keyed by block id are re-keyed through ``structure_key_map``.

    Raises
    ------
    DataError
        For everything :meth:`btcore.feed.FeedStore.from_arrays` rejects, a ``ts_close`` that is
        not ``ts_open + tf``, or a ``length`` that is not the number of bars.
    """

    __slots__ = ()

    def __new__(
        cls,
        tf: str,
        symbol: str,
        ts_open: Any,
        ts_close: Any,
        open: Any,
        high: Any,
        low: Any,
        close: Any,
        volume: Any,
        indicators: Optional[Mapping[str, Any]] = None,
        indicator_metadata: Optional[Mapping[str, Any]] = None,
        structures: Optional[Mapping[str, Any]] = None,
        structure_key_map: Optional[Mapping[str, str]] = None,
        close_ts_set: Any = None,
        ts_close_ms_to_idx: Any = None,
        _sorted_close_ms: Any = None,
        length: int = 0,
        warmup_bars: int = 0,
    ) -> "FeedStore":
        blocks = dict(structures or {})
        if structure_key_map:
            missing = sorted(set(structure_key_map.values()) - set(blocks))
            if missing:
                raise DataError(f"structure_key_map points at block ids {missing} that are not in structures", "BAD_STRUCTURE")
            blocks = {key: blocks[block_id] for key, block_id in structure_key_map.items()}
        self = cls.from_arrays(
            tf, symbol, ts_open, open, high, low, close, volume, indicators=indicators,
            indicator_metadata=indicator_metadata, warmup_bars=warmup_bars,
            structures={k: _structure(k, v) for k, v in blocks.items()},
        )
        if length and length != self.length:
            raise DataError(f"length={length} but the arrays hold {self.length} bars", "LENGTH_MISMATCH")
        if ts_close is not None and self.length:
            given = _close_ms(ts_close)
            if given.shape != self.ts_close_ms.shape or not np.array_equal(given, self.ts_close_ms):
                raise DataError(f"ts_close must be ts_open + {self.tf} for every bar (btcore derives it)", "BAD_TS_CLOSE")
        return self

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass  # built by __new__ (or the classmethods); nothing to do afterwards

    @classmethod
    def from_arrays(
        cls,
        tf: str,
        symbol: str,
        ts_open_ms: Any,
        open: Any,
        high: Any,
        low: Any,
        close: Any,
        volume: Any,
        indicators: Optional[Mapping[str, Any]] = None,
        indicator_metadata: Optional[Mapping[str, Any]] = None,
        warmup_bars: int = 0,
        structures: Optional[Mapping[str, Any]] = None,
        *,
        sort: bool = False,
    ) -> "FeedStore":
        """:meth:`btcore.feed.FeedStore.from_arrays`; a 1m feed is linked to the feed set built
        just before it in this thread (the quote feed of the same run)."""
        feed = super().from_arrays(tf, symbol, ts_open_ms, open, high, low, close, volume, indicators,
                                   indicator_metadata, warmup_bars, structures, sort=sort)
        if feed.tf_ms == _MS_PER_MIN:
            _LINKS.adopt(feed)
        return cast("FeedStore", feed)  # from_arrays builds cls

    def __reduce__(self) -> tuple[Any, ...]:
        fn, args = super().__reduce__()
        return (_rebuild, args)

    @classmethod
    def from_dataframe(
        cls,
        df: Any,
        tf: str,
        symbol: str,
        indicator_columns: Optional[Iterable[str]] = None,
        prefer_float32: bool = False,
        indicator_metadata: Optional[Mapping[str, Any]] = None,
        warmup_bars: int = 0,
        structures: Optional[Mapping[str, Any]] = None,
        *,
        sort: bool = True,
    ) -> "FeedStore":
        """:meth:`btcore.feed.FeedStore.from_dataframe`, sorting by time by default (as the
        reference did; every column moves with its row). Duplicate times still raise."""
        return cast("FeedStore", super().from_dataframe(df, tf, symbol, indicator_columns, prefer_float32,
                                                        indicator_metadata, warmup_bars, structures, sort=sort))

    @classmethod
    def from_dataframe_with_features(
        cls,
        df: Any,
        tf: str,
        symbol: str,
        feature_arrays: Any,
        structures: Optional[Mapping[str, Any]] = None,
        *,
        sort: bool = True,
    ) -> "FeedStore":
        """:meth:`btcore.feed.FeedStore.from_dataframe_with_features`, sorting by time by default
        (the feature arrays move with their rows; the reference left them behind)."""
        return cast("FeedStore", super().from_dataframe_with_features(df, tf, symbol, feature_arrays, structures,
                                                                      sort=sort))

    # ------------------------------------------------------------------ naive UTC datetimes

    def get_ts_open_datetime(self, idx: int) -> datetime:
        """Open time of bar ``idx`` as a naive UTC datetime."""
        return naive_utc(self.ts_open_ms[self.check_index(idx)])

    def get_ts_close_datetime(self, idx: int) -> datetime:
        """Close time (exclusive end) of bar ``idx`` as a naive UTC datetime."""
        return naive_utc(self.ts_close_ms[self.check_index(idx)])

    # ------------------------------------------------------------------ the engine's quote-feed calls

    def _get_ts_close_ms_at(self, idx: int) -> int:
        """Close time of bar ``idx`` in epoch ms (the reference's private name of ``get_ts_close_ms``)."""
        return self.get_ts_close_ms(idx)

    def get_1m_indices_for_exec(
        self,
        exec_idx: int,
        exec_tf_minutes: int,
        exec_ts_open: Any = None,
        exec_ts_close: Any = None,
    ) -> tuple[int, int]:
        """Inclusive ``(start, end)`` rows of this (1m) feed inside exec bar ``exec_idx``, by time.

        Rows with ``ts_open_ms >= exec open`` and ``ts_close_ms <= exec close``; ``(start,
        start - 1)`` when there is none. The exec bar's times come from ``exec_ts_open`` /
        ``exec_ts_close`` when given (``exec_idx`` is then not used), else from the exec feed
        this quote feed is linked to or can find (see the module docstring).

        Raises
        ------
        DataError
            The exec feed cannot be determined, ``exec_tf_minutes`` is not an int >= 1 or does
            not match the exec feed's timeframe, or given times are not ``exec_tf_minutes``
            apart.
        IndexError
            ``exec_idx`` is outside the exec feed.
        """
        minutes = _minutes(exec_tf_minutes)
        if exec_ts_open is not None or exec_ts_close is not None:
            return self._rows_inside(*self._given_bar(exec_ts_open, exec_ts_close, minutes))
        if isinstance(exec_idx, bool):
            raise IndexError(f"exec bar index must be an int, got {exec_idx!r}")
        i = operator.index(exec_idx)
        exec_feed = _LINKS.exec_feed_for(self, minutes, i)
        i = exec_feed.check_index(i)
        starts, ends = _LINKS.table(self, exec_feed)
        return starts[i], ends[i]

    @staticmethod
    def _given_bar(ts_open: Any, ts_close: Any, minutes: int) -> tuple[int, int]:
        step = minutes * _MS_PER_MIN
        o = None if ts_open is None else to_epoch_ms(ts_open)
        c = None if ts_close is None else to_epoch_ms(ts_close)
        if o is None:
            o = c - step  # type: ignore[operator]
        if c is None:
            c = o + step
        if c - o != step:
            raise DataError(f"exec_ts_close - exec_ts_open is {(c - o) / _MS_PER_MIN:g} minutes, "
                            f"but exec_tf_minutes={minutes}", "TIMEFRAME_MISMATCH")
        return o, c

    def _rows_inside(self, open_ms: int, close_ms: int) -> tuple[int, int]:
        start = int(np.searchsorted(self.ts_open_ms, open_ms, side="left"))
        end = int(np.searchsorted(self.ts_close_ms, close_ms, side="right")) - 1
        return start, max(end, start - 1)


def _rebuild(*args: Any) -> FeedStore:
    return FeedStore.from_arrays(*args)


# --------------------------------------------------------------------------- MultiTFFeedStore


class MultiTFFeedStore(_feed.MultiTFFeedStore):
    """btcore's :class:`~btcore.feed.MultiTFFeedStore`; building one registers its exec feed, so
    the 1m quote feed of the same run can map exec indices to its rows: a ``quote_feed`` given
    here is linked explicitly, otherwise the next 1m feed built through this module in the same
    thread is (see the module docstring)."""

    __slots__ = ()

    def __init__(
        self,
        exec_feed: Any,
        htf_feed: Any = None,
        mtf_feed: Any = None,
        tf_mapping: Optional[Mapping[str, str]] = None,
        quote_feed: Any = None,
    ) -> None:
        super().__init__(exec_feed, htf_feed, mtf_feed, tf_mapping, quote_feed)
        _LINKS.register(exec_feed, quote_feed)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), super().__reduce__()[1])
