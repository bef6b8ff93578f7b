"""1-minute quotes and the streaming rollup of the 1-minute bars inside one exec bar.

Pure-Python twin of ``btcore._core.rollup``. :class:`QuoteState`, :data:`QUOTE_KEYS`,
:func:`quote_to_packet_dict`, :data:`ROLLUP_KEYS` and :func:`create_empty_rollup_dict` are plain
Python in both implementations (defined here, re-exported by the compiled module); only
:class:`ExecRollupBucket` is compiled.

The bar loop does not stream quotes: :func:`btcore.align.align_feeds` computes every exec bar's
rollup at once. The bucket is the streaming equivalent (live feeds, custom drivers) and follows
the same NaN policy, bit for bit: a NaN is never skipped (a NaN low makes the minimum NaN, a NaN
volume makes the sum NaN); an empty bucket reads NaN with a count of 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict

from ..errors import DataError

__all__ = [
    "QuoteState",
    "QUOTE_KEYS",
    "quote_to_packet_dict",
    "ExecRollupBucket",
    "ROLLUP_KEYS",
    "create_empty_rollup_dict",
]

_MARK_SOURCES = ("mark_1m", "approx_from_ohlcv_1m")
_NAN = float("nan")


def _positive(name: str, value: float) -> None:
    if not (isinstance(value, (int, float)) and not isinstance(value, bool)) or not math.isfinite(value) or value <= 0:
        raise DataError(f"{name} must be a finite number > 0, got {value!r}", "BAD_QUOTE")


@dataclass(frozen=True)
class QuoteState:
    """Quote derived from one closed 1-minute bar (ticker proxy for the simulator).

    Parameters
    ----------
    ts_ms : int
        Epoch ms (UTC) of the quote, normally the 1-minute bar's close.
    last : float
        Last trade price (the 1-minute close).
    open_1m, high_1m, low_1m : float
        The 1-minute bar's open, high and low.
    mark : float
        Mark price.
    mark_source : str
        ``"mark_1m"`` or ``"approx_from_ohlcv_1m"``.
    volume_1m : float, default 0.0
        The 1-minute bar's volume.

    Raises
    ------
    DataError
        (a ``ValueError``) if ``ts_ms`` is not a positive int, a price is not finite and > 0
        (NaN included), ``high_1m < low_1m``, the volume is negative or NaN, or ``mark_source`` is
        unknown.
    """

    ts_ms: int
    last: float
    open_1m: float
    high_1m: float
    low_1m: float
    mark: float
    mark_source: str
    volume_1m: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.ts_ms, bool) or not isinstance(self.ts_ms, int) or self.ts_ms <= 0:
            raise DataError(f"ts_ms must be a positive int (epoch ms), got {self.ts_ms!r}", "BAD_QUOTE")
        _positive("last price", self.last)
        _positive("open_1m", self.open_1m)
        _positive("high_1m", self.high_1m)
        _positive("low_1m", self.low_1m)
        if self.high_1m < self.low_1m:
            raise DataError(f"high_1m ({self.high_1m}) must be >= low_1m ({self.low_1m})", "BAD_QUOTE")
        _positive("mark price", self.mark)
        if self.mark_source not in _MARK_SOURCES:
            raise DataError(
                f"Invalid mark_source: {self.mark_source!r}. Must be 'mark_1m' or 'approx_from_ohlcv_1m'",
                "BAD_QUOTE",
            )
        v = self.volume_1m
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (v >= 0) or math.isinf(v):
            raise DataError(f"volume_1m must be a finite number >= 0, got {v!r}", "BAD_QUOTE")

    @property
    def is_mark_approximated(self) -> bool:
        """True if the mark price was approximated from 1-minute OHLCV."""
        return self.mark_source == "approx_from_ohlcv_1m"


#: Packet keys produced by :func:`quote_to_packet_dict`, with descriptions (insertion order).
QUOTE_KEYS: Dict[str, str] = {
    "px.last.ts_ms": "Epoch ms of quote timestamp",
    "px.last.value": "Last trade price (1m close)",
    "px.last.high_1m": "1m bar high",
    "px.last.low_1m": "1m bar low",
    "px.mark.ts_ms": "Epoch ms of mark price timestamp",
    "px.mark.value": "Mark price value",
    "px.mark.source": "Mark price source (mark_1m | approx_from_ohlcv_1m)",
    "px.last.open_1m": "1m bar open",
}


def quote_to_packet_dict(quote: QuoteState) -> Dict[str, Any]:
    """Flatten ``quote`` into a dict keyed by :data:`QUOTE_KEYS` (same order)."""
    return {
        "px.last.ts_ms": quote.ts_ms,
        "px.last.value": quote.last,
        "px.last.high_1m": quote.high_1m,
        "px.last.low_1m": quote.low_1m,
        "px.mark.ts_ms": quote.ts_ms,
        "px.mark.value": quote.mark,
        "px.mark.source": quote.mark_source,
        "px.last.open_1m": quote.open_1m,
    }


#: Rollup keys produced by :meth:`ExecRollupBucket.freeze`, with descriptions (field order of
#: :data:`btcore.align.ROLLUP_FIELDS`).
ROLLUP_KEYS: Dict[str, str] = {
    "px.rollup.min_1m": "Minimum 1m low inside the exec bar",
    "px.rollup.max_1m": "Maximum 1m high inside the exec bar",
    "px.rollup.bars_1m": "Count of 1m bars inside the exec bar",
    "px.rollup.open_1m": "Open of the first 1m bar inside the exec bar",
    "px.rollup.close_1m": "Close of the last 1m bar inside the exec bar",
    "px.rollup.volume_1m": "Sum of 1m volume inside the exec bar",
}


def create_empty_rollup_dict() -> Dict[str, float]:
    """Rollup dict of an interval with no 1-minute bar: count 0.0, every value NaN."""
    return {
        "px.rollup.min_1m": _NAN,
        "px.rollup.max_1m": _NAN,
        "px.rollup.bars_1m": 0.0,
        "px.rollup.open_1m": _NAN,
        "px.rollup.close_1m": _NAN,
        "px.rollup.volume_1m": _NAN,
    }


class ExecRollupBucket:
    """Streaming rollup of the 1-minute bars of one exec interval; O(1) per operation.

    Feed it with :meth:`accumulate` (a :class:`QuoteState`) or :meth:`accumulate_ohlcv` (raw
    values, NaN allowed), read it with :meth:`freeze`, empty it with :meth:`reset`. An empty
    bucket reads NaN for every price and volume and 0 for the count. A NaN value is never
    skipped: it makes the matching minimum, maximum, sum, open or close NaN (same rule as the
    vectorised rollups of :func:`btcore.align.align_feeds`).
    """

    __slots__ = ("_min", "_max", "_count", "_open", "_close", "_volume")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Empty the bucket."""
        self._min = self._max = self._open = self._close = self._volume = _NAN
        self._count = 0

    def accumulate_ohlcv(self, open: float, high: float, low: float, close: float, volume: float) -> None:
        """Add one 1-minute bar given as raw values (NaN propagates, nothing is validated)."""
        open, high, low, close, volume = float(open), float(high), float(low), float(close), float(volume)
        if self._count == 0:
            self._open, self._min, self._max, self._volume = open, low, high, volume
        else:
            # "or v != v": a NaN must win, and once the running value is NaN no comparison is true.
            if low < self._min or low != low:
                self._min = low
            if high > self._max or high != high:
                self._max = high
            self._volume += volume
        self._close = close
        self._count += 1

    def accumulate(self, quote: QuoteState) -> None:
        """Add the 1-minute bar behind ``quote`` (open, high, low, close = ``last``, volume)."""
        self.accumulate_ohlcv(quote.open_1m, quote.high_1m, quote.low_1m, quote.last, quote.volume_1m)

    def freeze(self) -> Dict[str, float]:
        """A new dict keyed by :data:`ROLLUP_KEYS`; the bucket is unchanged."""
        return {
            "px.rollup.min_1m": self._min,
            "px.rollup.max_1m": self._max,
            "px.rollup.bars_1m": float(self._count),
            "px.rollup.open_1m": self._open,
            "px.rollup.close_1m": self._close,
            "px.rollup.volume_1m": self._volume,
        }

    @property
    def min_price_1m(self) -> float:
        """Minimum 1-minute low (NaN if empty)."""
        return self._min

    @property
    def max_price_1m(self) -> float:
        """Maximum 1-minute high (NaN if empty)."""
        return self._max

    @property
    def bar_count_1m(self) -> int:
        """Number of 1-minute bars accumulated."""
        return self._count

    @property
    def open_price_1m(self) -> float:
        """Open of the first 1-minute bar (NaN if empty)."""
        return self._open

    @property
    def close_price_1m(self) -> float:
        """Close of the last 1-minute bar (NaN if empty)."""
        return self._close

    @property
    def volume_1m(self) -> float:
        """Sum of 1-minute volumes (NaN if empty)."""
        return self._volume

    @property
    def is_empty(self) -> bool:
        """True if no bar was accumulated since the last reset."""
        return self._count == 0

    @property
    def price_range_1m(self) -> float:
        """``max_price_1m - min_price_1m`` (NaN if empty)."""
        return self._max - self._min

    def __repr__(self) -> str:
        return (
            f"ExecRollupBucket(bars_1m={self._count}, open={self._open}, high={self._max}, "
            f"low={self._min}, close={self._close}, volume={self._volume})"
        )
