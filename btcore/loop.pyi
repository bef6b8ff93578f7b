"""Type stub of :mod:`btcore.loop` (written by ci/gen_public_stubs.py; do not edit).

At runtime the names are bound to the compiled core or to the pure-Python twin (see
:mod:`btcore._twin`); both have the same API, so type checkers see the compiled module's stub
(without this file every name would be ``Any``). Checked by tests/test_dist_stubs.py.
"""

from btcore._core.loop import (
    BarLoop as BarLoop,
    CythonStrategy as CythonStrategy,
    LoopResult as LoopResult,
    SIGNAL_FLAT as SIGNAL_FLAT,
    SIGNAL_LONG as SIGNAL_LONG,
    SIGNAL_NONE as SIGNAL_NONE,
    SIGNAL_SHORT as SIGNAL_SHORT,
    signal_code as signal_code,
)

__all__ = [
    "SIGNAL_NONE",
    "SIGNAL_LONG",
    "SIGNAL_SHORT",
    "SIGNAL_FLAT",
    "signal_code",
    "LoopResult",
    "CythonStrategy",
    "BarLoop",
]
