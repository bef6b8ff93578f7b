"""Type stub of :mod:`btcore.view` (written by ci/gen_public_stubs.py; do not edit).

At runtime the names are bound to the compiled core or to the pure-Python twin (see
:mod:`btcore._twin`); both have the same API, so type checkers see the compiled module's stub
(without this file every name would be ``Any``). Checked by tests/test_dist_stubs.py.
"""

from btcore._core.view import (
    PathHandle as PathHandle,
    ROLE_EXEC as ROLE_EXEC,
    ROLE_HTF as ROLE_HTF,
    ROLE_MTF as ROLE_MTF,
    RuntimeSnapshotView as RuntimeSnapshotView,
    TFContext as TFContext,
)
from btcore._shared.constants import (
    PATH_CACHE_SIZE as PATH_CACHE_SIZE,
    ROLLUP_FIELDS as ROLLUP_FIELDS,
)

__all__ = [
    "RuntimeSnapshotView",
    "TFContext",
    "PathHandle",
    "ROLE_EXEC",
    "ROLE_MTF",
    "ROLE_HTF",
    "ROLLUP_FIELDS",
    "PATH_CACHE_SIZE",
]
