# cython: auto_pickle=False
"""Checked pointers into FeedStore arrays (per feed, per feed set) and resolved paths.

What the compiled view and its contexts read goes through the tables built here, once per feed
and once per feed set, cached on the feed objects. The pure twin is :mod:`btcore._pure.feedtables`.

Why no Python input can make a view read memory it does not own:

* the pointers come from :class:`FeedPointers`, which checks every array (btcore-owned, dtype,
  contiguity, one length per feed) and holds the arrays, so the memory stays put while it lives;
* a resolved path is checked against the feed set it is read from
  (:func:`btcore._shared.paths.check_resolved`) before it is cached;
* a cache entry is used only by the object it was built for (a weak reference or the id of the
  feed set, and the roles of a duck-typed feed set, are checked on every use).
"""

from cpython.dict cimport PyDict_GetItemRef
from cpython.object cimport PyObject
from cpython.ref cimport Py_DECREF
from libc.string cimport memset

import threading
import weakref

import numpy as np

from btcore._shared import constants as C
from btcore._shared import feeds as F
from btcore._shared import paths as P
from btcore.errors import DataError
from btcore.feed import MultiTFFeedStore

__all__ = []

_POINTERS_KEY = "compiled"            # FeedStore._view_tables entry: FeedPointers
_FEED_SET_KEY = "compiled-feeds"      # MultiTFFeedStore._view_tables entry: FeedSetTables

if (C.SERIES, C.MARK, C.ROLLUP, C.STRUCT, C.ABSENT) != (K_SERIES, K_MARK, K_ROLLUP, K_STRUCT, K_ABSENT) \
        or (C.N_ROLES, C.N_OHLCV, C.N_ROLLUPS) != (N_ROLES, N_OHLCV, N_ROLLUPS) \
        or (C.SRC_OPEN, C.SRC_HIGH, C.SRC_LOW, C.SRC_CLOSE, C.SRC_VOLUME) != (SRC_OPEN, SRC_HIGH, SRC_LOW, SRC_CLOSE, SRC_VOLUME) \
        or (C.ROLLUP_MIN, C.ROLLUP_MAX, C.ROLLUP_BARS, C.ROLLUP_OPEN, C.ROLLUP_CLOSE, C.ROLLUP_VOLUME) \
        != (ROLLUP_MIN, ROLLUP_MAX, ROLLUP_BARS, ROLLUP_OPEN, ROLLUP_CLOSE, ROLLUP_VOLUME):
    raise ImportError("btcore._core.feedtables is out of date with btcore._shared.constants; rebuild the extension")


cdef int _fill(FeedPointers fp, object feed) except -1:
    """Point ``fp.d`` at the arrays of ``feed`` after checking them; ``fp`` keeps the arrays."""
    cdef const float64_t[::1] mv
    cdef const float64_t[:, ::1] mat
    cdef const ms_t[::1] ts
    cdef RoleData* d = &fp.d
    cdef intp_t n
    cdef int j
    memset(d, 0, sizeof(RoleData))
    ts_open = F.owned_array(feed, "ts_open_ms", np.int64, None)
    n = ts_open.shape[0]
    if feed.length != n:
        raise DataError(f"FeedStore {feed.tf}: length {feed.length!r} but {n} bar times", "BAD_FEED")
    ts_close = F.owned_array(feed, "ts_close_ms", np.int64, (n,))
    cols = tuple(F.owned_array(feed, f, np.float64, (n,)) for f in C.OHLCV)
    k = len(feed.indicator_names)
    matrix = F.owned_array(feed, "indicator_matrix", np.float64, (k, n))
    fp.names = F.feed_names(feed, k)
    fp.keep = (ts_open, ts_close) + cols + (matrix,)
    d.present = True
    d.n = n
    d.k = k
    if n == 0:
        return 0
    for j in range(N_OHLCV):
        mv = cols[j]
        d.col[j] = &mv[0]
    ts = ts_open
    d.ts_open = &ts[0]
    ts = ts_close
    d.ts_close = &ts[0]
    if d.k:
        mat = matrix
        d.ind = &mat[0, 0]
    return 0


cdef intp_t _last_at_or_before(const ms_t* ts, intp_t n, ms_t t) noexcept nogil:
    """Index of the last ``ts[i] <= t`` (-1 if none): binary search over sorted close times."""
    cdef intp_t lo = 0, hi = n, mid
    while lo < hi:
        mid = (lo + hi) >> 1
        if ts[mid] <= t:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


cdef intp_t last_closed_1m(const ms_t* ts, intp_t n, ms_t t) noexcept nogil:
    """``_last_at_or_before`` for a 1-minute feed, searched from where a gap-free feed would have
    it: a few neighbouring probes instead of ~20 spread over the whole array (a view is built per
    bar, and those far probes miss the cache). Same result for any sorted ``ts``."""
    cdef intp_t guess, lo, hi, step = 1
    if n == 0 or ts[0] > t:
        return -1
    guess = <intp_t>((t - ts[0]) // 60000)  # >= 0 since ts[0] <= t
    if guess >= n:
        guess = n - 1
    if ts[guess] <= t:  # gallop up: ts[lo] <= t, and hi == n or ts[hi] > t
        lo = guess
        while True:
            hi = lo + step
            if hi >= n:
                hi = n
                break
            if ts[hi] > t:
                break
            lo = hi
            step <<= 1
    else:  # gallop down (a gap puts the guess ahead): ts[hi] > t, and lo == 0 or ts[lo] <= t
        hi = guess
        while True:
            lo = hi - step
            if lo <= 0:
                lo = 0
                break
            if ts[lo] <= t:
                break
            hi = lo
            step <<= 1
    return lo + _last_at_or_before(ts + lo, hi - lo, t)


cdef class FeedPointers:
    """Checked pointers into one FeedStore's arrays, and the arrays (built once, cached on the feed).

    No ``__init__``: only :func:`feed_pointers` builds one, so a ``FeedPointers`` is either fully
    checked or empty (``d.present`` False, every pointer NULL).
    """


cdef FeedPointers feed_pointers(object feed):
    """The checked pointers of FeedStore ``feed``, from its cache when they were built for it."""
    cache = feed._view_tables
    fp = cache.get(_POINTERS_KEY) if type(cache) is dict else None
    if type(fp) is FeedPointers and (<FeedPointers>fp).owner is not None and (<FeedPointers>fp).owner() is feed:
        return <FeedPointers>fp
    fp = FeedPointers.__new__(FeedPointers)
    _fill(<FeedPointers>fp, feed)
    (<FeedPointers>fp).owner = weakref.ref(feed)
    if type(cache) is dict:
        cache[_POINTERS_KEY] = fp
    return <FeedPointers>fp


cdef class FeedSetTables:
    """Pointers and lookup tables of one MultiTFFeedStore, built once and shared by its views.

    No ``__init__``: only :func:`feed_set_tables` builds one (an empty one has ``feeds`` None).
    """


cdef FeedSetTables _build(object feeds):
    cdef FeedSetTables fc = FeedSetTables.__new__(FeedSetTables)
    cdef FeedPointers f
    cdef int r
    roles = F.role_feeds(feeds)  # TypeError for anything that is not a feed set
    pointers = tuple(None if feed is None else feed_pointers(feed) for feed in roles)
    for r in range(N_ROLES):
        if pointers[r] is not None:
            f = pointers[r]
            fc.r[r] = f.d
    fc.pointers = pointers
    fc.names = tuple(None if f is None else (<FeedPointers>f).names for f in pointers)
    fc.paths = {}
    fc.lock = threading.Lock()
    fc.owner = <Py_ssize_t><void*>feeds
    fc.duck = not isinstance(feeds, MultiTFFeedStore)  # a MultiTFFeedStore (subclass too) is frozen
    fc.feeds = roles
    return fc


cdef FeedSetTables feed_set_tables(object feeds):
    """The cached tables of a feed set; building them validates ``feeds`` (TypeError otherwise)."""
    cdef FeedSetTables f
    cdef PyObject* item = NULL
    cache = getattr(feeds, "_view_tables", None)
    if type(cache) is dict:
        PyDict_GetItemRef(cache, _FEED_SET_KEY, &item)  # a strong reference: threads may replace entries
    if item != NULL:
        entry = <object>item
        Py_DECREF(entry)  # the reference GetItemRef returned (entry holds its own)
        if type(entry) is FeedSetTables:  # never trust what another object stored under the key
            f = <FeedSetTables>entry
            if f.feeds is not None and f.owner == <Py_ssize_t><void*>feeds and (not f.duck or F.same_roles(f.feeds, feeds)):
                return f
    f = _build(feeds)
    if type(cache) is dict:
        cache[_FEED_SET_KEY] = f
    return f


cdef class ResolvedPath:
    """A path resolved for one feed set (see :mod:`btcore._shared.paths`)."""


cdef ResolvedPath resolve_new(FeedSetTables fc, object path):
    """Resolve ``path`` against the feed set's checked roles, check it, cache it (bounded)."""
    cdef const float64_t[::1] mv
    cdef ResolvedPath out
    cdef int r
    key = P.path_key(path)  # PathError for non-strings; a str subclass becomes a plain str
    found = fc.paths.get(key)
    if found is not None:
        return <ResolvedPath>found
    out = ResolvedPath.__new__(ResolvedPath)
    lengths = tuple(fc.r[r].n if fc.r[r].present else None for r in range(N_ROLES))
    counts = tuple(fc.r[r].k for r in range(N_ROLES))
    t = P.check_resolved(P.resolve_path(key, fc.feeds, fc.names), key, lengths, counts)
    out.kind = t[0]
    if out.kind == K_SERIES:
        out.role = t[1]
        out.src = t[2]
    elif out.kind == K_ROLLUP:
        out.src = t[1]
    elif out.kind == K_STRUCT:
        mv = t[1]
        if mv.shape[0] != fc.r[0].n:
            raise DataError(f"path {key!r}: structure array of {mv.shape[0]} rows for {fc.r[0].n} exec bars", "BAD_STRUCTURE")
        out.keep = t[1]
        out.ptr = &mv[0] if mv.shape[0] else NULL
    with fc.lock:  # two threads may evict at once (free-threaded builds): one at a time
        if len(fc.paths) >= C.PATH_CACHE_SIZE:
            del fc.paths[next(iter(fc.paths))]
        fc.paths[key] = out
    return out
