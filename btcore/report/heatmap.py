"""The heatmap of a parameter sweep: one statistic over two grid keys, as a self-contained HTML file.

``heatmap(table, x=..., y=..., value="sharpe")`` draws one cell per (x, y) pair of an
:meth:`~btcore.backtest.Backtest.optimize` table (or any table with those columns), coloured by
``value``; where the grid has more keys, each cell shows the best value over the others
(``agg="max"``, or ``"mean"`` / ``"min"``). Cells without a value (NaN: e.g. no trade) are grey;
hovering shows the pair, the value and how many combinations the cell holds. bokeh draws it
(the ``plot`` extra) and its JavaScript is inlined, so the file opens without a network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import numpy as np

from ..errors import ConfigError

__all__ = ["heatmap", "heatmap_figure", "AGGREGATIONS", "HEATMAP_EXTRA_HINT"]

HEATMAP_EXTRA_HINT = "btcore.report.heatmap needs bokeh; install it with: pip install 'btcore[plot]'"

#: How cells holding several combinations (a grid with more than two keys) are summarised.
AGGREGATIONS = ("max", "mean", "min")


def _bokeh() -> None:
    try:
        import bokeh  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        raise ImportError(HEATMAP_EXTRA_HINT) from None


def _factors(values: Any) -> list[Any]:
    distinct = list(dict.fromkeys(values))
    try:
        return sorted(distinct)
    except TypeError:  # mixed kinds (None and numbers): grid order
        return distinct


def _cells(table: Any, x: str, y: str, value: str, agg: str) -> Any:
    import pandas as pd

    if not isinstance(table, pd.DataFrame):
        raise ConfigError(f"heatmap needs the DataFrame of Backtest.optimize, got {type(table).__name__}")
    missing = [c for c in (x, y, value) if c not in table.columns]
    if missing:
        raise ConfigError(f"heatmap: no column(s) {missing} in the table; columns: {list(table.columns)}")
    if x == y:
        raise ConfigError(f"heatmap: x and y are both {x!r}; give two different grid keys")
    if agg not in AGGREGATIONS:
        raise ConfigError(f"heatmap: agg must be one of {', '.join(AGGREGATIONS)}, got {agg!r}")
    if table[value].dtype.kind not in "fiub":
        raise ConfigError(f"heatmap: value column {value!r} is not numeric ({table[value].dtype})")
    keys = pd.DataFrame({"x": table[x].map(str), "y": table[y].map(str), "v": table[value].astype(np.float64)})
    grouped = keys.groupby(["x", "y"], sort=False)["v"]
    cells = grouped.agg(agg).rename("value").to_frame()
    cells["count"] = grouped.size()
    return cells.reset_index(), [str(v) for v in _factors(table[x])], [str(v) for v in _factors(table[y])]


def heatmap_figure(table: Any, x: str, y: str, value: str = "sharpe", *, agg: str = "max") -> Any:
    """The bokeh figure of :func:`heatmap` (for a notebook or a page of your own)."""
    _bokeh()
    from bokeh.models import ColorBar, ColumnDataSource, HoverTool, LinearColorMapper  # type: ignore[attr-defined,import-not-found,unused-ignore]
    from bokeh.palettes import Viridis256  # type: ignore[attr-defined,import-not-found,unused-ignore]
    from bokeh.plotting import figure  # type: ignore[attr-defined,import-not-found,unused-ignore]

    cells, xs, ys = _cells(table, x, y, value, agg)
    finite = cells["value"][np.isfinite(cells["value"])]
    low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    mapper = LinearColorMapper(palette=Viridis256, low=low, high=high if high > low else low + 1.0, nan_color="#bdbdbd")
    several = bool((cells["count"] > 1).any())
    title = f"{value} by {x} and {y}" + (f" ({agg} over the other grid keys)" if several else "")
    fig = figure(title=title, x_range=xs, y_range=ys, x_axis_label=x, y_axis_label=y, tools="save,reset",
                 width=max(420, 48 * len(xs) + 160), height=max(320, 36 * len(ys) + 120))
    source = ColumnDataSource({"x": cells["x"].to_numpy(), "y": cells["y"].to_numpy(),
                               "value": cells["value"].to_numpy(), "count": cells["count"].to_numpy()})
    rects = fig.rect("x", "y", 1, 1, source=source, fill_color={"field": "value", "transform": mapper},
                     line_color="white")
    fig.add_tools(HoverTool(renderers=[rects], tooltips=[(x, "@x"), (y, "@y"), (value, "@value{0,0.000}"),
                                                          ("combinations", "@count")]))
    fig.add_layout(ColorBar(color_mapper=mapper, title=value), "right")
    fig.xaxis.major_label_orientation = 0.8 if len(xs) > 12 else 0.0
    fig.grid.visible = False
    return fig


def heatmap(table: Any, x: str, y: str, value: str = "sharpe", filename: Optional[Any] = None, *, agg: str = "max",
            open_browser: bool = False) -> Path:
    """Write the heatmap of ``value`` over grid keys ``x`` and ``y`` as one HTML file; return its path.

    Parameters
    ----------
    table : pandas.DataFrame
        What :meth:`Backtest.optimize` returned (any table with columns ``x``, ``y``, ``value``).
    x, y : str
        Grid keys (columns) on the horizontal and vertical axis.
    value : str
        The numeric column that colours the cells.
    filename : path, optional
        Default ``btcore-heatmap-<value>.html`` in the current folder.
    agg : str
        How a cell summarises several combinations: ``max`` (default), ``mean`` or ``min``.
    open_browser : bool
        Open the file in the default browser.

    Raises
    ------
    ConfigError
        A column that is not in the table, ``x == y``, a value column that is not numeric.
    ImportError
        bokeh is not installed (``pip install 'btcore[plot]'``).
    """
    _bokeh()
    from bokeh.embed import file_html  # type: ignore[attr-defined,import-not-found,unused-ignore]
    from bokeh.resources import INLINE  # type: ignore[attr-defined,import-not-found,unused-ignore]

    from .files import safe_name

    fig = heatmap_figure(table, x, y, value, agg=agg)
    path = Path(filename) if filename is not None else Path.cwd() / f"btcore-heatmap-{safe_name(value)}.html"
    path.write_text(file_html(fig, INLINE, f"btcore heatmap: {value}"), encoding="utf-8")
    if open_browser:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())
    return path
