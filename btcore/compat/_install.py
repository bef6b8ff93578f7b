"""``install(package_name)``: make an engine's runtime package import btcore's implementations.

The reference engine imports its runtime by submodule (``from .runtime.feed_store import
FeedStore``, ``from .runtime import snapshot_view`` ...). ``install(__name__)`` as the whole body of
that package's ``__init__.py`` turns the package into an alias of :mod:`btcore.compat`:

* a meta-path finder (first on ``sys.meta_path``) answers ``<package>.<submodule>`` for the
  reference's eighteen submodule names with a module holding exactly the names of
  ``btcore.compat.<submodule>`` (the same objects); other names fall through to the normal
  finders, so extra files the engine keeps in the folder still import;
* the package itself gets the reference's ``__all__`` and resolves those names on first access.

Submodules load lazily (importing the package does not import pandas; ``preflight`` does). A
submodule of ``btcore.compat`` may define ``_bind_package(package_name)`` returning names that
depend on where it is installed (the reference preflight imported its engine's
``..execution_validation``).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import threading
import types
from typing import Any, Optional, Sequence

__all__ = ["SUBMODULES", "REFERENCE_EXPORTS", "install", "installed_packages"]

#: The reference runtime's submodules (``src/backtest/runtime/*.py`` without ``__init__``).
SUBMODULES = (
    "types", "timeframe", "feed_store", "snapshot_view", "cache", "snapshot_builder", "quote_state",
    "rollup_bucket", "state_types", "signal_state", "action_state", "gate_state", "block_state",
    "state_tracker", "windowing", "data_health", "preflight", "indicator_metadata",
)

#: The reference package's ``__all__``, in its order, with the submodule that defines each name.
REFERENCE_EXPORTS = (
    ("Bar", "types"), ("FeatureSnapshot", "types"), ("ExchangeState", "types"),
    ("RuntimeSnapshot", "types"), ("HistoryConfig", "types"), ("DEFAULT_HISTORY_CONFIG", "types"),
    ("FeedStore", "feed_store"), ("MultiTFFeedStore", "feed_store"),
    ("RuntimeSnapshotView", "snapshot_view"), ("TFContext", "snapshot_view"),
    ("IndicatorMetadata", "indicator_metadata"), ("canonicalize_params", "indicator_metadata"),
    ("compute_feature_spec_id", "indicator_metadata"), ("find_first_valid_idx", "indicator_metadata"),
    ("get_pandas_ta_version", "indicator_metadata"), ("get_code_version", "indicator_metadata"),
    ("validate_metadata_coverage", "indicator_metadata"), ("validate_feature_spec_ids", "indicator_metadata"),
    ("MetadataValidationResult", "indicator_metadata"), ("export_metadata_jsonl", "indicator_metadata"),
    ("export_metadata_json", "indicator_metadata"), ("export_metadata_csv", "indicator_metadata"),
    ("PreflightStatus", "preflight"), ("GapInfo", "preflight"), ("TFPreflightResult", "preflight"),
    ("PreflightReport", "preflight"), ("ToolCallRecord", "preflight"), ("AutoSyncConfig", "preflight"),
    ("AutoSyncResult", "preflight"), ("parse_tf_to_minutes", "preflight"),
    ("calculate_warmup_start", "preflight"), ("validate_tf_data", "preflight"),
    ("run_preflight_gate", "preflight"),
    ("QuoteState", "quote_state"), ("QUOTE_KEYS", "quote_state"), ("quote_to_packet_dict", "quote_state"),
    ("ExecRollupBucket", "rollup_bucket"), ("ROLLUP_KEYS", "rollup_bucket"),
    ("create_empty_rollup_dict", "rollup_bucket"),
    ("SignalStateValue", "state_types"), ("ActionStateValue", "state_types"), ("GateCode", "state_types"),
    ("GateResult", "state_types"), ("GATE_CODE_DESCRIPTIONS", "state_types"),
    ("SignalState", "signal_state"), ("transition_signal_state", "signal_state"),
    ("reset_signal_state", "signal_state"),
    ("ActionState", "action_state"), ("transition_action_state", "action_state"),
    ("reset_action_state", "action_state"),
    ("GateContext", "gate_state"), ("evaluate_gates", "gate_state"),
    ("BlockState", "block_state"), ("create_block_state", "block_state"), ("reset_block_state", "block_state"),
    ("StateTracker", "state_tracker"), ("StateTrackerConfig", "state_tracker"),
    ("create_state_tracker", "state_tracker"),
)
_SOURCE = dict(REFERENCE_EXPORTS)

_lock = threading.Lock()
_packages: set[str] = set()


def _compat_module(sub: str) -> types.ModuleType:
    return importlib.import_module(f"btcore.compat.{sub}")


def _fill(module: types.ModuleType, sub: str, package_name: str) -> None:
    target = _compat_module(sub)
    names = {k: v for k, v in vars(target).items() if not (k.startswith("__") and k.endswith("__"))}
    bind = names.pop("_bind_package", None)
    module.__dict__.update(names)
    if bind is not None:
        module.__dict__.update(bind(package_name))
    module.__dict__["__all__"] = list(getattr(target, "__all__"))
    module.__doc__ = target.__doc__


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, package_name: str, sub: str) -> None:
        self._package, self._sub = package_name, sub

    def create_module(self, spec: Any) -> None:
        return None  # a plain new module; exec_module fills it

    def exec_module(self, module: types.ModuleType) -> None:
        _fill(module, self._sub, self._package)


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Answers ``<installed package>.<reference submodule>``; everything else falls through."""

    def find_spec(self, fullname: str, path: Optional[Sequence[str]] = None, target: Any = None) -> Any:
        package, _, sub = fullname.rpartition(".")
        if sub not in SUBMODULES or package not in _packages:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(package, sub), origin=f"btcore.compat.{sub}")


_FINDER = _AliasFinder()


def _package_getattr(package_name: str) -> Any:
    def __getattr__(name: str) -> Any:
        if name in _SOURCE:
            return getattr(importlib.import_module(f"{package_name}.{_SOURCE[name]}"), name)
        if name in SUBMODULES:
            return importlib.import_module(f"{package_name}.{name}")
        raise AttributeError(f"module {package_name!r} has no attribute {name!r}")

    return __getattr__


def install(package_name: str) -> types.ModuleType:
    """Make ``package_name`` and every ``package_name.<submodule>`` import btcore's implementations.

    Written as the whole body of the engine's runtime ``__init__.py``::

        from btcore.compat import install; install(__name__)

    Idempotent; several packages may be installed (each sees the same btcore objects). A
    ``package_name`` that is not imported yet is created as an empty package (its parent, if
    any, must be importable), which lets tests install ``fake_engine.runtime``.

    Returns
    -------
    module
        The package module.

    Raises
    ------
    TypeError
        If ``package_name`` is not a non-empty dotted module name.
    """
    if not isinstance(package_name, str) or not package_name or not all(
        part.isidentifier() for part in package_name.split(".")
    ):
        raise TypeError(f"package_name must be a dotted module name like 'src.backtest.runtime', got {package_name!r}")
    with _lock:
        module = sys.modules.get(package_name)
        if module is None:
            parent, _, leaf = package_name.rpartition(".")
            module = types.ModuleType(package_name, "btcore.compat alias package")
            module.__path__ = []
            module.__package__ = package_name
            sys.modules[package_name] = module
            if parent:
                setattr(importlib.import_module(parent), leaf, module)
        if not hasattr(module, "__path__"):
            module.__path__ = []  # a plain module becomes a package: its submodules are aliases
        _packages.add(package_name)
        if _FINDER not in sys.meta_path:
            sys.meta_path.insert(0, _FINDER)
    names: dict[str, Any] = vars(module)  # module-level __getattr__/__dir__ (PEP 562)
    names["__all__"] = [name for name, _ in REFERENCE_EXPORTS]
    names["__getattr__"] = _package_getattr(package_name)
    names["__dir__"] = lambda: sorted(set(vars(module)) | set(_SOURCE) | set(SUBMODULES))
    return module


def installed_packages() -> tuple[str, ...]:
    """The package names :func:`install` has aliased, sorted."""
    with _lock:
        return tuple(sorted(_packages))
