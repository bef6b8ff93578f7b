# The strategy-facing view of one exec bar, and its C-level readers for Cython strategies.
#
#     from btcore._core.view cimport RuntimeSnapshotView, ROLE_EXEC, ROLE_HTF
#
# Everything a strategy reads per bar goes through raw pointers into the FeedStore arrays, taken
# and pinned by the feed tables (btcore/_core/feedtables.pxd): no attribute assignment anywhere
# can re-point or free the memory a view reads. RuntimeSnapshotView adds the Python API to
# SnapshotCore, which holds the fields, the invariants and the inline readers (c_close, c_ind,
# c_rollup, c_ready, _c_move).
from libc.math cimport NAN

from btcore._core._typedefs cimport float64_t, ms_t, intp_t
from btcore._core.feedtables cimport N_ROLES, N_ROLLUPS, FeedSetTables, ResolvedPath, RoleData
from btcore._core.tfcontext cimport TFContext


cpdef enum:
    ROLE_EXEC = 0     # the exec (ltf) feed
    ROLE_MTF = 1      # the medium timeframe feed
    ROLE_HTF = 2      # the high timeframe feed
    ROLE_QUOTE = 3    # the 1m quote feed (price.last.*); internal to the path grammar


cdef class SnapshotCore:
    cdef public object exchange          # ExchangeState or a simulator exposing .position
    cdef public double mark_price        # price.mark.close
    cdef public str mark_price_source    # where the mark price came from
    cdef public bint history_ready       # caller's history windows are filled
    cdef object _feeds                   # the MultiTFFeedStore
    cdef tuple _roles                    # (exec, mtf, htf, quote) FeedStores or None
    cdef object _history_config          # HistoryConfig
    cdef FeedSetTables _fc               # per-feed-set pointers and path cache; None until __init__ ran
    cdef RoleData _r[N_ROLES]                  # copy of _fc.r (one load less per read; _fc keeps the arrays alive)
    cdef intp_t _absent[N_ROLES]               # per role: -1 without a feed, else 0 (or-ed into moved indices)
    cdef intp_t _idx[N_ROLES]                  # current index per role, -1 = not ready / absent
    cdef double _roll_fixed[N_ROLLUPS]           # rollups when no matrix is attached
    cdef const float64_t* _roll          # attached float64[6, n_exec] rollups, or NULL
    cdef intp_t _roll_n                  # n_exec of the attached rollups
    cdef const float64_t* _roll_cur      # rollup row 0 at the exec bar (_roll + _idx[0]), or _roll_fixed
    cdef intp_t _roll_step               # distance between rollup rows (_roll_n, or 1 with _roll_fixed)
    cdef object _roll_keep               # the attached rollup array
    cdef list _ctx                       # lazily built TFContext per role
    cdef object _incr                    # the engine's incremental structure state, or None

    cdef int _init(self, object feeds, object exec_idx, object htf_idx, object mtf_idx, object exchange,
                   object mark_price, object mark_price_source, object history_config, object history_ready,
                   object rollups, object incremental_state) except -1
    cdef int _check(self) except -1
    cdef void _c_clear_fixed(self) noexcept nogil
    cdef void _c_aim_rollups(self) noexcept nogil
    cdef double _series(self, int role, intp_t src) noexcept nogil
    cdef double _named(self, int role, object name, intp_t lookback) except *
    cdef double _at(self, int role, intp_t i, intp_t src) noexcept nogil
    cdef double _rollup(self, int field) noexcept nogil
    cdef ResolvedPath _spec(self, object path)
    cdef double _eval(self, ResolvedPath spec) noexcept
    cpdef intp_t indicator_col(self, object name, object role=*) except -1

    # ---- the per-bar C API: inline, so a cimporting strategy and the loop make no call ---------
    # Unchecked reads; the invariants they rely on (every entry point that sets an index ranges it;
    # a view made with __new__ points at a one-row all-NaN exec feed, so these stay in bounds):
    #   0 <= _idx[0] < _r[0].n always (a view needs a non-empty exec feed), so every
    #     _r[0].col[j][_idx[0]] is in range;
    #   _idx[r] is -1 or in [0, _r[r].n), and -1 whenever role r has no feed (_absent[r] == -1);
    #   _roll_cur[f * _roll_step] is field f of the exec bar for 0 <= f < 6 (matrix or fixed).
    # The caller promises 0 <= role < 4, 0 <= col < the role's indicator count (what
    # indicator_col returns; a role without indicators has no valid col), 0 <= field < 6.

    cdef inline void _c_move(self, intp_t exec_idx, intp_t htf_idx, intp_t mtf_idx, intp_t m1_idx) noexcept nogil:
        # Unchecked (the caller ranges the indices): a few stores, no branch in the loop's case.
        self._idx[0] = exec_idx
        self._idx[1] = mtf_idx | self._absent[1]
        self._idx[2] = htf_idx | self._absent[2]
        self._idx[3] = m1_idx | self._absent[3]
        if self._roll != NULL:
            self._roll_cur = self._roll + exec_idx
        else:  # out of line (rare: no matrix attached), so the C compiler still inlines this
            self._c_clear_fixed()

    cdef inline double c_open(self) noexcept nogil:
        return self._r[0].col[0][self._idx[0]]

    cdef inline double c_high(self) noexcept nogil:
        return self._r[0].col[1][self._idx[0]]

    cdef inline double c_low(self) noexcept nogil:
        return self._r[0].col[2][self._idx[0]]

    cdef inline double c_close(self) noexcept nogil:
        return self._r[0].col[3][self._idx[0]]

    cdef inline double c_volume(self) noexcept nogil:
        return self._r[0].col[4][self._idx[0]]

    cdef inline double c_ind(self, int role, intp_t col) noexcept nogil:
        # One branch, taken only while the role is not ready (the typed loop pays the same one);
        # none for the exec role, always ready (role is usually a constant, so this folds away).
        cdef intp_t i = self._idx[role]
        if role != ROLE_EXEC and i < 0:
            return NAN
        return self._r[role].ind[col * self._r[role].n + i]

    cdef inline double c_rollup(self, int field) noexcept nogil:
        return self._roll_cur[field * self._roll_step]

    cdef inline bint c_ready(self, int role) noexcept nogil:
        return self._idx[role] >= 0


cdef class RuntimeSnapshotView(SnapshotCore):
    pass


cdef class PathHandle:
    cdef RuntimeSnapshotView _view       # the view it reads (moves with it); None until __init__ ran
    cdef ResolvedPath _spec              # the resolved path
    cdef str _path                       # the path string

    cdef int _check(self) except -1
    cdef double c_get(self) noexcept
