"""1-minute quotes and the streaming rollup of the 1-minute bars inside one exec bar.

Pure-Python twin of ``btcore._core.rollup`` (same names, signatures, docstrings, behaviour and
exceptions). :data:`QUOTE_KEYS`, :func:`quote_to_packet_dict`, :data:`ROLLUP_KEYS`,
:func:`create_empty_rollup_dict` and the validation messages are defined here and re-exported by
the compiled module; :class:`QuoteState` and :class:`ExecRollupBucket` exist in both.

The bar loop does not stream quotes: :func:`btcore.align.align_feeds` computes every exec bar's
rollup at once. The bucket is the streaming equivalent (live feeds, custom drivers, engines that
accumulate one :class:`QuoteState` per 1-minute bar) and follows the same NaN policy, bit for bit:
a NaN is never skipped (a NaN low makes the minimum NaN, a NaN volume makes the sum NaN); an empty
bucket reads NaN with a count of 0.

Safety (as in the compiled twin): a quote made with ``__new__`` raises
:class:`~btcore.errors.NotInitializedError` from every member (its one slot holds a sentinel
that raises on any read, so a built quote keeps the plain slot and tuple reads: a quote is built
per 1-minute bar); the bucket refuses it, so no aggregate is built from an unvalidated quote.
A second ``__init__`` of a quote raises ``TypeError``; a bucket's ``__init__`` validates
everything before it stores anything. A bucket made with ``__new__`` is empty (a valid bucket).
Both pickle through their constructor. Numbers are converted as
:func:`btcore._pure._boundary.as_double` converts them (never from strings).
"""

from __future__ import annotations

import math
import numbers
import sys
from typing import Any, Dict, Tuple

from ..errors import DataError, NotInitializedError
from ..timeframe import MAX_EPOCH_MS
from ._boundary import already_initialised, as_double, not_initialised_named
from .state_tables import MAX_INDEX

__all__ = [
    "QuoteState",
    "QUOTE_KEYS",
    "quote_to_packet_dict",
    "ExecRollupBucket",
    "ROLLUP_KEYS",
    "create_empty_rollup_dict",
]

MARK_SOURCES = ("mark_1m", "approx_from_ohlcv_1m")
#: Latest quote time: the last millisecond of year 9999 (every btcore time is a datetime).
TS_MAX = MAX_EPOCH_MS
_NAN = float("nan")
_INF = float("inf")


# --------------------------------------------------------------------------- validation
# Shared by both twins (the compiled module calls these for anything that is not a plain
# float/int), so the accepted values and the messages are the same by construction.


def real(name: str, value: Any) -> float:
    """``value`` as a float if it is a real number (int, float, numpy number; not bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DataError(f"{name} must be a real number, got {value!r} ({type(value).__name__})", "BAD_QUOTE")
    return float(value)


def bad_price(name: str, value: Any) -> DataError:
    return DataError(f"{name} must be a finite number > 0, got {value!r}", "BAD_QUOTE")


def check_ts_ms(value: Any) -> int:
    """``value`` as an int epoch ms in ``1 .. TS_MAX`` (int or numpy integer; not bool, not float)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise DataError(f"ts_ms must be a positive int (epoch ms), got {value!r}", "BAD_QUOTE")
    v = int(value)
    if v <= 0 or v > TS_MAX:
        raise DataError(f"ts_ms must be a positive int (epoch ms) up to {TS_MAX} (year 9999), got {value!r}",
                        "BAD_QUOTE")
    return v


def check_mark_source(value: Any) -> str:
    """``value`` as one of :data:`MARK_SOURCES` (the canonical string, also for str subclasses)."""
    if not isinstance(value, str) or value not in MARK_SOURCES:
        raise DataError(
            f"Invalid mark_source: {value!r}. Must be 'mark_1m' or 'approx_from_ohlcv_1m'", "BAD_QUOTE"
        )
    return MARK_SOURCES[MARK_SOURCES.index(value)]


def bad_range(high: float, low: float) -> DataError:
    return DataError(f"high_1m ({high}) must be >= low_1m ({low})", "BAD_QUOTE")


def unbuilt_quote() -> NotInitializedError:
    """The error for any use of a QuoteState whose ``__init__`` never ran (both twins raise it)."""
    return not_initialised_named("QuoteState")


def bad_volume(value: Any) -> DataError:
    return DataError(f"volume_1m must be a finite number >= 0, got {value!r}", "BAD_QUOTE")


def check_bucket(values: Tuple[Any, ...]) -> Tuple[float, float, int, float, float, float]:
    """Validated ``(min, max, count, open, close, volume)`` for ``ExecRollupBucket(...)``.

    A count of 0 is an empty bucket: the other values must be the reference's empty defaults
    (``inf, -inf, 0.0, 0.0, 0.0``) or NaN, and the bucket reads NaN. A count > 0 resumes a
    partly filled bucket: every value must be a real number (NaN allowed, it propagates) and
    ``min <= max`` when neither is NaN. The count is at most ``MAX_INDEX`` (a C index).
    """
    lo, hi, count, op, cl, vol = values
    if isinstance(count, bool) or not isinstance(count, numbers.Integral) or not 0 <= count <= MAX_INDEX:
        raise DataError(f"bar_count_1m must be an int in 0..{MAX_INDEX}, got {count!r}", "BAD_ROLLUP")
    names = ("min_price_1m", "max_price_1m", "open_price_1m", "close_price_1m", "volume_1m")
    nums = [real(n, v) for n, v in zip(names, (lo, hi, op, cl, vol))]
    if count == 0:
        for n, v, empty in zip(names, nums, (_INF, -_INF, 0.0, 0.0, 0.0)):
            if not (v == empty or v != v):
                raise DataError(
                    f"{n}={v!r} with bar_count_1m=0: an empty bucket holds no values "
                    f"(pass {empty!r} or NaN, or a count > 0)",
                    "BAD_ROLLUP",
                )
        return (_NAN, _NAN, 0, _NAN, _NAN, _NAN)
    if nums[0] > nums[1]:
        raise DataError(f"min_price_1m ({nums[0]}) must be <= max_price_1m ({nums[1]})", "BAD_ROLLUP")
    return (nums[0], nums[1], int(count), nums[2], nums[3], nums[4])


def _price(name: str, value: Any) -> float:
    v = value if type(value) is float else real(name, value)
    if not (0.0 < v < _INF):  # NaN fails this too
        raise bad_price(name, value)
    return v


def _raw(name: str, value: Any) -> float:
    # accumulate_ohlcv's values: anything as_double takes (NaN and inf pass, strings do not)
    return value if type(value) is float else as_double(value, name)


# --------------------------------------------------------------------------- QuoteState

_QUOTE_FIELDS = ("ts_ms", "last", "open_1m", "high_1m", "low_1m", "mark", "mark_source", "volume_1m")
_APPROX, _MARK_1M = "approx_from_ohlcv_1m", "mark_1m"
_put = object.__setattr__


class _Unbuilt:
    """``QuoteState._v`` until ``__init__`` ran: indexing, iterating, comparing or hashing it
    raises NotInitializedError (the fields of a built quote are a plain tuple)."""

    __slots__ = ()

    def _fail(self, *args: Any) -> Any:
        raise unbuilt_quote()

    __getitem__ = __iter__ = __len__ = __eq__ = __ne__ = __hash__ = _fail


_UNBUILT = _Unbuilt()


class QuoteState:
    """Quote derived from one closed 1-minute bar (ticker proxy for the simulator).

    An immutable value: fields are read-only, equality and hash are by value, it pickles. Every
    field is validated at construction (NaN included), so downstream aggregates never see a bad
    quote.

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
        (a ``ValueError``) if ``ts_ms`` is not a positive int epoch ms (at most
        :data:`~btcore.timeframe.MAX_EPOCH_MS`, year 9999), a price is not finite and > 0
        (NaN included), ``high_1m < low_1m``, the volume is negative or NaN, ``mark_source`` is
        unknown, or a value is not a real number.
    NotInitializedError
        (an ``AttributeError``) from every member of a quote whose ``__init__`` never ran.
    TypeError
        If ``__init__`` is called again on an existing quote (it is immutable: build a new one).
    """

    __slots__ = ("_v",)  # the eight field values in _QUOTE_FIELDS order (one store per quote)

    def __new__(cls, *args: Any, **kwargs: Any) -> "QuoteState":
        self = object.__new__(cls)
        _put(self, "_v", _UNBUILT)  # every read raises NotInitializedError until __init__ ran
        return self

    def __init__(
        self,
        ts_ms: int,
        last: float,
        open_1m: float,
        high_1m: float,
        low_1m: float,
        mark: float,
        mark_source: str,
        volume_1m: float = 0.0,
    ) -> None:
        if self._v is not _UNBUILT:
            raise already_initialised(self)
        ts = ts_ms if type(ts_ms) is int and 0 < ts_ms <= TS_MAX else check_ts_ms(ts_ms)
        la = last if type(last) is float and 0.0 < last < _INF else _price("last price", last)
        op = open_1m if type(open_1m) is float and 0.0 < open_1m < _INF else _price("open_1m", open_1m)
        hi = high_1m if type(high_1m) is float and 0.0 < high_1m < _INF else _price("high_1m", high_1m)
        lo = low_1m if type(low_1m) is float and 0.0 < low_1m < _INF else _price("low_1m", low_1m)
        if hi < lo:
            raise bad_range(hi, lo)
        mk = mark if type(mark) is float and 0.0 < mark < _INF else _price("mark price", mark)
        src = mark_source if mark_source is _APPROX or mark_source is _MARK_1M else check_mark_source(mark_source)
        vol = volume_1m if type(volume_1m) is float else real("volume_1m", volume_1m)
        if not (0.0 <= vol < _INF):
            raise bad_volume(volume_1m)
        _put(self, "_v", (ts, la, op, hi, lo, mk, src, vol))  # every value is valid: commit

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"QuoteState is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"QuoteState is immutable: cannot delete {name!r}")

    @property
    def ts_ms(self) -> int:
        """Epoch ms (UTC) of the quote."""
        return self._v[0]

    @property
    def last(self) -> float:
        """Last trade price (the 1-minute close)."""
        return self._v[1]

    @property
    def open_1m(self) -> float:
        """Open of the 1-minute bar."""
        return self._v[2]

    @property
    def high_1m(self) -> float:
        """High of the 1-minute bar."""
        return self._v[3]

    @property
    def low_1m(self) -> float:
        """Low of the 1-minute bar."""
        return self._v[4]

    @property
    def mark(self) -> float:
        """Mark price."""
        return self._v[5]

    @property
    def mark_source(self) -> str:
        """``"mark_1m"`` or ``"approx_from_ohlcv_1m"``."""
        return self._v[6]

    @property
    def volume_1m(self) -> float:
        """Volume of the 1-minute bar."""
        return self._v[7]

    @property
    def is_mark_approximated(self) -> bool:
        """True if the mark price was approximated from 1-minute OHLCV."""
        return self._v[6] == _APPROX

    def _key(self) -> Tuple[Any, ...]:
        return self._v

    def __eq__(self, other: object) -> bool:
        v = self._v
        if v is _UNBUILT:  # NotInitializedError first, as in the compiled twin
            raise unbuilt_quote()
        if type(other) is not type(self):
            return NotImplemented
        return v == other._v  # type: ignore[attr-defined]

    def __ne__(self, other: object) -> bool:
        v = self._v
        if v is _UNBUILT:
            raise unbuilt_quote()
        if type(other) is not type(self):
            return NotImplemented
        return v != other._v  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._v)

    def __reduce__(self) -> Tuple[Any, ...]:
        v = self._v
        if v is _UNBUILT:
            raise unbuilt_quote()
        return (type(self), v)

    def __repr__(self) -> str:
        return "QuoteState(" + ", ".join([f"{n}={v!r}" for n, v in zip(_QUOTE_FIELDS, self._v)]) + ")"


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


# interned: the view reads a frozen dict by pointer comparison of its keys
_K_MIN, _K_MAX, _K_BARS, _K_OPEN, _K_CLOSE, _K_VOLUME = (sys.intern(k) for k in ROLLUP_KEYS)


def create_empty_rollup_dict() -> Dict[str, float]:
    """Rollup dict of an interval with no 1-minute bar: count 0.0, every value NaN."""
    return {_K_MIN: _NAN, _K_MAX: _NAN, _K_BARS: 0.0, _K_OPEN: _NAN, _K_CLOSE: _NAN, _K_VOLUME: _NAN}


class ExecRollupBucket:
    """Streaming rollup of the 1-minute bars of one exec interval; O(1) per operation.

    Feed it with :meth:`accumulate` (a :class:`QuoteState`) or :meth:`accumulate_ohlcv` (raw
    values, NaN allowed), read it with :meth:`freeze`, empty it with :meth:`reset`. An empty
    bucket reads NaN for every price and volume and 0 for the count. A NaN value is never
    skipped: it makes the matching minimum, maximum, sum, open or close NaN (same rule as the
    vectorised rollups of :func:`btcore.align.align_feeds`).

    The constructor takes the reference's fields, so a partly filled bucket can be rebuilt (and
    a pickled one restored); ``ExecRollupBucket()`` is empty. With ``bar_count_1m=0`` the other
    values must be the reference's empty defaults or NaN.

    Raises
    ------
    DataError
        (a ``ValueError``) for a negative or non-integer count, a value that is not a real
        number, values given with a count of 0, or ``min_price_1m > max_price_1m``. Nothing is
        changed when ``__init__`` raises (also when called again on an existing bucket).
    """

    __slots__ = ("_min", "_max", "_count", "_open", "_close", "_volume")

    def __new__(cls, *args: Any, **kwargs: Any) -> "ExecRollupBucket":
        self = object.__new__(cls)
        self.reset()
        return self

    def __init__(
        self,
        min_price_1m: float = _INF,
        max_price_1m: float = -_INF,
        bar_count_1m: int = 0,
        open_price_1m: float = 0.0,
        close_price_1m: float = 0.0,
        volume_1m: float = 0.0,
    ) -> None:
        lo, hi, count, op, cl, vol = check_bucket(
            (min_price_1m, max_price_1m, bar_count_1m, open_price_1m, close_price_1m, volume_1m))
        self._min, self._max, self._count = lo, hi, count
        self._open, self._close, self._volume = op, cl, vol

    def reset(self) -> None:
        """Empty the bucket."""
        self._min = self._max = self._open = self._close = self._volume = _NAN
        self._count = 0

    def accumulate_ohlcv(self, open: float, high: float, low: float, close: float, volume: float) -> None:
        """Add one 1-minute bar given as raw values (NaN propagates; only the number types are
        checked: TypeError for a string or any other object that is not a real number)."""
        open, high, low, close, volume = (_raw("open", open), _raw("high", high), _raw("low", low),
                                          _raw("close", close), _raw("volume", volume))
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
        """Add the 1-minute bar behind ``quote`` (open, high, low, close = ``last``, volume).

        A :class:`QuoteState` is read field by field at C level in the compiled build; any other
        object with the same attributes is read through them (as :meth:`accumulate_ohlcv`). A
        quote whose ``__init__`` never ran raises NotInitializedError and is not added.
        """
        if type(quote) is not QuoteState:
            self.accumulate_ohlcv(quote.open_1m, quote.high_1m, quote.low_1m, quote.last, quote.volume_1m)
            return
        _, close, open, high, low, _, _, volume = quote._v  # validated floats (unbuilt: raises)
        if self._count == 0:
            self._open, self._min, self._max, self._volume = open, low, high, volume
        else:  # a QuoteState holds no NaN, but the running values may (from accumulate_ohlcv)
            if low < self._min:
                self._min = low
            if high > self._max:
                self._max = high
            self._volume += volume
        self._close = close
        self._count += 1

    def freeze(self) -> Dict[str, float]:
        """A new dict keyed by :data:`ROLLUP_KEYS`; the bucket is unchanged."""
        return {_K_MIN: self._min, _K_MAX: self._max, _K_BARS: float(self._count), _K_OPEN: self._open,
                _K_CLOSE: self._close, _K_VOLUME: self._volume}

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

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self._min, self._max, self._count, self._open, self._close, self._volume))

    def __repr__(self) -> str:
        return (
            f"ExecRollupBucket(bars_1m={self._count}, open={self._open}, high={self._max}, "
            f"low={self._min}, close={self._close}, volume={self._volume})"
        )
