"""Selection between the compiled core (``btcore._core``) and its pure-Python twin (``btcore._pure``).

Environment switches, read once at import time:

``BTCORE_NO_EXTENSIONS=1``
    Use the pure-Python twins even when the compiled modules are available.
``BTCORE_REQUIRE_EXTENSIONS=1``
    A compiled module that cannot be imported is an error (:class:`ExtensionMissingError`)
    instead of a silent fallback. CI and wheel tests set it.

On non-CPython interpreters, or when the extension modules were not built, btcore falls back to
the twins. :data:`COMPILED` tells which implementation the public API is bound to.
"""

from __future__ import annotations

import importlib
import os
import platform
from types import ModuleType

from .errors import ExtensionMissingError

__all__ = ["COMPILED", "NO_EXTENSIONS", "REQUIRE_EXTENSIONS", "load", "load_compiled", "load_pure"]


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


NO_EXTENSIONS: bool = _flag("BTCORE_NO_EXTENSIONS") or platform.python_implementation() != "CPython"
REQUIRE_EXTENSIONS: bool = _flag("BTCORE_REQUIRE_EXTENSIONS")

if NO_EXTENSIONS and REQUIRE_EXTENSIONS and platform.python_implementation() == "CPython":
    raise ExtensionMissingError(
        "BTCORE_NO_EXTENSIONS=1 and BTCORE_REQUIRE_EXTENSIONS=1 are both set; set at most one"
    )


def load_compiled(name: str) -> ModuleType:
    """Import the compiled module ``btcore._core.<name>`` (ImportError if it was not built)."""
    return importlib.import_module(f"btcore._core.{name}")


def load_pure(name: str) -> ModuleType:
    """Import the pure-Python twin ``btcore._pure.<name>``."""
    return importlib.import_module(f"btcore._pure.{name}")


def _compiled_available() -> bool:
    if NO_EXTENSIONS:
        return False
    try:
        load_compiled("_probe")
    except ImportError as exc:
        if REQUIRE_EXTENSIONS:
            raise ExtensionMissingError(
                "BTCORE_REQUIRE_EXTENSIONS=1 but the compiled btcore extensions cannot be imported "
                f"({exc}). Is the source tree shadowing the installed package? Install with "
                "'pip install .' and run the tests from a directory where 'import btcore' "
                "resolves to site-packages."
            ) from exc
        return False
    return True


#: True when the public API is bound to the compiled modules, False for the pure-Python twins.
COMPILED: bool = _compiled_available()


def load(name: str) -> ModuleType:
    """Return the implementation of module ``name`` that the public API uses."""
    if not COMPILED:
        return load_pure(name)
    try:
        return load_compiled(name)
    except ImportError as exc:  # one module built, another missing: never mix silently
        raise ExtensionMissingError(
            f"compiled module btcore._core.{name} cannot be imported ({exc}) although the other "
            "extensions can; rebuild with 'pip install .' or set BTCORE_NO_EXTENSIONS=1"
        ) from exc
