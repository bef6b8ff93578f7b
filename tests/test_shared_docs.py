"""Docstrings and names written once in ``btcore._shared`` reach both twins unchanged.

Each ``btcore._shared.<module>`` holds ``DOCS`` for the public classes, functions and methods of
its two twins; a compiled class carries a hand-written signature line above its docstring (what
Cython's ``embedsignature`` would put there), which must name the parameters of the pure twin's
constructor, in order and of the same kind.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import types

import pytest

from btcore._shared import docs as shared_docs

MODULES = ["states", "transitions", "tracker", "loop", "rollup", "exchange", "rules"]


def _target(module: types.ModuleType, key: str) -> object:
    owner, _, member = key.partition(".")
    obj = getattr(module, owner)
    return getattr(obj, member) if member else obj


def _doc_without_signature(obj: object, name: str) -> str:
    doc = obj.__doc__ or ""
    first, _, rest = doc.partition("\n")
    return rest.lstrip("\n") if first.startswith(f"{name}(") else doc


@pytest.mark.parametrize("name", MODULES)
def test_every_shared_docstring_is_the_twins_docstring(both, name):
    shared = importlib.import_module(f"btcore._shared.{name}")
    assert shared.DOCS, name
    for kind, module in zip(("compiled", "pure"), both(name)):
        for key, text in shared.DOCS.items():
            obj = _target(module, key)
            assert _doc_without_signature(obj, key.split(".")[-1]) == text, f"{kind} {name}.{key}"


@pytest.mark.parametrize("name", MODULES)
def test_twins_export_the_shared_names(both, name):
    shared = importlib.import_module(f"btcore._shared.{name}")
    compiled, pure = both(name)
    if hasattr(shared, "NAMES"):
        assert list(compiled.__all__) == list(pure.__all__) == list(shared.NAMES)
    for exported in getattr(shared, "__all__", ()):  # names written once, re-exported by both twins
        assert getattr(compiled, exported) is getattr(pure, exported) is getattr(shared, exported)


def _params(signature: str) -> list[tuple[str, str, bool]]:
    fn = ast.parse(f"def f{signature[signature.index('('):]}: pass").body[0].args
    positional = [(a.arg, "positional", i >= len(fn.args) - len(fn.defaults)) for i, a in enumerate(fn.args)]
    keyword = [(a.arg, "keyword", d is not None) for a, d in zip(fn.kwonlyargs, fn.kw_defaults)]
    return positional + keyword


@pytest.mark.parametrize("name", MODULES)
def test_compiled_signature_lines_match_the_pure_constructors(both, name):
    compiled, pure = both(name)
    checked = 0
    for cls_name in compiled.__all__:
        cls = getattr(compiled, cls_name)
        if not isinstance(cls, type) or not (cls.__doc__ or "").startswith(f"{cls_name}("):
            continue
        first = cls.__doc__.splitlines()[0]
        if " exchange)" in first:  # Account(SimExchange exchange): a typed C argument
            first = first.replace("SimExchange exchange", "exchange")
        sig = inspect.signature(getattr(pure, cls_name).__init__)
        expected = [(p.name, "keyword" if p.kind is p.KEYWORD_ONLY else "positional", p.default is not p.empty)
                    for p in list(sig.parameters.values())[1:] if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        assert _params(first) == expected, f"{name}.{cls_name}"
        checked += 1
    if name in ("states", "tracker", "loop", "rollup", "exchange", "rules"):
        assert checked, name


def test_attach_refuses_a_missing_name_or_a_class_without_its_docstring():
    class Documented:
        __doc__ = "A class."

        def method(self) -> None:
            pass

    class Bare:
        pass

    def function() -> None:
        pass

    namespace = {"__name__": "example", "Documented": Documented, "Bare": Bare, "function": function}
    shared_docs.attach(namespace, {"Documented": "A class.", "Documented.method": "Does it.", "function": "Runs."})
    assert (Documented.method.__doc__, function.__doc__) == ("Does it.", "Runs.")
    with pytest.raises(ImportError, match="no missing"):
        shared_docs.attach(namespace, {"missing": "text"})
    with pytest.raises(ImportError, match="Documented.other"):
        shared_docs.attach(namespace, {"Documented.other": "text"})
    with pytest.raises(ImportError, match="Bare does not carry"):
        shared_docs.attach(namespace, {"Bare": "A bare class."})


def test_signed_puts_the_signature_line_first():
    assert shared_docs.signed("Quote(ts_ms, last)", "A quote.") == "Quote(ts_ms, last)\n\nA quote."
