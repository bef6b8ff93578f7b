"""``btcore.report.heatmap``: a sweep's statistic over two grid keys, one self-contained page."""

from __future__ import annotations

import math
import re
import sys

import pandas as pd
import pytest

from btcore.backtest import Backtest, load_sample
from btcore.errors import ConfigError
from btcore.report import heatmap
from btcore.report.heatmap import HEATMAP_EXTRA_HINT, heatmap_figure

GRID = {"indicators.ema_fast.length": [8, 20], "indicators.ema_slow.length": [40, 90], "commission": [0.0, 0.002]}


@pytest.fixture(scope="module")
def table():
    return Backtest(load_sample()).optimize(GRID, maximize=None)


def test_heatmap_page_is_self_contained(tmp_path, table):
    pytest.importorskip("bokeh", reason="bokeh (btcore[plot]) is not installed")
    path = heatmap(table, x="indicators.ema_fast.length", y="indicators.ema_slow.length",
                   value="total_return_pct", filename=tmp_path / "h.html")
    html = path.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html>") and not re.search(r"<script[^>]+src=", html)
    assert "Rect" in html and "ColorBar" in html and "total_return_pct by indicators.ema_fast.length" in html


def test_cells_take_the_best_over_the_other_keys(table):
    pytest.importorskip("bokeh", reason="bokeh (btcore[plot]) is not installed")
    fig = heatmap_figure(table, "indicators.ema_fast.length", "indicators.ema_slow.length", "total_return_pct")
    data = fig.renderers[0].data_source.data
    got = {(a, b): (v, n) for a, b, v, n in zip(data["x"], data["y"], data["value"], data["count"])}
    assert set(got) == {("8", "40"), ("8", "90"), ("20", "40"), ("20", "90")}
    for (a, b), (v, n) in got.items():
        rows = table[(table["indicators.ema_fast.length"] == int(a)) & (table["indicators.ema_slow.length"] == int(b))]
        assert n == 2 and v == rows["total_return_pct"].max()
    mean = heatmap_figure(table, "indicators.ema_fast.length", "commission", "fees_paid", agg="mean")
    assert "mean over the other grid keys" in mean.title.text
    assert list(fig.x_range.factors) == ["8", "20"]  # numbers in numeric order, not text order


def test_nan_cells_and_bad_arguments(table):
    pytest.importorskip("bokeh", reason="bokeh (btcore[plot]) is not installed")
    t = table.copy()
    t.loc[t.index[0], "sharpe"] = math.nan
    data = heatmap_figure(t.iloc[:1], "indicators.ema_fast.length", "commission", "sharpe").renderers[0].data_source.data
    assert math.isnan(data["value"][0])
    for kwargs, match in (({"x": "nope", "y": "commission"}, "no column\\(s\\) \\['nope'\\]"),
                          ({"x": "commission", "y": "commission"}, "x and y are both"),
                          ({"x": "commission", "y": "indicators.ema_fast.length", "value": "start"}, "not numeric"),
                          ({"x": "commission", "y": "indicators.ema_fast.length", "agg": "median"}, "agg must be")):
        with pytest.raises(ConfigError, match=match):
            heatmap_figure(table, **kwargs)
    with pytest.raises(ConfigError, match="needs the DataFrame"):
        heatmap_figure([1, 2], "a", "b")


def test_without_bokeh_the_message_names_the_extra(table, monkeypatch, tmp_path):
    for name in [m for m in sys.modules if m == "bokeh" or m.startswith("bokeh.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "bokeh", None)
    with pytest.raises(ImportError, match=re.escape(HEATMAP_EXTRA_HINT)):
        heatmap(table, x="commission", y="indicators.ema_fast.length", filename=tmp_path / "x.html")
    assert "pip install 'btcore[plot]'" in HEATMAP_EXTRA_HINT and not (tmp_path / "x.html").exists()
    assert isinstance(table, pd.DataFrame)
