"""The data of ``Backtest(data, ...)``: whatever the user has, as the canonical 1m frame.

One small function on purpose: the data layer's converter (pandas / polars / Arrow / numpy
records / mappings) is meant to take its place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataError

__all__ = ["ACCEPTED_DATA", "as_minute_frame"]

ACCEPTED_DATA = ("a pandas DataFrame, anything with the Arrow C stream interface (__arrow_c_stream__: a polars "
                 "DataFrame, a pyarrow Table), a CSV/Parquet file path, or a prebuilt btcore MultiTFFeedStore")


def as_minute_frame(obj: Any) -> pd.DataFrame:
    """The canonical 1m frame (``ts`` int64 epoch ms + float64 ``open..volume``) of ``obj``.

    Columns are found as :func:`btcore.data.loaders.load_ohlcv` finds them (a ``ts`` /
    ``timestamp`` / ``open_time`` column or a DatetimeIndex, names case-insensitive).

    Raises
    ------
    DataError
        Unsupported input (the message lists what is accepted) or bad bars (the loader's codes).
    """
    from ..data.loaders import load_ohlcv

    if isinstance(obj, (str, Path)):
        path = Path(obj)
        if path.is_dir():
            raise DataError(f"data path {str(path)!r} is a folder; give a CSV or Parquet 1m file", "NOT_A_FILE")
        return load_ohlcv(path)
    if isinstance(obj, pd.DataFrame):
        return load_ohlcv(obj)
    if hasattr(obj, "collect") and not hasattr(obj, "__arrow_c_stream__"):
        obj = obj.collect()  # a lazy frame (polars LazyFrame): evaluate it once
    if hasattr(obj, "__arrow_c_stream__"):
        import pyarrow as pa

        table = pa.table(obj)
        return load_ohlcv(table.to_pandas())
    raise DataError(f"unsupported data {type(obj).__name__}; accepted: {ACCEPTED_DATA}", "UNSUPPORTED_DATA")
