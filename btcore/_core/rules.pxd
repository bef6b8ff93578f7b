# Rules compiled to a flat postfix program (see btcore._pure.rules for the format) and the rule
# strategy that runs it per bar. The fused loop of btcore._core.exchange cimports this and calls
# RuleStrategy.c_decide without the GIL.
from btcore._core._typedefs cimport float64_t, intp_t
from btcore._core.loop cimport CythonStrategy
from btcore._core.view cimport RuntimeSnapshotView

cdef struct SlotSpec:
    int kind                   # btcore._viewspec kind: SERIES / MARK / ROLLUP / STRUCT / ABSENT
    int role                   # SERIES: ROLE_*
    intp_t src                 # SERIES: 0..4 OHLCV, 5 + j indicator row j; ROLLUP: field
    const float64_t* ptr       # STRUCT: the structure array (exec length), kept alive by _keep

cdef class RuleProgram:
    cdef int* _code            # (op, arg) pairs, validated at construction (NULL before)
    cdef intp_t _n_code        # number of instructions
    cdef double* _consts       # OP_CONST values
    cdef double* _prev         # 2 per crossing: the previous (a, b), NaN before the first run
    cdef double* _stack        # the evaluation stack, max depth of the program
    cdef intp_t _n_slots       # slots the program reads
    cdef intp_t _n_outputs     # truth values it writes
    cdef intp_t _n_cross       # crossings
    cdef bint* _out            # outputs of the last run

    cdef void _release(self) noexcept
    cdef void c_reset(self) noexcept nogil
    cdef void c_run(self, const double* slots) noexcept nogil

cdef class RuleStrategy(CythonStrategy):
    cdef RuleProgram _program  # four outputs: long_entry, long_exit, short_entry, short_exit
    cdef tuple _paths          # the view path of each slot
    cdef object _exchange      # read for .side outside the fused loop
    cdef RuntimeSnapshotView _view  # the view prepare() resolved the slots on (None before)
    cdef list _keep            # the path specs behind the slot pointers
    cdef SlotSpec* _slots      # one per path, valid once _view is set
    cdef double* _values       # slot values of the current bar
    cdef intp_t _n_slots       # number of slots

    cdef int c_decide(self, RuntimeSnapshotView view, int side) noexcept nogil
