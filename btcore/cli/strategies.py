"""Strategies of ``btcore run``: rules from the config, or a Python file loaded with importlib.

Both are callables ``strategy(view) -> int`` with a ``prepare(view)`` that the bar loop calls once
before the first bar; they return the loop's signal codes (0 nothing, 1 long, -1 short, 2 flat).
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

from ..errors import ConfigError
from .indicators import IndicatorSpec
from .rules import compile_rule, parse_rule, rule_paths

__all__ = ["RuleStrategy", "PythonStrategy", "load_python_strategy", "check_rule_paths", "signal_code"]

_ROLE_ALIASES = {"exec": "exec", "ltf": "exec", "mtf": "mtf", "htf": "htf"}


def signal_code(result: Any) -> int:
    """The loop's int code for a strategy's return value (:func:`btcore.loop.signal_code`)."""
    from ..loop import signal_code as loop_signal_code

    return int(loop_signal_code(result))


def check_rule_paths(rules: Mapping[str, str], indicators: Sequence[IndicatorSpec]) -> None:
    """Reject rules that read an indicator which is not declared or not computed on that role.

    Other paths are checked by ``view.compile`` when the strategy is prepared.
    """
    by_name = {s.name: s for s in indicators}
    for key, text in rules.items():
        for path in rule_paths(parse_rule(text)):
            parts = path.split(".")
            if parts[0] != "indicator" or len(parts) < 2:
                continue
            spec = by_name.get(parts[1])
            if spec is None:
                declared = ", ".join(by_name) or "none"
                raise ConfigError(
                    f"strategy.{key} reads unknown indicator {parts[1]!r} (path {path!r}); declared: {declared}"
                )
            role = _ROLE_ALIASES.get(parts[2], None) if len(parts) > 2 else "exec"
            if role is not None and role not in spec.roles:
                raise ConfigError(
                    f"strategy.{key} reads {path!r} but indicator {spec.name!r} is computed only on "
                    f"{', '.join(spec.roles)}; add {role!r} to its roles"
                )


class _Slot:
    """The value of one path for the current bar."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: Optional[float] = None

    def get(self) -> Optional[float]:
        return self.value


class RuleStrategy:
    """Entry/exit rules over view paths (see :mod:`btcore.cli.rules`).

    Decision per bar, with every rule evaluated on every bar: flat → LONG if ``long_entry`` else
    SHORT if ``short_entry``; long → SHORT (reverse) if ``short_entry`` else FLAT if ``long_exit``;
    short → LONG (reverse) if ``long_entry`` else FLAT if ``short_exit``. A rule that is not given
    is never true. The current position is read from ``exchange.side`` (1, -1, 0).
    """

    def __init__(self, rules: Mapping[str, str], exchange: Any) -> None:
        self.rules = {k: v for k, v in rules.items() if v}
        self._trees = {k: parse_rule(v) for k, v in self.rules.items()}
        self._exchange = exchange
        never: Callable[[], bool] = lambda: False
        self._long_entry = self._long_exit = self._short_entry = self._short_exit = never
        self._reads: list[tuple[_Slot, Any]] = []

    def prepare(self, view: Any) -> None:
        """Compile every path once (``view.compile``) and the rules into closures.

        A path used by several rules is read once per bar: the closures read a per-path slot
        that ``__call__`` refreshes from the handle at the start of the bar.
        """
        paths = list(dict.fromkeys(p for tree in self._trees.values() for p in rule_paths(tree)))
        self._reads = [(_Slot(), view.compile(p)) for p in paths]
        slots = {p: slot for p, (slot, _) in zip(paths, self._reads)}
        for key, tree in self._trees.items():
            setattr(self, "_" + key, compile_rule(tree, slots))

    def __call__(self, view: Any) -> int:
        for slot, handle in self._reads:
            slot.value = handle.get()
        le, lx = self._long_entry(), self._long_exit()
        se, sx = self._short_entry(), self._short_exit()
        side = self._exchange.side
        if side == 0:
            return 1 if le else (-1 if se else 0)
        if side > 0:
            return -1 if se else (2 if lx else 0)
        return 1 if le else (2 if sx else 0)


class PythonStrategy:
    """Adapter around a user function or object: normalises its signals and passes on stops.

    A returned object may carry absolute ``stop_loss`` / ``take_profit`` prices; they are handed
    to the exchange (``exchange.next_stops``) for the order this signal creates.
    """

    def __init__(self, target: Callable[..., Any], params: Mapping[str, Any], exchange: Any, owner: Any = None) -> None:
        self._target = target
        self._owner = owner
        self._exchange = exchange
        self._params = dict(params)
        try:
            n_args = len([p for p in inspect.signature(target).parameters.values()
                          if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])
        except (TypeError, ValueError):
            n_args = 1
        self._with_params = n_args >= 2
        from ..loop import signal_code as loop_signal_code

        self._code = loop_signal_code

    def prepare(self, view: Any) -> None:
        """Call the user's ``prepare(view)`` if it has one."""
        prepare = getattr(self._owner, "prepare", None) if self._owner is not None else None
        if callable(prepare):
            prepare(view)

    def __call__(self, view: Any) -> int:
        result = self._target(view, self._params) if self._with_params else self._target(view)
        code = self._code(result)
        if code and result is not None and not isinstance(result, (int, str)):
            sl, tp = getattr(result, "stop_loss", None), getattr(result, "take_profit", None)
            if sl is not None or tp is not None:
                self._exchange.next_stops = (
                    float(sl) if sl is not None else None,
                    float(tp) if tp is not None else None,
                )
        return code


def load_python_strategy(path: Path, function: Optional[str], params: Mapping[str, Any], exchange: Any) -> Any:
    """Import ``path`` and wrap its strategy.

    Looked up in order: ``function`` (if given), a class ``Strategy`` (instantiated with
    ``**params``; its ``on_bar(view)`` or ``__call__(view)`` is the per-bar call and its
    ``prepare(view)`` runs before the first bar), a function ``strategy(view)`` or
    ``strategy(view, params)``. A class deriving from :class:`btcore.loop.CythonStrategy` (a
    compiled strategy imported by the file) is handed to the loop as it is, so its ``c_on_bar``
    runs with no Python call per bar; it returns signal codes only (no per-order stops).

    Raises
    ------
    ConfigError
        If the file cannot be imported or defines none of these (one line, no traceback).
    """
    name = f"btcore_user_strategy_{abs(hash(str(path.resolve())))}"
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
    candidates = [function] if function else ["Strategy", "strategy"]
    for cand in candidates:
        obj = getattr(module, cand, None)
        if obj is None:
            continue
        if inspect.isclass(obj):
            try:
                inst = obj(**params)
            except TypeError as exc:
                raise ConfigError(f"cannot create {cand}(**params) from {str(path)!r}: {exc}") from None
            from ..loop import CythonStrategy

            if isinstance(inst, CythonStrategy):
                return inst  # the loop calls its C method per bar; a Python wrapper would hide it
            per_bar = getattr(inst, "on_bar", None) or (inst if callable(inst) else None)
            if per_bar is None:
                raise ConfigError(f"{cand} in {str(path)!r} has neither on_bar(view) nor __call__(view)")
            return PythonStrategy(per_bar, params, exchange, owner=inst)
        if callable(obj):
            return PythonStrategy(obj, params, exchange, owner=module)
        raise ConfigError(f"{cand} in {str(path)!r} is not callable")
    wanted = repr(function) if function else "a class 'Strategy' or a function 'strategy'"
    raise ConfigError(f"strategy file {str(path)!r} defines no {wanted}")
