"""What both twins of the quote and the rollup bucket share.

``btcore._core.rollup`` and ``btcore._pure.rollup`` import it; neither imports the other.

``DOCS``: the docstrings of their public classes, functions and methods (see
:mod:`btcore._shared.docs`).

The validation functions are called by both twins (the compiled module for anything that is not
a plain float/int), so the accepted values and the messages are the same by construction; the
rollup keys are interned, because the view reads a frozen dict by pointer comparison of its keys.
"""

from __future__ import annotations

import numbers
import sys
from typing import Any, Dict, Tuple

from ..errors import DataError, NotInitializedError
from ..timeframe import MAX_EPOCH_MS
from .boundary import not_initialised_named
from .state_tables import MAX_INDEX

#: The twins' public names; ``__all__`` are those written here, re-exported by both.
NAMES = ["QuoteState", "QUOTE_KEYS", "quote_to_packet_dict", "ExecRollupBucket", "ROLLUP_KEYS",
         "create_empty_rollup_dict"]
__all__ = ["QUOTE_KEYS", "quote_to_packet_dict", "ROLLUP_KEYS", "create_empty_rollup_dict"]

MARK_SOURCES = ("mark_1m", "approx_from_ohlcv_1m")
#: Latest quote time: the last millisecond of year 9999 (every btcore time is a datetime).
TS_MAX = MAX_EPOCH_MS
_NAN = float("nan")
_INF = float("inf")


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

    A count of 0 is an empty bucket: the other values must be the constructor's defaults
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


def quote_to_packet_dict(quote: Any) -> Dict[str, Any]:
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


def bucket_repr(count: int, open_: float, high: float, low: float, close: float, volume: float) -> str:
    """``repr`` of an ExecRollupBucket from its fields."""
    return (f"ExecRollupBucket(bars_1m={count}, open={open_}, high={high}, low={low}, close={close}, "
            f"volume={volume})")


DOCS = {
    "QuoteState": """Quote derived from one closed 1-minute bar (ticker proxy for the simulator).

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
""",
    "ExecRollupBucket": """Streaming rollup of the 1-minute bars of one exec interval; O(1) per operation.

Feed it with :meth:`accumulate` (a :class:`QuoteState`) or :meth:`accumulate_ohlcv` (raw
values, NaN allowed), read it with :meth:`freeze`, empty it with :meth:`reset`. An empty
bucket reads NaN for every price and volume and 0 for the count. A NaN value is never
skipped: it makes the matching minimum, maximum, sum, open or close NaN (same rule as the
vectorised rollups of :func:`btcore.align.align_feeds`).

The constructor takes the bucket's six fields (the names engines ported to btcore already use),
so a partly filled bucket can be rebuilt (and a pickled one restored); ``ExecRollupBucket()`` is
empty. With ``bar_count_1m=0`` the other values must be the defaults or NaN.

Raises
------
DataError
    (a ``ValueError``) for a negative or non-integer count, a value that is not a real
    number, values given with a count of 0, or ``min_price_1m > max_price_1m``. Nothing is
    changed when ``__init__`` raises (also when called again on an existing bucket).
""",
    "ExecRollupBucket.reset": """Empty the bucket.""",
    "ExecRollupBucket.accumulate_ohlcv": """Add one 1-minute bar given as raw values (NaN propagates; only the number types are
checked: TypeError for a string or any other object that is not a real number).
""",
    "ExecRollupBucket.accumulate": """Add the 1-minute bar behind ``quote`` (open, high, low, close = ``last``, volume).

A :class:`QuoteState` is read field by field at C level in the compiled build; any other
object with the same attributes is read through them (as :meth:`accumulate_ohlcv`). A
quote whose ``__init__`` never ran raises NotInitializedError and is not added.
""",
    "ExecRollupBucket.freeze": """A new dict keyed by :data:`ROLLUP_KEYS`; the bucket is unchanged.""",
}
