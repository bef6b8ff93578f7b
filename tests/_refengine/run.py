"""``python run.py START END QUOTE_START``: run the miniature engine and print its digest (the
twin and the host zone come from the environment)."""

from __future__ import annotations

import sys

from _incremental_fake import MultiTFState
from _refengine.data import frames
from _refengine.engine import MiniEngine, digest, mark_price_strategy

if __name__ == "__main__":
    ex, htf, m1 = frames(*sys.argv[1:4])
    engine = MiniEngine(ex, htf, m1, "BTCUSDT", "15m", "1h", sim_start=40, incremental_state=MultiTFState({"hi": 4}))
    result = engine.run(mark_price_strategy)
    print(digest(result), len(result["trades"]))
