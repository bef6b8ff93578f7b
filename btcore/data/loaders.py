"""Load 1-minute OHLCV bars from CSV / Parquet and resample them to slower timeframes.

Output shape (the same as the 2020 BTCUSDT parquet file): a DataFrame with an int64 ``ts`` column
(bar open, epoch ms UTC) and float64 ``open, high, low, close, volume``, sorted, unique, with a
fresh ``RangeIndex``. Every problem with the input is a :class:`~btcore.errors.DataError` whose
``error_code`` is one of :data:`LOADER_ERROR_CODES`; nothing from inside pandas/numpy escapes.

Time columns are read by :func:`btcore.data._timestamps.to_ms_array` (ISO strings, datetimes with
naive = UTC, epoch s/ms/µs/ns detected by magnitude per file).

In-memory tables may be pandas, polars (eager or lazy), Arrow (anything with the PyCapsule
interface), numpy structured arrays or mappings of arrays: they are read by
:func:`btcore.data.convert.as_pandas`.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any, Dict, Optional, Union

import numpy as np
import pandas as pd

from .._arrays import _frozen
from ..errors import DataError
from ..timeframe import normalize_tf, tf_ms, tf_origin_ms
from ._timestamps import TIME_COLUMNS, require_ms, to_ms_array
from .convert import as_pandas, decimals_to_float64

__all__ = [
    "OHLCV_COLUMNS",
    "BINANCE_KLINE_COLUMNS",
    "LOADER_ERROR_CODES",
    "load_ohlcv",
    "read_csv_ohlcv",
    "read_parquet_ohlcv",
    "normalize_ohlcv",
    "resample_ohlcv",
]

PathLike = Union[str, "os.PathLike[str]"]

OHLCV_COLUMNS = ("ts", "open", "high", "low", "close", "volume")
#: Binance spot/futures kline CSV layout (no header): open time in ms (older files) or µs (2025+).
BINANCE_KLINE_COLUMNS = (
    "open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume",
    "trades", "taker_buy_base_volume", "taker_buy_quote_volume", "ignore",
)
_PRICE_ALIASES = {
    "open": ("open", "o"),
    "high": ("high", "h"),
    "low": ("low", "l"),
    "close": ("close", "c"),
    "volume": ("volume", "vol", "v"),
}
_MISSING_MARKERS = frozenset(("", "nan", "null", "none", "na", "n/a"))
LOADER_ERROR_CODES = (
    "FILE_NOT_FOUND", "UNREADABLE_FILE", "UNSUPPORTED_FORMAT", "EMPTY_DATA", "MISSING_COLUMNS",
    "NON_NUMERIC_VALUES", "BAD_TIMESTAMP", "MIXED_TIMESTAMP_UNITS", "UNSORTED_TIMESTAMPS",
    "DUPLICATE_TIMESTAMPS", "MISALIGNED_TIMESTAMPS", "BAD_OPTION", "LENGTH_MISMATCH",
)


# --------------------------------------------------------------------------- reading files


def _check_path(path: PathLike) -> Path:
    p = Path(path)
    if not p.exists():
        raise DataError(f"Data file not found: {str(p)!r}", "FILE_NOT_FOUND")
    if not p.is_file():
        raise DataError(f"Not a file: {str(p)!r}", "UNREADABLE_FILE")
    if p.stat().st_size == 0:
        raise DataError(f"Data file is empty: {str(p)!r}", "EMPTY_DATA")
    return p


def _first_line(p: Path) -> str:
    try:
        with p.open("r", encoding="utf-8-sig", errors="strict") as fh:
            for line in fh:
                if line.strip():
                    return line
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"Cannot read {str(p)!r} as UTF-8 text: {exc}", "UNREADABLE_FILE") from None
    raise DataError(f"Data file has no rows: {str(p)!r}", "EMPTY_DATA")


def _looks_numeric(field: str) -> bool:
    try:
        float(field.strip())
    except ValueError:
        return False
    return True


def read_csv_ohlcv(path: PathLike) -> pd.DataFrame:
    """Read a CSV of bars as raw columns (header or Binance headerless kline layout).

    A file whose first line starts with a number has no header: 12 columns are the Binance kline
    layout (:data:`BINANCE_KLINE_COLUMNS`), 6 columns are ``ts, open, high, low, close, volume``.
    Otherwise the first line is the header. Values are not validated here.
    """
    p = _check_path(path)
    first = _first_line(p)
    try:
        fields = next(csv.reader(io.StringIO(first)))
    except (csv.Error, StopIteration) as exc:
        raise DataError(f"Cannot parse the first line of {str(p)!r}: {exc}", "UNREADABLE_FILE") from None
    headerless = bool(fields) and _looks_numeric(fields[0])
    names: Optional[list[str]] = None
    if headerless:
        if len(fields) == len(BINANCE_KLINE_COLUMNS):
            names = list(BINANCE_KLINE_COLUMNS)
        elif len(fields) == len(OHLCV_COLUMNS):
            names = list(OHLCV_COLUMNS)
        else:
            raise DataError(
                f"{str(p)!r} has no header and {len(fields)} columns; a headerless file must "
                f"have 6 (ts, open, high, low, close, volume) or 12 (Binance kline) columns",
                "MISSING_COLUMNS",
            )
    try:
        df = pd.read_csv(
            p, header=None if headerless else 0, names=names, skipinitialspace=True,
            encoding="utf-8-sig", keep_default_na=True, skip_blank_lines=True,
        )
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as exc:
        raise DataError(f"Cannot parse CSV {str(p)!r}: {exc}", "UNREADABLE_FILE") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"Data file has no rows: {str(p)!r}", "EMPTY_DATA") from None
    return df


def read_parquet_ohlcv(path: PathLike) -> pd.DataFrame:
    """Read a Parquet file (pyarrow) as raw columns. Values are not validated here.

    DECIMAL columns (exchange prices stored exactly, as in the bundled sample) become float64,
    each value the double nearest to the decimal (:func:`btcore.data.convert.decimals_to_float64`).

    Memory: the columns are read one at a time, and a plain numeric column without nulls becomes
    a numpy array of its own before the next is read, so the bars are never held twice (once by
    Arrow, once by numpy); pyarrow's pool is then told to give back what it freed, instead of
    keeping it for later tables. A file written from a pandas frame with its index (a
    DatetimeIndex) is read whole, so the index comes back as pandas stored it.
    """
    p = _check_path(path)
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(p)
        meta = pf.schema_arrow.pandas_metadata or {}
        if any(isinstance(c, str) for c in meta.get("index_columns", [])):
            frame: pd.DataFrame = decimals_to_float64(pf.read(use_pandas_metadata=True)).to_pandas()
        else:
            cols = {name: _owned_column(decimals_to_float64(pf.read(columns=[name])), name)
                    for name in pf.schema_arrow.names}
            frame = pd.DataFrame(cols, copy=False)
        del pf
    except ImportError as exc:  # pragma: no cover - pyarrow is a runtime dependency
        raise DataError(f"Reading Parquet needs pyarrow: {exc}", "UNSUPPORTED_FORMAT") from None
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError subclasses of many kinds
        raise DataError(f"Cannot read Parquet {str(p)!r}: {exc}", "UNREADABLE_FILE") from None
    finally:
        if "pa" in locals():
            pa.default_memory_pool().release_unused()
    return frame


def _owned_column(part: Any, name: str) -> Any:
    """One column read from Arrow: a numpy array of its own (plain numbers without nulls), or a
    pandas Series (times, text, nulls), with the Arrow memory released either way."""
    import pyarrow as pa

    col = part.column(0)
    if (pa.types.is_integer(col.type) or pa.types.is_floating(col.type)) and col.null_count == 0:
        # Copied once, into the frozen memory a feed keeps: FeedStore.from_arrays then shares
        # these arrays instead of copying them again (the bars are never held twice).
        out: Any = _frozen(col.to_numpy())
    else:
        out = part.to_pandas()[name]
    del col, part
    pa.default_memory_pool().release_unused()
    return out


# --------------------------------------------------------------------------- normalising


def _find_column(df: pd.DataFrame, aliases: tuple[str, ...]) -> Optional[str]:
    lower = {str(c).strip().lower(): c for c in df.columns}
    for a in aliases:
        if a in lower:
            found: str = lower[a]  # the column's own label (pandas types it as Any)
            return found
    return None


def _numeric_column(df: pd.DataFrame, col: Any, name: str) -> np.ndarray:
    s = df[col]
    if s.dtype.kind in "iuf":
        as_float: np.ndarray = s.to_numpy(dtype=np.float64)
        return as_float
    if s.dtype.kind == "b":
        raise DataError(f"Column {name!r} holds booleans; allowed: numbers", "NON_NUMERIC_VALUES")
    obj = s.astype(object)
    num = pd.to_numeric(obj, errors="coerce")
    bad = np.zeros(len(obj), dtype=bool)
    nan_rows = np.flatnonzero(num.isna().to_numpy())
    if nan_rows.size:
        # only the rows that failed to parse are inspected in Python
        bad[nan_rows] = [
            not (x is None or (isinstance(x, float) and x != x)
                 or (isinstance(x, str) and x.strip().lower() in _MISSING_MARKERS))
            for x in obj.iloc[nan_rows]
        ]
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"Column {name!r} has a non-numeric value {s.iloc[i]!r} at row {i} "
            f"({int(bad.sum())} such values); allowed: numbers, empty/NaN for missing",
            "NON_NUMERIC_VALUES",
        )
    out: np.ndarray = num.to_numpy(dtype=np.float64, na_value=np.nan)
    return out


def _time_column(df: pd.DataFrame, time_column: Optional[str]) -> Any:
    if time_column is not None:
        if time_column not in df.columns:
            raise DataError(
                f"Time column {time_column!r} not found; columns are {list(map(str, df.columns))}",
                "MISSING_COLUMNS",
            )
        return df[time_column]
    col = _find_column(df, TIME_COLUMNS)
    if col is not None:
        return df[col]
    if isinstance(df.index, pd.DatetimeIndex):
        return df.index
    raise DataError(
        f"No time column; expected one of {list(TIME_COLUMNS)} (or a DatetimeIndex), "
        f"columns are {list(map(str, df.columns))}",
        "MISSING_COLUMNS",
    )


def _order(ts: np.ndarray, sort: bool, deduplicate: Optional[str]) -> Optional[np.ndarray]:
    """Row order that makes ``ts`` strictly increasing, or None if it already is."""
    if deduplicate not in (None, "first", "last"):
        raise DataError(f"deduplicate must be None, 'first' or 'last', got {deduplicate!r}", "BAD_OPTION")
    d = np.diff(ts)
    if (d > 0).all():
        return None
    if (d < 0).any() and not sort:
        i = int(np.flatnonzero(d < 0)[0])
        raise DataError(
            f"Timestamps are not sorted: row {i + 1} ({int(ts[i + 1])} ms) is before row {i} "
            f"({int(ts[i])} ms); pass sort=True to sort",
            "UNSORTED_TIMESTAMPS",
        )
    order = np.argsort(ts, kind="stable")
    st = ts[order]
    dup = np.diff(st) == 0
    if dup.any():
        if deduplicate is None:
            i = int(np.flatnonzero(dup)[0])
            raise DataError(
                f"Found {int(dup.sum())} duplicate timestamps (first: {int(st[i])} ms); pass "
                "deduplicate='first' or 'last' to keep one row per timestamp",
                "DUPLICATE_TIMESTAMPS",
            )
        keep = np.ones(st.size, dtype=bool)
        if deduplicate == "first":
            keep[1:] = ~dup
        else:
            keep[:-1] = ~dup
        order = order[keep]
    return order


def normalize_ohlcv(
    df: Any,
    *,
    time_column: Optional[str] = None,
    unit: str = "auto",
    sort: bool = False,
    deduplicate: Optional[str] = None,
    tf: Optional[str] = "1m",
    source: str = "data",
    copy: bool = True,
) -> pd.DataFrame:
    """Validate a raw bar table and return the canonical ``ts, open, high, low, close, volume`` frame.

    Parameters
    ----------
    df : table
        Raw columns (names matched case-insensitively; ``o/h/l/c/v`` and ``vol`` accepted). The
        time column is ``time_column`` or the first of :data:`TIME_COLUMNS` present. pandas,
        polars, Arrow, numpy structured arrays and mappings of arrays are accepted
        (:mod:`btcore.data.convert`).
    unit : str
        Epoch unit of a numeric time column: ``'auto'`` (by magnitude) or ``'s'|'ms'|'us'|'ns'``.
    sort, deduplicate :
        Without them unsorted or duplicate timestamps raise; ``sort=True`` sorts (stable),
        ``deduplicate='first'|'last'`` keeps one row per timestamp.
    tf : str or None
        Bar size the open times must be aligned to (``None`` skips the check).
    copy : bool
        ``False`` lets the result share memory with ``df`` (used for freshly read files).

    Raises
    ------
    DataError
        ``EMPTY_DATA``, ``MISSING_COLUMNS``, ``NON_NUMERIC_VALUES``, ``BAD_TIMESTAMP``,
        ``MIXED_TIMESTAMP_UNITS``, ``UNSORTED_TIMESTAMPS``, ``DUPLICATE_TIMESTAMPS``,
        ``MISALIGNED_TIMESTAMPS``; ``UNSUPPORTED_FORMAT`` for an object that is not a table.
    """
    df = as_pandas(df, source=source)
    if len(df) == 0:
        raise DataError(f"{source} has no rows", "EMPTY_DATA")
    found = {name: _find_column(df, aliases) for name, aliases in _PRICE_ALIASES.items()}
    missing = [n for n, c in found.items() if c is None]
    if missing:
        raise DataError(
            f"{source} is missing columns {missing}; required: time + open, high, low, close, "
            f"volume; found {list(map(str, df.columns))}",
            "MISSING_COLUMNS",
        )
    ts = to_ms_array(_time_column(df, time_column), unit=unit, name=f"{source} timestamps")
    values = {n: _numeric_column(df, c, n) for n, c in found.items()}
    order = _order(ts, sort, deduplicate)
    if order is not None:
        ts = ts[order]
        values = {n: v[order] for n, v in values.items()}
    if tf is not None:
        step, origin = tf_ms(tf), tf_origin_ms(tf)
        off = (ts - origin) % step
        if off.any():
            i = int(np.flatnonzero(off)[0])
            raise DataError(
                f"{source}: timestamp {int(ts[i])} ms (row {i}) is not aligned to {normalize_tf(tf)} "
                "bar opens; timestamps must be bar open times",
                "MISALIGNED_TIMESTAMPS",
            )
    cols: Dict[str, np.ndarray] = {"ts": np.ascontiguousarray(ts, dtype=np.int64)}
    cols.update((n, np.ascontiguousarray(values[n], dtype=np.float64)) for n in OHLCV_COLUMNS[1:])
    frame: pd.DataFrame = pd.DataFrame(cols, copy=copy)
    return frame


def load_ohlcv(
    path: Any,
    *,
    format: Optional[str] = None,
    time_column: Optional[str] = None,
    unit: str = "auto",
    sort: bool = False,
    deduplicate: Optional[str] = None,
    tf: Optional[str] = "1m",
    start: Any = None,
    end: Any = None,
) -> pd.DataFrame:
    """Load bars from a CSV / Parquet file (or an in-memory table) into the canonical frame.

    Parameters
    ----------
    path : path or table
        ``.csv`` / ``.txt`` (with header, or headerless 6-column or Binance 12-column kline
        layout), ``.parquet`` / ``.pq``; ``format`` (``'csv'|'parquet'``) overrides the suffix.
        Or a table: pandas or polars DataFrame, polars LazyFrame, pyarrow Table/RecordBatch or
        any Arrow PyCapsule producer, numpy structured array, mapping of column -> array
        (:mod:`btcore.data.convert`); it is never modified nor shared with the result.
    start, end : optional
        Keep bars whose open time is in ``[start, end]`` (inclusive; anything
        :func:`btcore.timeframe.to_epoch_ms` accepts).
    Others : see :func:`normalize_ohlcv`.

    Returns
    -------
    DataFrame
        int64 ``ts`` (bar open, ms UTC) and float64 ``open, high, low, close, volume``.
    """
    if not isinstance(path, (str, os.PathLike)):
        raw, source, owned = as_pandas(path, source=type(path).__name__), type(path).__name__, False
    else:
        fmt = (format or Path(path).suffix.lstrip(".")).lower()
        source, owned = repr(str(path)), True
        if fmt in ("csv", "txt"):
            raw = read_csv_ohlcv(path)
        elif fmt in ("parquet", "pq"):
            raw = read_parquet_ohlcv(path)
        else:
            raise DataError(
                f"Unsupported data format {fmt!r} for {source}; allowed: csv, txt, parquet, pq",
                "UNSUPPORTED_FORMAT",
            )
    out = normalize_ohlcv(
        raw, time_column=time_column, unit=unit, sort=sort, deduplicate=deduplicate, tf=tf,
        source=source, copy=not owned,
    )
    if start is not None or end is not None:
        out = slice_ohlcv(out, start, end)
    return out


def slice_ohlcv(df: pd.DataFrame, start: Any = None, end: Any = None) -> pd.DataFrame:
    """Rows of a canonical frame whose ``ts`` lies in ``[start, end]`` (inclusive; None = open)."""
    ts = df["ts"].to_numpy()
    lo = 0 if start is None else int(np.searchsorted(ts, require_ms(start, name="start"), "left"))
    hi = len(ts) if end is None else int(np.searchsorted(ts, require_ms(end, name="end"), "right"))
    part: pd.DataFrame = df.iloc[lo:hi].reset_index(drop=True)
    return part


# --------------------------------------------------------------------------- resampling


def resample_ohlcv(
    df: Any,
    tf: str,
    *,
    source_tf: str = "1m",
    include_partial: bool = False,
    require_complete: bool = False,
    count_column: Optional[str] = "minutes",
) -> pd.DataFrame:
    """Aggregate canonical bars of ``source_tf`` into bars of ``tf`` (vectorised).

    A ``tf`` bar opens at ``tf_origin_ms(tf) + k * tf_ms(tf)`` (epoch-aligned; weeks open on
    Monday 00:00 UTC). open = first source open, close = last source close, high = max, low = min,
    volume = sum; a NaN in any source bar propagates into its ``tf`` bar (nothing is skipped
    silently; the health check reports it).

    Missing source bars: a ``tf`` bar is emitted when at least one source bar lies inside it;
    ``count_column`` (default ``minutes``; None to omit) holds how many source bars it
    aggregates (``tf_ms / source_tf_ms`` when complete). ``require_complete=True`` drops bars
    with fewer. The last bar is dropped when the data ends before that bar closes (a bar still
    forming), unless ``include_partial=True``; a first bar that starts before the data is kept
    with its lower count.

    ``df`` may be any table :func:`load_ohlcv` accepts (pandas, polars, Arrow, numpy structured,
    mapping of arrays); the result is a pandas DataFrame (:func:`btcore.data.convert.to_frame`
    exports it as Arrow or polars).

    Raises
    ------
    DataError
        ``BAD_OPTION`` if ``tf`` is not a whole multiple of ``source_tf``; the errors of
        :func:`normalize_ohlcv` if ``df`` is not a canonical frame.
    """
    step, src = tf_ms(tf), tf_ms(source_tf)
    if step % src:
        raise DataError(
            f"Cannot resample {normalize_tf(source_tf)} bars to {normalize_tf(tf)}: the target must "
            f"be a whole multiple of the source timeframe",
            "BAD_OPTION",
        )
    df = as_pandas(df, source="resample input")
    if list(df.columns[:6]) != list(OHLCV_COLUMNS) or df["ts"].dtype != np.int64:
        df = normalize_ohlcv(df, tf=source_tf, source="resample input")
    ts = df["ts"].to_numpy()
    cols = {c: df[c].to_numpy(dtype=np.float64) for c in OHLCV_COLUMNS[1:]}
    if ts.size and (np.diff(ts) <= 0).any():
        df = normalize_ohlcv(df, tf=source_tf, source="resample input")  # raises with the reason
    origin = tf_origin_ms(tf)
    bucket = origin + ((ts - origin) // step) * step
    starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]]) if ts.size else np.empty(0, np.intp)
    ends = np.r_[starts[1:], ts.size].astype(np.intp)
    out = pd.DataFrame({"ts": bucket[starts].astype(np.int64)})
    if ts.size:
        out["open"] = cols["open"][starts]
        out["high"] = np.maximum.reduceat(cols["high"], starts)
        out["low"] = np.minimum.reduceat(cols["low"], starts)
        out["close"] = cols["close"][ends - 1]
        out["volume"] = np.add.reduceat(cols["volume"], starts)
    else:
        for c in OHLCV_COLUMNS[1:]:
            out[c] = np.empty(0, dtype=np.float64)
    counts = (ends - starts).astype(np.int64)
    keep = np.ones(len(out), dtype=bool)
    if len(out) and not include_partial and ts[-1] + src < out["ts"].iloc[-1] + step:
        keep[-1] = False
    if require_complete:
        keep &= counts == step // src
    if count_column:
        out[count_column] = counts
    if not keep.all():
        out = out[keep].reset_index(drop=True)
    result: pd.DataFrame = out
    return result

