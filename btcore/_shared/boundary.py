"""Boundary checks shared by the compiled core and its twins, so both refuse the same input alike.

Objects used before or after ``__init__``:

* an object whose ``__init__`` never ran (made with ``cls.__new__(cls)``, or a subclass that
  skipped ``super().__init__``) raises :class:`~btcore.errors.NotInitializedError` from every
  method and property. Compiled classes check an "initialised" field set last by ``__init__``.
  A pure class decorated with :func:`guarded` is born as a hidden same-layout subclass whose
  ``__getattr__`` raises that error, and ``__init__`` turns it into the class itself as its last
  step (:func:`initialised`): an initialised object has no ``__getattr__`` at all, so attribute
  reads keep CPython's fast path. Plain data attributes (``view.exchange``, ``view.mark_price``
  ...) read as their zero value in both;
* calling ``__init__`` again on an initialised object raises ``TypeError``: the C pointers, the
  path handles and the cached contexts of a view (or the arrays of a loop, the ring of a tracker)
  were validated for the first arguments, so nothing may re-point them.

Numbers: the compiled core converts arguments with C types, the twins with :func:`as_intp`
(``Py_ssize_t``: bar indices, ``__index__`` only), :func:`as_int64` (``int64_t`` fields such as
GateContext's: ``__int__``, so a float is truncated as C truncates it) and :func:`as_double`
(``__float__`` or ``__index__``); none takes a string, and each raises the exception class the C
conversion raises (TypeError, ValueError, OverflowError). Ranges (a bar index is at most
:data:`~btcore._shared.state_tables.MAX_INDEX`) are checked after that.
"""

from __future__ import annotations

import operator
from functools import partial
from typing import Any, Callable, Mapping, Optional

from ..errors import NotInitializedError

__all__ = [
    "not_initialised", "not_initialised_named", "already_initialised", "guarded", "initialised", "is_initialised",
    "as_intp", "as_int64", "as_double", "INT64_MIN", "INT64_MAX",
]

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


def not_initialised(obj: Any) -> NotInitializedError:
    """The error for any use of ``obj`` before its ``__init__`` ran."""
    return not_initialised_named(type(obj).__name__)


def not_initialised_named(name: str) -> NotInitializedError:
    """:func:`not_initialised` for an object of class ``name`` (where the object is not at hand)."""
    return NotInitializedError(
        f"{name} object is not initialised: its __init__ did not run (made with "
        f"{name}.__new__, or a subclass __init__ that did not call super().__init__(...))"
    )


def already_initialised(obj: Any) -> TypeError:
    """The error for a second ``__init__`` call on ``obj``."""
    name = type(obj).__name__
    return TypeError(f"{name} is already initialised and cannot be re-initialised; build a new {name}")


def as_intp(value: Any, what: str) -> int:
    """``value`` as an int the way a C ``Py_ssize_t`` argument (a bar index) takes it.

    Only objects with ``__index__`` (ints, numpy integers; not floats, not numeric strings):
    TypeError otherwise, OverflowError outside int64.
    """
    if type(value) is int:
        i = value
    else:
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
    i: int
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


def guarded(data: Optional[Mapping[str, Any]] = None) -> Callable[[type], type]:
    """Class decorator: ``cls.__new__`` makes an object of a hidden subclass of the same layout
    whose ``__getattr__`` raises NotInitializedError (``data`` attributes read as given), until
    ``__init__`` calls :func:`initialised` as its last step."""

    def decorate(cls: type) -> type:
        hook = _UninitialisedGetattr(dict(data or {}))
        uninit: dict[type, type] = {}

        def __new__(klass: type, *args: Any, **kwargs: Any) -> Any:
            sub = uninit.get(klass)
            if sub is None:
                ns = {"__slots__": (), "__getattr__": hook, "_btcore_uninitialised": klass,
                      "__module__": klass.__module__, "__qualname__": klass.__qualname__}
                sub = uninit[klass] = type(klass.__name__, (klass,), ns)
            return object.__new__(sub)

        cls.__new__ = __new__  # type: ignore[method-assign,assignment]
        return cls

    return decorate


def initialised(obj: Any) -> None:
    """The last step of a guarded ``__init__``: ``obj`` becomes an object of its own class."""
    real = type(obj).__dict__.get("_btcore_uninitialised")
    if real is not None:
        object.__setattr__(obj, "__class__", real)


def is_initialised(obj: Any) -> bool:
    """False while ``obj`` is still the hidden uninitialised subclass of a guarded class."""
    return "_btcore_uninitialised" not in type(obj).__dict__


class _UninitialisedGetattr:
    # __getattr__ of the hidden subclass: data attributes read as their zero value, anything else
    # raises NotInitializedError (Python calls it only for names normal lookup did not find).
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        return self if obj is None else partial(_uninitialised, obj, self.data)


def _uninitialised(obj: Any, data: Mapping[str, Any], name: str) -> Any:
    if name in data:
        return data[name]
    raise not_initialised(obj)
