"""Docstrings of the view's methods that both twins share, written once.

Each twin applies them at import with :func:`document` (a compiled method is a Cython function
whose ``__doc__`` can be set; class and property docstrings of a compiled class cannot, so those
stay beside the code).
"""

from __future__ import annotations

import inspect
from typing import Any, Mapping

__all__ = ["CLASSES", "VIEW", "VIEW_CORE", "TF_CONTEXT", "document"]


#: Class docstrings (set in each class body: a compiled class's docstring is fixed when the type is
#: made), dedented so that a signature line put above them (:func:`btcore._shared.docs.signed`)
#: leaves them as :func:`inspect.getdoc` shows the pure class's.
CLASSES = {
    "RuntimeSnapshotView": """What a strategy can know at the close of one exec bar: an O(1) view over the feed arrays.

    Parameters
    ----------
    feeds : MultiTFFeedStore
        Exec feed plus optional MTF/HTF feeds and 1-minute quote feed.
    exec_idx : int
        Current exec bar (``0 <= exec_idx < len(exec_feed)``).
    htf_idx, mtf_idx : int or None
        Last closed HTF/MTF bar; None or -1 means that context is not ready yet. Ignored for a
        role without a feed.
    exchange : object
        :class:`~btcore.types.ExchangeState` or a simulator exposing ``position``.
    mark_price : float
        Mark price at this bar (``price.mark.close``).
    mark_price_source : str
        Where the mark price came from.
    history_config : HistoryConfig, optional
        Defaults to ``DEFAULT_HISTORY_CONFIG``.
    history_ready : bool
        Whether the caller's history windows are filled (part of :attr:`ready`).
    rollups : dict, optional
        Reference-style ``{"px.rollup.<field>": value}``; replaced by :meth:`_attach_rollups`.
    incremental_state : object, optional
        An engine's incremental structure state (see :mod:`btcore._incremental`): it serves
        ``structure.*`` paths and :meth:`get_structure`, read live at every call.

    Raises
    ------
    IndexError
        If an index is out of range (negative indices other than -1 are never wrapped).
    TypeError
        If ``incremental_state`` lacks ``exec.structures``, ``htf`` or ``get_value``.

    Notes
    -----
    A role without its own feed reads as None through every accessor and does not affect
    :attr:`ready`. A value that is NaN reads as None; the ``*_strict`` variants raise
    :class:`~btcore.errors.NotReadyError` instead.
    """,
    "TFContext": """One timeframe's feed at its current bar (forward-filled for HTF/MTF).

    Parameters
    ----------
    feed : FeedStore
        The timeframe's feed.
    current_idx : int or None
        Current bar; None or -1 means no bar has closed yet (every value reads None).
    ready : bool, optional
        Defaults to "a bar exists"; it is always False without a bar.
    not_ready_reason : str, optional
        Why the context is not ready.
    """,
}
CLASSES = {name: inspect.cleandoc(text) for name, text in CLASSES.items()}


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
