"""What both view twins do at the Python level alike: readiness, rollup dicts, account reads,
the debug dict, pickling, and the checks of the path-reading methods.

The twins keep their own per-bar code (C readers, the constructor, the hot accessors); what is
here runs once per call of a method that is not per bar, or once per view, and is written once so
the twins cannot drift apart.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Optional

from .._incremental import resolve as _resolve_state
from .._incremental import serves as _state_serves
from .boundary import as_double
from ..errors import DataError, NotReadyError, PathError
from ..timeframe import iso_or_none as _iso
from .constants import MARK_PRICE_KEY, MAX_EXACT_COUNT, ROLLUP_BARS, ROLLUP_KEYS_FULL
from .paths import path_key, rollup_index

__all__ = [
    "not_ready_reasons", "rollups_from_dict", "rollups_to_dict", "rebuild_view", "exchange_value",
    "view_to_dict", "REFERENCE_INDICATORS", "strict_missing", "get_strict", "compilable_path", "is_valid_path", "mark_price_feature",
]

_K0, _K1, _K2, _K3, _K4, _K5 = ROLLUP_KEYS_FULL
#: The six rollup values of an exec bar without 1m bars: count 0, everything else NaN.
_NO_ROLLUPS = tuple(0.0 if i == ROLLUP_BARS else math.nan for i in range(len(ROLLUP_KEYS_FULL)))


# --------------------------------------------------------------------------- readiness, rollups


def not_ready_reasons(view: Any) -> list[Any]:
    """Why ``view.ready`` is False: HTF, MTF, then history (exec is always ready)."""
    out = []
    feeds = view.feeds
    for label, feed, idx in (("HTF", feeds.htf_feed, view.htf_idx), ("MTF", feeds.mtf_feed, view.mtf_idx)):
        if feed is not None and idx is None:
            out.append(f"{label}: no {feed.tf} bar has closed at or before the exec close {view.ts_close.isoformat()}")
    if not view.history_ready:
        out.append("History: required windows not yet filled")
    return out


def rollups_from_dict(rollups: Any) -> list[Any]:
    """Six floats in ``ROLLUP_FIELDS`` order from a ``{"px.rollup.<field>": value}`` dict.

    A missing (or None) value is NaN (reads as None), a missing count is 0, and with a count of 0
    every other field is NaN whatever the dict holds.

    Raises
    ------
    PathError
        For an unknown key.
    DataError
        For ``rollups`` that is not a mapping, or a count that is not a whole number >= 0 (NaN,
        inf, negative or fractional).
    TypeError
        For a value that is not a real number (see :func:`btcore._shared.boundary.as_double`).
    """
    if rollups is None:
        return list(_NO_ROLLUPS)
    if type(rollups) is dict and len(rollups) == 6:  # the frozen bucket's dict: one pass, no parsing
        get = rollups.get
        vals = [get(_K0), get(_K1), get(_K2), get(_K3), get(_K4), get(_K5)]
        n = vals[ROLLUP_BARS]
        if (type(n) is float and 0.0 <= n <= MAX_EXACT_COUNT and n == int(n) and type(vals[0]) is float
                and type(vals[1]) is float and type(vals[3]) is float and type(vals[4]) is float
                and type(vals[5]) is float):
            return vals if n > 0 else list(_NO_ROLLUPS)
    out = list(_NO_ROLLUPS)
    if not isinstance(rollups, Mapping):
        raise DataError(f"rollups must be a dict of 'px.rollup.<field>' -> value, got {type(rollups).__name__}", "BAD_ROLLUPS")
    for key, value in rollups.items():
        i = rollup_index(key)
        out[i] = (0.0 if i == ROLLUP_BARS else math.nan) if value is None else as_double(value, f"rollups[{key!r}]")
    n = out[ROLLUP_BARS]
    if not (0.0 <= n <= MAX_EXACT_COUNT and n == int(n)):
        raise DataError(f"px.rollup.bars_1m must be a whole number >= 0 (a count of 1m bars), got {n!r}", "BAD_ROLLUP")
    if n == 0:  # no 1m bar: NaN, not the inf/-inf/0.0 an empty bucket would give, which are not prices
        out = list(_NO_ROLLUPS)
    return out


def rollups_to_dict(values: Any) -> Optional[dict[str, float]]:
    """The ``rollups=`` dict that rebuilds six fixed rollup values (None when they are empty)."""
    if not values[ROLLUP_BARS] > 0:
        return None
    return {k: float(v) for k, v in zip(ROLLUP_KEYS_FULL, values)}


def rebuild_view(base: Any, cls: Any, args: tuple[Any, ...], m1_idx: int, rollup_matrix: Any) -> Any:
    """Unpickle/copy a view of ``cls``: through ``base.__init__`` (everything checked again), then
    the 1-minute row and the rollups (shared by both twins)."""
    view = cls.__new__(cls)
    base.__init__(view, *args)
    if (-1 if view.m1_idx is None else view.m1_idx) != m1_idx:
        view._move(args[1], args[2], args[3], m1_idx)
    if rollup_matrix is not None:
        view._attach_rollups(rollup_matrix)
    return view



# --------------------------------------------------------------------------- exchange


def _side(side: Any) -> Optional[str]:
    if side is None:
        return None
    side = getattr(side, "value", side)
    return str(side).lower()


def exchange_value(exchange: Any, name: str) -> Any:
    """Read one account value from an :class:`~btcore.types.ExchangeState` or a simulator.

    A simulator-like object exposes ``position`` (None or an object with ``side`` and
    ``size_usdt``) instead of the flat ``has_position``/``position_side`` fields.
    ``exchange=None`` reads as None (amounts), False (flags) or 0.0 (position size).
    """
    if exchange is None:
        return {"has_position": False, "entries_disabled": False, "position_size_usdt": 0.0}.get(name)
    if name in ("has_position", "position_side", "position_size_usdt") and not hasattr(exchange, "has_position"):
        pos = getattr(exchange, "position", None)
        if name == "has_position":
            return pos is not None
        if pos is None:
            return None if name == "position_side" else 0.0
        return _side(pos.side) if name == "position_side" else float(pos.size_usdt)
    value = getattr(exchange, name)
    if name == "position_side":
        return _side(value)
    return bool(value) if name in ("has_position", "entries_disabled") else value


# --------------------------------------------------------------------------- debug dict


#: The indicators the reference runtime's view had accessors for, in its ``to_dict`` order.
REFERENCE_INDICATORS = ("ema_fast", "ema_slow", "rsi", "atr")


def view_to_dict(view: Any, reference: bool = False) -> dict[str, Any]:
    """Debug dictionary of a view (``RuntimeSnapshotView.to_dict``); ``reference=True`` adds the
    exec values of :data:`REFERENCE_INDICATORS` after the OHLCV, as the reference runtime's had."""
    out = {
        "ts_close": _iso(view.ts_close),
        "symbol": view.symbol,
        "exec_tf": view.exec_tf,
        "exec_idx": view.exec_idx,
        "htf_idx": view.htf_idx,
        "mtf_idx": view.mtf_idx,
        "mark_price": view.mark_price,
        "mark_price_source": view.mark_price_source,
        "ready": view.ready,
        "history_ready": view.history_ready,
        "open": view.open,
        "high": view.high,
        "low": view.low,
        "close": view.close,
        "volume": view.volume,
        "htf_is_stale": view.htf_is_stale,
        "mtf_is_stale": view.mtf_is_stale,
        "htf_ctx_ts_close": _iso(view.htf_ctx_ts_close),
        "mtf_ctx_ts_close": _iso(view.mtf_ctx_ts_close),
        "rollups": view.rollups,
        "has_rollups": view.has_rollups,
    }
    if not reference:
        return out
    items = list(out.items())
    at = list(out).index("volume") + 1
    return dict(items[:at] + [(name, view.indicator(name)) for name in REFERENCE_INDICATORS] + items[at:])


# --------------------------------------------------------------------------- path methods


def strict_missing(what: str, where: str) -> NotReadyError:
    """The error of a ``*_strict`` read that found no value."""
    return NotReadyError(f"{what} has no value at {where} (NaN, not ready, or before the first bar)")


def get_strict(view: Any, path: Any) -> Any:
    """``view.get_strict``: ``view.get(path)``, NotReadyError instead of None."""
    v = view.get(path)
    if v is None:
        raise strict_missing(f"path {path!r}", f"exec bar {view.exec_idx}")
    return v


def compilable_path(state: Any, path: Any) -> str:
    """``path`` as a plain str for ``view.compile``; PathError when the view's incremental state
    serves it (the engine updates that value per bar, so no handle can hold it)."""
    key = path_key(path)
    if _state_serves(state, key):
        raise PathError(f"{key!r} is served by the view's incremental_state, which the engine updates "
                        "per bar; read it with view.get(path)")
    return key


def is_valid_path(state: Any, path: Any, resolve: Callable[[str], Any]) -> bool:
    """``view.is_valid_path``: the incremental state resolves it, or ``resolve(key)`` (the view's
    path lookup) does not raise PathError."""
    try:
        key = path_key(path)
        if _state_serves(state, key):
            _resolve_state(state, key)
        else:
            resolve(key)
    except PathError:
        return False
    return True


def mark_price_feature(mark_price: float, offset: int) -> Optional[float]:
    """``get_feature("mark_price", offset=offset)``: the mark price has no history."""
    if offset:
        raise ValueError(f"{MARK_PRICE_KEY} has no history: offset must be 0, got {offset}")
    return None if mark_price != mark_price else mark_price
