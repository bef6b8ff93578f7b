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

Numbers: the compiled core converts arguments with C types, the twins with :func:`as_intp`
(``Py_ssize_t``: bar indices, ``__index__`` only), :func:`as_int64` (``int64_t`` fields such as
GateContext's: ``__int__``, so a float is truncated as C truncates it) and :func:`as_double`
(``__float__`` or ``__index__``); none takes a string, and each raises the exception class the C
conversion raises (TypeError, ValueError, OverflowError). Ranges (a bar index is at most
:data:`~btcore._pure.state_tables.MAX_INDEX`) are checked after that.
"""

from __future__ import annotations

import operator
from functools import partial
from typing import Any, Mapping, Optional

from ..errors import NotInitializedError

__all__ = [
    "not_initialised", "already_initialised", "uninitialised_getattr", "defaults_getattr",
    "as_intp", "as_int64", "as_double", "INT64_MIN", "INT64_MAX",
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


def as_intp(value: Any, what: str) -> int:
    """``value`` as an int the way a C ``Py_ssize_t`` argument (a bar index) takes it.

    Only objects with ``__index__`` (ints, numpy integers; not floats, not numeric strings):
    TypeError otherwise, OverflowError outside int64.
    """
    try:
        i = operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an int, got {type(value).__name__} {value!r:.80}") from None
    if not INT64_MIN <= i <= INT64_MAX:
        raise OverflowError(f"{what}={i} does not fit in a 64-bit integer")
    return i


def as_int64(value: Any, what: str) -> int:
    """``value`` as an int the way a C ``int64_t`` argument of the compiled core takes it.

    Anything with ``__int__`` (ints, numpy integers, floats, which are truncated exactly as the C
    conversion truncates them); TypeError for strings and objects without ``__int__``, ValueError
    for NaN, OverflowError for infinity and outside int64.
    """
    t = type(value)
    if t is int:
        i = value
    elif hasattr(t, "__int__"):
        i = int(value)
    else:
        raise TypeError(f"{what}: an integer is required, got {t.__name__} {value!r:.80}")
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
