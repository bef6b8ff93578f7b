# cython: auto_pickle=False
"""Compiled view of one exec bar: :class:`RuntimeSnapshotView` and :class:`PathHandle`.

The view reads the FeedStore arrays through raw pointers taken once per feed set
(:mod:`btcore._core.feedtables`, cached on the MultiTFFeedStore), so building a view per bar is
cheap and moving the one reusable view is a few stores. Python accessors box one float; Cython
strategies call the ``c_*`` readers declared in ``view.pxd`` and box nothing. Its contexts are
:mod:`btcore._core.tfcontext`; the pure twin is :mod:`btcore._pure.view`.

Why no Python input can make it read memory it does not own:

* the pointers come from the feed tables, which check every array and hold it;
* every index a reader uses was ranged against those lengths where it entered (``__init__``,
  ``_move``, a resolved path); a resolved path is checked against the feed set it is read from;
* a view made with ``__new__`` points at a one-row all-NaN exec feed (the C readers stay in
  bounds) and every Python method raises :class:`~btcore.errors.NotInitializedError`; ``__init__``
  validates everything before it stores anything, and refuses to run twice;
* pickling goes through ``__init__`` (auto-pickle, which would restore raw fields, is off).
"""

cimport cython
from cpython.dict cimport PyDict_GetItemWithError
from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.long cimport PyLong_AsLongAndOverflow, PyLong_AsLongLongAndOverflow
from cpython.object cimport PyObject
from libc.math cimport NAN, floor, isnan
from libc.string cimport memcpy, memset

from btcore._core._typedefs cimport float64_t, ms_t, intp_t
from btcore._core.feedtables cimport (
    K_ABSENT, K_MARK, K_ROLLUP, K_SERIES, K_STRUCT, N_OHLCV, N_ROLES, N_ROLLUPS, ROLLUP_BARS, feed_set_tables,
    last_closed_1m, read_source, resolve,
)
from btcore._core.tfcontext cimport view_context

import numpy as np

from btcore import _incremental as incr
from btcore._arrays import _readonly
from btcore._core import tfcontext as _tfcontext
from btcore._pure._boundary import already_initialised, not_initialised
from btcore._shared import constants as C
from btcore._shared import feeds as F
from btcore._shared import paths as P
from btcore._shared import view_api as api
from btcore.errors import DataError, UnknownKeyError
from btcore.types import DEFAULT_HISTORY_CONFIG

__all__ = ["TFContext", "RuntimeSnapshotView", "PathHandle", "ROLE_EXEC", "ROLE_MTF", "ROLE_HTF"]
# The contexts a view returns, under the name the view module has always exported (a cimported
# class is a C-level name only, so the Python-level binding is made here).
globals()["TFContext"] = _tfcontext.TFContext

if (C.ROLE_EXEC, C.ROLE_MTF, C.ROLE_HTF, C.ROLE_QUOTE) != (ROLE_EXEC, ROLE_MTF, ROLE_HTF, ROLE_QUOTE) \
        or C.MAX_LOOKBACK != (1 << 62):
    raise ImportError("btcore._core.view is out of date with btcore._shared.constants; rebuild the extension")
_EMPTY_ROLLUPS = api.rollups_from_dict(None)
cdef tuple _ROLLUP_KEYS = C.ROLLUP_KEYS_FULL
cdef double _NO_ROLLUPS[N_ROLLUPS]
for _j in range(N_ROLLUPS):
    _NO_ROLLUPS[_j] = _EMPTY_ROLLUPS[_j]
cdef object _DEFAULT_HISTORY = DEFAULT_HISTORY_CONFIG
cdef intp_t _MAX_LOOKBACK = C.MAX_LOOKBACK
cdef double _MAX_EXACT_COUNT = C.MAX_EXACT_COUNT
cdef dict _ROLE_OF = C.ROLE_OF
cdef dict _OHLCV_SRC = {name: j for j, name in enumerate(C.OHLCV)}


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


# The "initialised?" test of every Python-facing method: inline, a pointer compare on the normal path.
cdef inline int _handle_ok(PathHandle h) except -1:
    if h._view is None:
        raise not_initialised(h)
    return 0


cdef inline int _view_ok(RuntimeSnapshotView v) except -1:
    if v._fc is None:
        raise not_initialised(v)
    return 0


# --------------------------------------------------------------------------- PathHandle


cdef class PathHandle:
    """A path resolved once and bound to one view: ``get()`` does no string work.

    The handle follows the view as it moves from bar to bar.
    """

    def __init__(self, RuntimeSnapshotView view not None, path):
        if self._view is not None:
            raise already_initialised(self)
        view._check()
        key = api.compilable_path(view._incr, path)
        spec = resolve(view._fc, key)
        self._spec = spec
        self._path = key
        self._view = view

    cdef int _check(self) except -1:
        if self._view is None:
            raise not_initialised(self)
        return 0

    cdef double c_get(self) noexcept:
        if self._view is None:  # an uninitialised handle reads NaN in C, raises in Python
            return NAN
        return self._view._eval(self._spec)

    def __reduce__(self):
        _handle_ok(self)
        return (_rebuild_handle, (type(self), self._view, self._path))

    @property
    def path(self):
        """The path this handle reads."""
        _handle_ok(self)
        return self._path

    def get(self):
        """Current value of the path; None if NaN, not ready or absent."""
        _handle_ok(self)
        return _opt(self._view._eval(self._spec))

    def __repr__(self):
        _handle_ok(self)
        return f"<PathHandle {self._path!r}>"


def _rebuild_handle(cls, view, path):
    handle = cls.__new__(cls)
    PathHandle.__init__(handle, view, path)
    return handle



# --------------------------------------------------------------------------- the view


@cython.freelist(8)  # engines that build a view per bar free one per bar: reuse the memory
cdef class RuntimeSnapshotView:
    """What a strategy can know at the close of one exec bar: an O(1) view over the feed arrays.

    Parameters
    ----------
    feeds : MultiTFFeedStore
        Exec feed plus optional MTF/HTF feeds and 1-minute quote feed.
    exec_idx : int
        Current exec bar (``0 <= exec_idx < len(exec_feed)``).
    htf_idx, mtf_idx : int or None
        Last closed HTF/MTF bar; None or -1 means that context is not ready yet. Ignored for a
        role without a feed.
    exchange : object
        :class:`~btcore.types.ExchangeState` or a simulator exposing ``position``.
    mark_price : float
        Mark price at this bar (``price.mark.close``).
    mark_price_source : str
        Where the mark price came from.
    history_config : HistoryConfig, optional
        Defaults to ``DEFAULT_HISTORY_CONFIG``.
    history_ready : bool
        Whether the caller's history windows are filled (part of :attr:`ready`).
    rollups : dict, optional
        Reference-style ``{"px.rollup.<field>": value}``; replaced by :meth:`_attach_rollups`.
    incremental_state : object, optional
        An engine's incremental structure state (see :mod:`btcore._incremental`): it serves
        ``structure.*`` paths and :meth:`get_structure`, read live at every call.

    Raises
    ------
    IndexError
        If an index is out of range (negative indices other than -1 are never wrapped).
    TypeError
        If ``incremental_state`` lacks ``exec.structures``, ``htf`` or ``get_value``.

    Notes
    -----
    A role without its own feed reads as None through every accessor and does not affect
    :attr:`ready`. A value that is NaN reads as None; the ``*_strict`` variants raise
    :class:`~btcore.errors.NotReadyError` instead.
    """

    def __init__(self, feeds, exec_idx, htf_idx, mtf_idx, exchange, mark_price, mark_price_source,
                 history_config=None, history_ready=True, rollups=None, incremental_state=None):
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
        e = _exec_index(fc.feeds[0], exec_idx, r[0].n)
        m = _role_index(fc.feeds[1], mtf_idx, r[1].n, "mtf_idx") if r[1].present else -1
        h = _role_index(fc.feeds[2], htf_idx, r[2].n, "htf_idx") if r[2].present else -1
        q = last_closed_1m(r[3].ts_close, r[3].n, r[0].ts_close[e]) if r[3].present else -1
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
        self._idx[0], self._idx[1], self._idx[2], self._idx[3] = e, m, h, q
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

    def __cinit__(self):
        # Until __init__ ran: one NaN exec bar (the inline C readers stay in bounds), no feed for
        # the other roles, empty rollups; every Python method raises NotInitializedError. A few
        # plain stores (no Python object, no call): reference-style engines build a view per bar.
        self.mark_price = NAN
        self._r[0] = _NAN_ROLE
        self._absent[1] = self._absent[2] = self._absent[3] = -1
        self._idx[1] = self._idx[2] = self._idx[3] = -1
        self._roll_cur = _NO_ROLLUPS  # read-only static: c_rollup reads "no 1m bar"
        self._roll_step = 1

    cdef int _check(self) except -1:
        if self._fc is None:
            raise not_initialised(self)
        return 0

    def __reduce__(self):
        _view_ok(self)
        args = (self._feeds, self._idx[0], self._idx[2], self._idx[1], self.exchange, self.mark_price,
                self.mark_price_source, self._history_config, self.history_ready,
                None if self._roll != NULL else api.rollups_to_dict([self._roll_fixed[j] for j in range(N_ROLLUPS)]),
                self._incr)
        state = getattr(self, "__dict__", None)  # a Python subclass's own attributes
        return (_rebuild_view, (type(self), args, self._idx[3], self._roll_keep), state)

    # ------------------------------------------------------------------ moving

    cdef void _c_aim_rollups(self) noexcept nogil:
        # c_rollup's cursor after the matrix was attached or detached.
        if self._roll != NULL:
            self._roll_cur = self._roll + self._idx[0]
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
        e = _exec_index(feeds[0], exec_idx, self._r[0].n)
        m = _role_index(feeds[1], mtf_idx, self._r[1].n, "mtf_idx")
        h = _role_index(feeds[2], htf_idx, self._r[2].n, "htf_idx")
        q = _role_index(feeds[3], m1_idx, self._r[3].n, "m1_idx")
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
        n = self._r[0].n
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
            return spec.ptr[self._idx[0]]
        return NAN

    cpdef intp_t indicator_col(self, object name, object role="exec") except -1:
        """Row of indicator ``name`` in the ``role`` feed's matrix, for repeated C-level reads.

        Raises
        ------
        UnknownKeyError
            If the role has no feed or ``name`` is not declared on it.
        PathError
            If ``role`` is not a tf role.
        """
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
        cdef intp_t e = self._idx[0], i
        cdef const float64_t* col = self._r[0].col[src]
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
        return self._r[0].ts_close[self._idx[0]]

    @property
    def ts_open_ms(self):
        """Exec bar open time in epoch ms."""
        _view_ok(self)
        return self._r[0].ts_open[self._idx[0]]

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
        return self._roles[0].symbol

    @property
    def exec_tf(self):
        """Timeframe of the exec feed."""
        _view_ok(self)
        return self._roles[0].tf

    @property
    def tf_mapping(self):
        """Role → timeframe mapping of the feeds."""
        _view_ok(self)
        return self._feeds.tf_mapping

    @property
    def exec_idx(self):
        """Current exec bar index."""
        _view_ok(self)
        return self._idx[0]

    def _role_idx(self, role):
        _view_ok(self)
        _in_range(role, 4)
        i = self._idx[role]
        return i if i >= 0 else None

    @property
    def htf_idx(self):
        """Current HTF bar index; None if not ready or no HTF feed."""
        _view_ok(self)
        return self._role_idx(2)

    @property
    def mtf_idx(self):
        """Current MTF bar index; None if not ready or no MTF feed."""
        _view_ok(self)
        return self._role_idx(1)

    @property
    def m1_idx(self):
        """Quote-feed row of the last 1m bar closed at or before the exec close; None if none."""
        _view_ok(self)
        return self._role_idx(3)

    @property
    def ts_close(self):
        """Exec bar close time as the exec feed's datetime (aware UTC for a btcore feed)."""
        _view_ok(self)
        return self._roles[0].get_ts_close_datetime(self._idx[0])

    @property
    def ts_open(self):
        """Exec bar open time as the exec feed's datetime (aware UTC for a btcore feed)."""
        _view_ok(self)
        return self._roles[0].get_ts_open_datetime(self._idx[0])

    @property
    def exec_ctx(self):
        """Exec context (follows the view when it moves)."""
        _view_ok(self)
        return self._context(0)

    @property
    def htf_ctx(self):
        """HTF context; None if there is no HTF feed."""
        _view_ok(self)
        return self._context(2)

    @property
    def mtf_ctx(self):
        """MTF context; None if there is no MTF feed."""
        _view_ok(self)
        return self._context(1)

    # ------------------------------------------------------------------ readiness

    def _role_ready(self, role):
        _view_ok(self)
        _in_range(role, 4)
        return self._roles[role] is not None and self._idx[role] >= 0

    @property
    def htf_ready(self):
        """True if an HTF feed exists and one of its bars has closed."""
        _view_ok(self)
        return self._role_ready(2)

    @property
    def mtf_ready(self):
        """True if an MTF feed exists and one of its bars has closed."""
        _view_ok(self)
        return self._role_ready(1)

    @property
    def ready(self):
        """Every role that has a feed has a closed bar, and history is ready."""
        _view_ok(self)
        return (self.history_ready and (self._roles[1] is None or self._idx[1] >= 0)
                and (self._roles[2] is None or self._idx[2] >= 0))

    @property
    def not_ready_reasons(self):
        """Why :attr:`ready` is False (HTF, MTF, history), empty when ready."""
        _view_ok(self)
        return api.not_ready_reasons(self)

    # ------------------------------------------------------------------ exec bar

    @property
    def open(self):
        """Exec bar open; None if NaN."""
        _view_ok(self)
        return _opt(self._series(0, 0))

    @property
    def high(self):
        """Exec bar high; None if NaN."""
        _view_ok(self)
        return _opt(self._series(0, 1))

    @property
    def low(self):
        """Exec bar low; None if NaN."""
        _view_ok(self)
        return _opt(self._series(0, 2))

    @property
    def close(self):
        """Exec bar close; None if NaN."""
        _view_ok(self)
        return _opt(self._series(0, 3))

    @property
    def volume(self):
        """Exec bar volume; None if NaN."""
        _view_ok(self)
        return _opt(self._series(0, 4))

    @property
    def ema_fast(self):
        """Exec indicator ``ema_fast``; None if undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(0, "ema_fast", 0))

    @property
    def ema_slow(self):
        """Exec indicator ``ema_slow``; None if undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(0, "ema_slow", 0))

    @property
    def rsi(self):
        """Exec indicator ``rsi``; None if undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(0, "rsi", 0))

    @property
    def atr(self):
        """Exec indicator ``atr``; None if undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(0, "atr", 0))

    def indicator(self, name):
        """Exec indicator ``name``; None if undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(0, name, 0))

    def indicator_strict(self, name):
        """Exec indicator ``name``; UnknownKeyError if undeclared, NotReadyError if NaN."""
        _view_ok(self)
        return self.exec_ctx.get_indicator_strict(name)

    def has_indicator(self, name):
        """True if ``name`` is declared on the exec feed."""
        _view_ok(self)
        return name in self._fc.names[0]

    @property
    def available_indicators(self):
        """Indicator names of the exec feed."""
        _view_ok(self)
        return list(self._roles[0].indicator_names)

    @property
    def available_htf_indicators(self):
        """Indicator names of the HTF feed (``[]`` without one)."""
        _view_ok(self)
        f = self._roles[2]
        return list(f.indicator_names) if f is not None else []

    @property
    def available_mtf_indicators(self):
        """Indicator names of the MTF feed (``[]`` without one)."""
        _view_ok(self)
        f = self._roles[1]
        return list(f.indicator_names) if f is not None else []

    # ------------------------------------------------------------------ history by offset

    def prev_indicator(self, name, lookback=1):
        """Exec indicator ``lookback`` bars ago (>= 1); None before the first bar, undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(0, name, F.check_count(lookback, "lookback", 1)))

    def prev_ema_fast(self, lookback=1):
        """``ema_fast`` ``lookback`` bars ago (>= 1)."""
        _view_ok(self)
        return self.prev_indicator("ema_fast", lookback)

    def prev_ema_slow(self, lookback=1):
        """``ema_slow`` ``lookback`` bars ago (>= 1)."""
        _view_ok(self)
        return self.prev_indicator("ema_slow", lookback)

    def prev_rsi(self, lookback=1):
        """``rsi`` ``lookback`` bars ago (>= 1)."""
        _view_ok(self)
        return self.prev_indicator("rsi", lookback)

    def prev_atr(self, lookback=1):
        """``atr`` ``lookback`` bars ago (>= 1)."""
        _view_ok(self)
        return self.prev_indicator("atr", lookback)

    def _prev(self, src, lookback):
        _view_ok(self)
        _in_range(src, N_OHLCV)
        i = self._idx[0] - F.check_count(lookback, "lookback", 1)
        return None if i < 0 else _opt(self._at(0, i, src))

    def prev_close(self, lookback=1):
        """Exec close ``lookback`` bars ago (>= 1); None before the first bar or if NaN."""
        _view_ok(self)
        return self._prev(3, lookback)

    def prev_high(self, lookback=1):
        """Exec high ``lookback`` bars ago (>= 1); None before the first bar or if NaN."""
        _view_ok(self)
        return self._prev(1, lookback)

    def prev_low(self, lookback=1):
        """Exec low ``lookback`` bars ago (>= 1); None before the first bar or if NaN."""
        _view_ok(self)
        return self._prev(2, lookback)

    def bars_exec_low(self, n):
        """Lowest exec low over the last ``n`` bars including the current one (fewer at the start).

        None if any low in the window is NaN (a NaN is never skipped silently).
        """
        _view_ok(self)
        return self._window(2, n, False)

    def bars_exec_high(self, n):
        """Highest exec high over the last ``n`` bars including the current one (fewer at the start).

        None if any high in the window is NaN (a NaN is never skipped silently).
        """
        _view_ok(self)
        return self._window(1, n, True)

    # ------------------------------------------------------------------ HTF / MTF

    @property
    def htf_ema_fast(self):
        """HTF ``ema_fast``; None if no HTF feed, not ready, undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(2, "ema_fast", 0))

    @property
    def htf_ema_slow(self):
        """HTF ``ema_slow``; None if no HTF feed, not ready, undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(2, "ema_slow", 0))

    @property
    def htf_rsi(self):
        """HTF ``rsi``; None if no HTF feed, not ready, undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(2, "rsi", 0))

    @property
    def mtf_ema_fast(self):
        """MTF ``ema_fast``; None if no MTF feed, not ready, undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(1, "ema_fast", 0))

    @property
    def mtf_ema_slow(self):
        """MTF ``ema_slow``; None if no MTF feed, not ready, undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(1, "ema_slow", 0))

    @property
    def mtf_rsi(self):
        """MTF ``rsi``; None if no MTF feed, not ready, undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(1, "rsi", 0))

    def htf_indicator(self, name):
        """HTF indicator ``name``; None if no HTF feed, not ready, undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(2, name, 0))

    def mtf_indicator(self, name):
        """MTF indicator ``name``; None if no MTF feed, not ready, undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(1, name, 0))

    def get_feature(self, indicator_key, tf_role="exec", offset=0):
        """Indicator or OHLCV value of a role, ``offset`` bars back (>= 0) from its current bar.

        ``"mark_price"`` returns the mark price (offset must be 0). None if the role has no feed
        or is not ready, the key is undeclared, the bar is before the first one, or the value is
        NaN.

        Raises
        ------
        PathError
            Unknown ``tf_role``.
        ValueError
            Negative ``offset``.
        """
        cdef int r, overflow = 0
        cdef intp_t off = -1, i
        cdef dict names
        cdef PyObject* row
        _view_ok(self)
        # interned role names (the default and the literals callers write) compare by identity
        if tf_role is "exec":
            r = ROLE_EXEC
        elif tf_role is "htf":
            r = ROLE_HTF
        elif tf_role is "mtf":
            r = ROLE_MTF
        else:
            role = _ROLE_OF.get(tf_role) if type(tf_role) is str else None
            r = F.role_index(tf_role) if role is None else role
        if type(offset) is int:
            off = PyLong_AsLongAndOverflow(offset, &overflow)
            if overflow:
                off = -1
        if off < 0 or off > _MAX_LOOKBACK:  # the checked path: its error, or the clamp of both twins
            off = F.check_offset(offset)
        if indicator_key == "mark_price":
            return api.mark_price_feature(self.mark_price, off)
        names = self._fc.names[r]
        if names is None or self._idx[r] < 0:
            return None
        i = self._idx[r] - off
        row = PyDict_GetItemWithError(names, indicator_key)  # raises as dict.get does (unhashable keys)
        if row != NULL:  # a borrowed row number of the private name table (< the feed's k)
            src = N_OHLCV + <intp_t><object>row
        else:
            src = _OHLCV_SRC.get(indicator_key)
            if src is None:
                return None
        return None if i < 0 else _opt(read_source(&self._r[r], i, <intp_t>src))

    def has_feature(self, indicator_key, tf_role="exec"):
        """True if ``get_feature(indicator_key, tf_role)`` can ever return a value: always for
        ``mark_price``, otherwise when the role has a feed and the key is OHLCV or declared.
        PathError for an unknown role."""
        _view_ok(self)
        r = F.role_index(tf_role)
        if indicator_key == C.MARK_PRICE_KEY:
            return True
        return self._roles[r] is not None and (indicator_key in C.OHLCV or indicator_key in self._fc.names[r])

    # ------------------------------------------------------------------ staleness

    @property
    def htf_ctx_ts_close_ms(self):
        """Close time (ms) of the current HTF bar; None without one."""
        _view_ok(self)
        return self._ctx_close_ms(2)

    @property
    def mtf_ctx_ts_close_ms(self):
        """Close time (ms) of the current MTF bar; None without one."""
        _view_ok(self)
        return self._ctx_close_ms(1)

    @property
    def htf_ctx_ts_close(self):
        """Close time of the current HTF bar as the feed's datetime; None without one."""
        _view_ok(self)
        return self._ctx_close_dt(2)

    @property
    def mtf_ctx_ts_close(self):
        """Close time of the current MTF bar as the feed's datetime; None without one."""
        _view_ok(self)
        return self._ctx_close_dt(1)

    def _staleness(self, role):
        _view_ok(self)
        _in_range(role, 4)
        ms = self._ctx_close_ms(role)
        return None if ms is None else self.ts_close_ms - ms

    @property
    def htf_staleness_ms(self):
        """Exec close minus HTF bar close, in ms (0 when the HTF bar closed with this bar)."""
        _view_ok(self)
        return self._staleness(2)

    @property
    def mtf_staleness_ms(self):
        """Exec close minus MTF bar close, in ms (0 when the MTF bar closed with this bar)."""
        _view_ok(self)
        return self._staleness(1)

    @property
    def htf_is_stale(self):
        """True if the HTF bar closed before this exec bar's close; None without an HTF bar."""
        _view_ok(self)
        s = self._staleness(2)
        return None if s is None else s > 0

    @property
    def mtf_is_stale(self):
        """True if the MTF bar closed before this exec bar's close; None without an MTF bar."""
        _view_ok(self)
        s = self._staleness(1)
        return None if s is None else s > 0

    # ------------------------------------------------------------------ exchange

    @property
    def equity(self):
        """Account equity (USDT)."""
        _view_ok(self)
        return api.exchange_value(self.exchange, "equity_usdt")

    @property
    def available_balance(self):
        """Available balance (USDT)."""
        _view_ok(self)
        return api.exchange_value(self.exchange, "available_balance_usdt")

    @property
    def has_position(self):
        """True if a position is open."""
        _view_ok(self)
        return api.exchange_value(self.exchange, "has_position")

    @property
    def position_side(self):
        """``"long"``, ``"short"`` or None."""
        _view_ok(self)
        return api.exchange_value(self.exchange, "position_side")

    @property
    def position_size_usdt(self):
        """Position size in USDT (0.0 when flat)."""
        _view_ok(self)
        return api.exchange_value(self.exchange, "position_size_usdt")

    @property
    def unrealized_pnl(self):
        """Unrealized PnL (USDT)."""
        _view_ok(self)
        return api.exchange_value(self.exchange, "unrealized_pnl_usdt")

    @property
    def entries_disabled(self):
        """True if the exchange refuses new entries."""
        _view_ok(self)
        return api.exchange_value(self.exchange, "entries_disabled")

    # ------------------------------------------------------------------ rollups

    @property
    def rollup_min_1m(self):
        """Lowest 1m low inside the exec bar; None if there were no 1m bars (or NaN)."""
        _view_ok(self)
        return _opt(self._rollup(0))

    @property
    def rollup_max_1m(self):
        """Highest 1m high inside the exec bar; None if there were no 1m bars (or NaN)."""
        _view_ok(self)
        return _opt(self._rollup(1))

    @property
    def rollup_bars_1m(self):
        """Number of 1m bars inside the exec bar."""
        _view_ok(self)
        v = self._rollup(ROLLUP_BARS)
        return 0 if v != v else int(v)

    @property
    def rollup_open_1m(self):
        """Open of the first 1m bar inside the exec bar; None if none (or NaN)."""
        _view_ok(self)
        return _opt(self._rollup(3))

    @property
    def rollup_close_1m(self):
        """Close of the last 1m bar inside the exec bar; None if none (or NaN)."""
        _view_ok(self)
        return _opt(self._rollup(4))

    @property
    def rollup_volume_1m(self):
        """Summed 1m volume inside the exec bar; None if none (or NaN)."""
        _view_ok(self)
        return _opt(self._rollup(5))

    @property
    def rollup_price_range_1m(self):
        """``rollup_max_1m - rollup_min_1m``; None if there were no 1m bars (or NaN)."""
        _view_ok(self)
        return _opt(self._rollup(1) - self._rollup(0))

    @property
    def has_rollups(self):
        """True if at least one 1m bar fell inside the exec bar."""
        _view_ok(self)
        return self.rollup_bars_1m > 0

    def get_rollup(self, key):
        """Rollup value by ``px.rollup.<field>`` or ``<field>``; PathError for unknown keys."""
        _view_ok(self)
        return _opt(self._rollup(P.rollup_index(key)))

    @property
    def rollups(self):
        """All rollups as ``{"px.rollup.<field>": value}`` (a new dict; count as int)."""
        _view_ok(self)
        out = {k: _opt(self._rollup(i)) for i, k in enumerate(C.ROLLUP_KEYS_FULL)}
        out[C.ROLLUP_KEYS_FULL[C.ROLLUP_BARS]] = self.rollup_bars_1m
        return out

    # ------------------------------------------------------------------ paths

    def get(self, path):
        """Value at ``path`` (see :mod:`btcore._shared.paths` for the grammar); None if NaN, not
        ready or the role has no feed. Parsed paths are cached per feed set (bounded).

        Raises
        ------
        PathError
            Invalid path; the message names what is valid.
        """
        _view_ok(self)
        if self._incr is not None:
            found, value = incr.read(self._incr, path)
            if found:
                return value
        return _opt(self._eval(self._spec(path)))

    def get_strict(self, path):
        """Like :meth:`get` but NotReadyError instead of None."""
        _view_ok(self)
        v = self.get(path)
        if v is None:
            raise api.strict_missing(f"path {path!r}", f"exec bar {self._idx[0]}")
        return v

    def has_path(self, path):
        """True if ``get(path)`` has a value now; False if NaN/not ready. PathError if invalid."""
        _view_ok(self)
        return self.get(path) is not None

    def is_valid_path(self, path):
        """True if ``path`` is valid for these feeds (whatever its current value)."""
        _view_ok(self)
        return api.is_valid_path(self._incr, path, self._resolve)

    def compile(self, path):
        """Resolve ``path`` once; the returned handle reads it with no string work per call.

        A ``structure.*`` path served by the incremental state cannot be compiled (its value
        lives in the engine's object): PathError; read it with :meth:`get`.
        """
        _view_ok(self)
        return PathHandle(self, path)

    def list_structure_paths(self):
        """Every valid ``structure.*`` path: the exec feed's blocks and the incremental state's."""
        _view_ok(self)
        return incr.structure_paths(self._incr, P.structure_paths(self._roles))

    @property
    def has_incremental_state(self):
        """True if the view was built with an ``incremental_state``."""
        _view_ok(self)
        return self._incr is not None

    def get_structure(self, path):
        """Raw value of an incremental structure output: ``"<key>.<output>"`` (exec) or
        ``"htf_<tf>.<key>.<output>"`` (float, int, str or None, as the detector returns it).

        Raises
        ------
        UnknownKeyError
            (a ``KeyError``) without an incremental state, for a malformed path or an unknown
            structure; the detector's ``KeyError`` for an unknown output.
        """
        _view_ok(self)
        return incr.get_structure(self._incr, path)

    def to_dict(self):
        """Debug dictionary of the current bar (allocates; not for the hot loop)."""
        _view_ok(self)
        return api.view_to_dict(self)

    def __repr__(self):
        _view_ok(self)
        return f"<RuntimeSnapshotView {self.symbol} {self.exec_tf} exec_idx={self._idx[0]} ready={self.ready}>"


def _rebuild_view(cls, args, m1_idx, rollup_matrix):
    return api.rebuild_view(RuntimeSnapshotView, cls, args, m1_idx, rollup_matrix)
