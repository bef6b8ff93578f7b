"""Docstrings of the view's methods that both twins share, written once.

Each twin applies them at import with :func:`document` (a compiled method is a Cython function
whose ``__doc__`` can be set; class and property docstrings of a compiled class cannot, so those
stay beside the code).
"""

from __future__ import annotations

from typing import Any, Mapping

__all__ = ["VIEW", "VIEW_CORE", "TF_CONTEXT", "document"]


#: :class:`RuntimeSnapshotView` methods.
VIEW = {
    "get_feature": """Indicator or OHLCV value of a role, ``offset`` bars back (>= 0) from its current bar.

        ``"mark_price"`` returns the mark price (offset must be 0). None if the role has no feed
        or is not ready, the key is undeclared, the bar is before the first one, or the value is
        NaN.

        Raises
        ------
        PathError
            Unknown ``tf_role``.
        ValueError
            Negative ``offset``.
        """,
    "get": """Value at ``path`` (see :mod:`btcore._shared.paths` for the grammar); None if NaN, not
        ready or the role has no feed. Parsed paths are cached per feed set (bounded).

        Raises
        ------
        PathError
            Invalid path; the message names what is valid.
        """,
    "compile": """Resolve ``path`` once; the returned handle reads it with no string work per call.

        A ``structure.*`` path served by the incremental state cannot be compiled (its value
        lives in the engine's object): PathError; read it with :meth:`get`.
        """,
    "get_structure": """Raw value of an incremental structure output: ``"<key>.<output>"`` (exec) or
        ``"htf_<tf>.<key>.<output>"`` (float, int, str or None, as the detector returns it).

        Raises
        ------
        UnknownKeyError
            (a ``KeyError``) without an incremental state, for a malformed path or an unknown
            structure; the detector's ``KeyError`` for an unknown output.
        """,
}


#: :class:`SnapshotCore` methods.
VIEW_CORE = {
    "indicator_col": """Row of indicator ``name`` in the ``role`` feed's matrix, for repeated C-level reads.

        Raises
        ------
        UnknownKeyError
            If the role has no feed or ``name`` is not declared on it.
        PathError
            If ``role`` is not a tf role.
        """,
}


#: :class:`TFContext` methods.
TF_CONTEXT = {
    "get_indicator_strict": """Indicator value at the current bar.

        Raises
        ------
        UnknownKeyError
            If ``name`` is not declared (the message lists the declared names).
        NotReadyError
            If the value is NaN or the context has no bar.
        """,
}


def document(cls: Any, docs: Mapping[str, str]) -> None:
    """Give the methods of ``cls`` named in ``docs`` their docstrings."""
    for name, text in docs.items():
        vars(cls)[name].__doc__ = text
