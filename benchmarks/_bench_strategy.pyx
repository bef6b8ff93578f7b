# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Compiled side of benchmarks/bench_loop.py (built by that script with cythonize at run time).

``CrossStrategy`` is a btcore Cython strategy: it cimports btcore's .pxd files and reads the view
with C calls. ``typed_loop`` does the same reads and the same decision over plain typed
memoryviews: the floor for any compiled strategy.
"""

from libc.math cimport NAN, isnan

from btcore._core._typedefs cimport float64_t, intp_t, int64_t, int8_t
from btcore._core.loop cimport SIG_LONG, SIG_NONE, SIG_SHORT, CythonStrategy
from btcore._core.view cimport ROLE_EXEC, ROLE_HTF, ROLE_MTF, RuntimeSnapshotView

cdef enum:
    ROLLUP_MAX = 1  # row of max_1m in btcore.align.ROLLUP_FIELDS


cdef inline int decide(double ef, double es, double hrsi, double atr, double close, double rmax) noexcept nogil:
    # Same rule as bench_loop.decide: NaN anywhere means no signal.
    if isnan(ef) or isnan(es) or isnan(hrsi) or isnan(atr) or isnan(close) or isnan(rmax):
        return SIG_NONE
    if ef > es and hrsi < 70.0 and rmax - close < 2.0 * atr:
        return SIG_LONG
    if ef < es and hrsi > 30.0:
        return SIG_SHORT
    return SIG_NONE


cdef class CrossStrategy(CythonStrategy):
    """EMA cross filtered by HTF RSI and MTF ATR, read through the view's C API."""

    cdef intp_t ef, es, rsi, atr

    def prepare(self, view):
        self.ef = view.indicator_col("ema_fast")
        self.es = view.indicator_col("ema_slow")
        self.rsi = view.indicator_col("rsi", "htf")
        self.atr = view.indicator_col("atr", "mtf")

    cdef int c_on_bar(self, RuntimeSnapshotView view) except? -128:
        return decide(view.c_ind(ROLE_EXEC, self.ef), view.c_ind(ROLE_EXEC, self.es),
                      view.c_ind(ROLE_HTF, self.rsi), view.c_ind(ROLE_MTF, self.atr),
                      view.c_close(), view.c_rollup(ROLLUP_MAX))


cdef inline double _at(const float64_t[::1] a, int64_t i) noexcept nogil:
    return a[i] if i >= 0 else NAN


def typed_loop(const float64_t[::1] ef, const float64_t[::1] es, const float64_t[::1] hrsi,
               const float64_t[::1] matr, const float64_t[::1] close, const float64_t[:, ::1] rollups,
               const int64_t[::1] htf_idx, const int64_t[::1] mtf_idx, int8_t[::1] out):
    """Same reads and decision as CrossStrategy over plain arrays; writes codes into ``out``."""
    cdef intp_t i, n = close.shape[0]
    with nogil:
        for i in range(n):
            out[i] = <int8_t>decide(ef[i], es[i], _at(hrsi, htf_idx[i]), _at(matr, mtf_idx[i]),
                                    close[i], rollups[ROLLUP_MAX, i])
