"""``result.plot()``: one self-contained interactive HTML file (bokeh, optional extra); the PNG chart."""

from __future__ import annotations

import importlib.util
import re
import sys

import pytest

from btcore.backtest import Backtest, load_sample
from btcore.report.interactive import PLOT_EXTRA_HINT, build_layout


@pytest.fixture(scope="module")
def result():
    return Backtest(load_sample(), {"long_entry": "indicator.ema_fast crosses_above indicator.ema_slow",
                                    "short_entry": "indicator.ema_fast crosses_below indicator.ema_slow"}).run()


def test_plot_writes_one_self_contained_page(tmp_path, result):
    pytest.importorskip("bokeh", reason="bokeh (btcore[plot]) is not installed")
    path = result.plot(tmp_path / "chart.html")
    html = path.read_text(encoding="utf-8")
    assert path == tmp_path / "chart.html" and html.lstrip().lower().startswith("<!doctype html>")
    assert not re.search(r"<script[^>]+src=", html) and "cdn.bokeh.org" not in html  # JavaScript inlined
    assert len(html) > 500_000  # bokeh's library is inside the page
    for part in ("VBar", "Segment", "Scatter", "VArea", "WheelZoomTool", "HoverTool", "ema_fast", "buy &amp; hold"):
        assert part in html, part


def test_the_layout_has_price_indicator_equity_and_drawdown_panels(result):
    pytest.importorskip("bokeh", reason="bokeh (btcore[plot]) is not installed")
    layout = build_layout(result)
    titles = [child.title.text for child in layout.children]
    assert titles[1:] == ["indicators", "equity", "drawdown %"]  # rsi and atr are not on the price scale
    assert "trades" in titles[0] and result.spec.id in titles[0]
    price = layout.children[0]
    candles = [r for r in price.renderers if type(r.glyph).__name__ == "VBar"][0]
    assert len(candles.data_source.data["t"]) == result.stats["exec_bars"]
    merged = build_layout(result, max_candles=500).children[0]
    bars = [r for r in merged.renderers if type(r.glyph).__name__ == "VBar"][0].data_source.data
    assert 250 < len(bars["t"]) <= 500 and "candles of 5 exec bars" in merged.title.text
    assert max(bars["high"]) == pytest.approx(max(result.feeds.exec_feed.high[result.lo:result.hi]))


def test_without_bokeh_the_message_names_the_extra(result, monkeypatch, tmp_path):
    for name in [m for m in sys.modules if m == "bokeh" or m.startswith("bokeh.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "bokeh", None)
    with pytest.raises(ImportError, match=re.escape(PLOT_EXTRA_HINT)):
        result.plot(tmp_path / "x.html")
    assert "pip install 'btcore[plot]'" in PLOT_EXTRA_HINT and not (tmp_path / "x.html").exists()


def test_the_png_chart_of_the_report(tmp_path, result):
    out = result.save(tmp_path / "rep")
    html = (out / "report.html").read_text()
    if importlib.util.find_spec("matplotlib") is None:  # a platform without the plot extra
        assert not (out / "chart.png").exists() and "pip install 'btcore[plot]'" in html
        return
    assert (out / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "data:image/png;base64," in html
