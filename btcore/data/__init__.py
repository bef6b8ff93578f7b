"""Data layer: loaders, data health, preflight gate, run windows and indicator metadata.

Pure Python over numpy/pandas (pyarrow for Parquet). Every timestamp is int64 epoch ms UTC; every
input problem is a :class:`btcore.errors.DataError` with a stable ``error_code``.
"""
