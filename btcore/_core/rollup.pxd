# Streaming 1-minute rollup of one exec interval. Cython callers cimport this and use the C
# methods (no Python objects, no allocation); Python callers use the def methods.
from btcore._core._typedefs cimport float64_t, intp_t

cdef class ExecRollupBucket:
    cdef float64_t _min        # lowest 1m low so far (NaN when empty or once a NaN low arrived)
    cdef float64_t _max        # highest 1m high so far (same NaN rule)
    cdef intp_t _count         # number of 1m bars accumulated since the last reset
    cdef float64_t _open       # open of the first 1m bar
    cdef float64_t _close      # close of the last 1m bar
    cdef float64_t _volume     # running left-to-right sum of 1m volumes

    cdef void c_reset(self) noexcept nogil
    cdef void c_accumulate(self, float64_t open, float64_t high, float64_t low,
                           float64_t close, float64_t volume) noexcept nogil
    cdef float64_t c_field(self, int field) noexcept nogil   # ROLLUP_FIELDS order; count as a double
