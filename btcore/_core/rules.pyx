"""Compiled rules: a flat program evaluated per bar (compiled twin of ``btcore._pure.rules``).

The program format is described in ``btcore._pure.rules``; the validation
(:func:`btcore._shared.rules.check_program`) and the opcode numbers are written once in
``btcore._shared.rules``. Here the program is copied into C arrays once; a run is one pass
over the instructions on a preallocated register file of doubles, without the GIL, allocating
nothing. Slots are read with the view's inline C readers (an indicator is ``c_ind``).
:meth:`RuleStrategy.c_decide` reads the slots through the view's C readers, runs the program and
decides: that is all the rules cost per bar in the fused loop of ``btcore._core.exchange``.
"""

cimport cython
from libc.math cimport NAN, isnan
from libc.stdlib cimport calloc, free, malloc

from btcore._core._typedefs cimport float64_t, intp_t
from btcore._core.loop cimport CythonStrategy
from btcore._core.view cimport PathHandle, ResolvedPath, RuntimeSnapshotView

from btcore._shared import constants as vs
from btcore.errors import ConfigError
from btcore._shared.docs import attach, signed
# The opcodes, RULE_OUTPUTS and check_program are this module's API too (written once there).
from btcore._shared.rules import *  # noqa: F401,F403
from btcore._shared.rules import DOCS, N_OPS, NAMES

__all__ = list(NAMES)

cdef enum:
    C_NEG = 0
    C_ADD = 1
    C_SUB = 2
    C_MUL = 3
    C_DIV = 4
    C_LT = 5
    C_LE = 6
    C_GT = 7
    C_GE = 8
    C_EQ = 9
    C_NE = 10
    C_CROSS_ABOVE = 11
    C_CROSS_BELOW = 12
    C_NOT = 13
    C_AND = 14
    C_OR = 15
    C_OUT = 16
    # how a slot is read (from the path's resolved kind, btcore._shared.paths)
    S_ABSENT = 0
    S_IND = 1       # indicator row src of role: c_ind
    S_SERIES = 2    # OHLCV field src of role
    S_MARK = 3
    S_ROLLUP = 4
    S_STRUCT = 5

if (OP_NEG, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE, OP_CROSS_ABOVE,
        OP_CROSS_BELOW, OP_NOT, OP_AND, OP_OR, OP_OUT, N_OPS) != tuple(range(18)):
    raise ImportError("btcore._core.rules is out of date with btcore._shared.rules; rebuild the extension")
_SLOT_KIND = {vs.SERIES: S_SERIES, vs.MARK: S_MARK, vs.ROLLUP: S_ROLLUP, vs.STRUCT: S_STRUCT, vs.ABSENT: S_ABSENT}


@cython.embedsignature(False)  # the signed shared docstring carries the signature
cdef class RuleProgram:
    __doc__ = signed("RuleProgram(code, consts, n_slots, n_outputs)", DOCS["RuleProgram"])

    def __cinit__(self):
        self._code = NULL
        self._regs = NULL
        self._prev = NULL
        self._out = NULL
        self._n_code = self._n_regs = self._n_consts = self._n_slots = self._n_outputs = 0

    def __dealloc__(self):
        self._release()

    cdef void _release(self) noexcept:
        free(self._code)
        free(self._regs)
        free(self._prev)
        free(self._out)
        self._code = NULL
        self._regs = NULL
        self._prev = NULL
        self._out = NULL
        self._n_code = self._n_regs = self._n_consts = self._n_slots = self._n_outputs = 0

    def __init__(self, code, consts, n_slots, n_outputs):
        cdef intp_t k, n_code
        flat, cs, ns, no, n_regs = check_program(code, consts, n_slots, n_outputs)
        n_code = len(flat) // 4
        # allocate everything before touching the current program (validate, then commit)
        new_code = <Instr*>malloc((n_code + 1) * sizeof(Instr))
        new_regs = <double*>malloc((n_regs + 1) * sizeof(double))
        new_prev = <double*>malloc((2 * n_code + 2) * sizeof(double))
        new_out = <bint*>calloc(no + 1, sizeof(bint))
        if not (new_code and new_regs and new_prev and new_out):
            free(new_code)
            free(new_regs)
            free(new_prev)
            free(new_out)
            raise MemoryError("cannot allocate the rule program")
        for k in range(n_code):
            new_code[k].op = flat[4 * k]
            new_code[k].dst = flat[4 * k + 1]
            new_code[k].a = flat[4 * k + 2]
            new_code[k].b = flat[4 * k + 3]
        for k in range(n_regs):
            new_regs[k] = NAN
        for k in range(len(cs)):
            new_regs[ns + k] = cs[k]
        self._release()
        self._code, self._regs, self._prev, self._out = new_code, new_regs, new_prev, new_out
        self._n_code, self._n_regs, self._n_consts = n_code, n_regs, len(cs)
        self._n_slots, self._n_outputs = ns, no
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
        self.c_reset()

    cdef void c_reset(self) noexcept nogil:
        cdef intp_t k
        for k in range(2 * self._n_code):
            self._prev[k] = NAN

    def evaluate(self, values):
        cdef intp_t k
        if self._code == NULL:
            raise ConfigError("RuleProgram.__init__ was not called")
        if len(values) != self._n_slots:
            raise ConfigError(f"the program reads {self._n_slots} slot value(s), got {len(values)}")
        try:
            floats = [NAN if v is None else float(v) for v in values]
        except (TypeError, ValueError):
            raise ConfigError(f"slot values must be numbers or None, got {list(values)!r:.80}") from None
        for k in range(self._n_slots):
            self._regs[k] = floats[k]
        self.c_run()
        return tuple(bool(self._out[k]) for k in range(self._n_outputs))

    cdef void c_run(self) noexcept nogil:
        # Unchecked: check_program proved every register and output index in range.
        cdef:
            const Instr* ins
            double* r = self._regs
            double* prev = self._prev
            bint* out = self._out
            intp_t pc
            int op
            double a, b, pa, pb
            bint t
        for pc in range(self._n_code):
            ins = &self._code[pc]
            op = ins.op
            a = r[ins.a]
            b = r[ins.b]  # register 0 for unary ops: always a valid read
            # one if/elif chain on op: the C compiler gets one switch
            if op == C_ADD:
                r[ins.dst] = a + b
            elif op == C_SUB:
                r[ins.dst] = a - b
            elif op == C_MUL:
                r[ins.dst] = a * b
            elif op == C_DIV:
                r[ins.dst] = NAN if b == 0.0 else a / b
            elif op == C_LT:
                r[ins.dst] = 1.0 if a < b else 0.0
            elif op == C_LE:
                r[ins.dst] = 1.0 if a <= b else 0.0
            elif op == C_GT:
                r[ins.dst] = 1.0 if a > b else 0.0
            elif op == C_GE:
                r[ins.dst] = 1.0 if a >= b else 0.0
            elif op == C_EQ:
                r[ins.dst] = 1.0 if a == b else 0.0
            elif op == C_NE:  # false for a missing operand (C's NaN != x is true)
                r[ins.dst] = 1.0 if (a == a and b == b and a != b) else 0.0
            elif op == C_AND:
                r[ins.dst] = 1.0 if (a != 0.0 and b != 0.0) else 0.0
            elif op == C_OR:
                r[ins.dst] = 1.0 if (a != 0.0 or b != 0.0) else 0.0
            elif op == C_NOT:
                r[ins.dst] = 1.0 if a == 0.0 else 0.0
            elif op == C_NEG:
                r[ins.dst] = -a
            elif op == C_OUT:
                out[ins.dst] = a != 0.0
            else:  # a crossing
                pa = prev[2 * pc]
                pb = prev[2 * pc + 1]
                prev[2 * pc] = a
                prev[2 * pc + 1] = b
                if isnan(a) or isnan(b) or isnan(pa) or isnan(pb):
                    t = False
                elif op == C_CROSS_ABOVE:
                    t = a > b and pa <= pb
                else:
                    t = a < b and pa >= pb
                r[ins.dst] = 1.0 if t else 0.0


cdef inline double _slot(RuntimeSnapshotView view, const SlotSpec* s) noexcept nogil:
    if s.kind == S_IND:
        return view.c_ind(s.role, s.src)
    if s.kind == S_MARK:
        return view.mark_price
    if s.kind == S_ROLLUP:
        return view.c_rollup(<int>s.src)
    if s.kind == S_SERIES:
        return view._series(s.role, s.src)
    if s.kind == S_STRUCT and s.ptr != NULL:
        return s.ptr[view._idx[0]]
    return NAN


@cython.embedsignature(False)  # the signed shared docstring carries the signature
cdef class RuleStrategy(CythonStrategy):
    __doc__ = signed("RuleStrategy(program, paths, exchange)", DOCS["RuleStrategy"])

    def __cinit__(self):
        self._slots = NULL
        self._n_slots = 0

    def __dealloc__(self):
        free(self._slots)

    def __init__(self, program, paths, exchange):
        if not isinstance(program, RuleProgram) or (<RuleProgram>program)._n_outputs != len(RULE_OUTPUTS):
            raise ConfigError(f"program must be a RuleProgram with {len(RULE_OUTPUTS)} outputs, got {program!r}")
        paths = tuple(paths)
        if len(paths) != (<RuleProgram>program)._n_slots or not all(isinstance(p, str) for p in paths):
            raise ConfigError(f"paths must be {(<RuleProgram>program)._n_slots} path string(s), one per slot, "
                              f"got {paths!r:.80}")
        new_slots = <SlotSpec*>calloc(len(paths) + 1, sizeof(SlotSpec))
        if new_slots == NULL:
            raise MemoryError("cannot allocate the rule slots")
        free(self._slots)
        self._slots = new_slots
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
        cdef RuntimeSnapshotView v = view
        cdef PathHandle h
        cdef ResolvedPath spec
        cdef intp_t k
        if self._program is None:
            raise ConfigError("RuleStrategy.__init__ was not called")
        specs = [(<PathHandle>v.compile(p))._spec for p in self._paths]  # PathError before any change
        for k in range(self._n_slots):
            spec = specs[k]
            self._slots[k].kind = _SLOT_KIND.get(spec.kind, S_ABSENT)
            self._slots[k].role = spec.role
            self._slots[k].src = spec.src
            self._slots[k].ptr = spec.ptr
            if spec.kind == vs.SERIES and spec.src >= 5:  # an indicator row: the inline c_ind
                self._slots[k].kind = S_IND
                self._slots[k].src = spec.src - 5
        self._keep = specs
        self._view = v
        self._program.c_reset()

    def decide(self, side):
        if self._program is None:
            raise ConfigError("RuleStrategy.__init__ was not called")
        return _decision(self._program._out, side)

    def on_bar(self, view):
        return self.c_on_bar(view)

    cdef int c_on_bar(self, RuntimeSnapshotView view) except? -128:
        if self._view is None or view is not self._view:
            raise ConfigError("RuleStrategy.prepare(view) must run before the first bar, with the loop's view")
        return self.c_decide(view, <int>self._exchange.side)

    cdef int c_decide(self, RuntimeSnapshotView view, int side) noexcept nogil:
        # The caller promises view is self._view (the slots were resolved on its feed set).
        cdef intp_t k
        cdef double* regs = self._program._regs
        for k in range(self._n_slots):
            regs[k] = _slot(view, &self._slots[k])
        self._program.c_run()
        return _decision(self._program._out, side)


cdef inline int _decision(const bint* out, int side) noexcept nogil:
    if side == 0:
        return 1 if out[0] else (-1 if out[2] else 0)
    if side > 0:
        return -1 if out[2] else (2 if out[1] else 0)
    return 1 if out[0] else (2 if out[3] else 0)


attach(globals(), DOCS)
