# The bar loop and the base class of compiled strategies. A Cython strategy does
#     from btcore._core.loop cimport CythonStrategy, SIG_LONG, SIG_SHORT, SIG_NONE
#     from btcore._core.view cimport RuntimeSnapshotView
#     cdef class MyStrategy(CythonStrategy):
#         cdef int c_on_bar(self, RuntimeSnapshotView view) except? -128: ...
# and the loop calls c_on_bar directly (a C call, no Python objects).
from btcore._core._typedefs cimport float64_t, intp_t, int64_t, int8_t
from btcore._core.view cimport RuntimeSnapshotView

cdef enum:
    SIG_NONE = 0     # no signal
    SIG_LONG = 1     # enter long
    SIG_SHORT = -1   # enter short
    SIG_FLAT = 2     # exit

cdef class CythonStrategy:
    # Signal code (SIG_*) at the view's bar; the default calls the Python on_bar(view).
    cdef int c_on_bar(self, RuntimeSnapshotView view) except? -128

cimport cython

@cython.final
cdef class BarLoop:
    cdef object _feeds                    # MultiTFFeedStore of the run (with the quote feed it runs on)
    cdef object _alignment                # btcore.align.Alignment (owns the index arrays below)
    cdef object _history_config           # HistoryConfig
    cdef object _initial_exchange         # view.exchange at the start of every run
    cdef RuntimeSnapshotView _view        # the one view moved from bar to bar; None until __init__ ran
    cdef const int64_t[::1] _htf          # HTF index per exec bar (-1 = not ready)
    cdef const int64_t[::1] _mtf          # MTF index per exec bar (-1 = not ready)
    cdef const int64_t[::1] _m1_last      # last closed 1m row per exec bar (-1 = none)
    cdef const float64_t[::1] _close      # exec close, the default mark price
    cdef intp_t _start                    # first exec bar of the run
    cdef intp_t _end                      # one past the last exec bar
    cdef intp_t _history_start            # first exec bar with full history windows
    cdef intp_t _n                        # exec bars (rows of every array above)

    cdef int _check(self) except -1       # NotInitializedError until __init__ ran

    # Unchecked: 0 <= i < n_exec is the caller's promise (every entry point ranges i itself).
    cdef inline void _c_move(self, intp_t i) noexcept
    cdef int _run_cython(self, CythonStrategy strategy, int8_t[::1] out, intp_t lo, intp_t hi) except -1
    cdef int _run_python(self, object strategy, int8_t[::1] out, intp_t lo, intp_t hi) except -1
    cdef int _run_observed(self, object strategy, CythonStrategy typed, int8_t[::1] out,
                           object ex_hooks, object tracker_hooks, object on_snapshot) except -1
