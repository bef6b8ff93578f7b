"""One conversion layer between btcore and the dataframe libraries.

Every data entry point (:func:`~btcore.data.loaders.load_ohlcv`,
:func:`~btcore.data.loaders.resample_ohlcv`, :meth:`btcore.feed.FeedStore.from_dataframe`, and
``Backtest(data=...)``) reads its table through :func:`as_pandas`, and every result can leave
through :func:`to_frame`. Accepted tables (:data:`ACCEPTED_KINDS`):

- a pandas DataFrame (used as it is, never copied here);
- anything exposing the Arrow PyCapsule interface (``__arrow_c_stream__`` or
  ``__arrow_c_array__``): pyarrow Tables, RecordBatches and RecordBatchReaders, polars DataFrames
  (polars >= 1.5), DuckDB and other Arrow producers. pyarrow reads them (``pyarrow.table``); no
  library-specific code is involved;
- a polars LazyFrame (collected first);
- a numpy structured array (one column per field; any byte order);
- a mapping of column name to 1-D array-likes of equal length (numpy arrays, lists, pandas
  Series — by position, their index is ignored —, pyarrow or polars arrays).

Anything else raises :class:`~btcore.errors.DataError` (``UNSUPPORTED_FORMAT``) naming these
kinds. Conversion does not validate values: the loaders and the feeds do, with the same messages
whatever the input library was.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, Optional

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = [
    "ACCEPTED_KINDS", "EXPORT_KINDS", "as_pandas", "as_arrow", "decimals_to_float64", "to_ohlcv_frame", "to_frame",
]

#: What :func:`as_pandas` accepts, as named in its error message.
ACCEPTED_KINDS = (
    "pandas DataFrame",
    "polars DataFrame or LazyFrame",
    "pyarrow Table or RecordBatch",
    "any object with __arrow_c_stream__ / __arrow_c_array__ (Arrow PyCapsule interface)",
    "numpy structured array",
    "mapping of column name -> 1-D array",
)
#: Values of ``kind`` in :func:`to_frame`.
EXPORT_KINDS = ("pandas", "arrow", "polars")

POLARS_INSTALL_HINT = "polars is not installed: pip install 'btcore[polars]'"


def _unsupported(obj: Any, source: str, why: str = "") -> DataError:
    module = type(obj).__module__
    what = type(obj).__qualname__ if module == "builtins" else f"{module}.{type(obj).__qualname__}"
    return DataError(
        f"{source}: cannot read {what} as a table{why}; "
        f"accepted: {'; '.join(ACCEPTED_KINDS)}",
        "UNSUPPORTED_FORMAT",
    )


def _is_polars_lazy(obj: Any) -> bool:
    return type(obj).__module__.split(".")[0] == "polars" and callable(getattr(obj, "collect", None))


def _column_values(name: str, values: Any, source: str) -> Any:
    """One mapping value as something pandas places by position (never aligned on an index)."""
    if isinstance(values, (pd.Series, pd.Index)):
        return values.array  # keeps tz-aware and nullable dtypes; drops the index
    arr = np.asarray(values)
    if arr.ndim != 1:
        shape = "a scalar" if arr.ndim == 0 else f"of shape {arr.shape}"
        raise DataError(f"{source}: column {name!r} is {shape}; mapping values must be 1-D arrays",
                        "UNSUPPORTED_FORMAT")
    return arr


def _mapping_to_pandas(obj: Mapping[Any, Any], source: str) -> pd.DataFrame:
    if not obj:
        raise DataError(f"{source}: the mapping has no columns", "EMPTY_DATA")
    cols = {str(k): _column_values(str(k), v, source) for k, v in obj.items()}
    lengths = {k: len(v) for k, v in cols.items()}
    if len(set(lengths.values())) > 1:
        raise DataError(f"{source}: columns have different lengths {lengths}", "LENGTH_MISMATCH")
    frame: pd.DataFrame = pd.DataFrame(cols)
    return frame


def _structured_to_pandas(arr: np.ndarray, source: str) -> pd.DataFrame:
    if arr.ndim != 1:
        raise DataError(f"{source}: a structured array must be 1-D, got shape {arr.shape}", "UNSUPPORTED_FORMAT")
    names = arr.dtype.names or ()
    cols = {}
    for name in names:
        field = arr[name]
        if field.ndim != 1:
            raise DataError(f"{source}: field {name!r} has sub-array shape {field.shape[1:]}; fields must be scalars",
                            "UNSUPPORTED_FORMAT")
        cols[name] = field.astype(field.dtype.newbyteorder("="), copy=False)  # pandas needs native order
    return _mapping_to_pandas(cols, source)


def _decimal_chunk_to_float64(chunk: Any) -> Optional[np.ndarray]:
    """float64 of a decimal128 chunk without nulls whose unscaled values fit in 53 bits, else None.

    The unscaled integer is exact in float64 and so is ``10.0 ** scale``; IEEE division rounds
    their quotient correctly, so each result is the double nearest to the decimal, the same as
    ``float(Decimal(...))`` (the slow path pandas takes for decimal columns).
    """
    if chunk.null_count or sys.byteorder != "little" or chunk.type.scale > 22:
        return None
    words = np.frombuffer(chunk.buffers()[1], dtype=np.int64)[2 * chunk.offset: 2 * (chunk.offset + len(chunk))]
    low, high = words[0::2], words[1::2]
    if not np.array_equal(high, low >> 63) or ((low >= 2**53) | (low <= -(2**53))).any():
        return None
    out: np.ndarray = low.astype(np.float64) / 10.0 ** chunk.type.scale
    return out


def decimals_to_float64(table: Any) -> Any:
    """``table`` (``pyarrow.Table``) with its decimal128 columns as float64, each value the double
    nearest to the decimal; a column with nulls or more than 53-bit unscaled values is kept as
    decimal (pandas then converts it value by value, with the same result, slowly)."""
    import pyarrow as pa

    for i, field in enumerate(table.schema):
        if not pa.types.is_decimal128(field.type):
            continue
        parts = [_decimal_chunk_to_float64(c) for c in table.column(i).chunks]
        exact = [p for p in parts if p is not None]
        if len(exact) == len(parts):
            values = np.concatenate(exact) if exact else np.empty(0, dtype=np.float64)
            table = table.set_column(i, pa.field(field.name, pa.float64()), pa.array(values))
    return table


def as_arrow(obj: Any, *, source: str = "data") -> Any:
    """A ``pyarrow.Table`` for an Arrow PyCapsule producer or a polars LazyFrame; None otherwise."""
    import pyarrow as pa

    if isinstance(obj, pa.Table):
        return obj
    if _is_polars_lazy(obj):
        try:
            obj = obj.collect()
        except Exception as exc:  # polars raises its own error classes (a missing file, a bad query)
            raise DataError(f"{source}: collecting the polars LazyFrame failed: {exc}", "UNREADABLE_FILE") from None
    try:
        if hasattr(obj, "__arrow_c_stream__"):
            return pa.table(obj)
        if hasattr(obj, "__arrow_c_array__"):
            return pa.table(pa.record_batch(obj))
    except (TypeError, ValueError, pa.ArrowException) as exc:
        raise _unsupported(obj, source, f" ({exc})") from None
    return None


def as_pandas(obj: Any, *, source: str = "data") -> pd.DataFrame:
    """``obj`` (any of :data:`ACCEPTED_KINDS`) as a pandas DataFrame, columns as they are.

    A pandas DataFrame is returned unchanged (not copied); Arrow data goes through
    ``pyarrow.Table.to_pandas`` (timestamps stay datetimes, time zones included; decimal
    columns become float64 by :func:`decimals_to_float64`).

    Raises
    ------
    DataError
        ``UNSUPPORTED_FORMAT`` naming the accepted kinds; ``LENGTH_MISMATCH`` for a mapping of
        columns of different lengths; ``EMPTY_DATA`` for an empty mapping.
    """
    if isinstance(obj, pd.DataFrame):
        return obj
    if isinstance(obj, np.ndarray):
        if obj.dtype.names:
            return _structured_to_pandas(obj, source)
        raise _unsupported(obj, source, f" (a plain {obj.ndim}-D {obj.dtype} array has no column names)")
    if isinstance(obj, Mapping):
        return _mapping_to_pandas(obj, source)
    if isinstance(obj, (pd.Series, pd.Index, str, bytes)):
        raise _unsupported(obj, source)
    table = as_arrow(obj, source=source)
    if table is None:
        raise _unsupported(obj, source)
    frame: pd.DataFrame = decimals_to_float64(table).to_pandas()
    return frame


def to_ohlcv_frame(obj: Any, **options: Any) -> pd.DataFrame:
    """The canonical bar frame (int64 ``ts``, float64 ``open .. volume``) of any accepted table.

    The same as :func:`btcore.data.loaders.load_ohlcv` for in-memory data: ``options`` are its
    keyword arguments (``time_column``, ``unit``, ``sort``, ``deduplicate``, ``tf``, ``start``,
    ``end``). The result never shares memory with ``obj``.
    """
    from .loaders import load_ohlcv

    out: pd.DataFrame = load_ohlcv(as_pandas(obj), **options)
    return out


def to_frame(obj: Any, kind: str = "pandas", *, columns: Optional[list[str]] = None) -> Any:
    """Export a table (any of :data:`ACCEPTED_KINDS`) as pandas, Arrow or polars.

    Parameters
    ----------
    obj :
        A result of btcore (e.g. :func:`~btcore.data.loaders.load_ohlcv`,
        :func:`~btcore.data.loaders.resample_ohlcv`, ``FeedStore.to_frame``) or any accepted table.
    kind : {"pandas", "arrow", "polars"}
        ``"pandas"`` gives a ``pandas.DataFrame``, ``"arrow"`` a ``pyarrow.Table`` (no index
        column), ``"polars"`` a ``polars.DataFrame`` (needs the ``polars`` extra).
    columns : list of str, optional
        Keep only these columns, in this order.

    Raises
    ------
    DataError
        ``BAD_OPTION`` for another ``kind`` or an unknown column; the errors of :func:`as_pandas`.
    ImportError
        ``kind="polars"`` without polars installed (the message says how to install it).
    """
    if kind not in EXPORT_KINDS:
        raise DataError(f"kind must be one of {list(EXPORT_KINDS)}, got {kind!r}", "BAD_OPTION")
    frame = as_pandas(obj, source="to_frame input")
    if columns is not None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise DataError(f"columns {missing} not found; columns are {list(map(str, frame.columns))}", "BAD_OPTION")
        frame = frame[list(columns)]
    if kind == "pandas":
        return frame
    import pyarrow as pa

    # no pandas schema metadata: Arrow types carry everything (time zones included)
    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata()
    if kind == "arrow":
        return table
    try:
        import polars as pl
    except ImportError as exc:
        raise ImportError(f"to_frame(kind='polars'): {POLARS_INSTALL_HINT}") from exc
    return pl.from_arrow(table)
