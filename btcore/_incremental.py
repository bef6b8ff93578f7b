"""What a view reads from an engine's incremental structure state (both view twins use this).

The reference engine updates a ``MultiTFIncrementalState`` bar by bar and hands it to every view
as ``incremental_state=``. btcore does not build or update that object; it only reads it, through
this duck-typed surface:

* ``state.exec.structures`` and ``state.htf[tf].structures``: mappings whose keys are the
  structure keys (``state.htf`` is a mapping ``tf -> per-timeframe state``, in its own order);
* ``state.get_value("exec.<key>.<output>")`` / ``state.get_value("htf_<tf>.<key>.<output>")``:
  the current value, ``KeyError`` for an unknown output;
* ``structure.get_output_keys()`` on each structure, to list paths (optional).

Resolution of ``structure.<key>.<output>`` (``<output>`` may contain dots): exec structures
first, then the HTF states in order; a key served by none of them falls through to the exec
feed's structure blocks. Values are read per call because the engine mutates the object.

Nothing here hands memory to C: the compiled view calls these functions from Python-level code
and returns what they return (a float made by :func:`value_as_float`, or the raw object from
:func:`get_structure`); no pointer, index or array ever comes from the state. A path served here
cannot be compiled into a handle, so the C readers never see it. Both view twins call the same
functions, so they raise the same exceptions for the same state.
"""

from __future__ import annotations

import math
from typing import Any, Optional

from ._shared.boundary import as_double
from .errors import PathError, UnknownKeyError

__all__ = ["check_state", "resolve", "read", "serves", "value_as_float", "get_structure", "structure_paths"]


def check_state(state: Any) -> Any:
    """``state`` if it has the surface above (None passes); TypeError naming what is missing."""
    if state is None:
        return None
    missing = [name for name in ("exec", "htf", "get_value") if not hasattr(state, name)]
    if missing or not hasattr(state.exec, "structures"):
        raise TypeError(
            f"incremental_state must expose exec.structures, htf and get_value(path) (like the "
            f"engine's MultiTFIncrementalState); {type(state).__name__} lacks "
            f"{missing or ['exec.structures']}"
        )
    return state


def _internal(state: Any, key: str, output: str) -> Optional[str]:
    if key in state.exec.structures:
        return f"exec.{key}.{output}"
    for tf, tf_state in state.htf.items():
        if key in tf_state.structures:
            return f"htf_{tf}.{key}.{output}"
    return None


def resolve(state: Any, path: str) -> tuple[bool, Any]:
    """``(True, raw value)`` if ``state`` serves ``structure.<key>.<output>``, else ``(False, None)``.

    Raises
    ------
    PathError
        The key is a structure of ``state`` but ``<output>`` is not one of its outputs (the
        reference fell through to the feed here and reported an unknown block instead).
    """
    parts = path.split(".")
    if len(parts) < 3 or parts[0] != "structure":
        return False, None
    key, output = parts[1], ".".join(parts[2:])
    internal = _internal(state, key, output)
    if internal is None:
        return False, None
    try:
        return True, state.get_value(internal)
    except KeyError as exc:
        raise PathError(f"Unknown output {output!r} of structure {key!r} in {path!r}: {exc}") from None


def read(state: Any, path: Any) -> tuple[bool, Optional[float]]:
    """``(True, value)`` with the value as the view's ``get(path)`` returns it if ``state`` serves
    ``path``, else ``(False, None)``: the view then parses ``path`` itself (which also rejects a
    non-string). A str subclass is read as the plain string it holds.

    Raises
    ------
    PathError
        As :func:`resolve`.
    TypeError, OverflowError
        As :func:`value_as_float`.
    """
    if not isinstance(path, str):
        return False, None
    key = path if type(path) is str else str.__str__(path)
    if not key.startswith("structure."):
        return False, None
    found, value = resolve(state, key)
    return (True, value_as_float(value, key)) if found else (False, None)


def serves(state: Any, path: Any) -> bool:
    """True if ``get(path)`` is answered by ``state`` (its key is one of the state's structures)."""
    if state is None or not isinstance(path, str):
        return False
    parts = path.split(".")
    return len(parts) >= 3 and parts[0] == "structure" and _internal(state, parts[1], "") is not None


def value_as_float(value: Any, path: str = "structure value") -> Optional[float]:
    """A structure value as ``get()`` returns it: a float, or None for None, NaN and strings.

    Raises
    ------
    TypeError
        A value that is not a real number (bytes, a list ...), naming ``path``.
    OverflowError
        An int too large for a float.
    """
    if value is None or isinstance(value, str):
        return None
    v = as_double(value, path)
    return None if math.isnan(v) else v


def _available(state: Any) -> list[str]:
    out = list(state.exec.structures)
    for tf, tf_state in state.htf.items():
        out += [f"htf_{tf}.{k}" for k in tf_state.structures]
    return out


def get_structure(state: Any, path: Any) -> Any:
    """The raw value of ``"<key>.<output>"`` (exec) or ``"htf_<tf>.<key>.<output>"``.

    Raises
    ------
    UnknownKeyError
        (a ``KeyError``, so ``except KeyError`` keeps working) without a state, for a malformed path or an
        unknown structure; the detector's own ``KeyError`` for an unknown output.
    """
    if state is None:
        raise UnknownKeyError(
            f"No incremental state: get_structure({path!r}) needs a view built with incremental_state=...; "
            "feed structure blocks are read with get('structure.<block>.<field>')"
        )
    parts = path.split(".") if isinstance(path, str) else []
    if len(parts) < 2:
        raise UnknownKeyError(f"Invalid structure path {path!r}; expected '<key>.<output>' or 'htf_<tf>.<key>.<output>'")
    key = parts[0]
    if key in state.exec.structures:
        return state.get_value(f"exec.{key}.{'.'.join(parts[1:])}")
    if key.startswith("htf_"):
        if len(parts) < 3:
            raise UnknownKeyError(f"Invalid HTF structure path {path!r}; expected 'htf_<tf>.<key>.<output>'")
        if key[4:] in state.htf:
            return state.get_value(f"{key}.{parts[1]}.{'.'.join(parts[2:])}")
    raise UnknownKeyError(f"Structure {key!r} not found in the incremental state. Available: {_available(state)}")


def _outputs(structure: Any) -> list[str]:
    keys = getattr(structure, "get_output_keys", None)
    return list(keys()) if callable(keys) else []


def structure_paths(state: Any, feed_paths: list[str]) -> list[str]:
    """``feed_paths`` (the exec feed's ``structure.*`` paths) plus the paths ``get`` resolves
    through ``state``; feed blocks and HTF keys shadowed by an earlier key are left out."""
    if state is None:
        return feed_paths
    out, seen = [], set()
    for tf_state in (state.exec, *state.htf.values()):
        for key, structure in tf_state.structures.items():
            if key not in seen:
                seen.add(key)
                out += [f"structure.{key}.{o}" for o in _outputs(structure)]
    return [p for p in feed_paths if p.split(".")[1] not in seen] + out
