"""What both twins of the rule program share.

``btcore._core.rules`` and ``btcore._pure.rules`` import it; neither imports the other.

``DOCS``: the docstrings of their public classes, functions and methods (see
:mod:`btcore._shared.docs`).
"""

from __future__ import annotations

from typing import Any

from ..errors import ConfigError

#: The twins' public names; ``__all__`` are those written here, re-exported by both.
NAMES = [
    "RuleProgram", "RuleStrategy", "OP_NEG", "OP_ADD", "OP_SUB", "OP_MUL", "OP_DIV", "OP_LT", "OP_LE", "OP_GT",
    "OP_GE", "OP_EQ", "OP_NE", "OP_CROSS_ABOVE", "OP_CROSS_BELOW", "OP_NOT", "OP_AND", "OP_OR", "OP_OUT",
    "RULE_OUTPUTS", "check_program",
]
__all__ = [
    "OP_NEG", "OP_ADD", "OP_SUB", "OP_MUL", "OP_DIV", "OP_LT", "OP_LE", "OP_GT", "OP_GE", "OP_EQ", "OP_NE",
    "OP_CROSS_ABOVE", "OP_CROSS_BELOW", "OP_NOT", "OP_AND", "OP_OR", "OP_OUT", "RULE_OUTPUTS", "check_program",
]

(OP_NEG, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE, OP_CROSS_ABOVE, OP_CROSS_BELOW,
 OP_NOT, OP_AND, OP_OR, OP_OUT) = range(17)


N_OPS = 17
#: Outputs of a strategy's program, in order.
RULE_OUTPUTS = ("long_entry", "long_exit", "short_entry", "short_exit")
_UNARY = (OP_NEG, OP_NOT, OP_OUT)
_MAX = 1 << 24


def check_program(code: Any, consts: Any, n_slots: Any, n_outputs: Any) -> tuple[tuple[int, ...], tuple[float, ...],
                                                                                   int, int, int]:
    """Validate a program: (code, consts, n_slots, n_outputs, number of registers).

    Every op must be known and every register and output index in range (an instruction never
    writes a slot or a constant), so the compiled evaluator can run it unchecked.

    Raises
    ------
    ConfigError
        Naming the first bad instruction.
    """
    for name, v in (("n_slots", n_slots), ("n_outputs", n_outputs)):
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= _MAX:
            raise ConfigError(f"{name} must be an int in [0, {_MAX}], got {v!r}")
    try:
        flat = tuple(int(c) for c in code)
        cs = tuple(float(c) for c in consts)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError("a rule program is a sequence of int (op, dst, a, b) instructions and a sequence of "
                          "float constants") from None
    if len(flat) % 4 or len(flat) > _MAX:
        raise ConfigError(f"a rule program is (op, dst, a, b) instructions, got {len(flat)} ints")
    first_temp = n_slots + len(cs)
    n_regs = max([first_temp] + [flat[pc + 1] + 1 for pc in range(0, len(flat), 4) if flat[pc] != OP_OUT])
    if n_regs > _MAX:
        raise ConfigError(f"a rule program may use at most {_MAX} registers, got {n_regs}")
    for pc in range(0, len(flat), 4):
        op, dst, a, b = flat[pc:pc + 4]
        where = f"rule program instruction {pc // 4}"
        if not 0 <= op < N_OPS:
            raise ConfigError(f"{where}: unknown op {op}")
        if op == OP_OUT:
            if not 0 <= dst < n_outputs:
                raise ConfigError(f"{where}: output {dst} out of range [0, {n_outputs})")
        elif not first_temp <= dst < n_regs:
            raise ConfigError(f"{where}: destination register {dst} out of range [{first_temp}, {n_regs})")
        if not 0 <= a < n_regs or not 0 <= b < n_regs or (op in _UNARY and b != 0):
            raise ConfigError(f"{where}: operand register out of range [0, {n_regs}) (a={a}, b={b})")
    return flat, cs, n_slots, n_outputs, n_regs


DOCS = {
    "RuleProgram": """A compiled rule program (see the module docstring for the format).

Parameters
----------
code : sequence of int
    ``(op, dst, a, b)`` instructions, flattened.
consts : sequence of float
    The constants (registers ``n_slots`` onwards).
n_slots : int
    Number of path slots the program reads (registers ``0 .. n_slots - 1``).
n_outputs : int
    Number of truth values it produces (``OP_OUT`` destinations).

Raises
------
ConfigError
    A malformed program (unknown op, a register or an output out of range).
""",
    "RuleProgram.reset": """Forget the previous values of every crossing (the next run is a first bar).""",
    "RuleProgram.evaluate": """Run the program once on slot values (floats; None or NaN is missing); the outputs.

Each call is one evaluation: crossings compare with the values of the previous call.

Raises
------
ConfigError
    ``values`` does not hold ``n_slots`` numbers.
""",
    "RuleStrategy": """Entry/exit rules compiled to one :class:`RuleProgram`, evaluated every bar.

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
""",
    "RuleStrategy.prepare": """Compile every path once (``view.compile``) and start the crossings afresh.""",
    "RuleStrategy.decide": """The signal for the outcomes of the last evaluation when holding ``side``.""",
    "RuleStrategy.on_bar": """Evaluate the rules at the view's bar and decide (the loop calls this per bar).""",
}
