"""The compiled view and its pure twin expose the same names, signatures and docstrings; the stub
lists them; results do not depend on the host time zone."""

from __future__ import annotations

import ast
import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import btcore
from _dist_env import subprocess_env

ROOT = Path(__file__).resolve().parents[1]
PKG_PARENT = str(Path(btcore.__file__).resolve().parents[1])
CLASSES = ("RuntimeSnapshotView", "TFContext", "PathHandle")
ATTRIBUTES = {"exchange", "mark_price", "mark_price_source", "history_ready", "not_ready_reason"}


def public(cls) -> set:
    return {n for n in dir(cls) if not n.startswith("__") and (not n.startswith("_") or n in ("_move", "_attach_rollups"))}


def doc(obj) -> str:
    text = inspect.getdoc(obj) or ""
    lines = text.splitlines()
    if lines and re.match(r"^[\w.]+\(.*\)( -> .*)?$", lines[0]):  # signature embedded by Cython
        lines = lines[1:]
    return "\n".join(lines).strip()


@pytest.mark.parametrize("name", CLASSES)
def test_same_public_names_docs_and_signatures(both, name):
    compiled, pure = both("view")
    c, p = getattr(compiled, name), getattr(pure, name)
    assert public(c) == public(p)
    assert doc(c) == doc(p)
    for member in sorted(public(p) - ATTRIBUTES):
        cm, pm = getattr(c, member), getattr(p, member)
        assert doc(cm) == doc(pm), member
        if callable(pm):
            cs, ps = inspect.signature(cm), inspect.signature(pm)
            assert [(q.name, q.default) for q in cs.parameters.values()] == \
                   [(q.name, q.default) for q in ps.parameters.values()], member
    for const in ("ROLE_EXEC", "ROLE_MTF", "ROLE_HTF"):
        assert getattr(compiled, const) == getattr(pure, const)


def test_reference_view_twins_agree(both):
    compiled, pure = both("view")
    c, p = compiled.CompatSnapshotView, pure.CompatSnapshotView
    assert public(c) == public(p) and doc(c) == doc(p)
    for member in sorted(public(p) - ATTRIBUTES):
        assert doc(getattr(c, member)) == doc(getattr(p, member)), member


def test_stub_lists_the_public_api(both):
    _, pure = both("view")
    stub: dict = {}
    bases: dict = {}
    # the view's stub re-exports TFContext from its module's; RuntimeSnapshotView builds on SnapshotCore
    for module in ("view", "tfcontext"):
        stub_path = Path(PKG_PARENT) / "btcore" / "_core" / f"{module}.pyi"
        tree = ast.parse((stub_path if stub_path.exists() else ROOT / "btcore" / "_core" / f"{module}.pyi").read_text())
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                stub[node.name] = {n.name if isinstance(n, ast.FunctionDef) else n.target.id
                                   for n in node.body if isinstance(n, (ast.FunctionDef, ast.AnnAssign))}
                bases[node.name] = [b.id for b in node.bases if isinstance(b, ast.Name)]
    for name, base_names in bases.items():
        for base in base_names:
            stub[name] |= stub.get(base, set())
    for name in CLASSES:
        assert public(getattr(pure, name)) <= stub[name] | ATTRIBUTES


_SCRIPT = r"""
import json, sys
from datetime import datetime, timedelta
import numpy as np
from btcore import _twin
from btcore.feed import FeedStore, MultiTFFeedStore
mod = _twin.load_compiled("view") if sys.argv[1] == "compiled" else _twin.load_pure("view")
start = datetime(2020, 3, 8, 5, 0)   # naive = UTC; a US DST switch happens this night
def feed(tf, n, minutes):
    ts = np.array([start + timedelta(minutes=minutes * k) for k in range(n)], dtype="datetime64[ms]")
    x = np.linspace(1.0, 2.0, n)
    return FeedStore.from_arrays(tf, "X", ts, x, x + 1, x - 1, x, x, indicators={"rsi": x * 3})
ex, h = feed("15m", 24, 15), feed("1h", 6, 60)
feeds = MultiTFFeedStore(ex, h)
out = []
for i in range(len(ex)):
    hi = h.get_last_closed_idx_at_or_before(ex.get_ts_close_datetime(i).replace(tzinfo=None))
    v = mod.RuntimeSnapshotView(feeds, i, hi, None, None, 1.0, "c")
    out.append([v.to_dict(), hi, ex.get_idx_at_ts_close(str(v.ts_close)), v.get("indicator.rsi.htf")])
print(json.dumps(out, default=str))
"""


def test_results_do_not_depend_on_tz(impl_kind, tmp_path):
    results = []
    for tz in ("UTC", "America/New_York", "Asia/Kolkata"):
        # the child imports the same btcore as this process (the checkout or the installed wheel);
        # it runs outside the checkout, where "python -c" would put the source tree first on sys.path
        env = {**subprocess_env(), "TZ": tz}
        proc = subprocess.run([sys.executable, "-c", _SCRIPT, impl_kind], env=env, capture_output=True, text=True,
                              check=True, cwd=tmp_path)
        results.append(json.loads(proc.stdout))
    assert results[0] == results[1] == results[2]
    assert results[0][4][1] == 0  # the first HTF bar (05:00-06:00 UTC) closes with exec bar 3
