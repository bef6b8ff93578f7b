"""The data of ``Backtest(data, ...)``: whatever the user has, as the canonical 1m frame.

In-memory tables go through the data layer's one converter (:mod:`btcore.data.convert`);
paths through the file loaders. A prebuilt feed set is handled by the caller.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataError

__all__ = ["ACCEPTED_DATA", "as_minute_frame"]

ACCEPTED_DATA = ("a table (pandas, polars, pyarrow or any Arrow C stream, a numpy structured array, a mapping "
                 "of columns), a CSV/Parquet file path, or a prebuilt btcore MultiTFFeedStore")


def as_minute_frame(obj: Any) -> pd.DataFrame:
    """The canonical 1m frame (``ts`` int64 epoch ms + float64 ``open..volume``) of ``obj``.

    Columns are found as :func:`btcore.data.loaders.load_ohlcv` finds them (a ``ts`` /
    ``timestamp`` / ``open_time`` column or a DatetimeIndex, names case-insensitive).

    Raises
    ------
    DataError
        Unsupported input (the message lists what is accepted) or bad bars (the loader's codes).
    """
    from ..data.convert import as_pandas
    from ..data.loaders import load_ohlcv

    if isinstance(obj, (str, Path)):
        path = Path(obj)
        if path.is_dir():
            raise DataError(f"data path {str(path)!r} is a folder; give a CSV or Parquet 1m file", "NOT_A_FILE")
        return load_ohlcv(path)
    try:
        table = as_pandas(obj, source="Backtest data")
    except DataError as exc:
        if exc.error_code != "UNSUPPORTED_FORMAT":
            raise
        raise DataError(f"{exc}; Backtest also takes a CSV/Parquet file path or a prebuilt btcore MultiTFFeedStore",
                        "UNSUPPORTED_FORMAT") from None
    return load_ohlcv(table)
