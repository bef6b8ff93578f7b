# cython: auto_pickle=False
"""1-minute quotes and the streaming rollup of the 1-minute bars inside one exec bar.

Compiled twin of ``btcore._pure.rollup`` (same names, signatures, docstrings, behaviour and
exceptions; the module docstring there gives the NaN policy of the bucket). :data:`QUOTE_KEYS`,
:func:`quote_to_packet_dict`, :data:`ROLLUP_KEYS`, :func:`create_empty_rollup_dict` and the
validation messages are written once in :mod:`btcore._shared.rollup` and re-exported here;
:class:`QuoteState` and :class:`ExecRollupBucket` exist in both.

Safety: a quote made with ``__new__`` holds NaN prices and ``ts_ms`` 0 in C (the C readers stay
defined) and raises :class:`~btcore.errors.NotInitializedError` from every Python member; the
bucket refuses it, so no aggregate is built from an unvalidated quote. A second ``__init__`` of
a quote raises ``TypeError``; a bucket's ``__init__`` validates everything before it stores
anything. A bucket made with ``__new__`` is empty (a valid bucket). Both pickle through their
constructor (Cython's auto-pickle, which would restore raw fields, is off). Numbers are converted
as :func:`btcore._shared.boundary.as_double` converts them (never from strings), in both twins.
"""

cimport cython
from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.long cimport PyLong_AsLongLongAndOverflow
from libc.math cimport INFINITY, NAN

from btcore._shared import rollup as _shared
from btcore._shared.boundary import already_initialised, as_double
from btcore._shared.docs import attach, signed
# The quote and rollup keys and their dict builders are this module's API too (written once there).
from btcore._shared.rollup import *  # noqa: F401,F403
from btcore._shared.rollup import DOCS, NAMES

__all__ = list(NAMES)

# the shared interned keys: the view reads a frozen dict by pointer comparison of its keys
cdef str _K_MIN = _shared._K_MIN, _K_MAX = _shared._K_MAX, _K_BARS = _shared._K_BARS
cdef str _K_OPEN = _shared._K_OPEN, _K_CLOSE = _shared._K_CLOSE, _K_VOLUME = _shared._K_VOLUME
cdef str _APPROX = "approx_from_ohlcv_1m"
cdef str _MARK_1M = "mark_1m"
cdef long long _TS_MAX = _shared.TS_MAX
cdef tuple _QUOTE_FIELDS = ("ts_ms", "last", "open_1m", "high_1m", "low_1m", "mark", "mark_source", "volume_1m")


cdef inline double _real(str name, object value) except? -1.0:
    # plain floats and ints inline; anything else (numpy numbers, bad types) through the shared check
    if type(value) is float:
        return PyFloat_AS_DOUBLE(value)
    return _shared.real(name, value)


cdef inline double _price(str name, object value) except? -1.0:
    cdef double v = _real(name, value)
    if not (0.0 < v < INFINITY):  # NaN fails this too
        raise _shared.bad_price(name, value)
    return v


cdef inline double _raw(str name, object value) except? -1.0:
    # accumulate_ohlcv's values: anything as_double takes (NaN and inf pass, strings do not)
    if type(value) is float:
        return PyFloat_AS_DOUBLE(value)
    return as_double(value, name)


# The "initialised?" test of every Python-facing member of a quote: a field compare.
cdef inline int _quote_ok(QuoteState q) except -1:
    if not q._built:
        raise _shared.unbuilt_quote()
    return 0


# --------------------------------------------------------------------------- QuoteState


@cython.embedsignature(False)  # the signed shared docstring carries the signature
cdef class QuoteState:
    __doc__ = signed(
        "QuoteState(ts_ms, last, open_1m, high_1m, low_1m, mark, mark_source, volume_1m=0.0)",
        DOCS["QuoteState"],
    )

    def __cinit__(self):
        # what a C reader (c_accumulate_quote) sees before __init__ ran: NaN, never garbage
        self._last = self._open_1m = self._high_1m = self._low_1m = self._mark = NAN
        self._volume_1m = NAN
        self._mark_source = ""

    def __init__(self, ts_ms, last, open_1m, high_1m, low_1m, mark, mark_source, volume_1m=0.0):
        cdef int overflow = 0
        cdef long long ts = 0
        cdef double la, op, hi, lo, mk, vol
        cdef str src
        if self._built:
            raise already_initialised(self)
        if type(ts_ms) is int:
            ts = PyLong_AsLongLongAndOverflow(ts_ms, &overflow)
        if type(ts_ms) is not int or overflow or ts <= 0 or ts > _TS_MAX:
            ts = _shared.check_ts_ms(ts_ms)
        la = _price("last price", last)
        op = _price("open_1m", open_1m)
        hi = _price("high_1m", high_1m)
        lo = _price("low_1m", low_1m)
        if hi < lo:
            raise _shared.bad_range(hi, lo)
        mk = _price("mark price", mark)
        if type(mark_source) is str and (mark_source == _APPROX or mark_source == _MARK_1M):
            src = _APPROX if mark_source == _APPROX else _MARK_1M
        else:
            src = _shared.check_mark_source(mark_source)
        vol = _real("volume_1m", volume_1m)
        if not (0.0 <= vol < INFINITY):
            raise _shared.bad_volume(volume_1m)
        # every value is valid: commit
        self._ts_ms = ts
        self._last = la
        self._open_1m = op
        self._high_1m = hi
        self._low_1m = lo
        self._mark = mk
        self._mark_source = src
        self._volume_1m = vol
        self._built = True

    @property
    def ts_ms(self):
        """Epoch ms (UTC) of the quote."""
        _quote_ok(self)
        return self._ts_ms

    @property
    def last(self):
        """Last trade price (the 1-minute close)."""
        _quote_ok(self)
        return self._last

    @property
    def open_1m(self):
        """Open of the 1-minute bar."""
        _quote_ok(self)
        return self._open_1m

    @property
    def high_1m(self):
        """High of the 1-minute bar."""
        _quote_ok(self)
        return self._high_1m

    @property
    def low_1m(self):
        """Low of the 1-minute bar."""
        _quote_ok(self)
        return self._low_1m

    @property
    def mark(self):
        """Mark price."""
        _quote_ok(self)
        return self._mark

    @property
    def mark_source(self):
        """``"mark_1m"`` or ``"approx_from_ohlcv_1m"``."""
        _quote_ok(self)
        return self._mark_source

    @property
    def volume_1m(self):
        """Volume of the 1-minute bar."""
        _quote_ok(self)
        return self._volume_1m

    @property
    def is_mark_approximated(self):
        """True if the mark price was approximated from 1-minute OHLCV."""
        _quote_ok(self)
        return self._mark_source == _APPROX

    def _key(self):
        _quote_ok(self)
        return (self._ts_ms, self._last, self._open_1m, self._high_1m, self._low_1m, self._mark,
                self._mark_source, self._volume_1m)

    def __eq__(self, other):
        _quote_ok(self)
        if type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()

    def __ne__(self, other):
        _quote_ok(self)
        if type(other) is not type(self):
            return NotImplemented
        return self._key() != other._key()

    def __hash__(self):
        return hash(self._key())

    def __reduce__(self):
        return (type(self), self._key())

    def __repr__(self):
        return "QuoteState(" + ", ".join([f"{n}={v!r}" for n, v in zip(_QUOTE_FIELDS, self._key())]) + ")"


# --------------------------------------------------------------------------- ExecRollupBucket


@cython.embedsignature(False)  # the signed shared docstring carries the signature
cdef class ExecRollupBucket:
    __doc__ = signed(
        "ExecRollupBucket(min_price_1m=float('inf'), max_price_1m=float('-inf'), "
        "bar_count_1m=0, open_price_1m=0.0, close_price_1m=0.0, volume_1m=0.0)",
        DOCS["ExecRollupBucket"],
    )

    def __cinit__(self):
        self.c_reset()

    def __init__(self, min_price_1m=float("inf"), max_price_1m=float("-inf"), bar_count_1m=0,
                 open_price_1m=0.0, close_price_1m=0.0, volume_1m=0.0):
        # built once per run, so the one shared check is worth its microsecond
        lo, hi, count, op, cl, vol = _shared.check_bucket(
            (min_price_1m, max_price_1m, bar_count_1m, open_price_1m, close_price_1m, volume_1m))
        self._min = lo
        self._max = hi
        self._count = count
        self._open = op
        self._close = cl
        self._volume = vol

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

    cdef void c_accumulate_quote(self, QuoteState quote) noexcept nogil:
        self.c_accumulate(quote._open_1m, quote._high_1m, quote._low_1m, quote._last, quote._volume_1m)

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
        self.c_reset()

    def accumulate_ohlcv(self, open, high, low, close, volume):
        self._add(open, high, low, close, volume)

    cdef int _add(self, object open, object high, object low, object close, object volume) except -1:
        # every value converted before the bucket changes (a bad one leaves it as it was)
        cdef double o = _raw("open", open), h = _raw("high", high), l = _raw("low", low)
        cdef double c = _raw("close", close), v = _raw("volume", volume)
        self.c_accumulate(o, h, l, c, v)
        return 0

    def accumulate(self, quote):
        if type(quote) is QuoteState:
            _quote_ok(<QuoteState>quote)
            self.c_accumulate_quote(<QuoteState>quote)
        else:
            self._add(quote.open_1m, quote.high_1m, quote.low_1m, quote.last, quote.volume_1m)

    def freeze(self):
        return {_K_MIN: self._min, _K_MAX: self._max, _K_BARS: <float64_t>self._count, _K_OPEN: self._open,
                _K_CLOSE: self._close, _K_VOLUME: self._volume}

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

    def __reduce__(self):
        return (type(self), (self._min, self._max, self._count, self._open, self._close, self._volume))

    def __repr__(self):
        return _shared.bucket_repr(self._count, self._open, self._max, self._min, self._close, self._volume)


attach(globals(), DOCS)
