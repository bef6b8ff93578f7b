"""The tracker driven by the bar loop (both twins): one block per bar, warmup gated, signals expire."""

from __future__ import annotations

import numpy as np

from btcore.feed import FeedStore, MultiTFFeedStore

T0 = 1_577_836_800_000  # 2020-01-01 00:00 UTC
FIVE_MIN = 300_000


def _feeds(n: int) -> MultiTFFeedStore:
    rng = np.random.default_rng(7)
    close = 100.0 + np.cumsum(rng.normal(0.0, 1.0, n))
    ts = T0 + FIVE_MIN * np.arange(n, dtype=np.int64)
    feed = FeedStore.from_arrays("5m", "BTCUSDT", ts, close, close + 1.0, close - 1.0, close,
                                 np.ones(n))
    return MultiTFFeedStore(feed)


def test_tracker_records_every_bar_of_a_loop_run(twin):
    n, start = 200, 20
    codes = np.zeros(n, dtype=np.int64)
    codes[40::30] = 1   # long every 30 bars from bar 40
    codes[55::30] = -1  # short every 30 bars from bar 55
    tracker = twin("tracker").create_state_tracker(max_history=0)
    loop = twin("loop").BarLoop(_feeds(n), start=start)
    loop.run(lambda view: int(codes[view.exec_idx]), tracker=tracker)

    blocks = tracker.block_history
    assert [b.bar_idx for b in blocks] == list(range(n))
    assert all(b.gate.code.name == "G_WARMUP_REMAINING" for b in blocks[:start])
    assert all(b.gate.passed for b in blocks[start:])
    assert [b.raw_signal_direction for b in blocks] == codes.tolist()
    signal_bars = np.flatnonzero(codes).tolist()
    # confirmation_bars=1, expiry_bars=1, nobody trades: each signal is confirmed on its bar, may
    # still be acted on during the next bar, is EXPIRED at the end of it and cleared after.
    for s in signal_bars:
        assert [b.signal.value.name for b in blocks[s:s + 3]] == ["CONFIRMED", "EXPIRED", "NONE"]
        assert [b.action.value.name for b in blocks[s:s + 2]] == ["ACTIONABLE", "IDLE"]
    stats = tracker.summary_stats()
    assert stats["total_bars"] == n and stats["signals_issued"] == len(signal_bars)
    assert stats["signal_events"]["EXPIRE"] == len(signal_bars)
    assert stats["gate_code_breakdown"] == {"G_WARMUP_REMAINING": start}
    assert stats["actions_filled"] == 0 and stats["bars_abandoned"] == 0
