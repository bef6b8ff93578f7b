"""The PNG chart of a report (matplotlib, optional): price with entries and exits, equity against
buy & hold, drawdown. Long series are drawn as a min/max envelope (every spike kept)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray
import pandas as pd

__all__ = ["MAX_MARKED_TRADES", "PLOT_INSTALL_HINT", "render_chart"]

#: Above this many trades the chart shows no entry/exit markers.
MAX_MARKED_TRADES = 400
PLOT_INSTALL_HINT = "matplotlib is not installed, so no chart was drawn; install it with: pip install 'btcore[plot]'"


def _envelope(t: NDArray[Any], y: NDArray[Any], max_points: int = 12_000) -> tuple[NDArray[Any], NDArray[Any]]:
    """At most ``max_points`` points that keep every spike: the min and max of each bucket, in time order.

    A chart is a few thousand pixels wide; drawing half a million points costs seconds and shows
    nothing more than this envelope.
    """
    n = len(y)
    if n <= max_points:
        return t, y
    k = -(-n // (max_points // 2))
    m = (n // k) * k
    yb = y[:m].reshape(-1, k)
    if np.isnan(yb).all(axis=1).any():  # an all-NaN bucket has no min/max: plain striding then
        return t[::k], y[::k]
    lo, hi = np.nanargmin(yb, axis=1), np.nanargmax(yb, axis=1)
    base = np.arange(0, m, k)
    idx = np.sort(np.stack([base + lo, base + hi], axis=1), axis=1).ravel()
    idx = np.concatenate([idx, np.arange(m, n)])
    return t[idx], y[idx]


def render_chart(path: Path, equity_df: pd.DataFrame, trades: Sequence[Mapping[str, Any]], title: str,
                 initial_equity: float = 0.0) -> bool:
    """Draw price with entries/exits, equity and drawdown into ``path`` (PNG).

    Returns False (and draws nothing) when matplotlib is not installed. Uses the object API with
    the Agg canvas, so no global pyplot state of the caller is touched.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # type: ignore[import-not-found,unused-ignore]
        from matplotlib.figure import Figure  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return False
    t = equity_df["ts_close_ms"].to_numpy().astype("datetime64[ms]")
    fig = Figure(figsize=(13, 8.5), dpi=110)
    FigureCanvasAgg(fig)
    axes = fig.subplots(3, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.6, 1]})
    ax_p, ax_e, ax_d = axes
    ax_p.plot(*_envelope(t, equity_df["close"].to_numpy()), lw=0.7, color="#444444", label="close")
    if len(trades) > MAX_MARKED_TRADES:  # thousands of markers hide the price: say so instead
        ax_p.text(0.99, 0.02, f"{len(trades):,} trades: entry/exit markers omitted (see trades.csv)",
                  transform=ax_p.transAxes, ha="right", va="bottom", fontsize=8, color="#555555")
        trades = []
    for side, marker, color in (("long", "^", "#1a9850"), ("short", "v", "#d73027")):
        sel = [tr for tr in trades if tr["side"] == side]
        if sel:
            ax_p.scatter(pd.to_datetime([tr["entry_ts_ms"] for tr in sel], unit="ms"),
                         [tr["entry_price"] for tr in sel], marker=marker, s=46, color=color,
                         edgecolor="black", linewidth=0.4, zorder=3, label=f"{side} entry")
    if trades:
        win = [tr for tr in trades if tr["pnl"] > 0]
        loss = [tr for tr in trades if tr["pnl"] <= 0]
        for sel, color, label in ((win, "#1a9850", "exit (win)"), (loss, "#d73027", "exit (loss)")):
            if sel:
                ax_p.scatter(pd.to_datetime([tr["exit_ts_ms"] for tr in sel], unit="ms"),
                             [tr["exit_price"] for tr in sel], marker="x", s=36, color=color,
                             linewidth=1.2, zorder=3, label=label)
    ax_p.set_ylabel("price")
    ax_p.legend(loc="best", fontsize=8, ncol=5, framealpha=0.85)
    ax_p.grid(alpha=0.3)
    ax_p.set_title(title, fontsize=11)
    ax_e.plot(*_envelope(t, equity_df["equity"].to_numpy()), lw=1.1, color="#2166ac", label="strategy")
    if len(equity_df) and initial_equity:
        close = equity_df["close"].to_numpy()
        ax_e.plot(*_envelope(t, initial_equity * close / close[0]), lw=0.8, color="#999999", label="buy & hold")
        ax_e.axhline(initial_equity, color="#999999", lw=0.6, ls="--")
    ax_e.legend(loc="best", fontsize=8, framealpha=0.85)
    ax_e.set_ylabel("equity")
    ax_e.grid(alpha=0.3)
    t_dd, dd = _envelope(t, equity_df["drawdown_pct"].to_numpy())
    ax_d.fill_between(t_dd, dd, 0.0, color="#d73027", alpha=0.45, lw=0)
    ax_d.set_ylabel("drawdown %")
    ax_d.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, format="png")
    return True
