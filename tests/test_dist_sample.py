"""The bundled sample is stored compactly and losslessly: exact decimals, delta-encoded.

Its values must be bit for bit the float64 bars of the full 2020 file it was cut from (so
``btcore run`` gives the same results as before it was compacted), whichever pandas reads it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import btcore
from btcore.data import load_ohlcv
from btcore.timeframe import to_epoch_ms

NAME = "btcusdt_1m_2020-03.parquet"
DATA_2020 = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "btcusdt_1m_2020.parquet"


def _sample() -> Path:
    found = sorted(Path(btcore.__file__).resolve().parent.rglob(NAME))
    assert len(found) == 1, f"expected one bundled {NAME} in the installed package, found {found}"
    return found[0]


def test_sample_is_stored_as_delta_encoded_decimals() -> None:
    meta = pq.ParquetFile(_sample()).metadata
    schema = pq.read_schema(_sample())
    assert schema.field("ts").type == pa.int64()
    for name, scale in (("open", 2), ("high", 2), ("low", 2), ("close", 2), ("volume", 6)):
        assert schema.field(name).type.scale == scale and pa.types.is_decimal128(schema.field(name).type)
    group = meta.row_group(0)
    for i in range(group.num_columns):
        column = group.column(i)
        assert "DELTA_BINARY_PACKED" in column.encodings, (column.path_in_schema, column.encodings)
        assert column.compression == "ZSTD"
    assert _sample().stat().st_size < 450_000  # float64 with zstd alone was 764,329 bytes


def test_sample_loads_as_the_exact_bars_of_the_2020_file() -> None:
    if not DATA_2020.exists():
        pytest.skip("btcusdt_1m_2020.parquet not available")
    sample = load_ohlcv(_sample())
    full = load_ohlcv(DATA_2020, start=to_epoch_ms("2020-03-02"), end=to_epoch_ms("2020-03-30") - 1)
    assert len(sample) == len(full) == 40_192
    for name in ("ts", "open", "high", "low", "close", "volume"):
        a, b = sample[name].to_numpy(), full[name].to_numpy()
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a.view(np.int64), b.view(np.int64), err_msg=name)
