"""Write the ``.pyi`` stub of every public module that binds its names through ``btcore._twin``.

A public module such as ``btcore/loop.py`` does ``_impl = load("loop"); BarLoop = _impl.BarLoop``.
At runtime that is the compiled class or its pure twin; a type checker only sees ``Any``. The stub
this script writes beside it re-exports each name from the compiled module's stub
(``btcore/_core/loop.pyi``), and plain imports (``from ._shared.constants import X``) from their module,
so users get the real types. Run it after adding a name to a public module::

    python ci/gen_public_stubs.py          # writes btcore/<module>.pyi
    python ci/gen_public_stubs.py --check  # exit 1 if a stub is missing or out of date

``tests/test_dist_stubs.py`` runs stubtest on the results.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "btcore"

HEADER = '''"""Type stub of :mod:`btcore.{name}` (written by ci/gen_public_stubs.py; do not edit).

At runtime the names are bound to the compiled core or to the pure-Python twin (see
:mod:`btcore._twin`); both have the same API, so type checkers see the compiled module's stub
(without this file every name would be ``Any``). Checked by tests/test_dist_stubs.py.
"""
'''


def _sources(tree: ast.Module) -> dict[str, str]:
    """Public name -> module its type comes from, read from a twin-bound module's source."""
    aliases: dict[str, str] = {}  # _impl -> btcore._core.loop
    origin: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module not in (None, "_twin"):
            for a in node.names:
                origin[a.asname or a.name] = f"btcore.{node.module}"
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            continue
        target, value = node.targets[0].id, node.value
        if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "load"
                and value.args and isinstance(value.args[0], ast.Constant)):
            aliases[target] = f"btcore._core.{value.args[0].value}"
        elif (isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name)
              and value.value.id in aliases):
            origin[target] = aliases[value.value.id]
    return origin


def _all(tree: ast.Module) -> list[str]:
    for node in tree.body:
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__"
                                                 for t in node.targets)):
            return [str(ast.literal_eval(e)) for e in node.value.elts]  # type: ignore[attr-defined]
    raise SystemExit("no literal __all__")


def render(module: Path) -> str:
    """The stub text for public module ``module`` (a ``btcore/<name>.py`` file)."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    names = _all(tree)
    origin = _sources(tree)
    missing = [n for n in names if n not in origin]
    if missing:
        raise SystemExit(f"{module.name}: cannot tell where {missing} come from")
    by_source: dict[str, list[str]] = {}
    for n in names:
        by_source.setdefault(origin[n], []).append(n)
    lines = [HEADER.format(name=module.stem)]
    for src in sorted(by_source):
        lines.append(f"from {src} import (")
        lines += [f"    {n} as {n}," for n in sorted(by_source[src])]
        lines.append(")")
    lines.append("")
    lines.append("__all__ = [")
    lines += [f'    "{n}",' for n in names]
    lines.append("]")
    return "\n".join(lines) + "\n"


def twin_bound_modules() -> list[Path]:
    return sorted(p for p in PKG.glob("*.py")
                  if not p.stem.startswith("_") and "from ._twin import load" in p.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale or missing stubs")
    args = parser.parse_args(argv)
    stale = []
    for module in twin_bound_modules():
        stub, text = module.with_suffix(".pyi"), render(module)
        if stub.is_file() and stub.read_text(encoding="utf-8") == text:
            print(f"  [ok] {stub.relative_to(PKG.parent)}")
            continue
        if args.check:
            stale.append(str(stub.relative_to(PKG.parent)))
            print(f"  [stale] {stub.relative_to(PKG.parent)}")
        else:
            stub.write_text(text, encoding="utf-8")
            print(f"  [written] {stub.relative_to(PKG.parent)}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
