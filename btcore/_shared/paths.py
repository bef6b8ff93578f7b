"""The path grammar of ``view.get(path)``, resolved once per feed set into a neutral tuple.

Both view twins resolve a path here and turn the tuple into their own fast reader (the compiled
view a C struct-like object, the pure view the tuple itself); nothing here runs per bar.

==========================  ==============================================================
resolved path               meaning
==========================  ==============================================================
``(SERIES, role, src)``     ``src`` < ``N_OHLCV``: OHLCV field; ``N_OHLCV + j``: indicator
                            row ``j`` of that role's feed, read at the role's current index
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

A view built with ``incremental_state=`` serves ``structure.<key>.<output>`` from that object
first (see :mod:`btcore._incremental`), then from the exec feed's
:class:`~btcore.feed.StructureStore` blocks.

To add a namespace: a ``_<name>_path`` function returning one of the tuples above, one line in
:func:`resolve_path`, and the namespace in ``_NAMESPACES``; both twins read it with no change.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .._arrays import _is_frozen
from ..errors import DataError, PathError
from .constants import (
    ABSENT,
    MARK,
    MARK_PRICE_KEY,
    N_OHLCV,
    N_ROLES,
    N_ROLLUPS,
    OHLCV,
    ROLE_EXEC,
    ROLE_NAMES,
    ROLE_OF,
    ROLE_QUOTE,
    ROLLUP,
    ROLLUP_FIELDS,
    ROLLUP_INDEX,
    ROLLUP_KEYS_FULL,
    ROLLUP_PREFIX,
    SERIES,
    STRUCT,
    TF_ROLES,
)
from .feeds import role_feeds

__all__ = ["path_key", "resolve_path", "check_resolved", "structure_paths", "rollup_index"]

_NAMESPACES = ["indicator", "price", "px", "structure"]
#: ``price.mark.<field>``: None reads the mark price itself, else the exec bar's OHLCV source.
_MARK_FIELDS = {"close": None, "high": OHLCV.index("high"), "low": OHLCV.index("low")}
#: ``price.last.<field>``: OHLCV source of the last closed 1m bar.
_LAST_FIELDS = {f: OHLCV.index(f) for f in ("open", "high", "low", "close")}


def _trailing(path: str, parts: list[str], used: int, expected: str) -> None:
    if len(parts) > used:
        raise PathError(f"Path {path!r} has unexpected trailing segment(s) {parts[used:]}; expected {expected}")


def _indicator_path(path: str, parts: list[str], by_role: tuple[Any, ...], names: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(parts) < 2 or not parts[1]:
        raise PathError(f"Invalid indicator path {path!r} (missing key); expected indicator.<key>[.<role>] with role in {list(TF_ROLES)}")
    if parts[1] == MARK_PRICE_KEY:  # rule compilers build this for mark-price conditions
        if len(parts) == 2 or (len(parts) == 3 and parts[2] in ROLE_OF):
            return (MARK,)
        raise PathError(f"Invalid mark price path {path!r}; expected indicator.mark_price[.<role>] with role in {list(TF_ROLES)}")
    whole = ".".join(parts[1:])
    candidates = [(whole, ROLE_EXEC)]
    if len(parts) >= 3 and parts[-1] in ROLE_OF:
        candidates.insert(0, (".".join(parts[1:-1]), ROLE_OF[parts[-1]]))
    for key, role in candidates:
        feed = by_role[role]
        if feed is None:
            return (ABSENT,)
        if key in OHLCV:
            return (SERIES, role, OHLCV.index(key))
        row = names[role].get(key)
        if row is not None:
            return (SERIES, role, N_OHLCV + row)
    key, role = candidates[0]
    hint = ""
    if len(parts) >= 3 and parts[-1] not in ROLE_OF:
        hint = f" ({parts[-1]!r} is not a tf role either; valid roles: {list(TF_ROLES)})"
    feed = by_role[role]
    raise PathError(
        f"Unknown indicator {key!r} in path {path!r} for role {ROLE_NAMES[role]!r} ({feed.tf} feed){hint}. "
        f"Declared indicators: {list(feed.indicator_names)}; OHLCV fields: {list(OHLCV)}"
    )


def _price_path(path: str, parts: list[str], by_role: tuple[Any, ...]) -> tuple[Any, ...]:
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


def _px_path(path: str, parts: list[str]) -> tuple[Any, ...]:
    if len(parts) < 3 or parts[1] != "rollup":
        raise PathError(f"Invalid px path {path!r}; expected px.rollup.<field> with field in {list(ROLLUP_FIELDS)}")
    if parts[2] not in ROLLUP_INDEX:
        raise PathError(f"Unknown px.rollup field {parts[2]!r} in {path!r}. Valid: {list(ROLLUP_FIELDS)}")
    _trailing(path, parts, 3, f"px.rollup.{parts[2]}")
    return (ROLLUP, ROLLUP_INDEX[parts[2]])


def _structure_path(path: str, parts: list[str], by_role: tuple[Any, ...]) -> tuple[Any, ...]:
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


def resolve_path(path: Any, feeds: Any, names: Optional[tuple[Any, ...]] = None) -> tuple[Any, ...]:
    """Resolve ``path`` into a resolved-path tuple (see the module docstring).

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
        return _indicator_path(path, parts, by_role, names)
    if ns == "price":
        return _price_path(path, parts, by_role)
    if ns == "px":
        return _px_path(path, parts)
    if ns == "structure":
        return _structure_path(path, parts, by_role)
    raise PathError(f"Unknown path namespace {ns!r} in {path!r}. Valid namespaces: {_NAMESPACES}")


def check_resolved(resolved: tuple[Any, ...], path: str, lengths: tuple[Any, ...], counts: tuple[Any, ...]) -> tuple[Any, ...]:
    """``resolved`` if every index it holds fits the feeds it will be read from; DataError otherwise.

    ``lengths[r]`` / ``counts[r]`` are role ``r``'s bar and indicator counts (None: no feed). The
    compiled view reads a resolved path without checks, so this is the boundary it relies on.
    """
    kind = resolved[0] if type(resolved) is tuple and resolved else None
    ok = kind in (MARK, ABSENT)
    if kind == SERIES:
        role, src = resolved[1], resolved[2]
        ok = (type(role) is int and 0 <= role < N_ROLES and lengths[role] is not None
              and type(src) is int and 0 <= src < N_OHLCV + counts[role])
    elif kind == ROLLUP:
        ok = type(resolved[1]) is int and 0 <= resolved[1] < N_ROLLUPS
    elif kind == STRUCT:
        a = resolved[1]
        ok = (_is_frozen(a) and a.dtype == np.float64 and a.ndim == 1 and a.flags.c_contiguous
              and a.shape[0] == lengths[ROLE_EXEC])
        if not ok and isinstance(a, np.ndarray):
            raise DataError(
                f"path {path!r} reads a structure array of {a.dtype}{a.shape}; it must be a btcore-owned "
                f"float64 array with one value per exec bar ({lengths[ROLE_EXEC]})", "BAD_STRUCTURE")
    if not ok:
        raise DataError(f"path {path!r} resolved to {resolved!r:.100}, which does not fit the feeds it is read from", "BAD_PATH_SPEC")
    return resolved


def structure_paths(feeds: Any) -> list[Any]:
    """Every valid ``structure.*`` path of the exec feed (of a feed set or its roles tuple)."""
    out = []
    exec_feed = feeds[ROLE_EXEC] if type(feeds) is tuple else feeds.exec_feed
    for key, store in exec_feed.structures.items():
        out += [f"structure.{key}.{f}" for f in store.fields]
        for zk, zone in store.zones.items():
            out += [f"structure.{key}.zones.{zk}.{f}" for f in zone.fields]
    return out



def rollup_index(key: Any) -> int:
    """Index of ``px.rollup.<field>`` or ``<field>`` in ``ROLLUP_FIELDS``; PathError otherwise."""
    name = key[len(ROLLUP_PREFIX):] if isinstance(key, str) and key.startswith(ROLLUP_PREFIX) else key
    i = ROLLUP_INDEX.get(name) if isinstance(name, str) else None
    if i is None:
        raise PathError(f"Unknown rollup key {key!r}. Valid: {list(ROLLUP_KEYS_FULL)}")
    return i
