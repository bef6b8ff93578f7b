"""A light import: ``import btcore``, the core and ``btcore --help`` load neither pandas nor pyarrow.

Every check runs in a fresh interpreter (``sys.modules`` of the test session already holds
pandas), started outside the checkout on the btcore this session imports. The data-layer names
are bound on first use (PEP 562); every public and reference name stays importable with
``from btcore import X``.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import btcore
import btcore.data

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _dist_env  # noqa: E402

HEAVY = ("pandas", "pyarrow", "polars", "matplotlib")


def _run(code: str, tmp_path: Path) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter; it prints one JSON object as its last line."""
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=_dist_env.subprocess_env(),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


LOADED = f"[m for m in {HEAVY!r} if m in sys.modules]"


def test_import_btcore_loads_no_pandas_or_pyarrow(tmp_path: Path) -> None:
    got = _run(f"import json, sys, btcore; print(json.dumps({{'loaded': {LOADED}, 'file': btcore.__file__}}))",
               tmp_path)
    assert got["loaded"] == []
    assert Path(str(got["file"])).resolve() == Path(btcore.__file__).resolve()  # the build under test


def test_the_core_runs_without_pandas(tmp_path: Path) -> None:
    code = f"""
import json, sys
import numpy as np
from btcore import BarLoop, FeedStore, MultiTFFeedStore, create_state_tracker
t = 1_577_836_800_000 + 900_000 * np.arange(40, dtype=np.int64)
px = 100.0 + np.arange(40.0)
feed = FeedStore.from_arrays("15m", "X", t, px, px + 1, px - 1, px, np.ones(40), indicators={{"ema": px}})
closes = [view.get("indicator.ema") for view in BarLoop(MultiTFFeedStore(feed))]
create_state_tracker()
print(json.dumps({{"loaded": {LOADED}, "closes": closes}}))
"""
    got = _run(code, tmp_path)
    assert got["loaded"] == []
    assert got["closes"] == [100.0 + i for i in range(40)]


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["run", "--help"], ["health", "--help"]])
def test_cli_help_loads_no_pandas(tmp_path: Path, argv: list[str]) -> None:
    code = f"""
import contextlib, io, json, sys
from btcore.cli.main import main
buf = io.StringIO()
with contextlib.redirect_stdout(buf):
    try:
        main({argv!r})
        code = None
    except SystemExit as exc:
        code = exc.code
print(json.dumps({{"loaded": {LOADED}, "code": code, "out": buf.getvalue()}}))
"""
    got = _run(code, tmp_path)
    assert got["code"] == 0 and "btcore" in str(got["out"])
    assert got["loaded"] == []


def test_data_names_load_on_first_use(tmp_path: Path) -> None:
    code = f"""
import json, sys, btcore
before = {LOADED}
f = btcore.load_ohlcv
print(json.dumps({{"before": before, "after": {LOADED}, "same": f is btcore.data.loaders.load_ohlcv}}))
"""
    got = _run(code, tmp_path)
    assert got["before"] == [] and "pandas" in got["after"] and got["same"] is True


def test_every_public_and_reference_name_imports_by_name(tmp_path: Path) -> None:
    code = """
import importlib, json
bad = []
for module in ("btcore", "btcore.data"):
    mod = importlib.import_module(module)
    for name in [*mod.__all__, *getattr(mod, "REFERENCE_NAMES", ())]:
        ns = {}
        try:
            exec(f"from {module} import {name}", ns)
        except Exception as exc:
            bad.append(f"{module}.{name}: {exc!r}")
        else:
            if ns[name] is not getattr(mod, name):
                bad.append(f"{module}.{name}: not the same object")
print(json.dumps({"bad": bad}))
"""
    assert _run(code, tmp_path) == {"bad": []}
    assert set(btcore.__all__) <= set(dir(btcore)) and set(btcore.data.__all__) <= set(dir(btcore.data))
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        btcore.no_such_name  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        btcore.data.no_such_name  # noqa: B018


def _type_checking_imports(path: Path) -> dict[str, set[str]]:
    """Module -> names imported under ``if TYPE_CHECKING:`` in ``path``."""
    found: dict[str, set[str]] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for imp in node.body:
                if isinstance(imp, ast.ImportFrom):
                    found.setdefault(str(imp.module), set()).update(a.name for a in imp.names)
    return found


def test_lazy_tables_match_what_type_checkers_see() -> None:
    top = _type_checking_imports(Path(btcore.__file__))
    assert set(top) == {"data", "compat.legacy"}
    assert top["data"] == set(btcore._LAZY_FROM_DATA)  # type: ignore[attr-defined]
    assert top["compat.legacy"] == set(btcore._LAZY_FROM_LEGACY)  # type: ignore[attr-defined]
    data = _type_checking_imports(Path(btcore.data.__file__))
    names = btcore.data._NAMES_BY_MODULE  # type: ignore[attr-defined]
    assert {m: set(v) for m, v in names.items()} == data
    assert sorted(btcore.data._MODULE_OF) == sorted(btcore.data.__all__)  # type: ignore[attr-defined]
