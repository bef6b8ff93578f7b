"""Alignment of slower timeframes and of the 1-minute feed to the exec bars, computed once per run.

Everything here is vectorised numpy (binary searches and segment reductions, O(n log m)); no
Python code runs per exec bar. The bar loop then reads plain int64/float64 arrays by index.

No look-ahead, by construction: at exec bar ``i`` with close ``C`` every index points at a bar
whose ``ts_close_ms <= C``, and every 1-minute row a rollup covers lies inside ``[open, C)``.
Gaps in any feed, missing exec bars at an HTF close and feeds that start at different times need
no special case: nothing matches timestamps exactly, everything is found by time.

NaN policy of the rollups (identical in :class:`btcore.rollup.ExecRollupBucket`): a NaN is never
skipped. A NaN low (high, volume) of any 1-minute row inside the interval makes ``min_1m``
(``max_1m``, ``volume_1m``) NaN; ``open_1m``/``close_1m`` are the first row's open and the last
row's close, NaN if that value is NaN; ``bars_1m`` counts rows whatever their values. NaN reads
as None through the view's accessors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from ._arrays import _readonly
from ._shared.constants import OHLCV, ROLLUP_FIELDS
from .errors import DataError, TimeframeError

__all__ = ["ROLLUP_FIELDS", "Alignment", "align_feeds", "compute_rollups"]

# ROLLUP_FIELDS (from btcore._shared.constants) is the row order of Alignment.rollups.

_ONE_MINUTE_MS = 60_000


@dataclass(frozen=True)
class Alignment:
    """Per-exec-bar indices into the other feeds and the 1-minute rollups.

    Every array is btcore-owned and immutable (over a read-only owner: it can be made neither
    writeable nor resized), because the compiled loop reads feed rows at these indices unchecked.

    Attributes
    ----------
    htf_idx, mtf_idx : int64[n_exec]
        Last HTF/MTF bar with ``ts_close_ms <= exec ts_close_ms``; -1 before the first such close
        and when the role has no feed of its own.
    m1_start, m1_end : int64[n_exec]
        Half-open range of quote-feed rows inside ``[exec ts_open, exec ts_close)`` by time
        (``m1_start == m1_end`` when there is none, or no quote feed).
    m1_last : int64[n_exec]
        Last quote-feed row with ``ts_close_ms <= exec ts_close_ms``; -1 if none.
    rollups : float64[6, n_exec]
        C-contiguous, rows in :data:`ROLLUP_FIELDS` order; an empty interval has ``bars_1m = 0``
        and NaN elsewhere.
    has_htf, has_mtf : bool
        Whether the role has a feed of its own.
    """

    htf_idx: np.ndarray
    mtf_idx: np.ndarray
    m1_start: np.ndarray
    m1_end: np.ndarray
    m1_last: np.ndarray
    rollups: np.ndarray
    has_htf: bool = False
    has_mtf: bool = False

    @property
    def n_exec(self) -> int:
        """Number of exec bars."""
        return int(self.htf_idx.shape[0])

    def first_ready(self, role: str) -> int:
        """First exec bar at which ``role`` (``"htf"`` or ``"mtf"``) has a closed bar.

        Returns ``n_exec`` if it never has one. Indices never decrease, so every later bar is
        ready too.
        """
        if role not in ("htf", "mtf"):
            raise DataError(f"role must be 'htf' or 'mtf', got {role!r}", "BAD_ROLE")
        idx = self.htf_idx if role == "htf" else self.mtf_idx
        return int(np.searchsorted(idx, 0, side="left"))

    def history_start(self, history_config: Any) -> int:
        """First exec bar at which the windows of ``history_config`` are full (``n_exec`` if never).

        The history of bar ``i`` holds what closed before it: exec bars ``0 .. i-1`` and the
        HTF/MTF bars closed at or before exec bar ``i-1``'s close. ``bars_exec_count`` and
        ``features_exec_count`` need that many exec bars, ``features_htf_count`` /
        ``features_mtf_count`` that many closed HTF/MTF bars; a role without its own feed reads
        the exec feed, so its count is checked against exec bars.
        """
        n = self.n_exec
        start = max(history_config.bars_exec_count, history_config.features_exec_count)
        for count, idx, has in (
            (history_config.features_htf_count, self.htf_idx, self.has_htf),
            (history_config.features_mtf_count, self.mtf_idx, self.has_mtf),
        ):
            if count <= 0:
                continue
            if not has:
                start = max(start, count)
                continue
            # first exec bar j whose HTF index reaches count-1; bar j+1 is the first to see it
            j = int(np.searchsorted(idx, count - 1, side="left"))
            start = max(start, j + 1)
        return int(min(start, n))


def _times(feed: Any, role: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        ts_open = np.asarray(feed.ts_open_ms)
        ts_close = np.asarray(feed.ts_close_ms)
    except AttributeError as exc:
        raise DataError(
            f"{role} feed must be a FeedStore (with ts_open_ms/ts_close_ms), got {type(feed).__name__}",
            "BAD_FEED",
        ) from exc
    if ts_open.dtype != np.int64 or ts_close.dtype != np.int64 or ts_open.ndim != 1 or ts_open.shape != ts_close.shape:
        raise DataError(
            f"{role} feed timestamps must be two int64 arrays of equal length, got "
            f"{ts_open.dtype}{ts_open.shape} and {ts_close.dtype}{ts_close.shape}",
            "BAD_FEED",
        )
    return ts_open, ts_close


def _last_closed(feed: Any, role: str, exec_close: np.ndarray) -> np.ndarray:
    """Index of the last bar of ``feed`` closed at or before each exec close (-1 if none)."""
    if feed is None:
        return np.full(exec_close.shape[0], -1, dtype=np.int64)
    _, ts_close = _times(feed, role)
    return np.searchsorted(ts_close, exec_close, side="right").astype(np.int64) - 1


def compute_rollups(
    m1_start: np.ndarray,
    m1_end: np.ndarray,
    open_: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    volume: np.ndarray,
) -> np.ndarray:
    """Reduce 1-minute rows ``[m1_start[i], m1_end[i])`` into a float64[6, n] rollup matrix.

    Requires ``0 <= m1_start[i] <= m1_end[i] <= len(low)`` and five columns of one length (a
    DataError otherwise). Min and max use segment reductions; the volume is summed left to right,
    in the same order as the streaming :class:`~btcore.rollup.ExecRollupBucket`, so both agree
    bit for bit.
    """
    m1_start, m1_end = _check_ranges(m1_start, m1_end, open_, high, low, close, volume)
    n = m1_start.shape[0]
    out = np.full((6, n), np.nan, dtype=np.float64)
    counts = (m1_end - m1_start).astype(np.int64)
    out[2] = counts
    full = np.flatnonzero(counts > 0)
    if full.size == 0:
        return out
    s = m1_start[full]
    e = m1_end[full]
    # reduceat over interleaved (start, end) pairs: even slots reduce exactly one range. One
    # padding element keeps every end (<= len) a valid reduceat index.
    bounds = np.empty(2 * full.size, dtype=np.intp)
    bounds[0::2] = s
    bounds[1::2] = e
    out[0, full] = np.minimum.reduceat(np.append(low, np.nan), bounds)[0::2]
    out[1, full] = np.maximum.reduceat(np.append(high, np.nan), bounds)[0::2]
    out[3, full] = open_[s]
    out[4, full] = close[e - 1]
    # np.add.reduceat sums pairwise; a running sum needs one pass per offset inside the longest
    # range, over the ranges still open at that offset (longest first, so they form a prefix).
    lengths = counts[full]
    order = np.argsort(-lengths, kind="stable")
    s_sorted = s[order]
    len_sorted = lengths[order]
    acc = volume[s_sorted].astype(np.float64, copy=True)
    active = np.searchsorted(-len_sorted, -np.arange(1, int(len_sorted[0])), side="left")
    for k, m in enumerate(active, start=1):
        acc[:m] += volume[s_sorted[:m] + k]
    out[5, full[order]] = acc
    return out


def _check_ranges(start: Any, end: Any, *cols: Any) -> tuple[np.ndarray, np.ndarray]:
    s, e = np.asarray(start), np.asarray(end)
    lengths = {np.shape(c) for c in cols}
    if s.ndim != 1 or s.shape != e.shape or s.dtype.kind not in "iu" or e.dtype.kind not in "iu":
        raise DataError(f"m1_start/m1_end must be two integer arrays of one length, got {s.dtype}{s.shape} and {e.dtype}{e.shape}", "BAD_SHAPE")
    if len(lengths) != 1 or len(next(iter(lengths))) != 1:
        raise DataError(f"the five 1-minute columns must be 1-D of one length, got shapes {sorted(lengths)}", "BAD_SHAPE")
    m = next(iter(lengths))[0]
    bad = (s < 0) | (s > e) | (e > m)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(f"rollup range {i} is [{int(s[i])}, {int(e[i])}); need 0 <= start <= end <= {m}", "BAD_RANGE")
    return s.astype(np.int64, copy=False), e.astype(np.int64, copy=False)


def align_feeds(feeds: Any, quote_feed: Optional[Any] = None) -> Alignment:
    """Align the HTF, MTF and 1-minute feeds of ``feeds`` to its exec bars.

    Parameters
    ----------
    feeds : MultiTFFeedStore
        Exec feed plus optional ``htf_feed``/``mtf_feed``/``quote_feed``.
    quote_feed : FeedStore, optional
        The 1-minute feed; defaults to ``feeds.quote_feed``. Without one, every rollup is empty
        and ``m1_last`` is -1.

    Returns
    -------
    Alignment

    Raises
    ------
    DataError
        If ``feeds`` has no exec feed or a feed's timestamps are not int64 arrays.
    TimeframeError
        If the quote feed is not a 1-minute feed.
    """
    exec_feed = getattr(feeds, "exec_feed", None)
    if exec_feed is None:
        raise DataError(
            f"feeds must be a MultiTFFeedStore with an exec_feed, got {type(feeds).__name__}",
            "BAD_FEED",
        )
    exec_open, exec_close = _times(exec_feed, "exec")
    n = exec_close.shape[0]
    htf_feed = getattr(feeds, "htf_feed", None)
    mtf_feed = getattr(feeds, "mtf_feed", None)
    htf_idx = _last_closed(htf_feed, "htf", exec_close)
    mtf_idx = _last_closed(mtf_feed, "mtf", exec_close)
    if quote_feed is None:
        quote_feed = getattr(feeds, "quote_feed", None)
    if quote_feed is None:
        zero = np.zeros(n, dtype=np.int64)
        m1_start, m1_end, m1_last = zero, zero.copy(), np.full(n, -1, dtype=np.int64)
        rollups = compute_rollups(m1_start, m1_end, *([np.empty(0)] * 5))
    else:
        q_tf_ms = getattr(quote_feed, "tf_ms", None)
        if q_tf_ms != _ONE_MINUTE_MS:
            raise TimeframeError(
                f"quote_feed must be a 1m feed (tf_ms={_ONE_MINUTE_MS}), got tf="
                f"{getattr(quote_feed, 'tf', '?')!r} (tf_ms={q_tf_ms!r})"
            )
        q_open, q_close = _times(quote_feed, "quote")
        # Rows inside [open, close): opened at or after the exec open and closed at or before the
        # exec close. Both bounds are by time, so gaps and odd start offsets are harmless.
        m1_start = np.searchsorted(q_open, exec_open, side="left").astype(np.int64)
        after_last = np.searchsorted(q_close, exec_close, side="right").astype(np.int64)
        m1_end = np.maximum(after_last, m1_start)
        m1_last = after_last - 1
        cols = [np.asarray(getattr(quote_feed, c), dtype=np.float64) for c in OHLCV]
        rollups = compute_rollups(m1_start, m1_end, *cols)
    return Alignment(
        htf_idx=_readonly(htf_idx),
        mtf_idx=_readonly(mtf_idx),
        m1_start=_readonly(m1_start),
        m1_end=_readonly(m1_end),
        m1_last=_readonly(m1_last),
        rollups=_readonly(rollups),
        has_htf=htf_feed is not None,
        has_mtf=mtf_feed is not None,
    )
