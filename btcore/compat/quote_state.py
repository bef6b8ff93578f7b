"""The reference ``quote_state`` module: btcore's compiled :class:`QuoteState` (pure twin alike).

``QuoteState(ts_ms, last, open_1m, high_1m, low_1m, mark, mark_source, volume_1m=0.0)`` is
validated at construction (finite positive prices, NaN rejected) and immutable.
"""

from __future__ import annotations

from ..rollup import QUOTE_KEYS, QuoteState, quote_to_packet_dict

__all__ = ["QuoteState", "QUOTE_KEYS", "quote_to_packet_dict"]
