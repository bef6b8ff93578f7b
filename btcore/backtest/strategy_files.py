"""A strategy written in a Python file (``btcore run --strategy-file my.py``, ``[strategy] file``).

The file is imported with its own folder first on ``sys.path`` (so it can import a module beside
it, or a compiled strategy built there), for the import and for the whole run; the folder is
removed from ``sys.path`` afterwards.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import inspect
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator, Mapping, Optional

from ..errors import ConfigError
from .strategies import as_strategy

__all__ = ["strategy_folder_on_path", "import_strategy_file", "load_python_strategy"]


@contextlib.contextmanager
def strategy_folder_on_path(path: Optional[Path]) -> Iterator[None]:
    """Put the folder of ``path`` first on ``sys.path`` while the block runs (no-op for None)."""
    if path is None:
        yield
        return
    folder = str(Path(path).resolve().parent)
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)


def import_strategy_file(path: Path) -> ModuleType:
    """Import ``path`` as a module (its folder must already be on ``sys.path``, see above).

    Raises
    ------
    ConfigError
        The file cannot be imported: one line with the error and its line number.
    """
    digest = hashlib.sha256(str(Path(path).resolve()).encode("utf-8")).hexdigest()[:12]
    name = f"btcore_user_strategy_{digest}"
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ConfigError(f"cannot import strategy file {str(path)!r}: not a Python file")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except ConfigError:
        raise
    except SyntaxError as exc:
        raise ConfigError(f"strategy file {str(path)!r} line {exc.lineno}: SyntaxError: {exc.msg}") from None
    except Exception as exc:  # the user's module-level code failed; report it in one line
        raise ConfigError(f"cannot import strategy file {str(path)!r}: {type(exc).__name__}: {exc}") from None
    return module


def load_python_strategy(path: Path, function: Optional[str], params: Mapping[str, Any], exchange: Any) -> Any:
    """Import ``path`` and wrap its strategy for the loop.

    Looked up in order: ``function`` (if given), a class ``Strategy`` (instantiated with
    ``**params``; per bar its ``next(view)``/``on_bar(view)``/``__call__(view)``, once before the
    first bar its ``init(view)``/``prepare(view)``; a :class:`btcore.backtest.Strategy` subclass
    uses its own ``init()``/``next()``), a function ``strategy(view)`` or ``strategy(view,
    params)`` (a module-level ``prepare(view)`` runs once). A :class:`btcore.loop.CythonStrategy`
    subclass is handed to the loop as it is.

    Raises
    ------
    ConfigError
        If the file cannot be imported or defines none of these (one line, no traceback).
    """
    module = import_strategy_file(path)
    candidates = [function] if function else ["Strategy", "strategy"]
    for cand in candidates:
        obj = getattr(module, cand, None)
        if obj is None:
            continue
        if inspect.isclass(obj):
            try:
                return as_strategy(obj, exchange, params)
            except ConfigError as exc:
                raise ConfigError(f"{cand} in {str(path)!r}: {exc}") from None
        if callable(obj):
            return as_strategy(obj, exchange, params, setup_owner=module)
        raise ConfigError(f"{cand} in {str(path)!r} is not callable")
    wanted = repr(function) if function else "a class 'Strategy' or a function 'strategy'"
    raise ConfigError(f"strategy file {str(path)!r} defines no {wanted}")
