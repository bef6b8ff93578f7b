"""The run's preflight gate reads the built feeds' open times (nothing re-loaded, re-resampled or
re-sorted) and reports exactly what the gate over the 1m frame reports: on clean data, on data
with holes in the window and in the warmup, and for a window that asks for more warmup than the
data has (a failing gate)."""

from __future__ import annotations

import numpy as np
import pytest

from btcore.backtest import RunConfig, load_sample
from btcore.backtest.checks import FeedTimes, run_preflight
from btcore.backtest.feeds import build_feeds, run_range, warmup_by_role


def _frames():
    df = load_sample()
    rng = np.random.default_rng(7)
    holes = df.drop(index=rng.choice(np.arange(100, len(df) - 100), 400, replace=False)).reset_index(drop=True)
    block = df.drop(index=range(9000, 9600)).reset_index(drop=True)  # a 10-hour hole
    return {"clean": df, "holes": holes, "block": block}


@pytest.mark.parametrize("name", ["clean", "holes", "block"])
@pytest.mark.parametrize("extra_warmup", [0, 5000])
def test_gate_over_feeds_equals_gate_over_the_frame(name, extra_warmup):
    df1 = _frames()[name]
    cfg = RunConfig()
    feeds, _ = build_feeds(cfg, df1)
    rng = run_range(cfg, feeds)
    ex = feeds.exec_feed
    start, end = int(ex.ts_open_ms[rng.lo]), int(ex.ts_close_ms[rng.hi - 1]) - 1
    warm = {k: v + extra_warmup for k, v in warmup_by_role(feeds).items()}
    over_frame = run_preflight(df1, cfg.symbol, cfg.tf_mapping, start, end, warm)
    over_feeds = run_preflight(df1, cfg.symbol, cfg.tf_mapping, start, end, warm, feeds)
    over_frame.pop("run_timestamp"), over_feeds.pop("run_timestamp")
    assert over_feeds == over_frame
    assert over_frame["passed"] is (extra_warmup == 0)  # gaps warn; missing warmup fails
    assert (over_frame["tf_results"]["BTCUSDT:1m"]["gaps"]["max_gap_minutes"] >= 600) is (name == "block")


def test_feed_times_loader_slices_by_open_time_and_names_missing_timeframes():
    cfg = RunConfig()
    feeds, _ = build_feeds(cfg, load_sample())
    loader = FeedTimes(feeds)
    ts = feeds.exec_feed.ts_open_ms
    part = loader("BTCUSDT", "15m", int(ts[10]) + 1, int(ts[20]))  # start floored to the 15m open
    assert part.ts_open_ms.tolist() == ts[10:21].tolist() and len(part) == 11
    with pytest.raises(Exception, match="no 2h feed to check"):
        loader("BTCUSDT", "2h", None, None)
