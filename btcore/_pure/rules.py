"""Compiled rules: a flat program evaluated per bar (pure-Python twin of ``btcore._core.rules``).

:mod:`btcore.backtest.rules` parses rule text and compiles it once into register code over
numbered path slots and constants; :class:`RuleProgram` runs that code (a flat list of
instructions, no recursion, any depth), :class:`RuleStrategy` reads the slots from the view, runs
the program and turns the four rule outcomes into a signal.

Program format: ``code`` is a flat sequence of ``(op, dst, a, b)`` instructions over a register
file of floats: registers ``[0, n_slots)`` hold the path values of the bar (NaN when a path reads
None), the next ``len(consts)`` the constants, the rest temporaries (NaN at the start). NaN is
the missing value; truth values are 1.0 / 0.0. Every instruction runs on every evaluation.

==================  ===================================================================
op                  effect (``ra``, ``rb``: registers ``a`` and ``b``)
==================  ===================================================================
``OP_NEG``          ``r[dst] = -ra``
``OP_ADD`` ...      ``ra + rb``, ``ra - rb``, ``ra * rb``; ``ra / rb`` is NaN when ``rb == 0``;
``OP_DIV``          any NaN operand or result (``inf - inf``, ``0 * inf``) is missing (NaN)
``OP_LT`` ...       ``ra < rb``, ``<=``, ``>``, ``>=``, ``==``, ``!=``: false when either is NaN
``OP_NE``
``OP_CROSS_ABOVE``  ``ra > rb`` now and ``ra <= rb`` at the previous evaluation (each crossing
``/ _BELOW``        instruction keeps its own previous pair); false when any of the four values
                    is NaN, and on the first evaluation
``OP_NOT``          logical not of ``ra``
``OP_AND``/``OR``   of ``ra`` and ``rb`` (both always computed: a crossing keeps its state)
``OP_OUT``          rule output ``dst`` = the truth of ``ra``
==================  ===================================================================
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from ..errors import ConfigError
from .loop import CythonStrategy
from .._shared.docs import attach
# The opcodes, RULE_OUTPUTS and check_program are this module's API too (written once there).
from .._shared.rules import *  # noqa: F401,F403
from .._shared.rules import DOCS, NAMES

__all__ = list(NAMES)

_NAN = math.nan


class RuleProgram:
    __doc__ = DOCS["RuleProgram"]

    def __init__(self, code: Sequence[int], consts: Sequence[float], n_slots: int, n_outputs: int) -> None:
        self._code, consts_t, self._n_slots, self._n_outputs, n_regs = check_program(code, consts, n_slots, n_outputs)
        self._regs = [_NAN] * n_slots + list(consts_t) + [_NAN] * (n_regs - n_slots - len(consts_t))
        self._prev = [_NAN] * (len(self._code) // 2)
        self.reset()

    @property
    def n_slots(self) -> int:
        """Number of path slots the program reads."""
        return self._n_slots

    @property
    def n_outputs(self) -> int:
        """Number of truth values it produces."""
        return self._n_outputs

    def reset(self) -> None:
        self._prev = [_NAN] * len(self._prev)

    def evaluate(self, values: Sequence[Any]) -> tuple[bool, ...]:
        if len(values) != self._n_slots:
            raise ConfigError(f"the program reads {self._n_slots} slot value(s), got {len(values)}")
        try:
            slots = [_NAN if v is None else float(v) for v in values]
        except (TypeError, ValueError):
            raise ConfigError(f"slot values must be numbers or None, got {list(values)!r:.80}") from None
        out = [False] * self._n_outputs
        self._run(slots, out)
        return tuple(out)

    def _run(self, slots: list[float], out: list[bool]) -> None:
        code, r, prev = self._code, self._regs, self._prev
        r[:self._n_slots] = slots
        for pc in range(0, len(code), 4):
            op, d, a = code[pc], code[pc + 1], r[code[pc + 2]]
            if op == OP_NEG:
                r[d] = -a
                continue
            if op == OP_NOT:
                r[d] = 1.0 if a == 0.0 else 0.0
                continue
            if op == OP_OUT:
                out[d] = a != 0.0
                continue
            b = r[code[pc + 3]]
            if op <= OP_DIV:
                if op == OP_ADD:
                    r[d] = a + b
                elif op == OP_SUB:
                    r[d] = a - b
                elif op == OP_MUL:
                    r[d] = a * b
                else:
                    r[d] = _NAN if b == 0.0 else a / b
                continue
            if op <= OP_NE:
                if op == OP_LT:
                    t = a < b
                elif op == OP_LE:
                    t = a <= b
                elif op == OP_GT:
                    t = a > b
                elif op == OP_GE:
                    t = a >= b
                elif op == OP_EQ:
                    t = a == b
                else:  # != is false for a missing operand
                    t = a == a and b == b and a != b
            elif op <= OP_CROSS_BELOW:
                c = pc // 2
                pa, pb = prev[c], prev[c + 1]
                prev[c], prev[c + 1] = a, b
                if a != a or b != b or pa != pa or pb != pb:
                    t = False
                elif op == OP_CROSS_ABOVE:
                    t = a > b and pa <= pb
                else:
                    t = a < b and pa >= pb
            elif op == OP_AND:
                t = (a != 0.0) & (b != 0.0)
            else:
                t = (a != 0.0) | (b != 0.0)
            r[d] = 1.0 if t else 0.0


class RuleStrategy(CythonStrategy):
    __doc__ = DOCS["RuleStrategy"]

    def __init__(self, program: RuleProgram, paths: Sequence[str], exchange: Any) -> None:
        if not isinstance(program, RuleProgram) or program.n_outputs != len(RULE_OUTPUTS):
            raise ConfigError(f"program must be a RuleProgram with {len(RULE_OUTPUTS)} outputs, got {program!r}")
        paths = tuple(paths)
        if len(paths) != program.n_slots or not all(isinstance(p, str) for p in paths):
            raise ConfigError(f"paths must be {program.n_slots} path string(s), one per slot, got {paths!r:.80}")
        self._program = program
        self._paths = paths
        self._exchange = exchange
        self._handles: list[Any] = []
        self._out = [False] * len(RULE_OUTPUTS)

    @property
    def paths(self) -> tuple[str, ...]:
        """The view path of each slot."""
        return self._paths

    @property
    def program(self) -> RuleProgram:
        """The compiled program."""
        return self._program

    def prepare(self, view: Any) -> None:
        self._handles = [view.compile(p).get for p in self._paths]
        self._program.reset()

    def decide(self, side: int) -> int:
        le, lx, se, sx = self._out
        if side == 0:
            return 1 if le else (-1 if se else 0)
        if side > 0:
            return -1 if se else (2 if lx else 0)
        return 1 if le else (2 if sx else 0)

    def on_bar(self, view: Any) -> int:
        if len(self._handles) != len(self._paths):
            raise ConfigError("RuleStrategy.prepare(view) must run before the first bar")
        self._out = [False] * len(RULE_OUTPUTS)
        self._program._run([_NAN if (v := get()) is None else v for get in self._handles], self._out)
        return self.decide(self._exchange.side)

    def __call__(self, view: Any) -> int:
        return self.on_bar(view)


attach(globals(), DOCS)
