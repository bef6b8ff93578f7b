# cython: language_level=3, boundscheck=False, wraparound=False
"""A trend-filtered moving-average crossover written in Cython against btcore's C API.

Per bar it makes no Python call: the indicator columns are looked up once in ``prepare`` and every
value is read with a C call on the view (``c_ind``, ``c_close``, ``c_ready``). NaN means "not
available" at C level (warmup, or the higher timeframe has not closed a bar yet).

Signals: LONG when the fast SMA is above the slow SMA and the close is above the higher
timeframe's slow SMA; SHORT in the mirror case; nothing otherwise.
"""

from libc.math cimport isnan

from btcore._core._typedefs cimport intp_t
from btcore._core.loop cimport SIG_LONG, SIG_NONE, SIG_SHORT, CythonStrategy
from btcore._core.view cimport ROLE_EXEC, ROLE_HTF, RuntimeSnapshotView


cdef class TrendCross(CythonStrategy):
    """LONG/SHORT on an exec-timeframe SMA cross, filtered by the HTF trend.

    Parameters
    ----------
    fast, slow : str
        Names of the exec feed's fast and slow moving-average indicators.
    trend : str
        Name of the HTF feed's indicator used as the trend filter.
    """

    cdef str fast_name, slow_name, trend_name
    cdef intp_t fast_col        # exec indicator row of the fast SMA
    cdef intp_t slow_col        # exec indicator row of the slow SMA
    cdef intp_t trend_col       # HTF indicator row of the trend filter

    def __init__(self, str fast="sma_fast", str slow="sma_slow", str trend="sma_slow"):
        self.fast_name, self.slow_name, self.trend_name = fast, slow, trend
        self.fast_col = self.slow_col = self.trend_col = -1

    def prepare(self, view):
        # Name -> column once, before the first bar (UnknownKeyError if not declared).
        self.fast_col = view.indicator_col(self.fast_name, "exec")
        self.slow_col = view.indicator_col(self.slow_name, "exec")
        self.trend_col = view.indicator_col(self.trend_name, "htf")

    cdef int c_on_bar(self, RuntimeSnapshotView view) except? -128:
        cdef double fast, slow, trend, close
        if not view.c_ready(ROLE_HTF):
            return SIG_NONE
        fast = view.c_ind(ROLE_EXEC, self.fast_col)
        slow = view.c_ind(ROLE_EXEC, self.slow_col)
        trend = view.c_ind(ROLE_HTF, self.trend_col)
        close = view.c_close()
        if isnan(fast) or isnan(slow) or isnan(trend) or isnan(close):
            return SIG_NONE
        if fast > slow and close > trend:
            return SIG_LONG
        if fast < slow and close < trend:
            return SIG_SHORT
        return SIG_NONE
