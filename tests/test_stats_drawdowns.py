"""The vectorised drawdown periods of the statistics equal the plain per-period loop they replace."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from btcore.backtest.stats import _drawdown_periods


def _loop(t_ms, series):
    """Reference: each run below the running peak, its minimum drawdown and duration, in a loop."""
    peak = np.maximum.accumulate(series)
    under = series < peak
    depths, durations = [], []
    i, n = 0, len(series)
    while i < n:
        if not under[i]:
            i += 1
            continue
        a = i
        while i < n and under[i]:
            i += 1
        dd = [100.0 * (series[k] / peak[k] - 1.0) if peak[k] > 0 else 0.0 for k in range(a, i)]
        depths.append(min(dd, key=lambda v: (not math.isnan(v), v)) if any(map(math.isnan, dd)) else min(dd))
        durations.append(int(t_ms[min(i, n - 1)] - t_ms[a - 1]))
    return depths, durations


_values = st.one_of(st.floats(0.0, 200.0), st.sampled_from([100.0, 0.0, math.nan]))


@given(st.lists(_values, min_size=1, max_size=80))
def test_drawdown_periods_match_the_loop(values):
    series = np.array([100.0, *values])
    t = np.arange(len(series), dtype=np.int64) * 60_000
    with np.errstate(all="ignore"):
        got, want = _drawdown_periods(t, series), _loop(t, series)
    assert got[1] == want[1]
    assert len(got[0]) == len(want[0])
    for g, w in zip(got[0], want[0]):
        assert (math.isnan(g) and math.isnan(w)) or g == w
