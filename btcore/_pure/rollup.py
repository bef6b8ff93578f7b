"""1-minute quotes and the streaming rollup of the 1-minute bars inside one exec bar.

Pure-Python twin of ``btcore._core.rollup`` (same names, signatures, docstrings, behaviour and
exceptions). :data:`QUOTE_KEYS`, :func:`quote_to_packet_dict`, :data:`ROLLUP_KEYS`,
:func:`create_empty_rollup_dict` and the validation messages come from
:mod:`btcore._shared.rollup` in both twins; :class:`QuoteState` and :class:`ExecRollupBucket`
are written in each.

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
:func:`btcore._shared.boundary.as_double` converts them (never from strings).
"""

from __future__ import annotations

from typing import Any, Dict, Tuple

from .._shared.boundary import already_initialised, as_double
from .._shared.docs import attach
from .._shared import rollup as _shared
from .._shared.rollup import (
    DOCS,
    NAMES,
    QUOTE_KEYS,
    ROLLUP_KEYS,
    TS_MAX,
    _INF,
    _K_BARS,
    _K_CLOSE,
    _K_MAX,
    _K_MIN,
    _K_OPEN,
    _K_VOLUME,
    _NAN,
    bad_price,
    bad_range,
    bad_volume,
    check_bucket,
    check_mark_source,
    check_ts_ms,
    create_empty_rollup_dict,
    quote_to_packet_dict,
    real,
    unbuilt_quote,
)

__all__ = list(NAMES)


# --------------------------------------------------------------------------- validation


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
    __doc__ = DOCS["QuoteState"]

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


class ExecRollupBucket:
    __doc__ = DOCS["ExecRollupBucket"]

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
        self._min = self._max = self._open = self._close = self._volume = _NAN
        self._count = 0

    def accumulate_ohlcv(self, open: float, high: float, low: float, close: float, volume: float) -> None:
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
        return _shared.bucket_repr(self._count, self._open, self._max, self._min, self._close, self._volume)


attach(globals(), DOCS)
