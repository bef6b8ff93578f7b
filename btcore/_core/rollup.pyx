"""1-minute quotes and the streaming rollup of the 1-minute bars inside one exec bar.

Compiled twin of ``btcore._pure.rollup``. :class:`QuoteState`, :data:`QUOTE_KEYS`,
:func:`quote_to_packet_dict`, :data:`ROLLUP_KEYS` and :func:`create_empty_rollup_dict` are plain
Python in both implementations (defined in the pure module, re-exported here); only
:class:`ExecRollupBucket` is compiled.

The bar loop does not stream quotes: :func:`btcore.align.align_feeds` computes every exec bar's
rollup at once. The bucket is the streaming equivalent (live feeds, custom drivers) and follows
the same NaN policy, bit for bit: a NaN is never skipped (a NaN low makes the minimum NaN, a NaN
volume makes the sum NaN); an empty bucket reads NaN with a count of 0.
"""

from libc.math cimport NAN

from btcore._pure.rollup import (
    QUOTE_KEYS,
    ROLLUP_KEYS,
    QuoteState,
    create_empty_rollup_dict,
    quote_to_packet_dict,
)

__all__ = [
    "QuoteState",
    "QUOTE_KEYS",
    "quote_to_packet_dict",
    "ExecRollupBucket",
    "ROLLUP_KEYS",
    "create_empty_rollup_dict",
]


cdef class ExecRollupBucket:
    """Streaming rollup of the 1-minute bars of one exec interval; O(1) per operation.

    Feed it with :meth:`accumulate` (a :class:`QuoteState`) or :meth:`accumulate_ohlcv` (raw
    values, NaN allowed), read it with :meth:`freeze`, empty it with :meth:`reset`. An empty
    bucket reads NaN for every price and volume and 0 for the count. A NaN value is never
    skipped: it makes the matching minimum, maximum, sum, open or close NaN (same rule as the
    vectorised rollups of :func:`btcore.align.align_feeds`).
    """

    def __init__(self):
        self.c_reset()

    # ---- C level ---------------------------------------------------------------------------

    cdef void c_reset(self) noexcept nogil:
        self._min = NAN
        self._max = NAN
        self._open = NAN
        self._close = NAN
        self._volume = NAN
        self._count = 0

    cdef void c_accumulate(self, float64_t open, float64_t high, float64_t low,
                           float64_t close, float64_t volume) noexcept nogil:
        if self._count == 0:
            self._open = open
            self._min = low
            self._max = high
            self._volume = volume
        else:
            # "or v != v": a NaN must win, and once the running value is NaN no comparison is true.
            if low < self._min or low != low:
                self._min = low
            if high > self._max or high != high:
                self._max = high
            self._volume += volume
        self._close = close
        self._count += 1

    cdef float64_t c_field(self, int field) noexcept nogil:
        if field == 0:
            return self._min
        if field == 1:
            return self._max
        if field == 2:
            return <float64_t>self._count
        if field == 3:
            return self._open
        if field == 4:
            return self._close
        if field == 5:
            return self._volume
        return NAN

    # ---- Python level ----------------------------------------------------------------------

    def reset(self):
        """Empty the bucket."""
        self.c_reset()

    def accumulate_ohlcv(self, open, high, low, close, volume):
        """Add one 1-minute bar given as raw values (NaN propagates, nothing is validated)."""
        self.c_accumulate(float(open), float(high), float(low), float(close), float(volume))

    def accumulate(self, quote):
        """Add the 1-minute bar behind ``quote`` (open, high, low, close = ``last``, volume)."""
        self.c_accumulate(float(quote.open_1m), float(quote.high_1m), float(quote.low_1m),
                          float(quote.last), float(quote.volume_1m))

    def freeze(self):
        """A new dict keyed by :data:`ROLLUP_KEYS`; the bucket is unchanged."""
        return {
            "px.rollup.min_1m": self._min,
            "px.rollup.max_1m": self._max,
            "px.rollup.bars_1m": <float64_t>self._count,
            "px.rollup.open_1m": self._open,
            "px.rollup.close_1m": self._close,
            "px.rollup.volume_1m": self._volume,
        }

    @property
    def min_price_1m(self):
        """Minimum 1-minute low (NaN if empty)."""
        return self._min

    @property
    def max_price_1m(self):
        """Maximum 1-minute high (NaN if empty)."""
        return self._max

    @property
    def bar_count_1m(self):
        """Number of 1-minute bars accumulated."""
        return self._count

    @property
    def open_price_1m(self):
        """Open of the first 1-minute bar (NaN if empty)."""
        return self._open

    @property
    def close_price_1m(self):
        """Close of the last 1-minute bar (NaN if empty)."""
        return self._close

    @property
    def volume_1m(self):
        """Sum of 1-minute volumes (NaN if empty)."""
        return self._volume

    @property
    def is_empty(self):
        """True if no bar was accumulated since the last reset."""
        return self._count == 0

    @property
    def price_range_1m(self):
        """``max_price_1m - min_price_1m`` (NaN if empty)."""
        return self._max - self._min

    def __repr__(self):
        return (
            f"ExecRollupBucket(bars_1m={self._count}, open={self._open}, high={self._max}, "
            f"low={self._min}, close={self._close}, volume={self._volume})"
        )
