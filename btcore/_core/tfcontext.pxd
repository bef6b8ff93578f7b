# One timeframe's feed at its current bar: what view.exec_ctx / htf_ctx / mtf_ctx return.
from btcore._core._typedefs cimport intp_t
from btcore._core.feedtables cimport FeedPointers, RoleData


cdef class TFContext:
    cdef RoleData _d           # pointers into the feed's arrays
    cdef FeedPointers _fp      # owner of the pointers; None until __init__ ran
    cdef object _feed          # the FeedStore
    cdef intp_t _idx           # current bar, -1 = no bar closed yet
    cdef bint _ready           # has a bar and was not marked not ready
    cdef public object not_ready_reason  # why it is not ready (str or None)

    cdef double _value(self, intp_t src) noexcept nogil
    cdef int _check(self) except -1


cdef TFContext view_context(FeedPointers fp, object feed)
