"""Rewrite a bundled 1m OHLCV Parquet sample compactly and losslessly, and prove it is lossless.

Exchange prices and volumes are decimals (BTCUSDT: prices in cents, volumes in 1e-6), stored
in float64 they compress poorly. This script stores each float column as a Parquet DECIMAL with
the smallest scale that reproduces every value (unscaled integers, delta-encoded, zstd), and
``ts`` delta-encoded. It then reads the new file back with :func:`btcore.data.load_ohlcv` and
requires every value to be bit-for-bit the float64 of the original; otherwise it writes nothing.

A decimal ``d`` reads back as ``float(d)``, the double nearest to it, which is the double the
original holds whenever that double was itself the nearest one to a decimal of that scale (as
for values parsed from an exchange's decimal strings); the final check does not rely on this.

Usage::

    python ci/compact_sample.py SRC.parquet [DST.parquet]   # DST defaults to SRC (in place)
"""

from __future__ import annotations

import decimal
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from btcore.data import load_ohlcv

MAX_SCALE = 8
FLOAT_COLUMNS = ("open", "high", "low", "close", "volume")


def _scale_of(values: np.ndarray) -> int:
    """Smallest number of decimals that reproduces every value exactly through ``float(Decimal)``."""
    for scale in range(MAX_SCALE + 1):
        unscaled = np.round(values * 10**scale)
        if np.array_equal(unscaled / 10**scale, values) and np.abs(unscaled).max() < 2**53:
            return scale
    raise SystemExit(f"values need more than {MAX_SCALE} decimals; keep this column as float64")


def _decimal_column(values: np.ndarray, scale: int) -> pa.Array:
    unscaled = np.round(values * 10**scale).astype(np.int64)
    digits = max(len(str(int(np.abs(unscaled).max()))), scale + 1)
    return pa.array([decimal.Decimal(int(u)).scaleb(-scale) for u in unscaled],
                    type=pa.decimal128(min(max(digits, 9), 18), scale))


def compact(src: Path, dst: Path) -> None:
    table = pq.read_table(src)
    cols: dict[str, pa.Array] = {"ts": table["ts"].combine_chunks()}
    scales = {}
    for name in FLOAT_COLUMNS:
        values = table[name].to_numpy()
        scales[name] = _scale_of(values)
        cols[name] = _decimal_column(values, scales[name])
    out = pa.table(cols)
    fd, tmp_name = tempfile.mkstemp(suffix=".parquet", dir=dst.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        pq.write_table(out, tmp, compression="zstd", compression_level=19, use_dictionary=False,
                       store_decimal_as_integer=True,
                       column_encoding={name: "DELTA_BINARY_PACKED" for name in out.column_names})
        before, after = load_ohlcv(src), load_ohlcv(tmp)
        for name in ("ts", *FLOAT_COLUMNS):
            a, b = before[name].to_numpy(), after[name].to_numpy()
            if a.dtype != b.dtype or not np.array_equal(a.view(np.int64), b.view(np.int64)):
                raise SystemExit(f"column {name!r} does not round-trip bit for bit; nothing written")
        size_before = src.stat().st_size
        tmp.replace(dst)
    finally:
        tmp.unlink(missing_ok=True)
    print(f"{dst}: {len(before)} rows, scales {scales}, {size_before} -> {dst.stat().st_size} bytes, "
          "lossless (every value bit-for-bit equal through load_ohlcv)")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    source = Path(sys.argv[1])
    compact(source, Path(sys.argv[2]) if len(sys.argv) == 3 else source)
