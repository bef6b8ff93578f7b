"""Frames the miniature engine loads, from the 2020 BTCUSDT 1m file: the 1m rows of a window,
15m exec bars with EMAs, 1h HTF bars with an RSI, all with a naive ``timestamp`` column (UTC),
as the reference engine's data layer hands them over."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DATA_2020 = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "btcusdt_1m_2020.parquet"
MIN = 60_000


def _bars(m1: pd.DataFrame, minutes: int) -> pd.DataFrame:
    key = m1["ts"] // (minutes * MIN) * (minutes * MIN)
    out = m1.groupby(key).agg(open=("open", "first"), high=("high", "max"), low=("low", "min"),
                              close=("close", "last"), volume=("volume", "sum"))
    out.insert(0, "timestamp", pd.to_datetime(out.index.to_numpy(), unit="ms"))
    return out.reset_index(drop=True)


def _rsi(close: pd.Series, n: int = 14) -> pd.Series:
    d = close.diff()
    up = d.clip(lower=0).ewm(alpha=1 / n, adjust=False).mean()
    down = (-d.clip(upper=0)).ewm(alpha=1 / n, adjust=False).mean()
    return 100 - 100 / (1 + up / down)


def frames(start: str, end: str, quote_start: str | None = None, path: Path = DATA_2020):
    """``(exec_df, htf_df, m1_df)`` for ``[start, end)``; the 1m frame starts at ``quote_start``."""
    df = pd.read_parquet(path)
    lo, hi = pd.Timestamp(start).value // 10**6, pd.Timestamp(end).value // 10**6
    m1 = df[(df["ts"] >= lo) & (df["ts"] < hi)].reset_index(drop=True)
    ex = _bars(m1, 15)
    ex["ema_fast"] = ex["close"].ewm(span=8, adjust=False).mean()
    ex["ema_slow"] = ex["close"].ewm(span=21, adjust=False).mean()
    ex.loc[:20, ["ema_fast", "ema_slow"]] = np.nan  # warmup: NaN reads as None
    htf = _bars(m1, 60)
    htf["rsi"] = _rsi(htf["close"])
    htf.loc[:14, "rsi"] = np.nan
    q0 = pd.Timestamp(quote_start).value // 10**6 if quote_start else lo
    quote = m1[m1["ts"] >= q0].copy()
    quote.insert(0, "timestamp", pd.to_datetime(quote.pop("ts").to_numpy(), unit="ms"))
    return ex, htf, quote.reset_index(drop=True)
