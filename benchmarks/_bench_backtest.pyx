# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Compiled side of benchmarks/bench_backtest.py (built by that script with cythonize at run time).

``EmaCross`` is the benchmark's long-only EMA 20/50 cross as a btcore Cython strategy: LONG when
the fast EMA crosses above the slow one, FLAT when it crosses below, nothing while a value is
missing (NaN) or on the first bar. It cimports btcore's .pxd files and reads the view in C.
"""

from libc.math cimport NAN, isnan

from btcore._core._typedefs cimport intp_t
from btcore._core.loop cimport SIG_FLAT, SIG_LONG, SIG_NONE, CythonStrategy
from btcore._core.view cimport ROLE_EXEC, RuntimeSnapshotView


cdef class EmaCross(CythonStrategy):
    """Long-only EMA cross read through the view's C API."""

    cdef intp_t fast, slow
    cdef double prev_fast, prev_slow

    def prepare(self, view):
        self.fast = view.indicator_col("ema_fast")
        self.slow = view.indicator_col("ema_slow")
        self.prev_fast = self.prev_slow = NAN

    cdef int c_on_bar(self, RuntimeSnapshotView view) except? -128:
        cdef double f = view.c_ind(ROLE_EXEC, self.fast), s = view.c_ind(ROLE_EXEC, self.slow)
        cdef double pf = self.prev_fast, ps = self.prev_slow
        self.prev_fast, self.prev_slow = f, s
        if isnan(f) or isnan(s) or isnan(pf) or isnan(ps):
            return SIG_NONE
        if f > s and pf <= ps:
            return SIG_LONG
        if f < s and pf >= ps:
            return SIG_FLAT
        return SIG_NONE
