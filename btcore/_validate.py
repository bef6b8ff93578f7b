"""Checks shared by the settings and the exchange: every bad value is a ConfigError that names
the parameter (``exc.field``), the value and what is allowed (``exc.allowed``)."""

from __future__ import annotations

import math
from typing import Any, Optional

from .errors import ConfigError

__all__ = ["bad_value", "number_in", "optional_fraction", "is_price"]


def bad_value(field: str, allowed: str, value: Any) -> ConfigError:
    """A ConfigError ``"<field> must be <allowed>, got <value>"`` carrying ``field`` and ``allowed``.

    The command line and the TOML reader re-label ``field`` with the option or key the value
    came from, so the attributes travel with the exception.
    """
    exc = ConfigError(f"{field} must be {allowed}, got {value!r}")
    exc.field = field  # type: ignore[attr-defined]
    exc.allowed = allowed  # type: ignore[attr-defined]
    exc.value = value  # type: ignore[attr-defined]
    return exc


def number_in(field: str, value: Any, lo: float, hi: float, *, lo_open: bool = False) -> float:
    """``value`` as a float in ``[lo, hi]`` (``(lo, hi]`` with ``lo_open``); NaN never passes."""
    ok = not isinstance(value, bool) and isinstance(value, (int, float))
    if ok:
        x = float(value)
        ok = (lo < x if lo_open else lo <= x) and x <= hi
    if not ok:
        left = "(" if lo_open else "["
        raise bad_value(field, f"a number in {left}{lo:g}, {hi:g}]", value)
    return float(value)


def optional_fraction(field: str, value: Any, hi: float) -> Optional[float]:
    """None for ``None`` or 0 (the feature is off), else a float in ``(0, hi]``."""
    if value is None or (not isinstance(value, bool) and isinstance(value, (int, float)) and value == 0):
        return None
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and 0.0 < float(value) <= hi
    if not ok:
        raise bad_value(field, f"None, 0 (off) or a number in (0, {hi:g}]", value)
    return float(value)


def is_price(x: float) -> bool:
    """True for a usable price: finite and > 0 (NaN, zero, negative and inf are missing data)."""
    return 0.0 < x < math.inf
