"""Statistics against computations written here from the formulas of docs/BACKTEST.md.

The oracle below is deliberately plain Python (loops, ``statistics``, ``math``), sharing no code
with ``btcore.backtest.stats``.
"""

from __future__ import annotations

import math
import statistics
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from btcore.backtest.stats import STAT_KEYS, compute_stats

DAY = 86_400_000
HOUR = 3_600_000
T0 = 1_704_067_200_000  # Monday 2024-01-01 00:00 UTC


def _oracle(ts_open, ts_close, equity, position, trades, initial, opens, closes):
    """Every statistic, computed from its written definition."""
    n = len(equity)
    times = [ts_open[0]] + list(ts_close)
    series = [initial] + list(equity)
    # daily: last close of each UTC day that has bars, the initial equity in front
    by_day = {}
    for t, e in zip(ts_close, equity):
        by_day[(t - 1) // DAY] = e
    daily = [initial] + [by_day[d] for d in sorted(by_day)]
    rets = []
    for a, b in zip(daily, daily[1:]):
        if a <= 0:
            break
        rets.append(b / a - 1)
    days = sorted(by_day)
    weekend = sum(1 for d in days if datetime.fromtimestamp(d * 86_400, timezone.utc).weekday() >= 5) / len(days)
    A = 365 if weekend > 2 / 7 * 0.6 else 252
    if any(1 + r <= 0 for r in rets):
        g = -1.0
    else:
        g = math.exp(sum(math.log(1 + r) for r in rets) / len(rets)) - 1
    ann = (1 + g) ** A - 1
    vol = statistics.stdev(rets) * math.sqrt(A)
    downside = math.sqrt(sum(min(r, 0) ** 2 for r in rets) / len(rets)) * math.sqrt(A)
    # drawdowns over the series with the initial equity first
    peak, dd, periods = series[0], [], []
    start = None
    for k, e in enumerate(series):
        if e >= peak:
            if start is not None:
                periods.append((start, k))
                start = None
            peak = e
            dd.append(0.0)
        else:
            if start is None:
                start = k - 1
            dd.append(1 - e / peak)
    if start is not None:
        periods.append((start, len(series) - 1))
    depth = []
    for a, b in periods:
        depth.append(-100 * max(dd[a:b + 1]))
    durations = [times[b] - times[a] for a, b in periods]
    years = (ts_close[-1] - ts_open[0]) / (365.25 * DAY)
    pnl = [t["pnl"] for t in trades]
    ret = [t["return_pct"] for t in trades]
    wins, losses = [p for p in pnl if p > 0], [p for p in pnl if p < 0]
    w = len(wins) / len(pnl)
    valid_o = [o for o in opens if o == o and o > 0]
    valid_c = [c for c in closes if c == c and c > 0]
    e_lr = [math.log(b / a) for a, b in zip(equity, equity[1:])]
    m_lr = [math.log(b / a) for a, b in zip(closes, closes[1:])]
    mean_e, mean_m = statistics.fmean(e_lr), statistics.fmean(m_lr)
    cov = sum((x - mean_e) * (y - mean_m) for x, y in zip(e_lr, m_lr)) / (len(e_lr) - 1)
    beta = cov / statistics.variance(m_lr)
    total = 100 * (equity[-1] / initial - 1)
    bh = 100 * (valid_c[-1] / valid_o[0] - 1)
    return {
        "exec_bars": n,
        "exposure_pct": 100 * sum(1 for p in position if p) / n,
        "final_equity": equity[-1],
        "equity_peak": max(series),
        "total_return_pct": total,
        "buy_hold_return_pct": bh,
        "return_ann_pct": 100 * ann,
        "volatility_ann_pct": 100 * vol,
        "cagr_pct": 100 * ((equity[-1] / initial) ** (1 / years) - 1),
        "sharpe": ann / vol if vol > 0 else float("nan"),
        "sortino": ann / downside if downside > 0 else float("nan"),
        "calmar": ann / max(dd) if max(dd) > 0 else float("nan"),
        "beta": beta,
        "alpha_pct": total - beta * bh,
        "max_drawdown_pct": -100 * max(dd),
        "avg_drawdown_pct": statistics.fmean(depth),
        "max_drawdown_duration": pd.Timedelta(milliseconds=max(durations)),
        "avg_drawdown_duration": pd.Timedelta(milliseconds=statistics.fmean(durations)),
        "trades": len(trades),
        "win_rate_pct": 100 * w,
        "best_trade_pct": max(ret),
        "worst_trade_pct": min(ret),
        "avg_trade_pct": 100 * (math.prod(1 + r / 100 for r in ret) ** (1 / len(ret)) - 1),
        "expectancy_pct": statistics.fmean(ret),
        "profit_factor": sum(wins) / -sum(losses),
        "sqn": math.sqrt(len(pnl)) * statistics.fmean(pnl) / statistics.stdev(pnl),
        "kelly": w - (1 - w) / (statistics.fmean(wins) / -statistics.fmean(losses)),
        "max_trade_duration": pd.Timedelta(milliseconds=max(t["exit_ts_ms"] - t["entry_ts_ms"] for t in trades)),
        "avg_trade_duration": pd.Timedelta(milliseconds=statistics.fmean(t["exit_ts_ms"] - t["entry_ts_ms"] for t in trades)),
        "fees_paid": sum(t["fees"] for t in trades),
    }


def _trades(rng, n, ts_open):
    out = []
    for _ in range(n):
        a, b = sorted(rng.choice(len(ts_open), 2, replace=False))
        pnl = float(rng.normal(0, 50))
        out.append({"pnl": pnl, "return_pct": float(rng.normal(0.1, 3.0)), "fees": float(rng.uniform(0, 3)),
                    "entry_ts_ms": int(ts_open[a]), "exit_ts_ms": int(ts_open[b])})
    return out


def _compare(got, want):
    for key, value in want.items():
        g = got[key]
        if isinstance(value, pd.Timedelta):
            assert abs((g - value).total_seconds()) < 1e-3, key
        elif isinstance(value, float) and math.isnan(value):
            assert math.isnan(g), key
        else:
            assert g == pytest.approx(value, rel=1e-9, abs=1e-9), key


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), bars=st.integers(80, 400), step_h=st.sampled_from([1, 4, 6]),
       n_trades=st.integers(2, 12))
def test_every_statistic_matches_its_written_formula(seed, bars, step_h, n_trades):
    rng = np.random.default_rng(seed)
    ts_open = T0 + HOUR * step_h * np.arange(bars, dtype=np.int64)
    ts_close = ts_open + HOUR * step_h
    equity = 10_000 * np.exp(np.cumsum(rng.normal(0.0, 0.01, bars)))
    closes = 100 * np.exp(np.cumsum(rng.normal(0.0, 0.01, bars)))
    opens = np.r_[100.0, closes[:-1]]
    position = rng.integers(-1, 2, bars)
    trades = _trades(rng, n_trades, ts_open)
    if not any(t["pnl"] > 0 for t in trades) or not any(t["pnl"] < 0 for t in trades):
        trades[0]["pnl"], trades[1]["pnl"] = 10.0, -5.0
    got = compute_stats(ts_open, ts_close, equity, position, trades, 10_000.0, opens, closes)
    assert tuple(got) == STAT_KEYS
    want = _oracle(ts_open, ts_close, equity, position, trades, 10_000.0, opens, closes)
    _compare(got, want)
    assert got["start"] == pd.Timestamp(int(ts_open[0]), unit="ms", tz="UTC")
    assert got["duration"] == pd.Timedelta(milliseconds=int(ts_close[-1] - ts_open[0]))


def test_a_losing_run_has_a_negative_sharpe_even_when_the_mean_daily_return_is_positive():
    # +50 %, -40 %, +50 %, -40 %: arithmetic mean +5 % a day, compounded 0.81 of the start
    ts_close = T0 + DAY * np.arange(1, 5, dtype=np.int64)
    equity = 1000.0 * np.cumprod([1.5, 0.6, 1.5, 0.6])
    got = compute_stats(ts_close - DAY, ts_close, equity, np.ones(4), [], 1000.0, np.ones(4), np.ones(4))
    assert np.mean([0.5, -0.4, 0.5, -0.4]) > 0
    assert got["total_return_pct"] == pytest.approx(-19.0)
    assert got["sharpe"] < 0 and got["sortino"] < 0 and got["return_ann_pct"] < 0


def test_a_collapsing_run_keeps_a_sensible_sharpe():
    # -3 % a day with +-1 % noise for a month: the compounded volatility of backtesting.py would
    # collapse with the equity and give a Sharpe near -1e6; the usual volatility does not
    ts_close = T0 + DAY * np.arange(1, 31, dtype=np.int64)
    daily = np.tile([0.96, 0.98], 15)
    equity = 1000.0 * np.cumprod(daily)
    got = compute_stats(ts_close - DAY, ts_close, equity, np.ones(30), [], 1000.0, np.ones(30), np.ones(30))
    rets = daily - 1
    A = 365
    ann = math.exp(sum(math.log(x) for x in daily) / 30 * A) - 1
    assert got["volatility_ann_pct"] == pytest.approx(100 * statistics.stdev(rets) * math.sqrt(A))
    assert got["sharpe"] == pytest.approx(ann / (statistics.stdev(rets) * math.sqrt(A)))
    assert -10 < got["sharpe"] < 0


def test_a_short_very_profitable_run_gives_nan_not_overflow():
    ts_open = T0 + HOUR * np.arange(3, dtype=np.int64)
    equity = np.array([1e4, 1e6, 1e8])  # x10,000 in three hours: CAGR overflows a float
    got = compute_stats(ts_open, ts_open + HOUR, equity, np.ones(3), [], 1e4, np.ones(3), np.ones(3))
    assert math.isnan(got["cagr_pct"]) and got["total_return_pct"] == pytest.approx(999_900.0)


def test_drawdowns_and_durations_by_hand():
    ts_open = T0 + DAY * np.arange(6, dtype=np.int64)
    equity = np.array([110.0, 99.0, 121.0, 121.0, 96.8, 100.0])  # peaks 110 (day 0) and 121 (day 2)
    got = compute_stats(ts_open, ts_open + DAY, equity, np.zeros(6), [], 100.0, np.ones(6), np.ones(6))
    assert got["max_drawdown_pct"] == pytest.approx(-20.0)  # 121 -> 96.8
    assert got["avg_drawdown_pct"] == pytest.approx((-10.0 - 20.0) / 2)
    # 110 at the close of day 0 -> back above at the close of day 2; 121 at day 3's close -> the end
    assert got["max_drawdown_duration"] == pd.Timedelta(days=2)
    assert got["avg_drawdown_duration"] == pd.Timedelta(days=2)
    assert got["equity_peak"] == 121.0 and got["exposure_pct"] == 0.0


def test_a_liquidated_run_is_minus_100_percent_with_returns_up_to_the_loss():
    ts_open = T0 + DAY * np.arange(5, dtype=np.int64)
    equity = np.array([900.0, 450.0, 0.0, 0.0, 0.0])
    trades = [{"pnl": -1000.0, "return_pct": -100.0, "fees": 1.0, "entry_ts_ms": T0, "exit_ts_ms": T0 + 2 * DAY}]
    got = compute_stats(ts_open, ts_open + DAY, equity, np.zeros(5), trades, 1000.0, np.ones(5), np.ones(5))
    assert got["total_return_pct"] == -100.0 and got["max_drawdown_pct"] == -100.0
    assert got["cagr_pct"] == -100.0 and got["return_ann_pct"] == -100.0
    assert got["avg_trade_pct"] == -100.0 and got["worst_trade_pct"] == -100.0
    assert all(not (isinstance(v, float) and math.isinf(v)) for v in got.values())


def test_without_trades_or_losses_the_trade_figures_are_missing():
    ts_open = T0 + DAY * np.arange(3, dtype=np.int64)
    got = compute_stats(ts_open, ts_open + DAY, np.full(3, 100.0), np.zeros(3), [], 100.0, np.ones(3), np.ones(3))
    assert got["trades"] == 0 and math.isnan(got["win_rate_pct"]) and got["max_trade_duration"] is pd.NaT
    one = [{"pnl": 5.0, "return_pct": 5.0, "fees": 0.0, "entry_ts_ms": T0, "exit_ts_ms": T0 + DAY}]
    got = compute_stats(ts_open, ts_open + DAY, np.full(3, 100.0), np.zeros(3), one, 100.0, np.ones(3), np.ones(3))
    assert math.isnan(got["profit_factor"]) and math.isnan(got["kelly"]) and math.isnan(got["sqn"])
    assert got["win_rate_pct"] == 100.0 and got["expectancy_pct"] == 5.0
