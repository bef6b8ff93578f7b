# Drives a compiled StateTracker through its cpdef hooks as C calls (what a Cython loop does).
# Built on the fly by bench_tracker.py against the btcore being measured.
from btcore._core._typedefs cimport int64_t
from btcore._core.tracker cimport StateTracker


def drive(StateTracker t, int64_t start, int64_t n, int64_t period):
    """Bars ``start .. start+n-1`` with the same event pattern as bench_tracker.py's Python driver."""
    cdef int64_t i, k
    for i in range(start, start + n):
        k = i % period
        t.on_bar_start(i)
        t.on_warmup_check(True, 0)
        t.on_history_check(True, i)
        t.on_position_check(1 if 3 <= k < 20 else 0, 0.0)
        t.on_signal_evaluated(1 if k == 2 else (-1 if k == 30 else 0))
        if k == 2 or k == 30:
            t.on_sizing_computed(100.0)
            t.on_order_submitted()
        if k == 3 or k == 30:
            t.on_order_filled()
        t.on_bar_end()
