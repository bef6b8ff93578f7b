"""The reference ``rollup_bucket`` module: btcore's compiled :class:`ExecRollupBucket`.

An empty bucket freezes NaN prices and a count of 0 (the reference froze ``inf``/``-inf``/``0.0``);
the view reads those as None.
"""

from __future__ import annotations

from ..rollup import ROLLUP_KEYS, ExecRollupBucket, create_empty_rollup_dict

__all__ = ["ExecRollupBucket", "ROLLUP_KEYS", "create_empty_rollup_dict"]
