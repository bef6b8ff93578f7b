# The strategy-facing view of one exec bar, and its C-level readers for Cython strategies.
#
#     from btcore._core.view cimport RuntimeSnapshotView, ROLE_EXEC, ROLE_HTF
#
# Everything a strategy reads per bar goes through raw pointers into the FeedStore arrays, which
# are immutable and kept alive by the view's reference to the feeds.
from btcore._core._typedefs cimport float64_t, ms_t, intp_t

cpdef enum:
    ROLE_EXEC = 0     # the exec (ltf) feed
    ROLE_MTF = 1      # the medium timeframe feed
    ROLE_HTF = 2      # the high timeframe feed
    ROLE_QUOTE = 3    # the 1m quote feed (price.last.*); internal to the path grammar


cdef struct RoleData:
    const float64_t* col[5]    # open, high, low, close, volume (NULL when the feed is empty/absent)
    const float64_t* ind       # indicator matrix, k rows of n values (NULL when k == 0 or n == 0)
    const ms_t* ts_open        # bar open times
    const ms_t* ts_close       # bar close times (exclusive end)
    intp_t n                   # number of bars
    intp_t k                   # number of indicators
    bint present               # the role has a feed


cdef class _FeedsC:
    cdef RoleData r[4]         # per role, ROLE_* order
    cdef tuple feeds           # (exec, mtf, htf, quote) FeedStores or None; keeps the arrays alive
    cdef tuple names           # per role: indicator name -> row dict, or None
    cdef dict paths            # path string -> _Spec, bounded (oldest dropped)


cdef class _Spec:
    cdef int kind              # SERIES / MARK / ROLLUP / STRUCT / ABSENT (see btcore._viewspec)
    cdef int role              # SERIES: ROLE_*
    cdef intp_t src            # SERIES: 0..4 OHLCV, 5 + j indicator row j; ROLLUP: field
    cdef const float64_t* ptr  # STRUCT: the structure array (exec length)
    cdef object keep           # STRUCT: the array behind ptr


cdef class TFContext:
    cdef RoleData _d           # pointers into the feed's arrays
    cdef object _feed          # the FeedStore
    cdef intp_t _idx           # current bar, -1 = no bar closed yet
    cdef bint _ready           # has a bar and was not marked not ready
    cdef public object not_ready_reason  # why it is not ready (str or None)

    cdef double _value(self, intp_t src) noexcept nogil


cdef class RuntimeSnapshotView:
    cdef public object exchange          # ExchangeState or a simulator exposing .position
    cdef public double mark_price        # price.mark.close
    cdef public str mark_price_source    # where the mark price came from
    cdef public bint history_ready       # caller's history windows are filled
    cdef object _feeds                   # the MultiTFFeedStore
    cdef tuple _roles                    # (exec, mtf, htf, quote) FeedStores or None
    cdef object _history_config          # HistoryConfig
    cdef _FeedsC _fc                     # per-feed-set pointers and path cache
    cdef RoleData* _r                    # _fc.r (kept alive by _fc)
    cdef intp_t _idx[4]                  # current index per role, -1 = not ready / absent
    cdef double _roll_fixed[6]           # rollups when no matrix is attached
    cdef const float64_t* _roll          # attached float64[6, n_exec] rollups, or NULL
    cdef intp_t _roll_n                  # n_exec of the attached rollups
    cdef object _roll_keep               # the attached rollup array
    cdef list _ctx                       # lazily built TFContext per role

    cdef void _c_move(self, intp_t exec_idx, intp_t htf_idx, intp_t mtf_idx, intp_t m1_idx) noexcept nogil
    cdef double _series(self, int role, intp_t src) noexcept nogil
    cdef double _named(self, int role, object name, intp_t lookback) except *
    cdef double _at(self, int role, intp_t i, intp_t src) noexcept nogil
    cdef double _rollup(self, int field) noexcept nogil
    cdef _Spec _spec(self, object path)
    cdef double _eval(self, _Spec spec) noexcept

    cdef double c_open(self) noexcept nogil
    cdef double c_high(self) noexcept nogil
    cdef double c_low(self) noexcept nogil
    cdef double c_close(self) noexcept nogil
    cdef double c_volume(self) noexcept nogil
    cdef double c_ind(self, int role, intp_t col) noexcept nogil
    cpdef intp_t indicator_col(self, str name, str role=*) except -1
    cdef double c_rollup(self, int field) noexcept nogil
    cdef bint c_ready(self, int role) noexcept nogil


cdef class PathHandle:
    cdef RuntimeSnapshotView _view       # the view it reads (moves with it)
    cdef _Spec _spec                     # the resolved path
    cdef str _path                       # the path string

    cdef double c_get(self) noexcept
