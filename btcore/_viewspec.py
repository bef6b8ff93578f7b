"""What the compiled view and its pure twin share: roles, the path grammar, messages, exchange reads.

Nothing here runs per bar on a hot path. A path is parsed once per feed set into a neutral tuple
(a *spec*) that each implementation turns into its own fast reader:

==========================  ==============================================================
spec                        meaning
==========================  ==============================================================
``(SERIES, role, src)``     ``src`` 0..4 = OHLCV field, ``5 + j`` = indicator row ``j`` of
                            that role's feed, read at the role's current index
``(MARK,)``                 the view's ``mark_price``
``(ROLLUP, field)``         1-minute rollup field (index in ``ROLLUP_FIELDS``)
``(STRUCT, array)``         exec-feed structure array, read at the exec index
``(ABSENT,)``               a role without a feed: always None
==========================  ==============================================================

Path grammar (segments separated by ``.``)::

    indicator.<key>[.<role>]                 role: exec | ltf | mtf | htf (default exec)
    indicator.mark_price[.<role>]            the mark price (as get_feature("mark_price"))
    price.mark.{close,high,low}              close = mark price; high/low = exec bar
    price.last.{open,high,low,close}         1m bar last closed at or before the exec close
    px.rollup.{min_1m,max_1m,bars_1m,open_1m,close_1m,volume_1m}
    structure.<block>.<field>
    structure.<block>.zones.<zone>.<field>

An indicator key may itself contain dots (``indicator.bb.upper`` reads indicator ``bb.upper``
when it is declared). Anything else raises :class:`~btcore.errors.PathError` naming what is valid.

A view built with ``incremental_state=`` (an object exposing ``exec.structures``, ``htf`` and
``get_value(path)``, like the reference engine's ``MultiTFIncrementalState``) serves
``structure.<key>.<output>`` from that object first: exec structures, then HTF structures in
the object's order, then the exec feed's :class:`~btcore.feed.StructureStore` blocks. Those
values change as the engine updates the object, so they are read per call (never cached).
"""

from __future__ import annotations

import math
import operator
import sys
from typing import Any, Mapping, Optional

import numpy as np

from ._arrays import _is_frozen
from ._pure._boundary import as_double
from .errors import DataError, PathError, UnknownKeyError

__all__ = [
    "ROLE_EXEC", "ROLE_MTF", "ROLE_HTF", "ROLE_QUOTE", "ROLE_NAMES", "ROLLUP_FIELDS", "OHLCV",
    "SERIES", "MARK", "ROLLUP", "STRUCT", "ABSENT", "PATH_CACHE_SIZE", "MAX_LOOKBACK",
    "role_index", "role_feeds", "bar_index", "check_feed", "parse_path", "path_key", "check_spec",
    "owned_array", "feed_names", "indicator_row", "check_count", "check_offset", "not_ready_reasons",
    "exchange_value", "view_to_dict", "rollups_from_dict", "rollups_to_dict", "rebuild_view",
]

ROLE_EXEC, ROLE_MTF, ROLE_HTF, ROLE_QUOTE = 0, 1, 2, 3
ROLE_NAMES = ("exec", "mtf", "htf", "quote")
_ROLE_OF = {"exec": ROLE_EXEC, "ltf": ROLE_EXEC, "mtf": ROLE_MTF, "htf": ROLE_HTF}
_VALID_ROLES = ["exec", "ltf", "mtf", "htf"]
OHLCV = ("open", "high", "low", "close", "volume")
ROLLUP_FIELDS = ("min_1m", "max_1m", "bars_1m", "open_1m", "close_1m", "volume_1m")
_ROLLUP_INDEX = {f: i for i, f in enumerate(ROLLUP_FIELDS)}
#: ``px.rollup.<field>`` keys in ``ROLLUP_FIELDS`` order (the keys of a frozen rollup dict).
#: Interned, so a dict built with the same interned keys (``ExecRollupBucket.freeze``) is read by
#: pointer comparison.
ROLLUP_KEYS_FULL = tuple(sys.intern("px.rollup." + f) for f in ROLLUP_FIELDS)
_K0, _K1, _K2, _K3, _K4, _K5 = ROLLUP_KEYS_FULL
_NO_ROLLUPS = (math.nan, math.nan, 0.0, math.nan, math.nan, math.nan)
_MAX_COUNT = float(2 ** 53)  # counts above this are not exact in a float64
SERIES, MARK, ROLLUP, STRUCT, ABSENT = 0, 1, 2, 3, 4
#: Parsed paths kept per feed set; the oldest entry is dropped when full.
PATH_CACHE_SIZE = 512
#: Look-backs, offsets and window lengths above this read as this (always before the first bar),
#: so any Python int gives the same answer in both twins and C index arithmetic cannot overflow.
MAX_LOOKBACK = 1 << 62
_NAMESPACES = ["indicator", "price", "px", "structure"]
_MARK_FIELDS = {"close": None, "high": 1, "low": 2}
_LAST_FIELDS = {"open": 0, "high": 1, "low": 2, "close": 3}
#: ``get_feature`` / ``indicator.<key>`` key that reads the view's mark price (before any indicator).
MARK_PRICE_KEY = "mark_price"


def role_index(role: Any) -> int:
    """Internal index of a tf role name; PathError naming the valid roles otherwise."""
    r = _ROLE_OF.get(role) if isinstance(role, str) else None
    if r is None:
        raise PathError(f"Unknown tf role {role!r}. Valid roles: {_VALID_ROLES}")
    return r


def role_feeds(feeds: Any) -> tuple[Any, ...]:
    """``(exec, mtf, htf, quote)`` feeds of a MultiTFFeedStore (None where absent)."""
    from .feed import FeedStore

    out = (getattr(feeds, "exec_feed", None), getattr(feeds, "mtf_feed", None), getattr(feeds, "htf_feed", None),
           getattr(feeds, "quote_feed", None))
    if not isinstance(out[0], FeedStore) or not all(f is None or isinstance(f, FeedStore) for f in out):
        raise TypeError(f"feeds must be a btcore.feed.MultiTFFeedStore, got {type(feeds).__name__}")
    return out


def check_feed(feed: Any) -> Any:
    """``feed`` if it is a FeedStore; TypeError otherwise."""
    from .feed import FeedStore

    if not isinstance(feed, FeedStore):
        raise TypeError(f"feed must be a btcore.feed.FeedStore, got {type(feed).__name__}")
    return feed


def bar_index(feed: Any, idx: Any, name: str) -> int:
    """-1 for None or -1 (no bar yet), else ``idx`` checked against ``feed`` (IndexError)."""
    if idx is None or (not isinstance(idx, bool) and isinstance(idx, (int, np.integer)) and idx == -1):
        return -1
    if feed is None:
        raise IndexError(f"{name}={idx!r} but the view has no feed for that role; pass -1")
    return int(feed.check_index(idx))


def check_count(value: Any, name: str, minimum: int) -> int:
    """``value`` as an int >= ``minimum`` (at most :data:`MAX_LOOKBACK`); TypeError for
    non-integers, ValueError naming the value."""
    v = operator.index(value)
    if v < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {v}")
    return min(v, MAX_LOOKBACK)


def check_offset(offset: Any) -> int:
    """A look-back offset: an int >= 0 (negative offsets would read the future), at most
    :data:`MAX_LOOKBACK`."""
    v = operator.index(offset)
    if v < 0:
        raise ValueError(f"offset must be >= 0 (bars back from the current one), got {v}; negative offsets would read future bars")
    return min(v, MAX_LOOKBACK)


# --------------------------------------------------------------------------- feed tables


def owned_array(feed: Any, attr: str, dtype: Any, shape: Optional[tuple[int, ...]]) -> Any:
    """``feed.<attr>`` if it is a btcore-owned (frozen) C-contiguous array of ``dtype`` and
    ``shape``; DataError otherwise. What the compiled view points into passes through here."""
    a: Any = getattr(feed, attr, None)
    if (not _is_frozen(a) or a.dtype != dtype or not a.flags.c_contiguous
            or (shape is not None and a.shape != shape) or (shape is None and a.ndim != 1)):
        got = f"{a.dtype}{a.shape}" if isinstance(a, np.ndarray) else type(a).__name__
        want = f"{np.dtype(dtype)}{shape if shape is not None else '[n]'}"
        raise DataError(
            f"FeedStore {getattr(feed, 'tf', '?')}: {attr} must be a btcore-owned read-only {want} array, "
            f"got {got}; build feeds with FeedStore.from_arrays / from_dataframe",
            "BAD_FEED",
        )
    return a


def feed_names(feed: Any, k: int) -> dict[str, int]:
    """Indicator name -> matrix row, rebuilt from ``feed.indicator_names`` (``k`` unique strings)."""
    names = feed.indicator_names
    if type(names) is not tuple or len(names) != k or not all(type(x) is str for x in names) or len(set(names)) != k:
        raise DataError(
            f"FeedStore {getattr(feed, 'tf', '?')}: indicator_names must be a tuple of {k} unique strings "
            f"(one per indicator_matrix row), got {names!r:.120}",
            "BAD_FEED",
        )
    return {name: j for j, name in enumerate(names)}


def indicator_row(names: dict[str, int], feed: Any, name: Any) -> int:
    """Row of ``name`` in ``names``; UnknownKeyError listing the declared names otherwise."""
    j = names.get(name)
    if j is None:
        raise UnknownKeyError(
            f"Indicator {name!r} not declared on the {feed.tf} feed. Available indicators: {list(names)}"
        )
    return j


# --------------------------------------------------------------------------- path grammar


def _trailing(path: str, parts: list[str], used: int, expected: str) -> None:
    if len(parts) > used:
        raise PathError(f"Path {path!r} has unexpected trailing segment(s) {parts[used:]}; expected {expected}")


def _indicator_spec(path: str, parts: list[str], by_role: tuple[Any, ...], names: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(parts) < 2 or not parts[1]:
        raise PathError(f"Invalid indicator path {path!r} (missing key); expected indicator.<key>[.<role>] with role in {_VALID_ROLES}")
    if parts[1] == MARK_PRICE_KEY:  # the reference's rule compiler builds this for mark-price conditions
        if len(parts) == 2 or (len(parts) == 3 and parts[2] in _ROLE_OF):
            return (MARK,)
        raise PathError(f"Invalid mark price path {path!r}; expected indicator.mark_price[.<role>] with role in {_VALID_ROLES}")
    whole = ".".join(parts[1:])
    candidates = [(whole, ROLE_EXEC)]
    if len(parts) >= 3 and parts[-1] in _ROLE_OF:
        candidates.insert(0, (".".join(parts[1:-1]), _ROLE_OF[parts[-1]]))
    for key, role in candidates:
        feed = by_role[role]
        if feed is None:
            return (ABSENT,)
        if key in OHLCV:
            return (SERIES, role, OHLCV.index(key))
        row = names[role].get(key)
        if row is not None:
            return (SERIES, role, 5 + row)
    key, role = candidates[0]
    hint = ""
    if len(parts) >= 3 and parts[-1] not in _ROLE_OF:
        hint = f" ({parts[-1]!r} is not a tf role either; valid roles: {_VALID_ROLES})"
    feed = by_role[role]
    raise PathError(
        f"Unknown indicator {key!r} in path {path!r} for role {ROLE_NAMES[role]!r} ({feed.tf} feed){hint}. "
        f"Declared indicators: {list(feed.indicator_names)}; OHLCV fields: {list(OHLCV)}"
    )


def _price_spec(path: str, parts: list[str], by_role: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(parts) < 3:
        raise PathError(f"Invalid price path {path!r}; expected price.mark.<{'|'.join(_MARK_FIELDS)}> or price.last.<{'|'.join(_LAST_FIELDS)}>")
    kind, fld = parts[1], parts[2]
    if kind == "mark":
        if fld not in _MARK_FIELDS:
            raise PathError(f"Unknown price.mark field {fld!r} in {path!r}. Valid: {list(_MARK_FIELDS)}")
        _trailing(path, parts, 3, f"price.mark.{fld}")
        src = _MARK_FIELDS[fld]
        return (MARK,) if src is None else (SERIES, ROLE_EXEC, src)
    if kind == "last":
        if fld not in _LAST_FIELDS:
            raise PathError(f"Unknown price.last field {fld!r} in {path!r}. Valid: {list(_LAST_FIELDS)}")
        _trailing(path, parts, 3, f"price.last.{fld}")
        return (ABSENT,) if by_role[ROLE_QUOTE] is None else (SERIES, ROLE_QUOTE, _LAST_FIELDS[fld])
    raise PathError(f"Unknown price type {kind!r} in {path!r}. Valid: ['mark', 'last']")


def _px_spec(path: str, parts: list[str]) -> tuple[Any, ...]:
    if len(parts) < 3 or parts[1] != "rollup":
        raise PathError(f"Invalid px path {path!r}; expected px.rollup.<field> with field in {list(ROLLUP_FIELDS)}")
    if parts[2] not in _ROLLUP_INDEX:
        raise PathError(f"Unknown px.rollup field {parts[2]!r} in {path!r}. Valid: {list(ROLLUP_FIELDS)}")
    _trailing(path, parts, 3, f"px.rollup.{parts[2]}")
    return (ROLLUP, _ROLLUP_INDEX[parts[2]])


def _structure_spec(path: str, parts: list[str], by_role: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(parts) < 3:
        raise PathError(f"Invalid structure path {path!r}; expected structure.<block>.<field> or structure.<block>.zones.<zone>.<field>")
    blocks = by_role[ROLE_EXEC].structures
    store = blocks.get(parts[1])
    if store is None:
        raise PathError(f"Unknown structure block {parts[1]!r} in {path!r}. Available blocks: {sorted(blocks)}")
    if parts[2] == "zones" and (len(parts) > 3 or "zones" not in store.fields):
        if len(parts) < 5:
            raise PathError(f"Invalid zone path {path!r}; expected structure.{parts[1]}.zones.<zone>.<field> with zone in {sorted(store.zones)}")
        zone = store.zones.get(parts[3])
        if zone is None:
            raise PathError(f"Unknown zone {parts[3]!r} for structure block {parts[1]!r} in {path!r}. Available zones: {sorted(store.zones)}")
        arr = zone.fields.get(parts[4])
        if arr is None:
            raise PathError(f"Unknown field {parts[4]!r} for zone {parts[3]!r} in {path!r}. Valid fields: {sorted(zone.fields)}")
        _trailing(path, parts, 5, "structure.<block>.zones.<zone>.<field>")
        return (STRUCT, arr)
    arr = store.fields.get(parts[2])
    if arr is None:
        zones = " (or zones.<zone>.<field>)" if store.zones else ""
        raise PathError(f"Unknown structure field {parts[2]!r} for block {parts[1]!r} in {path!r}. Valid fields: {sorted(store.fields)}{zones}")
    _trailing(path, parts, 3, "structure.<block>.<field>")
    return (STRUCT, arr)


def path_key(path: Any) -> str:
    """``path`` as an exact ``str`` (a str subclass is copied, so its own ``__eq__``/``__hash__``
    never reach a path cache); PathError for anything that is not a string."""
    if type(path) is str:
        return path
    if isinstance(path, str):
        return str.__str__(path)
    raise PathError(f"A path must be a string like 'indicator.ema.htf', got {type(path).__name__} {path!r:.80}")


def parse_path(path: Any, feeds: Any, names: Optional[tuple[Any, ...]] = None) -> tuple[Any, ...]:
    """Resolve ``path`` into a spec tuple (see the module docstring).

    ``feeds`` is a MultiTFFeedStore or its ``(exec, mtf, htf, quote)`` tuple; ``names`` the
    per-role name -> row tables to resolve indicators with (default: from ``indicator_names``).

    Raises
    ------
    PathError
        For anything that is not a valid path for these feeds; the message names what is valid.
    """
    path = path_key(path)
    by_role = feeds if type(feeds) is tuple else role_feeds(feeds)
    if names is None:
        names = tuple(None if f is None else {k: j for j, k in enumerate(f.indicator_names)} for f in by_role)
    parts = path.split(".")
    ns = parts[0]
    if ns == "indicator":
        return _indicator_spec(path, parts, by_role, names)
    if ns == "price":
        return _price_spec(path, parts, by_role)
    if ns == "px":
        return _px_spec(path, parts)
    if ns == "structure":
        return _structure_spec(path, parts, by_role)
    raise PathError(f"Unknown path namespace {ns!r} in {path!r}. Valid namespaces: {_NAMESPACES}")


def check_spec(spec: tuple[Any, ...], path: str, lengths: tuple[Any, ...], counts: tuple[Any, ...]) -> tuple[Any, ...]:
    """``spec`` if every index it holds fits the feeds it will be read from; DataError otherwise.

    ``lengths[r]`` / ``counts[r]`` are role ``r``'s bar and indicator counts (None: no feed). The
    compiled view reads a spec without checks, so this is the boundary it relies on.
    """
    kind = spec[0] if type(spec) is tuple and spec else None
    ok = kind in (MARK, ABSENT)
    if kind == SERIES:
        role, src = spec[1], spec[2]
        ok = (type(role) is int and 0 <= role < 4 and lengths[role] is not None
              and type(src) is int and 0 <= src < 5 + counts[role])
    elif kind == ROLLUP:
        ok = type(spec[1]) is int and 0 <= spec[1] < len(ROLLUP_FIELDS)
    elif kind == STRUCT:
        a = spec[1]
        ok = (_is_frozen(a) and a.dtype == np.float64 and a.ndim == 1 and a.flags.c_contiguous
              and a.shape[0] == lengths[ROLE_EXEC])
        if not ok and isinstance(a, np.ndarray):
            raise DataError(
                f"path {path!r} reads a structure array of {a.dtype}{a.shape}; it must be a btcore-owned "
                f"float64 array with one value per exec bar ({lengths[ROLE_EXEC]})", "BAD_STRUCTURE")
    if not ok:
        raise DataError(f"path {path!r} resolved to {spec!r:.100}, which does not fit the feeds it is read from", "BAD_PATH_SPEC")
    return spec


def structure_paths(feeds: Any) -> list[Any]:
    """Every valid ``structure.*`` path of the exec feed (of a feed set or its roles tuple)."""
    out = []
    exec_feed = feeds[ROLE_EXEC] if type(feeds) is tuple else feeds.exec_feed
    for key, store in exec_feed.structures.items():
        out += [f"structure.{key}.{f}" for f in store.fields]
        for zk, zone in store.zones.items():
            out += [f"structure.{key}.zones.{zk}.{f}" for f in zone.fields]
    return out


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
    """Six floats in ``ROLLUP_FIELDS`` order from a reference-style dict (``px.rollup.<f>`` keys).

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
        For a value that is not a real number (see :func:`btcore._pure._boundary.as_double`).
    """
    if rollups is None:
        return list(_NO_ROLLUPS)
    if type(rollups) is dict and len(rollups) == 6:  # the frozen bucket's dict: one pass, no parsing
        get = rollups.get
        vals = [get(_K0), get(_K1), get(_K2), get(_K3), get(_K4), get(_K5)]
        n = vals[2]
        if (type(n) is float and 0.0 <= n <= _MAX_COUNT and n == int(n) and type(vals[0]) is float
                and type(vals[1]) is float and type(vals[3]) is float and type(vals[4]) is float
                and type(vals[5]) is float):
            return vals if n > 0 else list(_NO_ROLLUPS)
    out = [math.nan] * 6
    out[2] = 0.0
    if not isinstance(rollups, Mapping):
        raise DataError(f"rollups must be a dict of 'px.rollup.<field>' -> value, got {type(rollups).__name__}", "BAD_ROLLUPS")
    for key, value in rollups.items():
        name = key[10:] if isinstance(key, str) and key.startswith("px.rollup.") else key
        i = _ROLLUP_INDEX.get(name) if isinstance(name, str) else None
        if i is None:
            raise PathError(f"Unknown rollup key {key!r}. Valid: {['px.rollup.' + f for f in ROLLUP_FIELDS]}")
        out[i] = (0.0 if i == 2 else math.nan) if value is None else as_double(value, f"rollups[{key!r}]")
    if not (0.0 <= out[2] <= _MAX_COUNT and out[2] == int(out[2])):
        raise DataError(f"px.rollup.bars_1m must be a whole number >= 0 (a count of 1m bars), got {out[2]!r}", "BAD_ROLLUP")
    if out[2] == 0:  # no 1m bar: the reference froze inf/-inf/0.0 here, which are not prices
        out = list(_NO_ROLLUPS)
    return out


def rollups_to_dict(values: Any) -> Optional[dict[str, float]]:
    """The ``rollups=`` dict that rebuilds six fixed rollup values (None when they are empty)."""
    if not values[2] > 0:
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


def rollup_index(key: Any) -> int:
    """Index of ``px.rollup.<field>`` or ``<field>`` in ``ROLLUP_FIELDS``; PathError otherwise."""
    name = key[10:] if isinstance(key, str) and key.startswith("px.rollup.") else key
    i = _ROLLUP_INDEX.get(name) if isinstance(name, str) else None
    if i is None:
        raise PathError(f"Unknown rollup key {key!r}. Valid: {['px.rollup.' + f for f in ROLLUP_FIELDS]}")
    return i


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


def _iso(dt: Any) -> Optional[str]:
    return dt.isoformat() if dt is not None else None


def view_to_dict(view: Any) -> dict[str, Any]:
    """Debug dictionary of a view (the reference's keys plus the HTF/MTF indices)."""
    return {
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
        "ema_fast": view.ema_fast,
        "ema_slow": view.ema_slow,
        "rsi": view.rsi,
        "atr": view.atr,
        "htf_is_stale": view.htf_is_stale,
        "mtf_is_stale": view.mtf_is_stale,
        "htf_ctx_ts_close": _iso(view.htf_ctx_ts_close),
        "mtf_ctx_ts_close": _iso(view.mtf_ctx_ts_close),
        "rollups": view.rollups,
        "has_rollups": view.has_rollups,
    }
