# 1-minute quotes and the streaming 1-minute rollup of one exec interval. Cython callers cimport
# this and use the C fields and methods (no Python objects, no allocation); Python callers use the
# def methods and properties.
from btcore._core._typedefs cimport float64_t, intp_t, ms_t


cdef class QuoteState:
    # Immutable once built: every field validated by __init__, which refuses to run twice. Before
    # __init__ the C fields read NaN (ts 0) and every Python member raises NotInitializedError.
    cdef ms_t _ts_ms           # epoch ms of the quote (1 .. MAX_EPOCH_MS); 0 before __init__
    cdef float64_t _last       # 1m close (finite, > 0); NaN before __init__
    cdef float64_t _open_1m    # 1m open (finite, > 0)
    cdef float64_t _high_1m    # 1m high (finite, > 0, >= low)
    cdef float64_t _low_1m     # 1m low (finite, > 0)
    cdef float64_t _mark       # mark price (finite, > 0)
    cdef float64_t _volume_1m  # 1m volume (finite, >= 0)
    cdef str _mark_source      # "mark_1m" or "approx_from_ohlcv_1m"; "" before __init__
    cdef bint _built           # __init__ completed


cdef class ExecRollupBucket:
    cdef float64_t _min        # lowest 1m low so far (NaN when empty or once a NaN low arrived)
    cdef float64_t _max        # highest 1m high so far (same NaN rule)
    cdef intp_t _count         # number of 1m bars accumulated since the last reset (<= MAX_INDEX from __init__)
    cdef float64_t _open       # open of the first 1m bar
    cdef float64_t _close      # close of the last 1m bar
    cdef float64_t _volume     # running left-to-right sum of 1m volumes

    cdef void c_reset(self) noexcept nogil
    cdef void c_accumulate(self, float64_t open, float64_t high, float64_t low,
                           float64_t close, float64_t volume) noexcept nogil
    cdef void c_accumulate_quote(self, QuoteState quote) noexcept nogil  # quote not None; NaN if unbuilt
    cdef float64_t c_field(self, int field) noexcept nogil   # ROLLUP_FIELDS order; count as a double
    cdef int _add(self, object open, object high, object low, object close, object volume) except -1
