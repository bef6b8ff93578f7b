"""The report folder of ``btcore run``: JSON/CSV files, a PNG chart and a self-contained HTML page.

Files: ``summary.json``, ``trades.csv``, ``equity.csv``, ``state_tracker.json``,
``preflight.json``, ``health.json``, ``indicators.json``, ``config.json``, ``chart.png`` (needs
matplotlib: ``pip install 'btcore[plot]'``) and ``report.html`` (the summary and the chart, the PNG
embedded as base64, no external resources).
"""

from __future__ import annotations

import base64
import html
import json
import math
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

__all__ = ["PLOT_INSTALL_HINT", "write_report", "write_json", "render_chart", "trades_frame", "iso_utc"]

#: Above this many trades the chart shows no entry/exit markers.
MAX_MARKED_TRADES = 400
PLOT_INSTALL_HINT = "matplotlib is not installed, so no chart was drawn; install it with: pip install 'btcore[plot]'"

_TRADE_COLUMNS = (
    "entry_time", "exit_time", "side", "qty", "entry_price", "exit_price", "stop_loss", "take_profit",
    "fees", "pnl", "return_pct", "exit_reason", "entry_idx", "exit_idx",
)


def iso_utc(ms: Any) -> np.ndarray:
    """ISO-8601 UTC strings (``2020-01-01T00:15:00+00:00``) of epoch-ms values, vectorised."""
    text = np.datetime_as_string(np.asarray(ms, dtype=np.int64).astype("datetime64[ms]"), unit="s")
    return np.char.add(text, "+00:00")


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return None if not math.isfinite(float(obj)) else float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    return str(obj)


def _finite(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def write_json(path: Path, obj: Any) -> None:
    """Indented UTF-8 JSON; numpy values converted, NaN and infinities written as null."""
    text = json.dumps(_finite(json.loads(json.dumps(obj, default=_json_default))), indent=2, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def write_csv(path: Path, df: pd.DataFrame) -> None:
    """CSV with a header row through pyarrow's C++ writer (pandas' float formatting takes seconds
    for the half a million rows of a 1m run); empty cells for missing values."""
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    pa_csv.write_csv(pa.Table.from_pandas(df, preserve_index=False), str(path))


def trades_frame(trades: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Closed trades as a DataFrame with ISO-8601 UTC entry/exit times."""
    df = pd.DataFrame(list(trades), columns=list(_TRADE_COLUMNS) + ["entry_ts_ms", "exit_ts_ms"])
    if len(df):
        df["entry_time"] = iso_utc(df["entry_ts_ms"].to_numpy())
        df["exit_time"] = iso_utc(df["exit_ts_ms"].to_numpy())
    out: pd.DataFrame = df[list(_TRADE_COLUMNS)]
    return out


def _envelope(t: np.ndarray, y: np.ndarray, max_points: int = 12_000) -> tuple[np.ndarray, np.ndarray]:
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
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
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


_LABELS = (
    ("total_return_pct", "Total return", "%"), ("buy_hold_return_pct", "Buy & hold return", "%"),
    ("cagr_pct", "CAGR", "%"),
    ("max_drawdown_pct", "Max drawdown", "%"), ("sharpe", "Sharpe (daily, annualised)", ""),
    ("trades", "Trades", ""), ("win_rate_pct", "Win rate", "%"), ("profit_factor", "Profit factor", ""),
    ("exposure_pct", "Exposure", "%"), ("final_equity", "Final equity", ""), ("fees_paid", "Fees paid", ""),
    ("bars_per_second", "Loop throughput", " bars/s"), ("exec_bars", "Exec bars", ""),
)


def summary_lines(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, formatted value) pairs of the headline metrics, for the console and the HTML."""
    out = []
    for key, label, unit in _LABELS:
        v = summary.get(key)
        if v is None:
            text = "n/a"
        elif isinstance(v, float):
            text = f"{v:,.2f}{unit}" if key != "bars_per_second" else f"{v:,.0f}{unit}"
        else:
            text = f"{v:,}{unit}"
        out.append((label, text))
    return out


def _table(rows: Sequence[Sequence[Any]], header: Optional[Sequence[str]] = None) -> str:
    head = "<tr>" + "".join(f"<th>{html.escape(str(h))}</th>" for h in header) + "</tr>" if header else ""
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table>{head}{body}</table>"


def _html(summary: Mapping[str, Any], context: Mapping[str, Any], trades_df: pd.DataFrame,
          png: Optional[bytes], tracker: Mapping[str, Any], indicators: Sequence[Mapping[str, Any]]) -> str:
    img = (f'<img alt="price with entries and exits, equity and drawdown" src="data:image/png;base64,'
           f'{base64.b64encode(png).decode("ascii")}">' if png else f"<p class=warn>{html.escape(PLOT_INSTALL_HINT)}</p>")
    shown = trades_df.head(200)
    cols = ["entry_time", "exit_time", "side", "entry_price", "exit_price", "pnl", "return_pct", "exit_reason"]
    trade_rows = [[r[c] if not isinstance(r[c], float) else f"{r[c]:,.2f}" for c in cols] for _, r in shown.iterrows()]
    more = f"<p>{len(trades_df) - 200} more trades in trades.csv</p>" if len(trades_df) > 200 else ""
    ctx_rows = [[k, v] for k, v in context.items()]
    ind_cols = ["indicator_key", "tf_role", "tf", "indicator_type", "params", "input_source", "feature_spec_id",
                "first_valid_idx_observed"]
    ind_rows = [[json.dumps(m.get(c), sort_keys=True) if c == "params" else m.get(c) for c in ind_cols] for m in indicators]
    tracker_rows = [[k, json.dumps(v, default=_json_default) if isinstance(v, (dict, list)) else v] for k, v in tracker.items()]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>btcore report — {html.escape(str(context.get('symbol', '')))}</title>
<style>
body{{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#222;max-width:1500px}}
h1{{font-size:22px;margin-bottom:4px}} h2{{font-size:17px;margin-top:28px}}
table{{border-collapse:collapse;font-size:13px}} td,th{{border:1px solid #ddd;padding:4px 9px;text-align:left}}
th{{background:#f3f3f3}} .cards{{display:flex;flex-wrap:wrap;gap:10px}}
.card{{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:150px}}
.card b{{display:block;font-size:19px}} .card span{{font-size:12px;color:#666}}
img{{max-width:100%;border:1px solid #eee}} .warn{{color:#b35806;font-weight:bold}}
</style></head><body>
<h1>btcore backtest — {html.escape(str(context.get('symbol', '')))} {html.escape(str(context.get('timeframes', '')))}</h1>
<p>{html.escape(str(context.get('period', '')))}</p>
<div class=cards>{''.join(f'<div class=card><span>{html.escape(k)}</span><b>{html.escape(v)}</b></div>' for k, v in summary_lines(summary))}</div>
<h2>Chart</h2>{img}
<h2>Run</h2>{_table(ctx_rows)}
<h2>Trades ({len(trades_df)})</h2>{_table(trade_rows, cols)}{more}
<h2>Indicators</h2>{_table(ind_rows, ind_cols)}
<h2>State tracker</h2>{_table(tracker_rows)}
</body></html>
"""


def write_report(
    out: Path,
    *,
    summary: Mapping[str, Any],
    context: Mapping[str, Any],
    trades: Sequence[Mapping[str, Any]],
    equity_df: pd.DataFrame,
    tracker: Mapping[str, Any],
    preflight: Any,
    health: Any,
    indicators: Any,
    config: Mapping[str, Any],
    plot: bool = True,
) -> dict[str, Any]:
    """Write every report file into ``out`` (created) and return ``{"files": [...], "chart": bool}``."""
    out.mkdir(parents=True, exist_ok=True)
    tdf = trades_frame(trades)
    write_csv(out / "trades.csv", tdf)
    eq = equity_df.copy()
    eq.insert(0, "time", iso_utc(eq["ts_close_ms"].to_numpy()))
    write_csv(out / "equity.csv", eq)
    write_json(out / "summary.json", {"summary": summary, "run": context})
    write_json(out / "state_tracker.json", tracker)
    write_json(out / "preflight.json", preflight)
    write_json(out / "health.json", health)
    write_json(out / "indicators.json", indicators)
    write_json(out / "config.json", config)
    chart = False
    png: Optional[bytes] = None
    if plot:
        head = dict(summary_lines(summary))
        title = (f"{context.get('symbol', '')} {context.get('timeframes', '')}: return {head['Total return']}, "
                 f"max drawdown {head['Max drawdown']}, Sharpe {head['Sharpe (daily, annualised)']}, "
                 f"{head['Trades']} trades")
        chart = render_chart(out / "chart.png", equity_df, trades, title, float(summary.get("initial_equity") or 0.0))
        if chart:
            png = (out / "chart.png").read_bytes()
    meta = [m for m in indicators if isinstance(m, Mapping)] if isinstance(indicators, (list, tuple)) else []
    (out / "report.html").write_text(_html(summary, context, tdf, png, tracker, meta), encoding="utf-8")
    files = sorted(p.name for p in out.iterdir() if p.is_file())
    return {"files": files, "chart": chart}
