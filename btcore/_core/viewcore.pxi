# The state of the compiled view and its C-level readers: SnapshotCore, what RuntimeSnapshotView
# (view.pyx) and CompatSnapshotView (compatview.pxi) are built on. Included by view.pyx: the three
# classes are one extension module, because Cython gives a class the vectorcall constructor (a
# view built per bar costs ~200 ns less) only when its base classes are in the same module.
# Twin: btcore/_pure/viewcore.py. Fields and inline readers: view.pxd.
#
# What keeps the unchecked reads in bounds (see view.pxd for the invariants): every index a reader
# uses was ranged against the feed lengths where it entered (_init, _move, a resolved path); a view
# made with __new__ points at a one-row all-NaN exec feed and every Python method raises
# NotInitializedError; _init validates everything before it stores anything, and refuses to run twice.


if (C.ROLE_EXEC, C.ROLE_MTF, C.ROLE_HTF, C.ROLE_QUOTE) != (ROLE_EXEC, ROLE_MTF, ROLE_HTF, ROLE_QUOTE) \
        or C.MAX_LOOKBACK != (1 << 62):
    raise ImportError("btcore._core.view is out of date with btcore._shared.constants; rebuild the extension")
_EMPTY_ROLLUPS = api.rollups_from_dict(None)
cdef tuple _ROLLUP_KEYS = C.ROLLUP_KEYS_FULL
cdef double _NO_ROLLUPS[N_ROLLUPS]
for _j in range(N_ROLLUPS):
    _NO_ROLLUPS[_j] = _EMPTY_ROLLUPS[_j]
cdef object _DEFAULT_HISTORY = DEFAULT_HISTORY_CONFIG
cdef double _MAX_EXACT_COUNT = C.MAX_EXACT_COUNT


cdef inline int _view_ok(SnapshotCore v) except -1:
    # The "initialised?" test of every Python-facing member: a pointer compare on the normal path.
    if v._fc is None:
        raise not_initialised(v)
    return 0


# What an uninitialised view points at: one exec bar of NaN, closing at 0 (never read in Python).
cdef double _NAN_BAR[1]
cdef ms_t _ZERO_MS[1]
cdef RoleData _NAN_ROLE
_NAN_BAR[0] = NAN
_ZERO_MS[0] = 0
memset(&_NAN_ROLE, 0, sizeof(RoleData))
for _j in range(N_OHLCV):
    _NAN_ROLE.col[_j] = _NAN_BAR
_NAN_ROLE.ts_open = _ZERO_MS
_NAN_ROLE.ts_close = _ZERO_MS
_NAN_ROLE.n = 1
_NAN_ROLE.present = True


cdef inline object _opt(double v):
    return None if isnan(v) else v


cdef intp_t _exec_index(object feed, object idx, intp_t n) except -1:
    cdef int overflow = 0
    cdef long long v
    cdef intp_t c
    if type(idx) is int:  # C conversion, no Python comparison (this runs per view built)
        v = PyLong_AsLongLongAndOverflow(idx, &overflow)
        if not overflow and 0 <= v < n:
            return <intp_t>v
    c = feed.check_index(idx)  # the checked path, with its error message
    if not 0 <= c < n:  # what the C readers were checked against has the last word
        raise IndexError(f"bar index {c} out of range for {n} bars")
    return c


cdef intp_t _role_index(object feed, object idx, intp_t n, str name) except -2:
    cdef int overflow = 0
    cdef long long v
    cdef intp_t c
    if type(idx) is int:
        v = PyLong_AsLongLongAndOverflow(idx, &overflow)
        if not overflow and -1 <= v < n:
            return <intp_t>v
    c = F.bar_index(feed, idx, name)
    if not -1 <= c < n:
        raise IndexError(f"{name}={c} out of range for {n} bars")
    return c


cdef int _parse_rollups(object rollups, double* out) except -1:
    """Six rollup values into ``out`` (``ROLLUP_FIELDS`` order); no state is touched.

    The frozen bucket's dict (exactly the six keys, float values) is read with six dict lookups;
    anything else goes through :func:`btcore._shared.view_api.rollups_from_dict`, which validates the keys and
    values (and refuses what is not a mapping), so ``out`` holds only floats that passed a check.
    """
    cdef PyObject* item
    cdef int j
    if rollups is None or (type(rollups) is dict and not rollups):
        memcpy(out, _NO_ROLLUPS, sizeof(_NO_ROLLUPS))
        return 0
    if type(rollups) is dict and len(<dict>rollups) == 6:
        for j in range(N_ROLLUPS):
            # a borrowed value, read before any Python code can run; a key's own __eq__ may raise
            item = PyDict_GetItemWithError(rollups, _ROLLUP_KEYS[j])
            if item == NULL or type(<object>item) is not float:
                break
            out[j] = PyFloat_AS_DOUBLE(<object>item)
        else:
            if out[ROLLUP_BARS] == 0.0:  # no 1m bar: every other field reads None (as rollups_from_dict)
                memcpy(out, _NO_ROLLUPS, sizeof(_NO_ROLLUPS))
                return 0
            if 0.0 < out[ROLLUP_BARS] <= _MAX_EXACT_COUNT and out[ROLLUP_BARS] == floor(out[ROLLUP_BARS]):
                return 0
            # a bad count: the general parser below raises its error
    values = api.rollups_from_dict(rollups)
    for j in range(N_ROLLUPS):
        out[j] = values[j]
    return 0


cdef inline int _in_range(object value, int hi) except -1:
    """Guard for the private Python-callable helpers, whose arguments index C arrays."""
    if not 0 <= value < hi:
        raise IndexError(f"{value!r} is out of range 0..{hi - 1}")
    return 0



@cython.freelist(8)  # engines that build a view per bar free one per bar: reuse the memory
cdef class SnapshotCore:
    """The state of a view and its C-level readers: what :class:`btcore._core.view.RuntimeSnapshotView`
    is built on (construction, moving, the per-bar reads). Not used on its own."""

    cdef int _init(self, object feeds, object exec_idx, object htf_idx, object mtf_idx, object exchange,
                   object mark_price, object mark_price_source, object history_config, object history_ready,
                   object rollups, object incremental_state) except -1:
        # The constructor of every view class (each calls it from its own __init__, see view.pyx).
        # Everything is checked into locals first; the view changes only once nothing can fail.
        cdef FeedSetTables fc
        cdef RoleData* r
        cdef intp_t e, m, h, q
        cdef double mark
        cdef double roll[N_ROLLUPS]
        cdef bint ready, default_config
        cdef int j
        if self._fc is not None:
            raise already_initialised(self)
        fc = feed_set_tables(feeds)
        r = fc.r
        e = _exec_index(fc.feeds[ROLE_EXEC], exec_idx, r[ROLE_EXEC].n)
        m = _role_index(fc.feeds[ROLE_MTF], mtf_idx, r[ROLE_MTF].n, "mtf_idx") if r[ROLE_MTF].present else -1
        h = _role_index(fc.feeds[ROLE_HTF], htf_idx, r[ROLE_HTF].n, "htf_idx") if r[ROLE_HTF].present else -1
        q = last_closed_1m(r[ROLE_QUOTE].ts_close, r[ROLE_QUOTE].n, r[ROLE_EXEC].ts_close[e]) if r[ROLE_QUOTE].present else -1
        mark = NAN if mark_price is None else mark_price
        if not (mark_price_source is None or type(mark_price_source) is str):
            raise TypeError(f"mark_price_source must be a str or None, got "
                            f"{type(mark_price_source).__name__} {mark_price_source!r:.80}")
        ready = history_ready
        default_config = history_config is None or not history_config
        _parse_rollups(rollups, roll)
        if incremental_state is not None:
            state = incr.check_state(incremental_state)
        for j in range(N_ROLES):
            self._r[j] = r[j]
            self._absent[j] = 0 if r[j].present else -1
        self._idx[ROLE_EXEC], self._idx[ROLE_MTF], self._idx[ROLE_HTF], self._idx[ROLE_QUOTE] = e, m, h, q
        for j in range(N_ROLLUPS):
            self._roll_fixed[j] = roll[j]
        if incremental_state is not None:
            self._incr = state
        # _roll is NULL and _roll_keep None (only _attach_rollups, which needs _fc, sets them), so
        # this is _c_aim_rollups inline; fields already None are not stored again: in a view built
        # per bar every store of None is a write to None's reference count, one after the other
        self._roll_cur = self._roll_fixed
        self._roll_step = 1
        self.exchange = exchange
        self.mark_price = mark
        self.mark_price_source = mark_price_source
        self.history_ready = ready
        self._history_config = _DEFAULT_HISTORY if default_config else history_config
        self._feeds = feeds
        self._roles = fc.feeds
        self._fc = fc  # last: from here on the view is initialised
        return 0

    def __cinit__(self):
        # Until __init__ ran: one NaN exec bar (the inline C readers stay in bounds), no feed for
        # the other roles, empty rollups; every Python method raises NotInitializedError. A few
        # plain stores (no Python object, no call): reference-style engines build a view per bar.
        self.mark_price = NAN
        self._r[ROLE_EXEC] = _NAN_ROLE
        self._absent[ROLE_MTF] = self._absent[ROLE_HTF] = self._absent[ROLE_QUOTE] = -1
        self._idx[ROLE_MTF] = self._idx[ROLE_HTF] = self._idx[ROLE_QUOTE] = -1
        self._roll_cur = _NO_ROLLUPS  # read-only static: c_rollup reads "no 1m bar"
        self._roll_step = 1

    cdef int _check(self) except -1:
        if self._fc is None:
            raise not_initialised(self)
        return 0

    # ------------------------------------------------------------------ moving

    cdef void _c_aim_rollups(self) noexcept nogil:
        # c_rollup's cursor after the matrix was attached or detached.
        if self._roll != NULL:
            self._roll_cur = self._roll + self._idx[ROLE_EXEC]
            self._roll_step = self._roll_n
        else:
            self._roll_cur = self._roll_fixed
            self._roll_step = 1

    cdef void _c_clear_fixed(self) noexcept nogil:
        # After a move without a rollup matrix the fixed rollups describe no 1m bar.
        cdef int j
        for j in range(N_ROLLUPS):
            self._roll_fixed[j] = NAN
        self._roll_fixed[ROLLUP_BARS] = 0.0

    def _move(self, exec_idx, htf_idx=-1, mtf_idx=-1, m1_idx=-1):
        """Move the view to another bar in O(1) (checked; -1 = role not ready / no 1m bar).

        Without attached rollups, the rollups read as empty after a move.
        """
        cdef tuple feeds
        cdef intp_t e, m, h, q
        _view_ok(self)
        feeds = self._fc.feeds
        e = _exec_index(feeds[ROLE_EXEC], exec_idx, self._r[ROLE_EXEC].n)
        m = _role_index(feeds[ROLE_MTF], mtf_idx, self._r[ROLE_MTF].n, "mtf_idx")
        h = _role_index(feeds[ROLE_HTF], htf_idx, self._r[ROLE_HTF].n, "htf_idx")
        q = _role_index(feeds[ROLE_QUOTE], m1_idx, self._r[ROLE_QUOTE].n, "m1_idx")
        self._c_move(e, h, m, q)

    def _attach_rollups(self, rollups):
        """Read rollups from a float64[6, n_exec] array (rows in ``ROLLUP_FIELDS`` order) at the
        exec index from now on; None detaches it (rollups then read as empty)."""
        cdef const float64_t[:, ::1] mat
        cdef int j
        _view_ok(self)
        if rollups is None:
            self._roll = NULL
            self._roll_keep = None
            for j in range(N_ROLLUPS):
                self._roll_fixed[j] = _EMPTY_ROLLUPS[j]
            self._c_aim_rollups()
            return
        a = _readonly(np.asarray(rollups, dtype=np.float64))  # a frozen copy unless it is one
        n = self._r[ROLE_EXEC].n
        if a.shape != (6, n):
            raise DataError(f"rollups must have shape (6, {n}) (ROLLUP_FIELDS x exec bars), got {a.shape}", "BAD_SHAPE")
        mat = a
        self._roll_keep = a
        self._roll_n = n
        self._roll = &mat[0, 0] if n else NULL
        self._c_aim_rollups()

    # ------------------------------------------------------------------ C-level readers

    cdef double _series(self, int role, intp_t src) noexcept nogil:
        return read_source(&self._r[role], self._idx[role], src)

    cdef double _named(self, int role, object name, intp_t lookback) except *:
        if self._fc is None:
            raise not_initialised(self)
        cdef dict names = self._fc.names[role]
        cdef intp_t i = self._idx[role]
        if names is None or i < 0 or i < lookback:
            return NAN
        row = names.get(name)
        if row is None:
            return NAN
        return read_source(&self._r[role], i - lookback, N_OHLCV + <intp_t>row)

    cdef double _eval(self, ResolvedPath spec) noexcept:
        if spec.kind == K_SERIES:
            return read_source(&self._r[spec.role], self._idx[spec.role], spec.src)
        if spec.kind == K_MARK:
            return self.mark_price
        if spec.kind == K_ROLLUP:
            return self.c_rollup(<int>spec.src)
        if spec.kind == K_STRUCT:
            return spec.ptr[self._idx[ROLE_EXEC]]
        return NAN

    cpdef intp_t indicator_col(self, object name, object role="exec") except -1:
        # docstring: btcore/_shared/view_docs.py
        _view_ok(self)
        cdef int r = F.role_index(role)
        feed = self._fc.feeds[r]
        if feed is None:
            raise UnknownKeyError(f"indicator {name!r}: role {role!r} has no feed in this view")
        return F.indicator_row(self._fc.names[r], feed, name)

    cdef double _at(self, int role, intp_t i, intp_t src) noexcept nogil:
        return read_source(&self._r[role], i, src)

    cdef double _rollup(self, int field) noexcept nogil:
        return self.c_rollup(field)

    cdef ResolvedPath _spec(self, object path):
        if self._fc is None:
            raise not_initialised(self)
        return resolve(self._fc, path)

    def _resolve(self, path):
        # The Python-callable lookup is_valid_path hands to the shared check.
        _view_ok(self)
        self._spec(path)

    def _window(self, int src, n, bint high):
        _view_ok(self)
        _in_range(src, N_OHLCV)
        cdef intp_t count = F.check_count(n, "n", 1)
        cdef intp_t e = self._idx[ROLE_EXEC], i
        cdef const float64_t* col = self._r[ROLE_EXEC].col[src]
        cdef double best = col[e], v
        for i in range(max(0, e - count + 1), e + 1):
            v = col[i]
            if isnan(v):
                return None
            if (v > best) if high else (v < best):
                best = v
        return best

    def _ctx_close_ms(self, int role):
        _view_ok(self)
        _in_range(role, 4)
        cdef intp_t i = self._idx[role]
        return None if i < 0 or not self._r[role].present else self._r[role].ts_close[i]

    def _ctx_close_dt(self, int role):
        _view_ok(self)
        _in_range(role, 4)
        cdef intp_t i = self._idx[role]
        return None if i < 0 or not self._r[role].present else self._roles[role].get_ts_close_datetime(i)

    def _context(self, int role):
        _view_ok(self)
        _in_range(role, 3)
        cdef TFContext ctx
        feed = self._roles[role]
        if feed is None:
            return None
        if self._ctx is None:
            self._ctx = [None, None, None]
        if self._ctx[role] is None:
            self._ctx[role] = view_context(self._fc.pointers[role], feed)
        ctx = self._ctx[role]
        cdef intp_t i = self._idx[role]
        if ctx._idx != i:  # only after a move: threads reading one view never write to its contexts
            ctx._idx = i
            ctx._ready = i >= 0
            ctx.not_ready_reason = None if i >= 0 else f"no {feed.tf} bar closed yet"
        return ctx

    @property
    def ts_close_ms(self):
        """Exec bar close time in epoch ms."""
        _view_ok(self)
        return self._r[ROLE_EXEC].ts_close[self._idx[ROLE_EXEC]]

    @property
    def ts_open_ms(self):
        """Exec bar open time in epoch ms."""
        _view_ok(self)
        return self._r[ROLE_EXEC].ts_open[self._idx[ROLE_EXEC]]

    # ------------------------------------------------------------------ identity and time

    @property
    def feeds(self):
        """The MultiTFFeedStore this view reads."""
        _view_ok(self)
        return self._feeds

    @property
    def history_config(self):
        """The HistoryConfig given at construction (or the default)."""
        _view_ok(self)
        return self._history_config

    @property
    def symbol(self):
        """Symbol of the exec feed."""
        _view_ok(self)
        return self._roles[ROLE_EXEC].symbol

    @property
    def exec_tf(self):
        """Timeframe of the exec feed."""
        _view_ok(self)
        return self._roles[ROLE_EXEC].tf

    @property
    def tf_mapping(self):
        """Role → timeframe mapping of the feeds."""
        _view_ok(self)
        return self._feeds.tf_mapping

    @property
    def exec_idx(self):
        """Current exec bar index."""
        _view_ok(self)
        return self._idx[ROLE_EXEC]

    def _role_idx(self, role):
        _view_ok(self)
        _in_range(role, 4)
        i = self._idx[role]
        return i if i >= 0 else None

    @property
    def htf_idx(self):
        """Current HTF bar index; None if not ready or no HTF feed."""
        _view_ok(self)
        return self._role_idx(ROLE_HTF)

    @property
    def mtf_idx(self):
        """Current MTF bar index; None if not ready or no MTF feed."""
        _view_ok(self)
        return self._role_idx(ROLE_MTF)

    @property
    def m1_idx(self):
        """Quote-feed row of the last 1m bar closed at or before the exec close; None if none."""
        _view_ok(self)
        return self._role_idx(ROLE_QUOTE)

    @property
    def ts_close(self):
        """Exec bar close time as the exec feed's datetime (aware UTC for a btcore feed)."""
        _view_ok(self)
        return self._roles[ROLE_EXEC].get_ts_close_datetime(self._idx[ROLE_EXEC])

    @property
    def ts_open(self):
        """Exec bar open time as the exec feed's datetime (aware UTC for a btcore feed)."""
        _view_ok(self)
        return self._roles[ROLE_EXEC].get_ts_open_datetime(self._idx[ROLE_EXEC])

    @property
    def exec_ctx(self):
        """Exec context (follows the view when it moves)."""
        _view_ok(self)
        return self._context(ROLE_EXEC)

    @property
    def htf_ctx(self):
        """HTF context; None if there is no HTF feed."""
        _view_ok(self)
        return self._context(ROLE_HTF)

    @property
    def mtf_ctx(self):
        """MTF context; None if there is no MTF feed."""
        _view_ok(self)
        return self._context(ROLE_MTF)

    # ------------------------------------------------------------------ readiness

    def _role_ready(self, role):
        _view_ok(self)
        _in_range(role, 4)
        return self._roles[role] is not None and self._idx[role] >= 0

    @property
    def htf_ready(self):
        """True if an HTF feed exists and one of its bars has closed."""
        _view_ok(self)
        return self._role_ready(ROLE_HTF)

    @property
    def mtf_ready(self):
        """True if an MTF feed exists and one of its bars has closed."""
        _view_ok(self)
        return self._role_ready(ROLE_MTF)

    @property
    def ready(self):
        """Every role that has a feed has a closed bar, and history is ready."""
        _view_ok(self)
        return (self.history_ready and (self._roles[ROLE_MTF] is None or self._idx[ROLE_MTF] >= 0)
                and (self._roles[ROLE_HTF] is None or self._idx[ROLE_HTF] >= 0))

    @property
    def not_ready_reasons(self):
        """Why :attr:`ready` is False (HTF, MTF, history), empty when ready."""
        _view_ok(self)
        return api.not_ready_reasons(self)


_docs.document(SnapshotCore, _docs.VIEW_CORE)
