"""Docstrings written once for both twins of a module.

Each ``btcore._shared.<module>`` holds a ``DOCS`` mapping (``"Name"`` or ``"Class.method"`` ->
docstring) and both twins take their docstrings from it, so they cannot drift apart (numpy keeps
the docstrings of its C functions apart from the code in the same way). A class gets its docstring
in its body (``__doc__ = DOCS["Name"]``), because a compiled class's docstring is fixed when the
type is created; functions and methods get theirs from :func:`attach` at the end of the module.
"""

from __future__ import annotations

from typing import Any, Mapping

__all__ = ["attach", "signed"]


def signed(signature: str, doc: str) -> str:
    """``doc`` under ``signature``, as Cython's ``embedsignature`` starts a compiled class's docstring.

    The compiled classes carry their call signature on the first line (their ``__init__`` is a slot
    wrapper that :mod:`inspect` cannot read), and tools that inspect them read it there.
    """
    return f"{signature}\n\n{doc}"


def attach(namespace: Mapping[str, Any], docs: Mapping[str, str]) -> None:
    """Give the functions and methods of a module (its ``globals()``) their docstrings from ``docs``.

    A class named in ``docs`` must already carry its docstring (set in its body); a missing name or
    a class without its docstring is an ImportError, so a twin cannot silently lose one.
    """
    for key, doc in docs.items():
        owner, _, member = key.partition(".")
        obj = namespace.get(owner)
        if obj is not None and member:
            obj = vars(obj).get(member)
            obj = getattr(obj, "__func__", obj)  # classmethod / staticmethod
        if obj is None:
            raise ImportError(f"{namespace['__name__']}: no {key} to attach its docstring to")
        if isinstance(obj, type):
            if not (obj.__doc__ or "").endswith(doc):
                raise ImportError(f"{namespace['__name__']}.{key} does not carry its shared docstring")
            continue
        obj.__doc__ = doc
