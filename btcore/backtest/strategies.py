"""Strategies of a backtest: rules, Python callables, ``init``/``next`` classes, CythonStrategy.

Whatever the user gives, :func:`as_strategy` returns what :meth:`btcore.loop.BarLoop.run` takes:
a callable ``strategy(view) -> int`` with a ``prepare(view)`` the loop calls once before the
first bar, or a :class:`~btcore.loop.CythonStrategy` handed to the loop as it is (its C method
runs with no Python call per bar). Signal codes are the loop's: 0 nothing, 1 long, -1 short,
2 flat.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Mapping, Optional, Sequence

from .._twin import load
from ..errors import ConfigError
from .indicators import IndicatorSpec
from .rules import compile_rules, parse_rule, rule_paths

__all__ = [
    "Strategy", "RuleStrategy", "rule_strategy", "PythonStrategy", "ClassStrategy", "as_strategy", "check_rule_paths",
    "signal_code",
]

_ROLE_ALIASES = {"exec": "exec", "ltf": "exec", "mtf": "mtf", "htf": "htf"}
ACCEPTED = ("rules (a dict of long_entry/long_exit/short_entry/short_exit strings), a function "
            "strategy(view) or strategy(view, params), a class with init/next (e.g. a btcore.backtest.Strategy "
            "subclass), or a btcore.loop.CythonStrategy")


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


# --------------------------------------------------------------------------- rules


def rule_strategy(rules: Mapping[str, str], exchange: Any) -> Any:
    """Entry/exit rules as a strategy: compiled once (:func:`btcore.backtest.rules.compile_rules`)
    into the twin :class:`RuleStrategy` (compiled: evaluated in C, inside the one C loop of
    :func:`btcore.backtest.exchange.simulate` when the exchange is compiled too).

    Decision per bar, with every rule evaluated on every bar: flat → LONG if ``long_entry`` else
    SHORT if ``short_entry``; long → SHORT (reverse) if ``short_entry`` else FLAT if ``long_exit``;
    short → LONG (reverse) if ``long_entry`` else FLAT if ``short_exit``. A rule that is not given
    is never true. The current position is read from ``exchange.side`` (1, -1, 0).
    """
    impl = load("rules")
    prog = compile_rules(rules)
    return impl.RuleStrategy(impl.RuleProgram(prog.code, prog.consts, len(prog.paths), prog.n_outputs), prog.paths,
                             exchange)


RuleStrategy = load("rules").RuleStrategy


# --------------------------------------------------------------------------- Python code


def _pass_stops(result: Any, code: int, exchange: Any) -> None:
    """A returned object may carry absolute ``stop_loss`` / ``take_profit`` prices for its order."""
    if code and result is not None and not isinstance(result, (int, str)):
        sl, tp = getattr(result, "stop_loss", None), getattr(result, "take_profit", None)
        if sl is not None or tp is not None:
            exchange.next_stops = (float(sl) if sl is not None else None, float(tp) if tp is not None else None)


def _positional_args(fn: Callable[..., Any]) -> int:
    try:
        return len([p for p in inspect.signature(fn).parameters.values()
                    if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])
    except (TypeError, ValueError):
        return 1


class PythonStrategy:
    """A function ``strategy(view)`` or ``strategy(view, params)`` (or a bound method).

    ``setup``, if given, runs once with the view before the first bar (a module's or an
    object's ``prepare(view)``).
    """

    def __init__(self, target: Callable[..., Any], params: Mapping[str, Any], exchange: Any,
                 setup: Optional[Callable[[Any], Any]] = None) -> None:
        self._target = target
        self._setup = setup
        self._exchange = exchange
        self._params = dict(params)
        self._with_params = _positional_args(target) >= 2
        from ..loop import signal_code as loop_signal_code

        self._code = loop_signal_code

    def prepare(self, view: Any) -> None:
        """Run the setup hook, if any."""
        if self._setup is not None:
            self._setup(view)

    def __call__(self, view: Any) -> int:
        result = self._target(view, self._params) if self._with_params else self._target(view)
        code = int(self._code(result))
        _pass_stops(result, code, self._exchange)
        return code


class Strategy:
    """Base class of class strategies, in the ``init``/``next`` shape of backtesting.py.

    Declare parameters as class attributes (``Backtest(..., params={...})`` overrides them),
    compute what you need once in :meth:`init`, and decide once per exec bar in :meth:`next` by
    calling :meth:`buy`, :meth:`sell` or :meth:`close` — or by returning a signal (``"LONG"``,
    ``"SHORT"``, ``"FLAT"``, 1, -1, 2). Orders fill at the next exec bar's open.

    Examples
    --------
    >>> class Cross(Strategy):
    ...     margin = 0.0
    ...     def init(self):
    ...         self.fast, self.slow = self.I("indicator.ema_fast"), self.I("indicator.ema_slow")
    ...     def next(self):
    ...         f, s = self.fast.get(), self.slow.get()
    ...         if f is None or s is None:
    ...             return
    ...         if f > s * (1 + self.margin) and self.position <= 0:
    ...             self.buy()
    ...         elif f < s and self.position > 0:
    ...             self.close()
    """

    view: Any = None

    def __init__(self, **params: Any) -> None:
        for name, value in params.items():
            if name.startswith("_") or not hasattr(type(self), name) or callable(getattr(type(self), name)):
                declared = [k for k, v in vars(type(self)).items() if not k.startswith("_") and not callable(v)]
                raise ConfigError(f"{type(self).__name__} has no parameter {name!r}; declared: {declared or 'none'}")
            setattr(self, name, value)
        self._exchange: Any = None
        self._order: Optional[tuple[int, Optional[float], Optional[float]]] = None

    def init(self) -> None:
        """Called once before the first bar, with :attr:`view` set (compile paths here)."""

    def next(self) -> Any:
        """Called at the close of every exec bar; order with buy/sell/close or return a signal."""
        return None

    def I(self, path: str) -> Any:  # noqa: E743 - the name backtesting.py users know
        """A compiled handle of a view path: ``self.I("indicator.rsi").get()`` per bar."""
        return self.view.compile(path)

    @property
    def position(self) -> int:
        """Side held now: 1 long, -1 short, 0 flat."""
        return int(self._exchange.side)

    @property
    def equity(self) -> float:
        """Equity at the last close (cash plus the open position's P&L)."""
        ex = self._exchange
        i = ex.last_idx
        value = float(ex.equity[i]) if i >= 0 else float(ex.cash)
        return value if value == value else float(ex.cash)

    def buy(self, *, stop_loss: Optional[float] = None, take_profit: Optional[float] = None) -> None:
        """Go long at the next open (reversing a short); optional absolute stop/target prices."""
        self._order = (1, stop_loss, take_profit)

    def sell(self, *, stop_loss: Optional[float] = None, take_profit: Optional[float] = None) -> None:
        """Go short at the next open (reversing a long); optional absolute stop/target prices."""
        self._order = (-1, stop_loss, take_profit)

    def close(self) -> None:
        """Close the position at the next open."""
        self._order = (2, None, None)


class ClassStrategy:
    """Adapter of a strategy object: a :class:`Strategy` subclass, or any object with a per-bar
    method ``next(view)`` / ``on_bar(view)`` / ``__call__(view)`` and an optional
    ``init(view)`` / ``prepare(view)`` that runs once before the first bar."""

    def __init__(self, obj: Any, exchange: Any) -> None:
        self._obj = obj
        self._exchange = exchange
        self._base = isinstance(obj, Strategy)
        if self._base:
            obj._exchange = exchange
            self._per_bar: Callable[..., Any] = obj.next
        else:
            per_bar = getattr(obj, "next", None) or getattr(obj, "on_bar", None) or (obj if callable(obj) else None)
            if per_bar is None or not callable(per_bar):
                raise ConfigError(f"{type(obj).__name__} has no next(view), on_bar(view) or __call__(view)")
            self._per_bar = per_bar
        from ..loop import signal_code as loop_signal_code

        self._code = loop_signal_code

    def prepare(self, view: Any) -> None:
        """Bind the view and run the object's ``init``/``prepare``."""
        obj = self._obj
        if self._base:
            obj.view = view
            obj.init()
            return
        setup = getattr(obj, "init", None) or getattr(obj, "prepare", None)
        if callable(setup):
            setup(view) if _positional_args(setup) >= 1 else setup()

    def __call__(self, view: Any) -> int:
        obj = self._obj
        if self._base:
            obj._order = None
            result = self._per_bar()
            order = obj._order
            if order is not None:
                code, sl, tp = order
                if sl is not None or tp is not None:
                    self._exchange.next_stops = (sl, tp)
                return int(code)
        else:
            result = self._per_bar(view)
        code = int(self._code(result))
        _pass_stops(result, code, self._exchange)
        return code


def as_strategy(obj: Any, exchange: Any, params: Mapping[str, Any], *, setup_owner: Any = None) -> Any:
    """What the bar loop runs for ``obj`` (any accepted kind except rules, see :data:`ACCEPTED`).

    ``params`` go to a class's constructor or as a function's second argument.

    Raises
    ------
    ConfigError
        An unsupported object, or a class that does not take the parameters.
    """
    from ..loop import CythonStrategy

    if isinstance(obj, CythonStrategy):
        return obj  # the loop calls its C method per bar; a Python wrapper would hide it
    if inspect.isclass(obj):
        try:
            inst = obj(**params)
        except TypeError as exc:
            raise ConfigError(f"cannot create {obj.__name__}(**params) with params {dict(params)}: {exc}") from None
        return inst if isinstance(inst, CythonStrategy) else ClassStrategy(inst, exchange)
    if inspect.isfunction(obj) or inspect.ismethod(obj) or inspect.isbuiltin(obj):
        setup = getattr(setup_owner, "prepare", None) if setup_owner is not None else None
        return PythonStrategy(obj, params, exchange, setup if callable(setup) else None)
    if any(callable(getattr(obj, name, None)) for name in ("next", "on_bar")) or callable(obj):
        return ClassStrategy(obj, exchange)
    raise ConfigError(f"unsupported strategy {obj!r}; accepted: {ACCEPTED}")
