"""``result.plot()``: an interactive chart as one self-contained HTML file (bokeh, optional extra).

Panels sharing one zoomable time axis: candlesticks of the exec bars with the price-scale
indicators drawn over them and every trade (entry marker, exit marker coloured by P&L, a line
between them; hover for the details), the other indicators, equity against buy & hold, and the
drawdown. Runs longer than ``max_candles`` exec bars are drawn with candles merged k at a time
(k the smallest integer that fits), so a year of 1-minute bars stays responsive; the bokeh
JavaScript is inlined, so the file opens without a network.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Optional

import numpy as np
from numpy.typing import NDArray

__all__ = ["PLOT_EXTRA_HINT", "plot_result", "build_layout"]

PLOT_EXTRA_HINT = "result.plot() needs bokeh; install it with: pip install 'btcore[plot]'"


def _bokeh() -> Any:
    try:
        import bokeh  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        raise ImportError(PLOT_EXTRA_HINT) from None
    return bokeh


def _merge(ts: NDArray[Any], o: NDArray[Any], h: NDArray[Any], lo: NDArray[Any], c: NDArray[Any], k: int
           ) -> tuple[NDArray[Any], ...]:
    """Candles merged ``k`` at a time: first open, max high, min low, last close (NaN-aware)."""
    if k <= 1:
        return ts, o, h, lo, c
    n = len(ts)
    starts = np.arange(0, n, k)
    ends = np.minimum(starts + k, n) - 1
    with np.errstate(all="ignore"):
        hh = np.fmax.reduceat(h, starts)
        ll = np.fmin.reduceat(lo, starts)
    return ts[starts], o[starts], hh, ll, c[ends]


def build_layout(result: Any, *, max_candles: int = 50_000) -> Any:
    """The bokeh layout of :func:`plot_result` (for embedding in a notebook or a page)."""
    _bokeh()
    from bokeh.layouts import column  # type: ignore[import-not-found,unused-ignore]
    from bokeh.models import ColumnDataSource, HoverTool, Range1d  # type: ignore[import-not-found,unused-ignore]
    from bokeh.plotting import figure  # type: ignore[import-not-found,unused-ignore]

    ex = result.feeds.exec_feed
    sl = slice(result.lo, result.hi)
    ts = ex.ts_open_ms[sl]
    k = max(1, math.ceil(len(ts) / max(int(max_candles), 1)))
    t, o, h, lo, c = _merge(ts, ex.open[sl], ex.high[sl], ex.low[sl], ex.close[sl], k)
    width = 0.8 * ex.tf_ms * k
    tools = "xpan,xwheel_zoom,box_zoom,reset,save"
    when = t.astype("datetime64[ms]")
    span = (float(ts[0]), float(ex.ts_close_ms[result.hi - 1]))
    x_range = Range1d(start=span[0], end=span[1], bounds=span)
    title = (f"{result.spec.symbol} {result.context.get('timeframes', '')}  ·  {len(result.trades)} trades, return "
             f"{result.stats['total_return_pct']:.2f}%  ·  settings {result.spec.id}"
             + (f"  ·  candles of {k} exec bars" if k > 1 else ""))
    price = figure(height=420, sizing_mode="stretch_width", x_axis_type="datetime", x_range=x_range, tools=tools,
                   active_scroll="xwheel_zoom", title=title, output_backend="webgl")
    up = c >= o
    candles = ColumnDataSource({"t": when, "open": o, "high": h, "low": lo, "close": c,
                                "top": np.maximum(o, c), "bottom": np.minimum(o, c),
                                "color": np.where(up, "#26a69a", "#ef5350")})
    price.segment("t", "high", "t", "low", source=candles, color="color")
    bars = price.vbar("t", width, "top", "bottom", source=candles, fill_color="color", line_color="color")
    price.add_tools(HoverTool(renderers=[bars], tooltips=[("time", "@t{%F %H:%M}"), ("open", "@open{0,0.00}"),
                                                          ("high", "@high{0,0.00}"), ("low", "@low{0,0.00}"),
                                                          ("close", "@close{0,0.00}")],
                              formatters={"@t": "datetime"}))
    panels = [price]
    lo_p, hi_p = np.nanmin(lo) if len(lo) else 0.0, np.nanmax(h) if len(h) else 1.0
    other = None
    palette = ("#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
    for j, name in enumerate(ex.indicator_names):
        values = np.asarray(ex.indicators[name][sl], dtype=np.float64)[::k] if k > 1 else ex.indicators[name][sl]
        finite = values[np.isfinite(values)]
        if not len(finite):
            continue
        color = palette[j % len(palette)]
        if lo_p <= float(np.median(finite)) <= hi_p:
            price.line(when, values, color=color, line_width=1.3, legend_label=name)
        else:
            if other is None:
                other = figure(height=140, sizing_mode="stretch_width", x_axis_type="datetime", x_range=x_range,
                               tools=tools, active_scroll="xwheel_zoom", title="indicators")
                panels.append(other)
            other.line(when, values, color=color, line_width=1.2, legend_label=name)
    _trades(price, result, HoverTool, ColumnDataSource)
    if price.legend:
        price.legend.location, price.legend.click_policy = "top_left", "hide"

    eq = result.equity
    eq_t = eq["ts_close_ms"].to_numpy()[::k].astype("datetime64[ms]")
    equity = figure(height=200, sizing_mode="stretch_width", x_axis_type="datetime", x_range=x_range, tools=tools,
                    active_scroll="xwheel_zoom", title="equity")
    close = eq["close"].to_numpy()
    first = next((float(x) for x in close if x > 0 and math.isfinite(x)), float("nan"))
    equity.line(eq_t, eq["equity"].to_numpy()[::k], color="#2166ac", line_width=1.5, legend_label="strategy")
    equity.line(eq_t, (result.spec.initial_equity * close / first)[::k], color="#999999", legend_label="buy & hold")
    equity.legend.location = "top_left"
    dd = figure(height=130, sizing_mode="stretch_width", x_axis_type="datetime", x_range=x_range, tools=tools,
                active_scroll="xwheel_zoom", title="drawdown %")
    dd.varea(eq_t, eq["drawdown_pct"].to_numpy()[::k], 0.0, fill_color="#d73027", fill_alpha=0.45)
    panels += [equity, dd]
    return column(*panels, sizing_mode="stretch_width")


def _trades(fig: Any, result: Any, hover_tool: Any, source_cls: Any) -> None:
    tr = result.trades
    if not len(tr):
        return
    entry_t = tr["entry_time"].dt.tz_convert(None).to_numpy().astype("datetime64[ms]")
    exit_t = tr["exit_time"].dt.tz_convert(None).to_numpy().astype("datetime64[ms]")
    data = {
        "entry_t": entry_t, "exit_t": exit_t, "entry": tr["entry_price"].to_numpy(), "exit": tr["exit_price"].to_numpy(),
        "side": tr["side"].to_numpy(), "qty": tr["qty"].to_numpy(), "pnl": tr["pnl"].to_numpy(),
        "ret": tr["return_pct"].to_numpy(), "reason": tr["exit_reason"].to_numpy(),
        "color": np.where(tr["pnl"].to_numpy() > 0, "#1a9850", "#d73027"),
        "marker": np.where(tr["side"].to_numpy() == "long", "triangle", "inverted_triangle"),
    }
    src = source_cls(data)
    fig.segment("entry_t", "entry", "exit_t", "exit", source=src, color="color", line_dash="dashed", line_width=1.2)
    entries = fig.scatter("entry_t", "entry", source=src, marker="marker", size=10, fill_color="color",
                          line_color="black", legend_label="entries")
    exits = fig.scatter("exit_t", "exit", source=src, marker="x", size=9, line_color="color", line_width=2,
                        legend_label="exits")
    fig.add_tools(hover_tool(renderers=[entries, exits], formatters={"@entry_t": "datetime", "@exit_t": "datetime"},
                             tooltips=[("side", "@side"), ("qty", "@qty{0,0.000000}"),
                                       ("entry", "@entry_t{%F %H:%M} @entry{0,0.00}"),
                                       ("exit", "@exit_t{%F %H:%M} @exit{0,0.00} (@reason)"),
                                       ("P&L", "@pnl{0,0.00} (@ret{0.00} %)")]))


def plot_result(result: Any, filename: Optional[Any] = None, *, open_browser: bool = False,
                max_candles: int = 50_000) -> Path:
    """Write the interactive chart of ``result`` as one self-contained HTML file; return its path.

    Raises
    ------
    ImportError
        bokeh is not installed (the message names the extra to install).
    """
    _bokeh()
    from bokeh.embed import file_html  # type: ignore[import-not-found,unused-ignore]
    from bokeh.resources import INLINE  # type: ignore[import-not-found,unused-ignore]

    from .files import safe_name

    spec = result.spec
    path = Path(filename) if filename is not None else Path.cwd() / (
        f"btcore-{safe_name(spec.symbol)}-{spec.exec_tf}-{spec.id}.html")
    page = file_html(build_layout(result, max_candles=max_candles), INLINE, f"btcore {spec.symbol} {spec.exec_tf}")
    path.write_text(page, encoding="utf-8")
    if open_browser:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())
    return path
