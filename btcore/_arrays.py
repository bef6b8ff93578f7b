"""Array coercion and the small named-array stores a FeedStore holds.

:class:`StructureStore` / :class:`ZoneStore` (market-structure fields by name) and
:class:`FeatureArrays` (indicator arrays with metadata and warmup) hold every array as a
btcore-owned frozen float64 copy (see :func:`_frozen`); see :mod:`btcore.feed` for the rules.
Import these names from :mod:`btcore.feed`.
"""

from __future__ import annotations

from collections.abc import Mapping as _MappingABC
from types import MappingProxyType
from typing import Any, Mapping, Optional

import numpy as np
from numpy.typing import NDArray

from ._twin import load
from .errors import DataError, UnknownKeyError
from .timeframe import MAX_EPOCH_MS, MIN_EPOCH_MS, from_epoch_ms

_owned = load("_owned")
# Either twin's frozen arrays are accepted (feeds built in one mode may be read by the other twin).
_OWNERS = tuple({*_owned.OWNER_TYPES, bytes})

__all__ = ["StructureStore", "ZoneStore", "FeatureArrays"]


# --------------------------------------------------------------------------- array coercion


def _frozen(a: Any, dtype: Any = None, add: int = 0) -> np.ndarray:
    """A C-contiguous copy of ``a`` (converted to ``dtype``) over memory no one can write.

    ``flags.writeable = False`` alone is one assignment away from writeable again, and an array
    that owns its memory can be ``resize``d under a pointer the compiled core holds. The copy's
    base is a read-only owner (``btcore._core._owned``, or ``bytes`` in the pure twin): numpy
    refuses to make it writeable (the base gives no writable buffer) and to resize it (it does
    not own its memory), and every view of it inherits both. ``add`` is added on the way (the
    close times are the open times plus the bar length, computed into their final memory).
    """
    return _owned.frozen(a, dtype, add)  # type: ignore[no-any-return]


def _is_frozen(a: Any) -> bool:
    """True if ``a`` is a plain ndarray over a read-only owner (made by :func:`_frozen`, or a view)."""
    if type(a) is not np.ndarray or a.flags.writeable:
        return False
    base: Any = a.base
    while isinstance(base, np.ndarray):
        base = base.base
    return type(base) in _OWNERS


def _readonly(a: np.ndarray) -> np.ndarray:
    """``a`` frozen (a no-op for an array that already is)."""
    return a if _is_frozen(a) and a.flags.c_contiguous else _frozen(a)


def _check_mapping(what: str, value: Any) -> Mapping[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, _MappingABC):
        raise DataError(f"{what} must be a mapping of name -> values, got {type(value).__name__}: {value!r:.80}", "BAD_MAPPING")
    return value


def _checked(name: str, values: Any, n: Optional[int] = None) -> np.ndarray:
    """``values`` as a 1-D real numeric array of ``n`` rows (not converted, not copied)."""
    a = np.asarray(values)
    if a.dtype.kind not in "fiu":
        raise DataError(
            f"column {name!r} has dtype {a.dtype}; expected a real numeric dtype "
            "(float64 preferred; float32 and integers are widened to float64)",
            "BAD_DTYPE",
        )
    if a.ndim != 1:
        raise DataError(f"column {name!r} must be 1-D, got shape {a.shape}", "BAD_SHAPE")
    if n is not None and a.shape[0] != n:
        raise DataError(
            f"column {name!r} has {a.shape[0]} rows but the feed has {n}", "LENGTH_MISMATCH"
        )
    return a


def _as_values(name: str, values: Any, n: Optional[int] = None) -> np.ndarray:
    """``values`` as a frozen C-contiguous float64 1-D array: a copy, or ``values`` itself when
    it already is one (a frozen array cannot change, so sharing it is safe)."""
    a = _checked(name, values, n)
    if a.dtype == np.float64 and _is_frozen(a) and a.flags.c_contiguous:
        return a
    return _frozen(a, np.float64)


# Coarser datetime64 units, whose conversion to ms multiplies (and can wrap around int64).
_COARSE_UNITS = {"Y", "M", "W", "D", "h", "m", "s"}


def _as_epoch_ms(name: str, values: Any, step_ms: int = 0) -> np.ndarray:
    """int64 epoch-ms 1-D frozen array from int ms or datetime64 input (always a fresh array).

    Every value, and every value plus ``step_ms`` (the bar's close), must be a time a datetime
    can show (years 1 to 9999): anything else is a unit mistake (seconds, microseconds) or a
    value that would wrap around int64.
    """
    a = np.asarray(values)
    if a.ndim != 1:
        raise DataError(f"{name} must be 1-D, got shape {a.shape}", "BAD_SHAPE")
    if a.dtype.kind == "M":
        if np.isnat(a).any():
            raise DataError(f"{name} contains NaT at row {int(np.argmax(np.isnat(a)))}", "NAT_TIMESTAMP")
        ms = a.astype("datetime64[ms]")
        if np.datetime_data(a.dtype)[0] in _COARSE_UNITS and (ms.astype(a.dtype) != a).any():
            i = int(np.argmax(ms.astype(a.dtype) != a))
            raise DataError(f"{name} row {i} = {a[i]!r} is outside the datetime range (years 1 to 9999)", "TIMESTAMP_RANGE")
        ts = _frozen(ms.view(np.int64))
    elif a.dtype.kind in "iu" or a.size == 0:  # [] is float64 in numpy
        if a.dtype == np.uint64 and a.size and a.max() > np.uint64(MAX_EPOCH_MS):
            i = int(np.argmax(a > np.uint64(MAX_EPOCH_MS)))
            raise DataError(_range_message(name, i, int(a[i]), step_ms), "TIMESTAMP_RANGE")
        ts = _frozen(a, np.int64)
    else:
        raise DataError(
            f"{name} has dtype {a.dtype}; expected int64 epoch milliseconds or datetime64",
            "BAD_DTYPE",
        )
    if ts.size and (ts.min() < MIN_EPOCH_MS or ts.max() > MAX_EPOCH_MS - step_ms):  # no temporaries
        i = int(np.argmax((ts < MIN_EPOCH_MS) | (ts > MAX_EPOCH_MS - step_ms)))
        raise DataError(_range_message(name, i, int(ts[i]), step_ms), "TIMESTAMP_RANGE")
    return ts


def _range_message(name: str, row: int, value: int, step_ms: int) -> str:
    hint = ""
    if value > MAX_EPOCH_MS:
        hint = "; these look like microseconds or nanoseconds, not milliseconds"
    close = f" (the bar closes {step_ms} ms later)" if step_ms else ""
    return (
        f"{name} row {row} = {value} ms is outside the supported range {MIN_EPOCH_MS}.."
        f"{MAX_EPOCH_MS - step_ms}{close}: bar times must be datetimes of years 1 to 9999{hint}"
    )


def _check_order(ts: np.ndarray, sort: bool) -> Optional[np.ndarray]:
    """Permutation that sorts ``ts`` (None if already strictly increasing); DataError otherwise."""
    if ts.shape[0] < 2:
        return None
    step = np.diff(ts)
    if (step > 0).all():
        return None
    order = None
    if (step < 0).any():
        if not sort:
            i = int(np.argmax(step < 0))
            raise DataError(
                f"timestamps are not increasing: row {i + 1} opens at {int(ts[i + 1])} ms, before "
                f"row {i} at {int(ts[i])} ms; sort the data or pass sort=True",
                "UNSORTED_TIMESTAMPS",
            )
        order = np.argsort(ts, kind="stable")
        step = np.diff(ts[order])
    dup = step == 0
    if dup.any():
        i = int(np.argmax(dup))
        t = int((ts[order] if order is not None else ts)[i])
        raise DataError(
            f"duplicate timestamp {t} ms ({from_epoch_ms(t).isoformat()}) appears "
            f"{int((ts == t).sum())} times; each bar must have a unique open time",
            "DUPLICATE_TIMESTAMPS",
        )
    return order


def _check_name(kind: str, name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise DataError(f"{kind} names must be non-empty strings, got {name!r}", "BAD_NAME")
    return name


# --------------------------------------------------------------------------- structures


class _Frozen:
    """Blocks attribute assignment after construction (construction uses object.__setattr__)."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; cannot delete {name!r}")


def _named_arrays(kind: str, arrays: Optional[Mapping[str, Any]], n: Optional[int]) -> Mapping[str, np.ndarray]:
    out = {}
    for name, values in _check_mapping(f"{kind}s", arrays).items():
        out[name] = _as_values(f"{kind} {_check_name(kind, name)}", values, n)
    return MappingProxyType(out)


def _permuted(arrays: Mapping[str, Any], order: Optional[np.ndarray]) -> Mapping[str, Any]:
    if order is None:
        return arrays
    return {k: np.asarray(v)[order] if np.ndim(v) == 1 and len(v) == len(order) else v for k, v in arrays.items()}


def _field(owner: str, fields: Mapping[str, np.ndarray], name: str, bar_idx: int) -> Optional[float]:
    a = fields.get(name)
    if a is None:
        raise UnknownKeyError(f"Unknown field {name!r} for {owner}. Valid fields: {sorted(fields)}")
    if not 0 <= bar_idx < a.shape[0]:
        return None
    v = float(a[bar_idx])
    return None if v != v else v


class ZoneStore(_Frozen):
    """Named float64 arrays of one zone of a structure block (e.g. ``upper``, ``lower``)."""

    __slots__ = ("key", "fields")
    key: str
    fields: Mapping[str, NDArray[np.float64]]

    def __init__(self, key: str, fields: Mapping[str, Any], length: Optional[int] = None) -> None:
        object.__setattr__(self, "key", _check_name("zone", key))
        object.__setattr__(self, "fields", _named_arrays(f"zone {key!r} field", fields, length))

    def __reduce__(self) -> tuple[Any, ...]:
        return (ZoneStore, (self.key, dict(self.fields)))

    def get_field(self, field_name: str, bar_idx: int) -> Optional[float]:
        """Value of ``field_name`` at ``bar_idx``; None if NaN or out of range.

        Raises
        ------
        UnknownKeyError
            If the field does not exist (the message lists the valid fields).
        """
        return _field(f"zone {self.key!r}", self.fields, field_name, bar_idx)


class StructureStore(_Frozen):
    """Market-structure arrays of one block: named float64 fields plus named zones.

    Parameters
    ----------
    key : str
        Block key, as used in ``structure.<key>.<field>`` paths.
    fields : mapping of str to array-like
        One value per bar of the feed the store is attached to (integers are widened to float64).
    zones : mapping of str to mapping of str to array-like, optional
        ``zones[zone_key][field]``; each zone becomes a :class:`ZoneStore`.
    """

    __slots__ = ("key", "fields", "zones", "length")
    key: str
    fields: Mapping[str, NDArray[np.float64]]
    zones: Mapping[str, ZoneStore]
    length: Optional[int]

    def __init__(
        self,
        key: str,
        fields: Optional[Mapping[str, Any]] = None,
        zones: Optional[Mapping[str, Any]] = None,
        length: Optional[int] = None,
    ) -> None:
        _check_name("structure block", key)
        flds = _named_arrays(f"structure {key!r} field", fields, length)
        if length is None:
            lengths = {a.shape[0] for a in flds.values()}
            if len(lengths) > 1:
                raise DataError(f"structure {key!r} fields have different lengths {sorted(lengths)}", "LENGTH_MISMATCH")
            length = lengths.pop() if lengths else None
        zs = {}
        for zk, z in _check_mapping(f"structure {key!r} zones", zones).items():
            zfields = z.fields if isinstance(z, ZoneStore) else z
            zs[zk] = ZoneStore(zk, zfields, length)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "fields", flds)
        object.__setattr__(self, "zones", MappingProxyType(zs))
        object.__setattr__(self, "length", length)

    def __reduce__(self) -> tuple[Any, ...]:
        return (StructureStore, (self.key, dict(self.fields), {k: dict(z.fields) for k, z in self.zones.items()}, self.length))

    def _reattach(self, n: int, order: Optional[np.ndarray]) -> "StructureStore":
        """This store checked against a feed of ``n`` rows, reordered like the feed if it was sorted.

        A subclass is always rebuilt as a plain StructureStore from its fields and zones, so what a
        feed holds was validated here, whatever the subclass says its length is.
        """
        if type(self) is StructureStore and order is None and self.length == n:
            return self
        zones = {k: _permuted(_check_mapping(f"zone {k!r} fields", getattr(z, "fields", z)), order)
                 for k, z in _check_mapping(f"structure {self.key!r} zones", self.zones).items()}
        fields = _permuted(_check_mapping(f"structure {self.key!r} fields", self.fields), order)
        return StructureStore(self.key, fields, zones, n)

    def get_field(self, field_name: str, bar_idx: int) -> Optional[float]:
        """Value of ``field_name`` at ``bar_idx``; None if NaN or out of range."""
        return _field(f"structure block {self.key!r}", self.fields, field_name, bar_idx)

    def has_zone(self, zone_key: str) -> bool:
        """True if the block has a zone called ``zone_key``."""
        return zone_key in self.zones

    def get_zone_fields(self, zone_key: str) -> list[str]:
        """Field names of ``zone_key`` (``[]`` if the zone does not exist)."""
        z = self.zones.get(zone_key)
        return list(z.fields) if z is not None else []

    def get_zone(self, zone_key: str) -> ZoneStore:
        """The zone store; UnknownKeyError listing the zones if it does not exist."""
        z = self.zones.get(zone_key)
        if z is None:
            raise UnknownKeyError(
                f"Unknown zone {zone_key!r} for structure block {self.key!r}. "
                f"Available zones: {sorted(self.zones)}"
            )
        return z

    def get_zone_field(self, zone_key: str, field_name: str, bar_idx: int) -> Optional[float]:
        """Value of ``zones[zone_key][field_name]`` at ``bar_idx``; None if NaN or out of range."""
        return self.get_zone(zone_key).get_field(field_name, bar_idx)


class FeatureArrays(_Frozen):
    """Precomputed indicator arrays with their metadata and warmup (input to a FeedStore).

    Arrays are converted to read-only float64 (float32 is widened) and must share one length.
    """

    __slots__ = ("arrays", "metadata", "warmup_bars", "length")
    arrays: Mapping[str, NDArray[np.float64]]
    metadata: Mapping[str, Any]
    warmup_bars: int
    length: int

    def __init__(self, arrays: Mapping[str, Any], metadata: Optional[Mapping[str, Any]] = None, warmup_bars: int = 0) -> None:
        arrs = _named_arrays("indicator", arrays, None)
        lengths = {a.shape[0] for a in arrs.values()}
        if len(lengths) > 1:
            raise DataError(f"FeatureArrays arrays have different lengths {sorted(lengths)}", "LENGTH_MISMATCH")
        object.__setattr__(self, "arrays", arrs)
        object.__setattr__(self, "metadata", MappingProxyType(dict(_check_mapping("FeatureArrays metadata", metadata))))
        object.__setattr__(self, "warmup_bars", _check_warmup(warmup_bars))
        object.__setattr__(self, "length", lengths.pop() if lengths else 0)

    def __reduce__(self) -> tuple[Any, ...]:
        return (FeatureArrays, (dict(self.arrays), dict(self.metadata), self.warmup_bars))


def _check_warmup(warmup_bars: Any) -> int:
    if isinstance(warmup_bars, bool) or not isinstance(warmup_bars, (int, np.integer)) or warmup_bars < 0:
        raise DataError(f"warmup_bars must be an int >= 0, got {warmup_bars!r}", "BAD_WARMUP")
    return int(warmup_bars)
