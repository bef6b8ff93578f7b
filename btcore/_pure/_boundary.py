"""Boundary checks shared by the compiled core and its twins, so both refuse the same input alike.

Objects used before or after ``__init__``:

* an object whose ``__init__`` never ran (made with ``cls.__new__(cls)``, or a subclass that
  skipped ``super().__init__``) raises :class:`~btcore.errors.NotInitializedError` from every
  method and property. Compiled classes check an "initialised" field set last by ``__init__``;
  the pure twins get the same error from :func:`uninitialised_getattr`, a ``__getattr__`` that
  costs nothing on the normal path (Python only calls it after a failed lookup). Plain data
  attributes (``view.exchange``, ``view.mark_price`` ...) read as their zero value in both;
* calling ``__init__`` again on an initialised object raises ``TypeError``: the C pointers, the
  path handles and the cached contexts of a view (or the arrays of a loop, the ring of a tracker)
  were validated for the first arguments, so nothing may re-point them.

Numbers: the compiled core converts arguments with C types (``int64_t``, ``double``), the twins
with :func:`as_int64` and :func:`as_double`, which accept and refuse exactly what the C
conversions do (``__index__`` for integers, ``__float__``/``__index__`` for reals, never a
string) and raise the same exception classes (TypeError, OverflowError).
"""

from __future__ import annotations

import operator
from functools import partial
from typing import Any, Mapping, Optional

from ..errors import NotInitializedError

__all__ = [
    "not_initialised", "already_initialised", "uninitialised_getattr", "defaults_getattr",
    "as_int64", "as_double", "INT64_MIN", "INT64_MAX",
]

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


def not_initialised(obj: Any) -> NotInitializedError:
    """The error for any use of ``obj`` before its ``__init__`` ran."""
    name = type(obj).__name__
    return NotInitializedError(
        f"{name} object is not initialised: its __init__ did not run (made with "
        f"{name}.__new__, or a subclass __init__ that did not call super().__init__(...))"
    )


def already_initialised(obj: Any) -> TypeError:
    """The error for a second ``__init__`` call on ``obj``."""
    name = type(obj).__name__
    return TypeError(f"{name} is already initialised and cannot be re-initialised; build a new {name}")


def _is_set(obj: Any, slot: str) -> bool:
    try:
        object.__getattribute__(obj, slot)
    except AttributeError:
        return False
    return True


def as_int64(value: Any, what: str) -> int:
    """``value`` as an int the way a C ``int64_t`` argument takes it.

    TypeError unless it has ``__index__`` (floats and numeric strings are refused), OverflowError
    outside int64.
    """
    try:
        i = operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an int, got {type(value).__name__} {value!r:.80}") from None
    if not INT64_MIN <= i <= INT64_MAX:
        raise OverflowError(f"{what}={i} does not fit in a 64-bit integer")
    return i


def as_double(value: Any, what: str) -> float:
    """``value`` as a float the way a C ``double`` argument takes it.

    Anything with ``__float__`` or ``__index__`` (ints, floats, numpy scalars, Decimal); TypeError
    for strings and other objects, OverflowError for an int too large for a double.
    """
    if type(value) is float:
        return value
    t = type(value)
    if not (hasattr(t, "__float__") or hasattr(t, "__index__")):
        raise TypeError(f"{what} must be a real number, got {t.__name__} {value!r:.80}")
    return float(value)


class uninitialised_getattr:
    """A ``__getattr__`` raising NotInitializedError while slot ``marker`` is unset.

    Python calls ``__getattr__`` only after normal lookup raised AttributeError: an unset slot,
    or a property whose body raised AttributeError. This is a descriptor, not a function: bound
    to an initialised object it hands back the object's own (C) ``__getattribute__``, so the
    standard error (or the property's own error) is raised with no frame of btcore in between,
    and the traceback still ends at the caller's line. ``data`` holds the plain data attributes
    and the zero value they read as before ``__init__``.
    """

    def __init__(self, marker: str, data: Optional[Mapping[str, Any]] = None) -> None:
        self.marker = marker
        self.data = dict(data or {})

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        if obj is None:
            return self
        if _is_set(obj, self.marker):
            return obj.__getattribute__
        return partial(_uninitialised, obj, self.data)


def _uninitialised(obj: Any, data: Mapping[str, Any], name: str) -> Any:
    if name in data:
        return data[name]
    raise not_initialised(obj)


class defaults_getattr:
    """A ``__getattr__`` reading an unset slot as its default (value objects made with __new__).

    The compiled value objects start from the same defaults in ``__cinit__``, so an object made
    with ``cls.__new__(cls)`` reads alike in both twins. A descriptor for the reason given in
    :class:`uninitialised_getattr`.
    """

    def __init__(self, defaults: Mapping[str, Any]) -> None:
        self.defaults = dict(defaults)

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        if obj is None:
            return self
        return partial(_default, obj, self.defaults)


def _default(obj: Any, defaults: Mapping[str, Any], name: str) -> Any:
    if name in defaults:
        return defaults[name]
    return object.__getattribute__(obj, name)
