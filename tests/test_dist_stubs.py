"""The ``.pyi`` stubs describe the compiled modules truthfully (``mypy.stubtest``).

Every extension module in ``btcore._core`` must have a ``.pyi`` beside it, and stubtest must find
no difference between the stub and what the imported module exposes. The same holds for the thin
public modules that bind their names through ``btcore._twin.load`` (``btcore.loop``, ...): without
a stub, type checkers would see every one of their names as ``Any``. Stubtest runs once per
session in a subprocess, on the btcore that this test session imports (the installed wheel in CI,
the in-place build during development), and each module gets its own test so a failure names the
module owner's stub.

Cython hides a few things from stubtest or adds runtime-only names; those (and only those) are
allowlisted below, each with the reason. ``__init__`` of a cdef class is one of them (a slot
wrapper without an introspectable signature), so its parameters are compared with the pure twin's
``__init__`` instead, which the twin contract requires to be identical.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import btcore
import btcore._core
from btcore import _twin

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _dist_env  # noqa: E402

# regex (matched against the full name) -> why stubtest cannot check it or must not report it
ALLOWLIST: dict[str, str] = {
    r"btcore\._core\.\w+\.__test__":
        "Cython adds a module-level __test__ dict (doctest collection); not API",
    r"btcore\._core\.\w+\.\w+\.__reduce_cython__":
        "Cython's generated pickling hook on cdef classes; an implementation detail",
    r"btcore\._core\.\w+\.\w+\.__setstate_cython__":
        "Cython's generated unpickling hook on cdef classes; an implementation detail",
    r"btcore\._core\.\w+\.\w+\.__init__":
        "a cdef class __init__ is a slot wrapper whose signature is (*args, **kwargs) at runtime; "
        "test_cdef_init_matches_pure_twin checks the stub's parameters against the pure twin",
}

# Stubtest flags, each with its reason:
#   --ignore-disjoint-bases: every cdef class has a C layout and is therefore a "disjoint base"
#     (PEP 800); the stubs follow the common convention of not marking it, and the property is
#     irrelevant to btcore's users (nobody multiply-inherits from two of its cdef classes).
#   --ignore-unused-allowlist: the allowlist patterns apply to every module, and a module without
#     cdef classes does not use all of them.
STUBTEST_FLAGS = ["--concise", "--ignore-disjoint-bases", "--ignore-unused-allowlist"]

def _compiled_modules() -> list[str]:
    """Names of the extension modules in ``btcore._core`` (any platform suffix)."""
    core_dir = Path(btcore._core.__file__).parent
    return sorted({p.name.split(".")[0] for p in core_dir.iterdir() if p.suffix in (".so", ".pyd")})


def _require_compiled() -> None:
    if not _compiled_modules():
        if _twin.REQUIRE_EXTENSIONS or os.environ.get("CI"):
            pytest.fail("no compiled btcore._core modules are importable; the stub check needs them")
        pytest.skip("compiled btcore not built here; stubtest needs the extension modules")


def _twin_bound_public_modules() -> list[str]:
    """Public modules ``btcore.<name>`` whose names come from ``btcore._twin.load``."""
    pkg_dir = Path(btcore.__file__).parent
    return sorted(
        f"btcore.{p.stem}" for p in pkg_dir.glob("*.py")
        if not p.stem.startswith("_") and "from ._twin import load" in p.read_text(encoding="utf-8")
    )


MODULES = _compiled_modules()
PUBLIC = _twin_bound_public_modules()
CHECKED = [f"btcore._core.{m}" for m in MODULES] + PUBLIC


@pytest.fixture(scope="session")
def stubtest_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Run stubtest once on every compiled module; map module name -> its error lines."""
    _require_compiled()
    work = tmp_path_factory.mktemp("stubtest")
    allowlist = work / "allowlist.txt"
    allowlist.write_text("".join(f"{pattern}  # {why}\n" for pattern, why in ALLOWLIST.items()))
    config = _dist_env.write_mypy_config(work)
    # the runtime import and mypy's module search both see the btcore of this session
    env = _dist_env.subprocess_env(keep_btcore_switches=False)
    env["MYPY_CACHE_DIR"] = str(work / "cache")
    cmd = [sys.executable, "-m", "mypy.stubtest", *STUBTEST_FLAGS, "--allowlist", str(allowlist),
           "--mypy-config-file", str(config), *CHECKED]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=work, env=env, timeout=600)
    lines = [ln for ln in (out.stdout + out.stderr).splitlines() if ln.strip()]
    report: dict[str, list[str]] = {m: [] for m in CHECKED}
    unattributed = []
    for line in lines:
        module = next((m for m in CHECKED if line.startswith((f"{m}.", f"{m} "))), None)
        (report[module] if module else unattributed).append(line)
    if out.returncode != 0 and not any(report.values()):
        pytest.fail("stubtest failed without a per-module error:\n" + "\n".join(lines[-40:]))
    report[""] = unattributed
    return report


def test_compiled_core_is_present_for_the_stub_check() -> None:
    _require_compiled()
    assert "_probe" in MODULES


@pytest.mark.parametrize("module", MODULES)
def test_every_compiled_module_has_a_stub(module: str) -> None:
    stub = Path(btcore._core.__file__).parent / f"{module}.pyi"
    assert stub.is_file(), f"btcore/_core/{module}.pyi is missing: every compiled module needs a stub"


@pytest.mark.parametrize("module", PUBLIC)
def test_every_twin_bound_public_module_has_a_stub(module: str) -> None:
    stub = Path(btcore.__file__).parent / f"{module.split('.')[-1]}.pyi"
    assert stub.is_file(), (
        f"{module} binds its names through btcore._twin.load, so type checkers see them as Any "
        f"unless {stub.name} re-exports them from the compiled module's stub"
    )


@pytest.mark.parametrize("module", CHECKED)
def test_stub_matches_module(module: str, stubtest_report: dict[str, list[str]]) -> None:
    errors = stubtest_report[module]
    stub = module.replace(".", "/") + ".pyi"
    assert not errors, f"stubtest: {stub} differs from the module:\n" + "\n".join(errors)


def _stub_init_params(stub: Path) -> dict[str, list[tuple[str, bool]]]:
    """Class name -> [(parameter name, has default)] of each ``__init__`` in a stub file."""
    tree = ast.parse(stub.read_text())
    found: dict[str, list[tuple[str, bool]]] = {}
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        for fn in cls.body:
            if isinstance(fn, ast.FunctionDef) and fn.name == "__init__":
                a = fn.args
                positional = a.posonlyargs + a.args
                n_default = len(a.defaults)
                params = [(p.arg, i >= len(positional) - n_default) for i, p in enumerate(positional)]
                params += [(p.arg, d is not None) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
                found[cls.name] = params[1:]  # drop self
    return found


def _pure_twin(module: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"btcore._pure.{module}")
    except ImportError:
        return None


@pytest.mark.parametrize("module", MODULES)
def test_cdef_init_matches_pure_twin(module: str) -> None:
    stub = Path(btcore._core.__file__).parent / f"{module}.pyi"
    pure = _pure_twin(module)
    if not stub.is_file() or pure is None:
        pytest.skip(f"no stub or no pure twin for {module}")
    compiled = importlib.import_module(f"btcore._core.{module}")
    for cls_name, stub_params in _stub_init_params(stub).items():
        if not isinstance(getattr(compiled, cls_name, None), type):
            continue
        twin_cls = getattr(pure, cls_name, None)
        assert twin_cls is not None, f"{module}.{cls_name} has no pure twin"
        sig = inspect.signature(twin_cls.__init__)
        twin_params = [
            (p.name, p.default is not inspect.Parameter.empty)
            for p in list(sig.parameters.values())[1:]
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        assert stub_params == twin_params, (
            f"{module}.pyi: {cls_name}.__init__ parameters {stub_params} differ from the pure "
            f"twin's {twin_params}"
        )


def test_stubtest_reported_nothing_outside_the_modules(stubtest_report: dict[str, list[str]]) -> None:
    noise = [ln for ln in stubtest_report[""] if "note:" not in ln and not ln.startswith("Found")]
    assert not noise, "stubtest reported problems not tied to a module:\n" + "\n".join(noise)
