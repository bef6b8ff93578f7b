"""``report.html``: one self-contained page (no external resources) with the statistics, the PNG
chart embedded as base64, the run details, the trades, the indicators and the state tracker."""

from __future__ import annotations

import base64
import html
import json
from typing import Any, Mapping, Optional, Sequence

import pandas as pd

from .chart import PLOT_INSTALL_HINT
from .text import stat_rows, summary_lines

__all__ = ["render_html"]

_MAX_TRADE_ROWS = 200


def _esc(x: Any) -> str:
    return html.escape(str(x))


def _table(rows: Sequence[Sequence[Any]], header: Optional[Sequence[str]] = None) -> str:
    head = "<tr>" + "".join(f"<th>{_esc(h)}</th>" for h in header) + "</tr>" if header else ""
    body = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table>{head}{body}</table>"


def _cell(x: Any) -> Any:
    if isinstance(x, pd.Timestamp):
        return x.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{x:,.2f}" if isinstance(x, float) else x


def render_html(stats: Mapping[str, Any], context: Mapping[str, Any], trades: pd.DataFrame, png: Optional[bytes],
                tracker: Mapping[str, Any], indicators: Sequence[Mapping[str, Any]]) -> str:
    """The page as a string."""
    img = (f'<img alt="price with entries and exits, equity and drawdown" src="data:image/png;base64,'
           f'{base64.b64encode(png).decode("ascii")}">' if png else f"<p class=warn>{_esc(PLOT_INSTALL_HINT)}</p>")
    cols = ["entry_time", "exit_time", "side", "entry_price", "exit_price", "pnl", "return_pct", "exit_reason"]
    shown = trades.head(_MAX_TRADE_ROWS)
    trade_rows = [[_cell(v) for v in row] for row in shown[cols].itertuples(index=False)]
    more = f"<p>{len(trades) - _MAX_TRADE_ROWS} more trades in trades.csv</p>" if len(trades) > _MAX_TRADE_ROWS else ""
    ctx_rows = [[k, json.dumps(v) if isinstance(v, (dict, list)) else v] for k, v in context.items()]
    ind_cols = ["indicator_key", "tf_role", "tf", "indicator_type", "params", "input_source", "feature_spec_id",
                "first_valid_idx_observed"]
    ind_rows = [[json.dumps(m.get(c), sort_keys=True) if c == "params" else m.get(c) for c in ind_cols] for m in indicators]
    tracker_rows = [[k, json.dumps(v, default=str) if isinstance(v, (dict, list)) else v] for k, v in tracker.items()]
    stat_table = _table([[label, value, key] for key, label, value in stat_rows(stats)], ["statistic", "value", "key"])
    cards = "".join(f"<div class=card><span>{_esc(k)}</span><b>{_esc(v)}</b></div>" for k, v in summary_lines(stats))
    symbol, tfs = _esc(context.get("symbol", "")), _esc(context.get("timeframes", ""))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>btcore report — {symbol}</title>
<style>
body{{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#222;max-width:1500px}}
h1{{font-size:22px;margin-bottom:4px}} h2{{font-size:17px;margin-top:28px}}
table{{border-collapse:collapse;font-size:13px}} td,th{{border:1px solid #ddd;padding:4px 9px;text-align:left}}
th{{background:#f3f3f3}} .cards{{display:flex;flex-wrap:wrap;gap:10px}}
.card{{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:150px}}
.card b{{display:block;font-size:19px}} .card span{{font-size:12px;color:#666}}
img{{max-width:100%;border:1px solid #eee}} .warn{{color:#b35806;font-weight:bold}}
</style></head><body>
<h1>btcore backtest — {symbol} {tfs}</h1>
<p>{_esc(context.get('period', ''))}</p>
<p>costs: {_esc(context.get('costs', ''))}<br>sizing: {_esc(context.get('sizing', ''))}<br>risk: {_esc(context.get('risk', ''))}</p>
<div class=cards>{cards}</div>
<h2>Chart</h2>{img}
<h2>Statistics</h2>{stat_table}
<h2>Run</h2>{_table(ctx_rows)}
<h2>Trades ({len(trades)})</h2>{_table(trade_rows, cols)}{more}
<h2>Indicators</h2>{_table(ind_rows, ind_cols)}
<h2>State tracker</h2>{_table(tracker_rows)}
</body></html>
"""
