# The fused bar loop of a backtest: a Cython caller (e.g. a sweep running many backtests in
# threads) can run chunks of bars itself, without the GIL:
#     with nogil:
#         run_rules(ex, rules, view, sig, lo, hi, hist, htf, mtf, m1, close)
# with the pointers of a BarLoop's alignment arrays, rules prepared on that loop's view, and
# 0 <= lo <= hi <= the loop's end (unchecked). Returns -1 when the trade buffer could not grow.
from libc.stdint cimport int8_t, int64_t

from btcore._core._typedefs cimport float64_t, intp_t
from btcore._core.exchange cimport SimExchange
from btcore._core.rules cimport RuleStrategy
from btcore._core.view cimport RuntimeSnapshotView

cdef int run_rules(SimExchange ex, RuleStrategy rules, RuntimeSnapshotView view, int8_t* sig, intp_t lo, intp_t hi,
                   intp_t hist, const int64_t* htf, const int64_t* mtf, const int64_t* m1,
                   const float64_t* close) noexcept nogil
