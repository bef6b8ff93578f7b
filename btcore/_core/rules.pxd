# Rules compiled to register code (see btcore._pure.rules for the format; the opcodes are btcore._shared.rules) and the rule strategy
# that runs it per bar. The fused loop of btcore._core.exchange cimports this and calls
# RuleStrategy.c_decide without the GIL.
from btcore._core._typedefs cimport float64_t, intp_t
from btcore._core.loop cimport CythonStrategy
from btcore._core.view cimport RuntimeSnapshotView

cdef struct Instr:
    int op                     # OP_* of btcore._shared.rules
    int dst                    # register written (OP_OUT: the output)
    int a                      # first operand register
    int b                      # second operand register (0 for unary ops)

cdef struct SlotSpec:
    int kind                   # S_* of rules.pyx: how the slot is read from the view
    int role                   # ROLE_* of the series
    intp_t src                 # indicator row, OHLCV field or rollup field
    const float64_t* ptr       # STRUCT: the structure array (exec length), kept alive by _keep

cdef class RuleProgram:
    cdef Instr* _code          # instructions, validated at construction (NULL before)
    cdef intp_t _n_code        # number of instructions
    cdef double* _regs         # slots, then constants, then temporaries
    cdef intp_t _n_regs        # registers
    cdef intp_t _n_consts      # constants (registers n_slots ..)
    cdef double* _prev         # 2 per instruction: a crossing's previous (a, b), NaN at first
    cdef intp_t _n_slots       # slots the program reads (registers 0 ..)
    cdef intp_t _n_outputs     # truth values it writes
    cdef bint* _out            # outputs of the last run

    cdef void _release(self) noexcept
    cdef void c_reset(self) noexcept nogil
    cdef void c_run(self) noexcept nogil    # on the slot values already in _regs

cdef class RuleStrategy(CythonStrategy):
    cdef RuleProgram _program  # four outputs: long_entry, long_exit, short_entry, short_exit
    cdef tuple _paths          # the view path of each slot
    cdef object _exchange      # read for .side outside the fused loop
    cdef RuntimeSnapshotView _view  # the view prepare() resolved the slots on (None before)
    cdef list _keep            # the path specs behind the slot pointers
    cdef SlotSpec* _slots      # one per path, valid once _view is set
    cdef intp_t _n_slots       # number of slots

    cdef int c_decide(self, RuntimeSnapshotView view, int side) noexcept nogil
