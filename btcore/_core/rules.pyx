"""Compiled rules: a flat program evaluated per bar (compiled twin of ``btcore._pure.rules``).

The program format, the validation (:func:`btcore._pure.rules.check_program`) and the opcode
numbers are the pure module's. Here the program is copied into C arrays once; a run is a loop
over the instructions on a preallocated stack of doubles, without the GIL, allocating nothing.
:meth:`RuleStrategy.c_decide` reads the slots through the view's C readers, runs the program and
decides: that is all the rules cost per bar in the fused loop of ``btcore._core.exchange``.
"""

from libc.math cimport NAN, isnan
from libc.stdlib cimport calloc, free, malloc

from btcore._core._typedefs cimport float64_t, intp_t
from btcore._core.loop cimport CythonStrategy
from btcore._core.view cimport PathHandle, RuntimeSnapshotView, _Spec

from btcore import _viewspec as vs
from btcore.errors import ConfigError
from btcore._pure.rules import (
    N_OPS,
    OP_ADD,
    OP_AND,
    OP_CONST,
    OP_CROSS_ABOVE,
    OP_CROSS_BELOW,
    OP_DIV,
    OP_EQ,
    OP_GE,
    OP_GT,
    OP_LE,
    OP_LT,
    OP_MUL,
    OP_NE,
    OP_NEG,
    OP_NOT,
    OP_OR,
    OP_OUT,
    OP_SLOT,
    OP_SUB,
    RULE_OUTPUTS,
    check_program,
)

__all__ = [
    "RuleProgram", "RuleStrategy", "OP_SLOT", "OP_CONST", "OP_NEG", "OP_ADD", "OP_SUB", "OP_MUL", "OP_DIV",
    "OP_LT", "OP_LE", "OP_GT", "OP_GE", "OP_EQ", "OP_NE", "OP_CROSS_ABOVE", "OP_CROSS_BELOW", "OP_NOT", "OP_AND",
    "OP_OR", "OP_OUT", "RULE_OUTPUTS",
]

cdef enum:
    C_SLOT = 0
    C_CONST = 1
    C_NEG = 2
    C_ADD = 3
    C_SUB = 4
    C_MUL = 5
    C_DIV = 6
    C_LT = 7
    C_LE = 8
    C_GT = 9
    C_GE = 10
    C_EQ = 11
    C_NE = 12
    C_CROSS_ABOVE = 13
    C_CROSS_BELOW = 14
    C_NOT = 15
    C_AND = 16
    C_OR = 17
    C_OUT = 18
    K_SERIES = 0
    K_MARK = 1
    K_ROLLUP = 2
    K_STRUCT = 3

if (OP_SLOT, OP_CONST, OP_NEG, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE,
        OP_CROSS_ABOVE, OP_CROSS_BELOW, OP_NOT, OP_AND, OP_OR, OP_OUT, N_OPS) != tuple(range(20)):
    raise ImportError("btcore._core.rules is out of date with btcore._pure.rules; rebuild the extension")
if (vs.SERIES, vs.MARK, vs.ROLLUP, vs.STRUCT) != (K_SERIES, K_MARK, K_ROLLUP, K_STRUCT):
    raise ImportError("btcore._core.rules is out of date with btcore._viewspec; rebuild the extension")


cdef class RuleProgram:
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

    def __cinit__(self):
        self._code = NULL
        self._consts = NULL
        self._prev = NULL
        self._stack = NULL
        self._out = NULL
        self._n_code = self._n_slots = self._n_outputs = self._n_cross = 0

    def __dealloc__(self):
        self._release()

    cdef void _release(self) noexcept:
        free(self._code)
        free(self._consts)
        free(self._prev)
        free(self._stack)
        free(self._out)
        self._code = NULL
        self._consts = NULL
        self._prev = NULL
        self._stack = NULL
        self._out = NULL
        self._n_code = self._n_slots = self._n_outputs = self._n_cross = 0

    def __init__(self, code, consts, n_slots, n_outputs):
        cdef intp_t k
        flat, cs, ns, no, nc, depth = check_program(code, consts, n_slots, n_outputs)
        # allocate everything before touching the current program (validate, then commit)
        new_code = <int*>malloc((len(flat) + 2) * sizeof(int))
        new_consts = <double*>malloc((len(cs) + 1) * sizeof(double))
        new_prev = <double*>malloc((2 * nc + 2) * sizeof(double))
        new_stack = <double*>malloc((depth + 1) * sizeof(double))
        new_out = <bint*>calloc(no + 1, sizeof(bint))
        if not (new_code and new_consts and new_prev and new_stack and new_out):
            free(new_code)
            free(new_consts)
            free(new_prev)
            free(new_stack)
            free(new_out)
            raise MemoryError("cannot allocate the rule program")
        for k in range(len(flat)):
            new_code[k] = flat[k]
        for k in range(len(cs)):
            new_consts[k] = cs[k]
        self._release()
        self._code, self._consts, self._prev, self._stack, self._out = new_code, new_consts, new_prev, new_stack, new_out
        self._n_code = len(flat) // 2
        self._n_slots, self._n_outputs, self._n_cross = ns, no, nc
        self.c_reset()

    @property
    def n_slots(self):
        """Number of path slots the program reads."""
        return self._n_slots

    @property
    def n_outputs(self):
        """Number of truth values it produces."""
        return self._n_outputs

    def reset(self):
        """Forget the previous values of every crossing (the next run is a first bar)."""
        self.c_reset()

    cdef void c_reset(self) noexcept nogil:
        cdef intp_t k
        for k in range(2 * self._n_cross):
            self._prev[k] = NAN

    def evaluate(self, values):
        """Run the program once on slot values (floats; None or NaN is missing); the outputs.

        Each call is one evaluation: crossings compare with the values of the previous call.

        Raises
        ------
        ConfigError
            ``values`` does not hold ``n_slots`` numbers.
        """
        cdef intp_t k
        cdef double* slots
        if self._code == NULL:
            raise ConfigError("RuleProgram.__init__ was not called")
        if len(values) != self._n_slots:
            raise ConfigError(f"the program reads {self._n_slots} slot value(s), got {len(values)}")
        try:
            floats = [NAN if v is None else float(v) for v in values]
        except (TypeError, ValueError):
            raise ConfigError(f"slot values must be numbers or None, got {list(values)!r:.80}") from None
        slots = <double*>malloc((self._n_slots + 1) * sizeof(double))
        if slots == NULL:
            raise MemoryError()
        for k in range(self._n_slots):
            slots[k] = floats[k]
        self.c_run(slots)
        free(slots)
        return tuple(bool(self._out[k]) for k in range(self._n_outputs))

    cdef void c_run(self, const double* slots) noexcept nogil:
        # Unchecked: check_program proved every argument in range and the stack depth.
        cdef:
            const int* code = self._code
            double* st = self._stack
            double* prev = self._prev
            intp_t pc, top = -1, c
            int op, arg
            double a, b, pa, pb
            bint r
        for pc in range(self._n_code):
            op = code[2 * pc]
            arg = code[2 * pc + 1]
            if op == C_SLOT:
                top += 1
                st[top] = slots[arg]
            elif op == C_CONST:
                top += 1
                st[top] = self._consts[arg]
            elif op == C_NEG:
                st[top] = -st[top]
            elif op == C_OUT:
                self._out[arg] = st[top] != 0.0
                top -= 1
            elif op == C_NOT:
                st[top] = 1.0 if st[top] == 0.0 else 0.0
            else:
                b = st[top]
                top -= 1
                a = st[top]
                if op == C_ADD:
                    st[top] = a + b
                elif op == C_SUB:
                    st[top] = a - b
                elif op == C_MUL:
                    st[top] = a * b
                elif op == C_DIV:
                    st[top] = NAN if b == 0.0 else a / b
                elif op == C_AND:
                    st[top] = 1.0 if (a != 0.0 and b != 0.0) else 0.0
                elif op == C_OR:
                    st[top] = 1.0 if (a != 0.0 or b != 0.0) else 0.0
                elif op == C_CROSS_ABOVE or op == C_CROSS_BELOW:
                    c = 2 * arg
                    pa = prev[c]
                    pb = prev[c + 1]
                    prev[c] = a
                    prev[c + 1] = b
                    if isnan(a) or isnan(b) or isnan(pa) or isnan(pb):
                        r = False
                    elif op == C_CROSS_ABOVE:
                        r = a > b and pa <= pb
                    else:
                        r = a < b and pa >= pb
                    st[top] = 1.0 if r else 0.0
                else:
                    if op == C_LT:
                        r = a < b
                    elif op == C_LE:
                        r = a <= b
                    elif op == C_GT:
                        r = a > b
                    elif op == C_GE:
                        r = a >= b
                    elif op == C_EQ:
                        r = a == b
                    else:  # != is false for a missing operand (C's NaN != x is true)
                        r = a == a and b == b and a != b
                    st[top] = 1.0 if r else 0.0


cdef inline double _slot(RuntimeSnapshotView view, const SlotSpec* s) noexcept nogil:
    if s.kind == K_SERIES:
        return view._series(s.role, s.src)
    if s.kind == K_MARK:
        return view.mark_price
    if s.kind == K_ROLLUP:
        return view.c_rollup(<int>s.src)
    if s.kind == K_STRUCT and s.ptr != NULL:
        return s.ptr[view._idx[0]]
    return NAN


cdef class RuleStrategy(CythonStrategy):
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

    def __cinit__(self):
        self._slots = NULL
        self._values = NULL
        self._n_slots = 0

    def __dealloc__(self):
        free(self._slots)
        free(self._values)

    def __init__(self, program, paths, exchange):
        if not isinstance(program, RuleProgram) or (<RuleProgram>program)._n_outputs != len(RULE_OUTPUTS):
            raise ConfigError(f"program must be a RuleProgram with {len(RULE_OUTPUTS)} outputs, got {program!r}")
        paths = tuple(paths)
        if len(paths) != (<RuleProgram>program)._n_slots or not all(isinstance(p, str) for p in paths):
            raise ConfigError(f"paths must be {(<RuleProgram>program)._n_slots} path string(s), one per slot, "
                              f"got {paths!r:.80}")
        new_slots = <SlotSpec*>calloc(len(paths) + 1, sizeof(SlotSpec))
        new_values = <double*>calloc(len(paths) + 1, sizeof(double))
        if new_slots == NULL or new_values == NULL:
            free(new_slots)
            free(new_values)
            raise MemoryError("cannot allocate the rule slots")
        free(self._slots)
        free(self._values)
        self._slots, self._values = new_slots, new_values
        self._n_slots = len(paths)
        self._program = <RuleProgram>program
        self._paths = paths
        self._exchange = exchange
        self._view = None
        self._keep = []

    @property
    def paths(self):
        """The view path of each slot."""
        return self._paths

    @property
    def program(self):
        """The compiled program."""
        return self._program

    def prepare(self, view):
        """Compile every path once (``view.compile``) and start the crossings afresh."""
        cdef RuntimeSnapshotView v = view
        cdef PathHandle h
        cdef _Spec spec
        cdef intp_t k
        if self._program is None:
            raise ConfigError("RuleStrategy.__init__ was not called")
        specs = [(<PathHandle>v.compile(p))._spec for p in self._paths]  # PathError before any change
        for k in range(self._n_slots):
            spec = specs[k]
            self._slots[k].kind = spec.kind
            self._slots[k].role = spec.role
            self._slots[k].src = spec.src
            self._slots[k].ptr = spec.ptr
        self._keep = specs
        self._view = v
        self._program.c_reset()

    def decide(self, side):
        """The signal for the outcomes of the last evaluation when holding ``side``."""
        if self._program is None:
            raise ConfigError("RuleStrategy.__init__ was not called")
        return _decision(self._program._out, side)

    def on_bar(self, view):
        """Evaluate the rules at the view's bar and decide (the loop calls this per bar)."""
        return self.c_on_bar(view)

    cdef int c_on_bar(self, RuntimeSnapshotView view) except? -128:
        if self._view is None or view is not self._view:
            raise ConfigError("RuleStrategy.prepare(view) must run before the first bar, with the loop's view")
        return self.c_decide(view, <int>self._exchange.side)

    cdef int c_decide(self, RuntimeSnapshotView view, int side) noexcept nogil:
        # The caller promises view is self._view (the slots were resolved on its feed set).
        cdef intp_t k
        for k in range(self._n_slots):
            self._values[k] = _slot(view, &self._slots[k])
        self._program.c_run(self._values)
        return _decision(self._program._out, side)


cdef inline int _decision(const bint* out, int side) noexcept nogil:
    if side == 0:
        return 1 if out[0] else (-1 if out[2] else 0)
    if side > 0:
        return -1 if out[2] else (2 if out[1] else 0)
    return 1 if out[0] else (2 if out[3] else 0)
