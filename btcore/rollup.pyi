"""Type stub of :mod:`btcore.rollup` (written by ci/gen_public_stubs.py; do not edit).

At runtime the names are bound to the compiled core or to the pure-Python twin (see
:mod:`btcore._twin`); both have the same API, so type checkers see the compiled module's stub
(without this file every name would be ``Any``). Checked by tests/test_dist_stubs.py.
"""

from btcore._core.rollup import (
    ExecRollupBucket as ExecRollupBucket,
    QUOTE_KEYS as QUOTE_KEYS,
    QuoteState as QuoteState,
    ROLLUP_KEYS as ROLLUP_KEYS,
    create_empty_rollup_dict as create_empty_rollup_dict,
    quote_to_packet_dict as quote_to_packet_dict,
)

__all__ = [
    "QuoteState",
    "QUOTE_KEYS",
    "quote_to_packet_dict",
    "ExecRollupBucket",
    "ROLLUP_KEYS",
    "create_empty_rollup_dict",
]
