"""Numbers and names both twins of the core agree on: roles, fields, path kinds, limits.

Nothing here imports the rest of btcore, so every layer (feeds, alignment, the view twins, the
data layer) can take its tables from this one module instead of writing its own.
"""

from __future__ import annotations

import sys

__all__ = [
    "ROLE_EXEC", "ROLE_MTF", "ROLE_HTF", "ROLE_QUOTE", "N_ROLES", "ROLE_NAMES", "ROLE_OF", "TF_ROLES",
    "OHLCV", "N_OHLCV", "SRC_OPEN", "SRC_HIGH", "SRC_LOW", "SRC_CLOSE", "SRC_VOLUME", "ROLLUP_FIELDS", "N_ROLLUPS",
    "ROLLUP_MIN", "ROLLUP_MAX", "ROLLUP_BARS", "ROLLUP_OPEN", "ROLLUP_CLOSE", "ROLLUP_VOLUME", "ROLLUP_PREFIX", "ROLLUP_KEYS_FULL",
    "ROLLUP_INDEX", "MAX_EXACT_COUNT", "SERIES", "MARK", "ROLLUP", "STRUCT", "ABSENT", "PATH_CACHE_SIZE",
    "MAX_LOOKBACK", "MARK_PRICE_KEY",
]

# --------------------------------------------------------------------------- roles

#: Role numbers: the index of a role in every per-role table of the view (``view.pxd`` has the
#: same values as a C enum). Exec, then the slower timeframes in increasing length, then quotes.
ROLE_EXEC, ROLE_MTF, ROLE_HTF, ROLE_QUOTE = 0, 1, 2, 3
N_ROLES = 4
ROLE_NAMES = ("exec", "mtf", "htf", "quote")
#: Role name -> number for what callers may pass as ``tf_role`` (``ltf`` is the exec role's old name).
ROLE_OF = {"exec": ROLE_EXEC, "ltf": ROLE_EXEC, "mtf": ROLE_MTF, "htf": ROLE_HTF}
#: The names accepted as ``tf_role``, in the order error messages list them.
TF_ROLES = ("exec", "ltf", "mtf", "htf")

# --------------------------------------------------------------------------- bar fields

OHLCV = ("open", "high", "low", "close", "volume")
#: Sources ``0 .. N_OHLCV - 1`` of a role are its OHLCV columns, ``N_OHLCV + j`` its indicator row ``j``.
N_OHLCV = len(OHLCV)
SRC_OPEN, SRC_HIGH, SRC_LOW, SRC_CLOSE, SRC_VOLUME = range(N_OHLCV)

ROLLUP_FIELDS = ("min_1m", "max_1m", "bars_1m", "open_1m", "close_1m", "volume_1m")
N_ROLLUPS = len(ROLLUP_FIELDS)
#: Rollup field indices; with a count (``ROLLUP_BARS``) of 0 every other field is NaN.
ROLLUP_MIN, ROLLUP_MAX, ROLLUP_BARS, ROLLUP_OPEN, ROLLUP_CLOSE, ROLLUP_VOLUME = range(N_ROLLUPS)
ROLLUP_PREFIX = "px.rollup."
#: ``px.rollup.<field>`` keys in ``ROLLUP_FIELDS`` order (the keys of a frozen rollup dict).
#: Interned, so a dict built with the same interned keys (``ExecRollupBucket.freeze``) is read by
#: pointer comparison.
ROLLUP_KEYS_FULL = tuple(sys.intern(ROLLUP_PREFIX + f) for f in ROLLUP_FIELDS)
ROLLUP_INDEX = {f: i for i, f in enumerate(ROLLUP_FIELDS)}
#: Counts above this are not exact in a float64.
MAX_EXACT_COUNT = float(2 ** 53)

# --------------------------------------------------------------------------- resolved paths

#: Kinds of a resolved path (first item of the tuple :func:`btcore._shared.paths.resolve_path`
#: returns; the compiled view has them as a C enum, checked against these at import).
SERIES, MARK, ROLLUP, STRUCT, ABSENT = 0, 1, 2, 3, 4
#: Resolved paths kept per feed set; the oldest entry is dropped when full.
PATH_CACHE_SIZE = 512
#: Look-backs, offsets and window lengths above this read as this (always before the first bar),
#: so any Python int gives the same answer in both twins and C index arithmetic cannot overflow.
MAX_LOOKBACK = 1 << 62
#: ``get_feature`` / ``indicator.<key>`` key that reads the view's mark price (before any indicator).
MARK_PRICE_KEY = "mark_price"
