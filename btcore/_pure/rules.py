"""Compiled rules: a flat program evaluated per bar (pure-Python twin of ``btcore._core.rules``).

:mod:`btcore.backtest.rules` parses rule text and compiles it once into a postfix program over
numbered path slots and constants; :class:`RuleProgram` runs that program on a stack of floats
(no recursion, any depth), :class:`RuleStrategy` reads the slots from the view, runs the program
and turns the four rule outcomes into a signal.

Program format: ``code`` is a flat sequence of ``(op, arg)`` pairs. Values are floats; NaN is the
missing value and truth values are 1.0 / 0.0.

=================  =====================================================================
op                 effect (``a``, ``b``: the two topmost values, ``b`` on top)
=================  =====================================================================
``OP_SLOT k``      push path slot ``k`` (NaN when the path reads None)
``OP_CONST k``     push ``consts[k]``
``OP_NEG``         ``-a``
``OP_ADD`` ...     ``a + b``, ``a - b``, ``a * b``; ``a / b`` is NaN when ``b == 0``; any
``OP_DIV``         NaN operand or result (``inf - inf``, ``0 * inf``) is missing (NaN)
``OP_LT`` ...      ``a < b``, ``<=``, ``>``, ``>=``, ``==``, ``!=``: false when either is NaN
``OP_NE``
``OP_CROSS_ABOVE``  ``a > b`` now and ``a <= b`` at the previous evaluation (crossing state
``c`` / ``_BELOW``  ``c``); false when any of the four values is NaN, and on the first run
``OP_NOT``         logical not
``OP_AND``/``OR``  both operands are always evaluated (a crossing keeps its state)
``OP_OUT k``       pop the truth value of rule output ``k``
=================  =====================================================================
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from ..errors import ConfigError
from .loop import CythonStrategy

__all__ = [
    "RuleProgram", "RuleStrategy", "OP_SLOT", "OP_CONST", "OP_NEG", "OP_ADD", "OP_SUB", "OP_MUL", "OP_DIV",
    "OP_LT", "OP_LE", "OP_GT", "OP_GE", "OP_EQ", "OP_NE", "OP_CROSS_ABOVE", "OP_CROSS_BELOW", "OP_NOT", "OP_AND",
    "OP_OR", "OP_OUT", "RULE_OUTPUTS",
]

(OP_SLOT, OP_CONST, OP_NEG, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE,
 OP_CROSS_ABOVE, OP_CROSS_BELOW, OP_NOT, OP_AND, OP_OR, OP_OUT) = range(19)
N_OPS = 19
#: Outputs of a strategy's program, in order.
RULE_OUTPUTS = ("long_entry", "long_exit", "short_entry", "short_exit")
_NAN = math.nan
# net stack effect of each op (pushes minus pops) and the operands it needs
_POPS = (0, 0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 2, 2, 1)
_PUSHES = (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0)


def check_program(code: Any, consts: Any, n_slots: Any, n_outputs: Any) -> tuple[tuple[int, ...], tuple[float, ...],
                                                                                   int, int, int, int]:
    """Validate a program: (code, consts, n_slots, n_outputs, crossings, max stack depth).

    Every op must be known, every argument in range, and the stack must never underflow and be
    empty at the end, so the compiled evaluator can run it unchecked.

    Raises
    ------
    ConfigError
        Naming the first bad instruction.
    """
    for name, v in (("n_slots", n_slots), ("n_outputs", n_outputs)):
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 1 << 20:
            raise ConfigError(f"{name} must be an int in [0, {1 << 20}], got {v!r}")
    try:
        flat = tuple(int(c) for c in code)
        cs = tuple(float(c) for c in consts)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError("a rule program is a sequence of int (op, arg) pairs and a sequence of float constants") from None
    if len(flat) % 2 or len(flat) > 1 << 24:
        raise ConfigError(f"a rule program is (op, arg) pairs, got {len(flat)} ints")
    depth = top = crossings = 0
    for pc in range(0, len(flat), 2):
        op, arg = flat[pc], flat[pc + 1]
        if not 0 <= op < N_OPS:
            raise ConfigError(f"rule program instruction {pc // 2}: unknown op {op}")
        limit = {OP_SLOT: n_slots, OP_CONST: len(cs), OP_OUT: n_outputs}.get(op)
        if op in (OP_CROSS_ABOVE, OP_CROSS_BELOW):
            limit = 1 << 20
            crossings = max(crossings, arg + 1)
        if (limit is None and arg != 0) or (limit is not None and not 0 <= arg < limit):
            raise ConfigError(f"rule program instruction {pc // 2}: argument {arg} out of range for op {op}")
        if top < _POPS[op]:
            raise ConfigError(f"rule program instruction {pc // 2}: op {op} needs {_POPS[op]} value(s), has {top}")
        top += _PUSHES[op] - _POPS[op]
        depth = max(depth, top)
    if top:
        raise ConfigError(f"rule program leaves {top} value(s) on the stack; end every rule with OP_OUT")
    return flat, cs, n_slots, n_outputs, crossings, depth


class RuleProgram:
    """A compiled rule program (see the module docstring for the format).

    Parameters
    ----------
    code : sequence of int
        ``(op, arg)`` pairs, flattened.
    consts : sequence of float
        The constants ``OP_CONST`` pushes.
    n_slots : int
        Number of path slots the program reads.
    n_outputs : int
        Number of truth values it produces (``OP_OUT`` arguments).

    Raises
    ------
    ConfigError
        A malformed program (unknown op, argument out of range, stack underflow or leftovers).
    """

    def __init__(self, code: Sequence[int], consts: Sequence[float], n_slots: int, n_outputs: int) -> None:
        (self._code, self._consts, self._n_slots, self._n_outputs, self._n_cross,
         self._depth) = check_program(code, consts, n_slots, n_outputs)
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
        """Forget the previous values of every crossing (the next run is a first bar)."""
        self._prev = [_NAN] * (2 * self._n_cross)

    def evaluate(self, values: Sequence[Any]) -> tuple[bool, ...]:
        """Run the program once on slot values (floats; None or NaN is missing); the outputs.

        Each call is one evaluation: crossings compare with the values of the previous call.

        Raises
        ------
        ConfigError
            ``values`` does not hold ``n_slots`` numbers.
        """
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
        code, consts, prev = self._code, self._consts, self._prev
        stack: list[float] = []
        push, pop = stack.append, stack.pop
        for pc in range(0, len(code), 2):
            op = code[pc]
            if op == OP_SLOT:
                push(slots[code[pc + 1]])
            elif op == OP_CONST:
                push(consts[code[pc + 1]])
            elif op == OP_NEG:
                stack[-1] = -stack[-1]
            elif op <= OP_DIV:
                b = pop()
                a = stack[-1]
                if op == OP_ADD:
                    stack[-1] = a + b
                elif op == OP_SUB:
                    stack[-1] = a - b
                elif op == OP_MUL:
                    stack[-1] = a * b
                else:
                    stack[-1] = _NAN if b == 0.0 else a / b
            elif op <= OP_NE:
                b = pop()
                a = stack[-1]
                if op == OP_LT:
                    r = a < b
                elif op == OP_LE:
                    r = a <= b
                elif op == OP_GT:
                    r = a > b
                elif op == OP_GE:
                    r = a >= b
                elif op == OP_EQ:
                    r = a == b
                else:
                    r = a == a and b == b and a != b
                stack[-1] = 1.0 if r else 0.0
            elif op <= OP_CROSS_BELOW:
                b = pop()
                a = stack[-1]
                c = 2 * code[pc + 1]
                pa, pb = prev[c], prev[c + 1]
                prev[c], prev[c + 1] = a, b
                if a != a or b != b or pa != pa or pb != pb:
                    r = False
                elif op == OP_CROSS_ABOVE:
                    r = a > b and pa <= pb
                else:
                    r = a < b and pa >= pb
                stack[-1] = 1.0 if r else 0.0
            elif op == OP_NOT:
                stack[-1] = 1.0 if stack[-1] == 0.0 else 0.0
            elif op == OP_AND:
                b = pop()
                stack[-1] = 1.0 if (stack[-1] != 0.0) & (b != 0.0) else 0.0
            elif op == OP_OR:
                b = pop()
                stack[-1] = 1.0 if (stack[-1] != 0.0) | (b != 0.0) else 0.0
            else:
                out[code[pc + 1]] = pop() != 0.0


class RuleStrategy(CythonStrategy):
    """Entry/exit rules compiled to one :class:`RuleProgram`, evaluated every bar.

    Decision per bar, with every rule evaluated on every bar: flat → LONG if ``long_entry`` else
    SHORT if ``short_entry``; long → SHORT (reverse) if ``short_entry`` else FLAT if ``long_exit``;
    short → LONG (reverse) if ``long_entry`` else FLAT if ``short_exit``. A rule that is not given
    is never true. The current position is read from ``exchange.side`` (1, -1, 0).

    Parameters
    ----------
    program : RuleProgram
        Four outputs, in :data:`RULE_OUTPUTS` order.
    paths : sequence of str
        The view path of each slot (compiled with ``view.compile`` in :meth:`prepare`).
    exchange : object
        Anything with ``side``; a compiled loop with the compiled exchange passes the side in C.

    Raises
    ------
    ConfigError
        ``program`` is not a RuleProgram with four outputs and one slot per path.
    """

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
        """Compile every path once (``view.compile``) and start the crossings afresh."""
        self._handles = [view.compile(p).get for p in self._paths]
        self._program.reset()

    def decide(self, side: int) -> int:
        """The signal for the outcomes of the last evaluation when holding ``side``."""
        le, lx, se, sx = self._out
        if side == 0:
            return 1 if le else (-1 if se else 0)
        if side > 0:
            return -1 if se else (2 if lx else 0)
        return 1 if le else (2 if sx else 0)

    def on_bar(self, view: Any) -> int:
        """Evaluate the rules at the view's bar and decide (the loop calls this per bar)."""
        if len(self._handles) != len(self._paths):
            raise ConfigError("RuleStrategy.prepare(view) must run before the first bar")
        self._out = [False] * len(RULE_OUTPUTS)
        self._program._run([_NAN if (v := get()) is None else v for get in self._handles], self._out)
        return self.decide(self._exchange.side)

    def __call__(self, view: Any) -> int:
        return self.on_bar(view)
