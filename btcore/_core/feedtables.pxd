# Checked pointers into the FeedStore arrays, per feed and per feed set, and resolved paths.
#
# The view (btcore._core.view) and its contexts (btcore._core.tfcontext) read every bar through
# these tables. The pointers are taken once per feed after checking dtype, contiguity and every
# length, and the object holding the pointers (FeedPointers) holds the arrays themselves, so no
# attribute assignment anywhere can re-point or free the memory a view reads.
from libc.math cimport NAN

from btcore._core._typedefs cimport float64_t, ms_t, intp_t

# Kinds of a resolved path (the values of btcore._shared.constants, checked at import).
cdef enum:
    K_SERIES = 0
    K_MARK = 1
    K_ROLLUP = 2
    K_STRUCT = 3
    K_ABSENT = 4

# Table sizes (the values of btcore._shared.constants, checked at import). Source numbers of a
# role: 0 .. N_OHLCV - 1 its OHLCV columns, N_OHLCV + j its indicator row j.
cdef enum:
    N_ROLES = 4
    N_OHLCV = 5
    N_ROLLUPS = 6

cdef enum:            # OHLCV sources
    SRC_OPEN = 0
    SRC_HIGH = 1
    SRC_LOW = 2
    SRC_CLOSE = 3
    SRC_VOLUME = 4

cdef enum:            # rollup fields (ROLLUP_BARS: the 1m bar count)
    ROLLUP_MIN = 0
    ROLLUP_MAX = 1
    ROLLUP_BARS = 2
    ROLLUP_OPEN = 3
    ROLLUP_CLOSE = 4
    ROLLUP_VOLUME = 5


cdef struct RoleData:
    const float64_t* col[5]    # open, high, low, close, volume (NULL when the feed is empty/absent)
    const float64_t* ind       # indicator matrix, k rows of n values (NULL when k == 0 or n == 0)
    const ms_t* ts_open        # bar open times
    const ms_t* ts_close       # bar close times (exclusive end)
    intp_t n                   # number of bars
    intp_t k                   # number of indicators
    bint present               # the role has a feed


cdef class FeedPointers:
    cdef RoleData d            # validated pointers into one FeedStore's arrays
    cdef tuple keep            # the arrays d points into (holding them pins the memory)
    cdef dict names            # indicator name -> matrix row, built from indicator_names (< d.k)
    cdef object owner          # weakref to the FeedStore (a cache entry is used only by its feed)


cdef class FeedSetTables:
    cdef RoleData r[N_ROLES]   # per role, ROLE_* order (copies of the FeedPointers' d)
    cdef tuple feeds           # (exec, mtf, htf, quote) FeedStores or None; None until built
    cdef tuple pointers        # per role: the FeedPointers (pins the arrays r points into), or None
    cdef tuple names           # per role: the FeedPointers' indicator name -> row dict, or None
    cdef dict paths            # path string -> ResolvedPath, bounded (oldest dropped)
    cdef object lock           # threading.Lock serialising inserts/evictions of paths
    cdef Py_ssize_t owner      # id() of the feeds object the tables were built from
    cdef bint duck             # feeds is no MultiTFFeedStore (subclass): re-check its roles on each use


cdef class ResolvedPath:
    cdef int kind              # K_SERIES / K_MARK / K_ROLLUP / K_STRUCT / K_ABSENT
    cdef int role              # K_SERIES: ROLE_*
    cdef intp_t src            # K_SERIES: source (< N_OHLCV OHLCV, else indicator row); K_ROLLUP: field
    cdef const float64_t* ptr  # K_STRUCT: the structure array (exec length, checked)
    cdef object keep           # K_STRUCT: the array behind ptr


cdef FeedPointers feed_pointers(object feed)
cdef FeedSetTables feed_set_tables(object feeds)
cdef ResolvedPath resolve_new(FeedSetTables fc, object path)
cdef intp_t last_closed_1m(const ms_t* ts, intp_t n, ms_t t) noexcept nogil


cdef inline double read_source(const RoleData* d, intp_t idx, intp_t src) noexcept nogil:
    # NaN before the role's first bar or without a feed; src ranged by whoever made it.
    if idx < 0 or not d.present:
        return NAN
    if src < N_OHLCV:
        return d.col[src][idx]
    return d.ind[(src - N_OHLCV) * d.n + idx]


cdef inline ResolvedPath resolve(FeedSetTables fc, object path):
    # The resolved path of ``path`` for this feed set: a dict read when it was resolved before.
    if type(path) is str:
        found = fc.paths.get(path)
        if found is not None:
            return <ResolvedPath>found
    return resolve_new(fc, path)
