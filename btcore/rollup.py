"""1-minute quotes and the streaming 1-minute rollup (compiled or pure, see :mod:`btcore._twin`).

The bar loop's rollups come vectorised from :func:`btcore.align.align_feeds`;
:class:`ExecRollupBucket` is the streaming equivalent with the same NaN policy.
"""

from ._twin import load

_impl = load("rollup")

QuoteState = _impl.QuoteState
QUOTE_KEYS = _impl.QUOTE_KEYS
quote_to_packet_dict = _impl.quote_to_packet_dict
ExecRollupBucket = _impl.ExecRollupBucket
ROLLUP_KEYS = _impl.ROLLUP_KEYS
create_empty_rollup_dict = _impl.create_empty_rollup_dict

__all__ = [
    "QuoteState",
    "QUOTE_KEYS",
    "quote_to_packet_dict",
    "ExecRollupBucket",
    "ROLLUP_KEYS",
    "create_empty_rollup_dict",
]
