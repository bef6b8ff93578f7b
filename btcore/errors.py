"""Exception hierarchy of btcore.

Every class also subclasses the builtin exception the reference runtime raised in the same
situation (``ValueError`` or ``KeyError``), so existing ``except ValueError`` blocks keep working.
Every message names the offending value and what is allowed.
"""

from __future__ import annotations

__all__ = [
    "BtcoreError",
    "DataError",
    "PathError",
    "TimeframeError",
    "NotReadyError",
    "IllegalTransitionError",
    "ConfigError",
    "UnknownKeyError",
    "ExtensionMissingError",
    "NotInitializedError",
]


class BtcoreError(Exception):
    """Base class of every error btcore raises on purpose."""


class DataError(BtcoreError, ValueError):
    """Input data is malformed: wrong dtype, unsorted or duplicate timestamps, NaN where not allowed.

    ``error_code`` is a stable machine-readable identifier (e.g. ``"UNSORTED_TIMESTAMPS"``).
    """

    def __init__(self, message: str, error_code: str = "DATA_ERROR") -> None:
        super().__init__(message)
        self.error_code = error_code


class PathError(BtcoreError, ValueError):
    """A ``view.get(path)`` path is not valid; the message names the valid options."""


class TimeframeError(BtcoreError, ValueError):
    """A timeframe string or mapping is invalid."""


class NotReadyError(BtcoreError, ValueError):
    """A ``*_strict`` accessor was asked for a value that is not available (NaN, not ready)."""


class IllegalTransitionError(BtcoreError, ValueError):
    """A state machine was asked to make a transition that is not in its table."""


class ConfigError(BtcoreError, ValueError):
    """A run configuration (CLI, TOML, strategy rules) is invalid."""


class UnknownKeyError(BtcoreError, KeyError):
    """A name (indicator, structure, zone) is not declared; the message lists what is."""

    def __str__(self) -> str:  # KeyError repr()s its argument; keep the message readable
        return str(self.args[0]) if self.args else ""


class ExtensionMissingError(BtcoreError, ImportError):
    """``BTCORE_REQUIRE_EXTENSIONS=1`` is set but a compiled module could not be imported."""


class NotInitializedError(BtcoreError, AttributeError):
    """An object was used before its ``__init__`` ran.

    Raised by every method and property of an object made with ``cls.__new__(cls)``, or of a
    subclass whose ``__init__`` did not call ``super().__init__(...)``. It subclasses
    ``AttributeError`` because that is what a half-built pure-Python object raises.
    """
