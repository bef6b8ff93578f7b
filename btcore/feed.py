"""Immutable per-timeframe array stores: :class:`FeedStore` and :class:`MultiTFFeedStore`.

A :class:`FeedStore` holds one timeframe of one symbol: int64 epoch-ms open/close times, float64
OHLCV, a float64 ``[k, n]`` indicator matrix and optional market-structure arrays. Every array is
C-contiguous and read-only, so the compiled view can take memoryviews of it once and trust them.

Array ownership
    Every input array is copied into a fresh C-contiguous array whose memory belongs to a
    read-only owner (``btcore._core._owned``; ``bytes`` in the pure twin), whatever its flags: a
    read-only input is not proof of immutability (pandas hands out read-only views of DataFrame
    columns, yet an in-place ``df.loc[...] = x`` writes through them), and a read-only array that
    owns its memory can be made writeable again (``a.flags.writeable = True``) or resized. numpy
    refuses both for an array over such an owner, and for every view of it, so nothing reachable
    from a FeedStore can change the memory the compiled view points into. Arrays that already are such btcore-owned arrays (another
    FeedStore's, or a pickled one's) are shared instead of copied. The copy is a memcpy-speed
    O(n) step (a few ms for the 525,766-row 2020 file).
Dtypes
    Prices, volumes, indicators and structure fields are always float64: float32 or integer input
    is widened (float32 values keep their float32 rounding, e.g. ``2.3`` reads back as
    ``2.299999952316284``). Booleans, strings, objects, datetimes and complex numbers are rejected.
Time
    ``ts_open_ms`` must be strictly increasing. Unsorted input raises :class:`~btcore.errors.DataError`
    unless ``sort=True`` is passed, which reorders every column (OHLCV, indicators, structures)
    with one stable permutation. Duplicate open times are always an error.
    ``ts_close_ms = ts_open_ms + tf_ms`` (exclusive end). Every open and close time must be a
    datetime of years 1 to 9999 (:data:`~btcore.timeframe.MIN_EPOCH_MS` ..
    :data:`~btcore.timeframe.MAX_EPOCH_MS`): a value outside is a unit mistake (microseconds or
    nanoseconds) or would wrap around int64, and raises :class:`~btcore.errors.DataError`. Lookups by time use binary search on the
    int64 arrays; Python-facing datetimes are aware UTC.
"""

from __future__ import annotations

import warnings
from datetime import datetime
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Optional

import numpy as np
from numpy.typing import NDArray

from ._arrays import (
    FeatureArrays,
    StructureStore,
    ZoneStore,
    _as_epoch_ms,
    _as_values,
    _check_mapping,
    _check_name,
    _check_order,
    _check_warmup,
    _checked,
    _Frozen,
    _frozen,
    _readonly,
)
from ._shared.constants import OHLCV, TF_ROLES
from .errors import DataError, PathError, TimeframeError, UnknownKeyError
from .timeframe import from_epoch_ms, normalize_tf, tf_ms, to_epoch_ms

__all__ = [
    "OHLCV_FIELDS",
    "FeedStore",
    "MultiTFFeedStore",
    "FeatureArrays",
    "StructureStore",
    "ZoneStore",
    "ROLES",
]

#: Columns every feed has; they cannot also be indicator names.
OHLCV_FIELDS = OHLCV
#: Roles accepted by :meth:`MultiTFFeedStore.get_feed` (``ltf`` is the old name of ``exec``).
ROLES = TF_ROLES


# --------------------------------------------------------------------------- FeedStore

_FEED_SLOTS = (
    "tf",  # normalised timeframe string, e.g. '15m'
    "symbol",  # instrument name
    "tf_ms",  # bar duration in ms
    "length",  # number of bars
    "ts_open_ms",  # int64[n] strictly increasing bar open times
    "ts_close_ms",  # int64[n] = ts_open_ms + tf_ms (exclusive end)
    "open",
    "high",
    "low",
    "close",
    "volume",  # float64[n] each
    "indicator_names",  # tuple of names, row order of indicator_matrix
    "indicator_matrix",  # float64[k, n] C-contiguous
    "indicators",  # read-only mapping name -> row view of indicator_matrix
    "indicator_metadata",  # read-only mapping name -> metadata object
    "warmup_bars",  # bars before indicators are valid
    "structures",  # read-only mapping block key -> StructureStore
    "_indicator_index",  # name -> row of indicator_matrix
    "_view_tables",  # implementation name -> the view's lookup tables for this feed (built on first use)
    "__weakref__",
)


class FeedStore(_Frozen):
    """Immutable arrays of one timeframe of one symbol (see the module docstring for the rules).

    Build with :meth:`from_arrays`, :meth:`from_dataframe` or :meth:`from_dataframe_with_features`.
    Attributes cannot be assigned and every array is read-only.
    """

    __slots__ = _FEED_SLOTS
    tf: str
    symbol: str
    tf_ms: int
    length: int
    ts_open_ms: NDArray[np.int64]
    ts_close_ms: NDArray[np.int64]
    open: NDArray[np.float64]
    high: NDArray[np.float64]
    low: NDArray[np.float64]
    close: NDArray[np.float64]
    volume: NDArray[np.float64]
    indicator_names: tuple[str, ...]
    indicator_matrix: NDArray[np.float64]
    indicators: Mapping[str, NDArray[np.float64]]
    indicator_metadata: Mapping[str, Any]
    warmup_bars: int
    structures: Mapping[str, StructureStore]
    _indicator_index: Mapping[str, int]
    _view_tables: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(
            "build a FeedStore with FeedStore.from_arrays(...), FeedStore.from_dataframe(...) or "
            "FeedStore.from_dataframe_with_features(...)"
        )

    # ------------------------------------------------------------------ construction

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
        """Build a feed from arrays (vectorised; O(n), or O(n log n) with ``sort=True``).

        Parameters
        ----------
        tf : str
            Timeframe (any ``N`` + ``m|h|d|w``); stored normalised.
        symbol : str
            Instrument name.
        ts_open_ms : array-like of int64 epoch ms, or datetime64 (naive = UTC)
            Bar open times; must be strictly increasing unless ``sort=True``.
        open, high, low, close, volume : array-like of real numbers
            One value per bar; stored as read-only float64 (copied unless already so).
        indicators : mapping of str to array-like, optional
            Indicator name → values (float32 is widened to float64). Names must not be OHLCV names.
        indicator_metadata : mapping, optional
            Indicator name → metadata object, stored as given.
        warmup_bars : int
            Bars at the start whose indicators are not yet valid.
        structures : mapping of str to StructureStore or to a mapping of field arrays, optional
            Market-structure blocks by key; their arrays must have one value per bar.
        sort : bool
            Reorder every column by open time instead of rejecting unsorted input.

        Raises
        ------
        DataError
            Wrong dtype or shape, length mismatch, unsorted (without ``sort``) or duplicate
            timestamps, an indicator named like an OHLCV column, a negative ``warmup_bars``.
        TimeframeError
            Invalid ``tf``.
        """
        tf = normalize_tf(tf)
        step = tf_ms(tf)
        if not isinstance(symbol, str):
            raise DataError(f"symbol must be a string, got {symbol!r}", "BAD_SYMBOL")
        ts = _as_epoch_ms("ts_open_ms", ts_open_ms, step)
        n = ts.shape[0]
        order = _check_order(ts, sort)

        def values(name: str, v: Any) -> np.ndarray:
            a = _as_values(name, v, n)
            return a if order is None else _readonly(a[order])

        ohlcv = [values(name, v) for name, v in zip(OHLCV_FIELDS, (open, high, low, close, volume))]
        indicators = dict(_check_mapping("indicators", indicators))
        names = tuple(_check_name("indicator", k) for k in indicators)
        clash = sorted(set(names) & set(OHLCV_FIELDS))
        if clash:
            raise DataError(
                f"indicator names {clash} collide with OHLCV columns {list(OHLCV_FIELDS)}; rename them",
                "BAD_NAME",
            )
        matrix = np.empty((len(names), n), dtype=np.float64)
        for j, name in enumerate(names):
            a = _checked(f"indicator {name}", indicators[name], n)
            matrix[j] = a if order is None else a[order]
        matrix = _readonly(matrix)
        metadata = dict(_check_mapping("indicator_metadata", indicator_metadata))
        extra = sorted(set(metadata) - set(names))
        if extra:
            warnings.warn(f"FeedStore {tf}: metadata for undeclared indicators {extra} is kept but unused", stacklevel=2)
        blocks = {}
        for key, st in _check_mapping("structures", structures).items():
            store = st if isinstance(st, StructureStore) else StructureStore(key, st)
            blocks[_check_name("structure block", key)] = store._reattach(n, order)

        if order is not None:
            ts = ts[order]
        _check_spacing(ts, step, tf)
        self = object.__new__(cls)
        put = object.__setattr__
        for name, v in (
            ("tf", tf),
            ("symbol", symbol),
            ("tf_ms", step),
            ("length", n),
            ("ts_open_ms", _readonly(ts)),
            ("ts_close_ms", _frozen(ts, np.int64, step)),
            *zip(OHLCV_FIELDS, ohlcv),
            ("indicator_names", names),
            ("indicator_matrix", matrix),
            ("indicators", MappingProxyType({k: matrix[j] for j, k in enumerate(names)})),
            ("indicator_metadata", MappingProxyType(metadata)),
            ("warmup_bars", _check_warmup(warmup_bars)),
            ("structures", MappingProxyType(blocks)),
            ("_indicator_index", MappingProxyType({k: j for j, k in enumerate(names)})),
            ("_view_tables", {}),
        ):
            put(self, name, v)
        return self

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
        sort: bool = False,
    ) -> "FeedStore":
        """Build a feed from a table (vectorised; no per-row Python work).

        ``df`` may be a pandas or polars DataFrame, a polars LazyFrame, a pyarrow Table or
        RecordBatch (or any Arrow PyCapsule producer), a numpy structured array or a mapping of
        column -> array (read by :func:`btcore.data.convert.as_pandas`).
        The open time comes from the first of these columns that exists: ``timestamp``
        (datetime64, naive = UTC, or tz-aware; or int ms), ``ts_open_ms`` or ``ts`` (int ms),
        then ``open_time``, ``time``, ``datetime``, ``date`` (datetime64 or int ms); otherwise
        from a DatetimeIndex. Columns ``open, high, low, close, volume`` are required.
        Only ``indicator_columns`` become indicators; a listed column that is missing is an error.
        ``prefer_float32`` is accepted for compatibility and ignored: values are always float64.
        Other parameters as in :meth:`from_arrays`.
        """
        if prefer_float32:
            warnings.warn("prefer_float32 is ignored: btcore stores every value as float64", DeprecationWarning, stacklevel=2)
        df = _as_table(df, "FeedStore.from_dataframe")
        o, h, lo, c, v = _ohlcv_columns(df)
        wanted = list(indicator_columns or [])
        missing = [c for c in wanted if c not in df.columns]
        if missing:
            raise DataError(f"indicator columns {missing} are not in the DataFrame; columns: {list(df.columns)}", "MISSING_COLUMN")
        return cls.from_arrays(
            tf, symbol, _time_column(df), o, h, lo, c, v,
            indicators={name: _column(df, name) for name in wanted},
            indicator_metadata=indicator_metadata, warmup_bars=warmup_bars, structures=structures, sort=sort,
        )

    @classmethod
    def from_dataframe_with_features(
        cls,
        df: Any,
        tf: str,
        symbol: str,
        feature_arrays: "FeatureArrays | Mapping[str, Any]",
        structures: Optional[Mapping[str, Any]] = None,
        *,
        sort: bool = False,
    ) -> "FeedStore":
        """Build a feed from a DataFrame (OHLCV and time as in :meth:`from_dataframe`) plus
        :class:`FeatureArrays` aligned row by row with ``df``.

        With ``sort=True`` the feature arrays are reordered together with the rows of ``df``.
        """
        df = _as_table(df, "FeedStore.from_dataframe_with_features")
        fa = feature_arrays if isinstance(feature_arrays, FeatureArrays) else FeatureArrays(feature_arrays)
        if fa.arrays and len(df) != fa.length:
            raise DataError(f"DataFrame length {len(df)} != FeatureArrays length {fa.length}", "LENGTH_MISMATCH")
        return cls.from_arrays(
            tf, symbol, _time_column(df), *_ohlcv_columns(df),
            indicators=fa.arrays, indicator_metadata=fa.metadata,
            warmup_bars=fa.warmup_bars, structures=structures, sort=sort,
        )

    def to_frame(self, kind: str = "pandas") -> Any:
        """The feed as a table: ``ts`` (int64 open, ms UTC), ``open .. volume``, then each indicator.

        ``kind`` is ``"pandas"``, ``"arrow"`` (``pyarrow.Table``) or ``"polars"`` (needs the
        ``polars`` extra); see :func:`btcore.data.convert.to_frame`. The columns are copies, and
        ``FeedStore.from_dataframe(feed.to_frame(), tf, symbol, indicator_columns=...)`` rebuilds
        the same feed.
        """
        from .data.convert import to_frame

        cols = {"ts": self.ts_open_ms, **{f: getattr(self, f) for f in OHLCV_FIELDS}, **self.indicators}
        return to_frame({k: np.array(v) for k, v in cols.items()}, kind)

    def __reduce__(self) -> tuple[Any, ...]:
        args = (self.tf, self.symbol, self.ts_open_ms, *(getattr(self, f) for f in OHLCV_FIELDS),
                dict(self.indicators), dict(self.indicator_metadata), self.warmup_bars, dict(self.structures))
        return (_rebuild_feed, args)

    # ------------------------------------------------------------------ indexing and time

    def __len__(self) -> int:
        return self.length

    def __repr__(self) -> str:
        span = ""
        if self.length:
            span = f", {from_epoch_ms(self.ts_open_ms[0]).isoformat()} .. {from_epoch_ms(self.ts_close_ms[-1]).isoformat()}"
        return f"<FeedStore {self.symbol} {self.tf}: {self.length} bars, {len(self.indicator_names)} indicators{span}>"

    def check_index(self, idx: Any) -> int:
        """``idx`` as an int in ``[0, length)``; IndexError naming the value and the range otherwise.

        Negative indices are not wrapped (a negative index is always an error).
        """
        if isinstance(idx, (bool, np.bool_)) or not isinstance(idx, (int, np.integer)):
            raise IndexError(f"bar index must be an int, got {idx!r} ({type(idx).__name__})")
        i = int(idx)
        if not 0 <= i < self.length:
            valid = f"0..{self.length - 1}" if self.length else "none: the feed is empty"
            raise IndexError(f"bar index {i} out of range for {self.symbol} {self.tf} feed of {self.length} bars (valid: {valid})")
        return i

    @property
    def ts_open(self) -> np.ndarray:
        """Open times as a read-only datetime64[ms] view (UTC)."""
        return self.ts_open_ms.view("datetime64[ms]")

    @property
    def ts_close(self) -> np.ndarray:
        """Close times as a read-only datetime64[ms] view (UTC)."""
        return self.ts_close_ms.view("datetime64[ms]")

    @property
    def indicator_keys(self) -> list[str]:
        """Indicator names as a list (compatibility alias of :attr:`indicator_names`)."""
        return list(self.indicator_names)

    def indicator_row(self, name: str) -> int:
        """Row of ``name`` in :attr:`indicator_matrix`; UnknownKeyError listing the names if absent."""
        j = self._indicator_index.get(name)
        if j is None:
            raise UnknownKeyError(
                f"Indicator {name!r} not declared on the {self.tf} feed. Available indicators: {list(self.indicator_names)}"
            )
        return j

    def get_ts_open_datetime(self, idx: int) -> datetime:
        """Open time of bar ``idx`` as an aware UTC datetime."""
        return from_epoch_ms(self.ts_open_ms[self.check_index(idx)])

    def get_ts_close_datetime(self, idx: int) -> datetime:
        """Close time (exclusive end) of bar ``idx`` as an aware UTC datetime."""
        return from_epoch_ms(self.ts_close_ms[self.check_index(idx)])

    def get_ts_close_ms(self, idx: int) -> int:
        """Close time of bar ``idx`` in epoch ms."""
        return int(self.ts_close_ms[self.check_index(idx)])

    def get_idx_at_ts_close(self, ts: Any) -> Optional[int]:
        """Index of the bar closing exactly at ``ts`` (anything ``to_epoch_ms`` accepts), else None."""
        ms = to_epoch_ms(ts)
        i = int(np.searchsorted(self.ts_close_ms, ms, side="left"))
        return i if i < self.length and self.ts_close_ms[i] == ms else None

    def get_last_closed_idx_at_or_before(self, ts: Any) -> Optional[int]:
        """Index of the last bar with ``ts_close_ms <= ts`` (binary search), None before the first close."""
        i = int(np.searchsorted(self.ts_close_ms, to_epoch_ms(ts), side="right")) - 1
        return i if i >= 0 else None

    def is_close_at(self, ts: Any) -> bool:
        """True if a bar closes exactly at ``ts``."""
        return self.get_idx_at_ts_close(ts) is not None

    # ------------------------------------------------------------------ structures

    def get_structure(self, block_key: str) -> StructureStore:
        """The structure block ``block_key``; UnknownKeyError listing the blocks if absent."""
        st = self.structures.get(block_key)
        if st is None:
            raise UnknownKeyError(f"Unknown structure block_key {block_key!r}. Available: {sorted(self.structures)}")
        return st

    def has_structure(self, block_key: str) -> bool:
        """True if a structure block ``block_key`` exists."""
        return block_key in self.structures

    def get_structure_fields(self, block_key: str) -> list[str]:
        """Field names of a block (``[]`` if unknown)."""
        st = self.structures.get(block_key)
        return list(st.fields) if st is not None else []

    def get_structure_field(self, block_key: str, field_name: str, bar_idx: int) -> Optional[float]:
        """Value of a structure field at ``bar_idx``; None if NaN or out of range."""
        return self.get_structure(block_key).get_field(field_name, bar_idx)

    def has_zone(self, block_key: str, zone_key: str) -> bool:
        """True if block ``block_key`` exists and has zone ``zone_key``."""
        st = self.structures.get(block_key)
        return st is not None and st.has_zone(zone_key)

    def get_zone_fields(self, block_key: str, zone_key: str) -> list[str]:
        """Field names of a zone (``[]`` if block or zone is unknown)."""
        st = self.structures.get(block_key)
        return st.get_zone_fields(zone_key) if st is not None else []

    def get_zone_field(self, block_key: str, zone_key: str, field_name: str, bar_idx: int) -> Optional[float]:
        """Value of a zone field at ``bar_idx``; None if NaN or out of range."""
        return self.get_structure(block_key).get_zone_field(zone_key, field_name, bar_idx)


def _check_spacing(ts: np.ndarray, step: int, tf: str, evidence_bars: int = 32) -> None:
    """DataError when the open times contradict the declared timeframe: two bars closer than one
    bar or a step that is not a whole number of bars (finer or shifted data: 1m bars declared
    ``5m``), or every step a multiple of two or more bars over at least ``evidence_bars`` bars
    (coarser data: 4h bars declared ``1h`` would show a 04:00 close at 01:00). Missing bars are
    fine: random gaps make such a regular pattern vanishingly unlikely (below 1e-12 over 32 bars
    with 70 % of them missing)."""
    if ts.shape[0] < 2:
        return

    def fmt(ms: int) -> str:
        for unit, unit_ms in (("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000)):
            if ms % unit_ms == 0:
                return f"{ms // unit_ms}{unit}"
        return f"{ms} ms"

    d = np.diff(ts)
    off = np.flatnonzero((d < step) | (d % step != 0))
    if off.size:
        i = int(off[0])
        raise DataError(
            f"bars {fmt(int(d[i]))} apart do not fit timeframe {tf!r}: row {i + 1} opens {fmt(int(d[i]))} after "
            f"row {i} ({from_epoch_ms(int(ts[i])).isoformat()}); every step between open times must be a whole "
            f"number of {tf} bars; declare the bars' own timeframe or resample them",
            "TIMEFRAME_MISMATCH",
        )
    common = int(np.gcd.reduce(d // step)) * step
    if common > step and ts.shape[0] >= evidence_bars:
        raise DataError(
            f"bars {fmt(common)} apart given as timeframe {tf!r}: all {ts.shape[0]} open times are a multiple of "
            f"{fmt(common)} apart, so these look like {fmt(common)} bars (a {tf} view of them would show a bar's "
            f"close before it happened); declare tf={fmt(common)!r} or resample",
            "TIMEFRAME_MISMATCH",
        )


def _rebuild_feed(*args: Any) -> FeedStore:
    return FeedStore.from_arrays(*args)


def _as_table(df: Any, source: str) -> Any:
    from .data.convert import as_pandas  # imported on use: pandas is not needed for the core

    return as_pandas(df, source=source)


def _column(df: Any, name: str) -> np.ndarray:
    if name not in df.columns:
        raise DataError(f"DataFrame has no column {name!r}; columns: {list(df.columns)}", "MISSING_COLUMN")
    s = df[name]
    if not isinstance(s.dtype, np.dtype) and getattr(s.dtype, "kind", "O") in "fiu":
        return np.asarray(s.to_numpy(dtype=np.float64, na_value=np.nan))  # pandas nullable numeric dtypes
    return np.asarray(s.to_numpy())


def _ohlcv_columns(df: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    o, h, lo, c, v = (_column(df, name) for name in OHLCV_FIELDS)
    return o, h, lo, c, v


def _time_column(df: Any) -> np.ndarray:
    import pandas as pd

    for name in ("timestamp", "ts_open_ms", "ts", "open_time", "time", "datetime", "date"):
        if name in df.columns:
            s = df[name]
            break
    else:
        if isinstance(df.index, pd.DatetimeIndex):
            s = df.index.to_series()
        else:
            raise DataError(
                f"no time column: expected 'timestamp' (datetime64 or int ms), 'ts_open_ms' or 'ts' "
                f"(int ms), 'open_time', 'time', 'datetime' or 'date', or a DatetimeIndex; columns: {list(df.columns)}",
                "MISSING_COLUMN",
            )
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert(None)  # to UTC, then drop the zone
    return np.asarray(s.to_numpy())


# --------------------------------------------------------------------------- MultiTFFeedStore


class MultiTFFeedStore(_Frozen):
    """The feeds of one run: exec, optional MTF and HTF, and the optional 1m quote feed.

    A role without its own feed is None (single-TF mode, or a role whose timeframe equals exec).
    ``tf_mapping`` defaults to the feeds' timeframes (a missing role takes the next faster one).

    Raises
    ------
    DataError
        A feed is not a FeedStore or the feeds disagree on the symbol.
    TimeframeError
        Durations are not HTF >= MTF >= exec, the quote feed is not ``1m``, or ``tf_mapping``
        disagrees with a feed's timeframe.
    """

    __slots__ = ("exec_feed", "htf_feed", "mtf_feed", "quote_feed", "tf_mapping", "_view_tables", "__weakref__")
    exec_feed: FeedStore
    htf_feed: Optional[FeedStore]
    mtf_feed: Optional[FeedStore]
    quote_feed: Optional[FeedStore]
    tf_mapping: Mapping[str, str]
    _view_tables: dict[str, Any]

    def __init__(
        self,
        exec_feed: FeedStore,
        htf_feed: Optional[FeedStore] = None,
        mtf_feed: Optional[FeedStore] = None,
        tf_mapping: Optional[Mapping[str, str]] = None,
        quote_feed: Optional[FeedStore] = None,
    ) -> None:
        named = {"exec_feed": exec_feed, "htf_feed": htf_feed, "mtf_feed": mtf_feed, "quote_feed": quote_feed}
        for label, feed in named.items():
            if feed is not None and not isinstance(feed, FeedStore):
                raise DataError(f"{label} must be a FeedStore or None, got {type(feed).__name__}", "BAD_FEED")
        if exec_feed is None:
            raise DataError("exec_feed is required", "BAD_FEED")
        symbols = {f.symbol for f in named.values() if f is not None}
        if len(symbols) > 1:
            raise DataError(f"feeds disagree on the symbol: {sorted(symbols)}", "SYMBOL_MISMATCH")
        chain = [f for f in (exec_feed, mtf_feed, htf_feed) if f is not None]
        if any(a.tf_ms > b.tf_ms for a, b in zip(chain, chain[1:])):
            raise TimeframeError(
                "feed timeframes must satisfy HTF >= MTF >= exec, got "
                + ", ".join(f"{r}={f.tf}" for r, f in (("exec", exec_feed), ("mtf", mtf_feed), ("htf", htf_feed)) if f is not None)
            )
        if quote_feed is not None and quote_feed.tf_ms != 60_000:
            raise TimeframeError(f"quote_feed must be a 1m feed, got {quote_feed.tf!r}")
        mtf_tf = mtf_feed.tf if mtf_feed is not None else exec_feed.tf
        mapping = {"exec": exec_feed.tf, "ltf": exec_feed.tf, "mtf": mtf_tf, "htf": htf_feed.tf if htf_feed is not None else mtf_tf}
        if tf_mapping is not None and not isinstance(tf_mapping, Mapping):
            raise TimeframeError(f"tf_mapping must be a mapping of role -> timeframe, got {type(tf_mapping).__name__}: {tf_mapping!r:.80}")
        for role, tf in (tf_mapping or {}).items():
            if not isinstance(role, str) or role not in mapping:
                raise TimeframeError(f"tf_mapping has unknown role {role!r}; valid roles: {list(mapping)}")
            feed = {"exec": exec_feed, "ltf": exec_feed, "mtf": mtf_feed, "htf": htf_feed}.get(role)
            if feed is not None and tf_ms(tf) != feed.tf_ms:
                raise TimeframeError(f"tf_mapping[{role!r}] = {tf!r} but the {role} feed is {feed.tf!r}")
            mapping[role] = normalize_tf(tf)
        put = object.__setattr__
        for name, feed in named.items():
            put(self, name, feed)
        put(self, "tf_mapping", MappingProxyType(mapping))
        put(self, "_view_tables", {})

    def __reduce__(self) -> tuple[Any, ...]:
        return (MultiTFFeedStore, (self.exec_feed, self.htf_feed, self.mtf_feed, dict(self.tf_mapping), self.quote_feed))

    def get_feed(self, role: str) -> Optional[FeedStore]:
        """Feed of ``role`` (``exec``/``ltf``, ``mtf``, ``htf``); None if the role has no own feed.

        Raises
        ------
        PathError
            For any other role name (a silent None would hide a misspelt role).
        """
        if role == "exec" or role == "ltf":
            return self.exec_feed
        if role == "htf":
            return self.htf_feed
        if role == "mtf":
            return self.mtf_feed
        raise PathError(f"Unknown tf role {role!r}. Valid roles: {list(ROLES)}")

    def __repr__(self) -> str:
        parts = [f"{r}={f.tf}" for r, f in (("exec", self.exec_feed), ("mtf", self.mtf_feed), ("htf", self.htf_feed), ("quote", self.quote_feed)) if f is not None]
        return f"<MultiTFFeedStore {self.exec_feed.symbol} {' '.join(parts)}>"
