# cython: auto_pickle=False
"""Compiled view of one exec bar: :class:`RuntimeSnapshotView`, :class:`PathHandle` and the reference-style
:class:`CompatSnapshotView`; their base ``SnapshotCore`` is ``viewcore.pxi``, the reference accessors
``compatview.pxi`` (one module: see ``viewcore.pxi`` for why).

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
    K_ABSENT, K_MARK, K_ROLLUP, K_SERIES, K_STRUCT, N_OHLCV, N_ROLES, N_ROLLUPS, ROLLUP_BARS, ROLLUP_CLOSE,
    ROLLUP_MAX, ROLLUP_MIN, ROLLUP_OPEN, ROLLUP_VOLUME, SRC_CLOSE, SRC_HIGH, SRC_LOW, SRC_OPEN, SRC_VOLUME,
    feed_set_tables, last_closed_1m, read_source, resolve,
)
from btcore._core.tfcontext cimport view_context

import numpy as np

from btcore import _incremental as incr
from btcore._arrays import _readonly
from btcore._core import tfcontext as _tfcontext
from btcore._shared.boundary import already_initialised, not_initialised
from btcore._shared import constants as C
from btcore._shared import feeds as F
from btcore._shared import paths as P
from btcore._shared import view_api as api
from btcore._shared import view_docs as _docs
from btcore._shared.docs import signed
from btcore.errors import DataError, UnknownKeyError
from btcore.types import DEFAULT_HISTORY_CONFIG

__all__ = ["TFContext", "RuntimeSnapshotView", "PathHandle", "CompatSnapshotView", "ROLE_EXEC", "ROLE_MTF", "ROLE_HTF"]
# Python-level names of what view.pxd cimports (a cimported class or enum is a C-level name only):
# the contexts a view returns and the role numbers of the C readers.
globals().update(TFContext=_tfcontext.TFContext, ROLE_EXEC=ROLE_EXEC, ROLE_MTF=ROLE_MTF, ROLE_HTF=ROLE_HTF)
cdef intp_t _MAX_LOOKBACK = C.MAX_LOOKBACK
cdef dict _ROLE_OF = C.ROLE_OF
cdef dict _OHLCV_SRC = {name: j for j, name in enumerate(C.OHLCV)}


cdef inline int _handle_ok(PathHandle h) except -1:
    # The "initialised?" test of every Python-facing member: a pointer compare on the normal path.
    if h._view is None:
        raise not_initialised(h)
    return 0


include "viewcore.pxi"


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


@cython.embedsignature(False)  # the signed shared docstring carries the signature
cdef class RuntimeSnapshotView(SnapshotCore):
    __doc__ = signed(
        "RuntimeSnapshotView(feeds, exec_idx, htf_idx, mtf_idx, exchange, mark_price, mark_price_source, history_config=None, history_ready=True, rollups=None, incremental_state=None)",
        _docs.CLASSES["RuntimeSnapshotView"])

    def __init__(self, feeds, exec_idx, htf_idx, mtf_idx, exchange, mark_price, mark_price_source,
                 history_config=None, history_ready=True, rollups=None, incremental_state=None):
        # SnapshotCore's constructor, called from this class's own __init__: a class without one
        # has no vectorcall constructor and pays ~200 ns more per view (an args tuple and dict).
        self._init(feeds, exec_idx, htf_idx, mtf_idx, exchange, mark_price, mark_price_source,
                   history_config, history_ready, rollups, incremental_state)

    def __reduce__(self):
        _view_ok(self)
        args = (self._feeds, self._idx[ROLE_EXEC], self._idx[ROLE_HTF], self._idx[ROLE_MTF], self.exchange, self.mark_price,
                self.mark_price_source, self._history_config, self.history_ready,
                None if self._roll != NULL else api.rollups_to_dict([self._roll_fixed[j] for j in range(N_ROLLUPS)]),
                self._incr)
        state = getattr(self, "__dict__", None)  # a Python subclass's own attributes
        return (_rebuild_view, (type(self), args, self._idx[ROLE_QUOTE], self._roll_keep), state)

    # ------------------------------------------------------------------ exec bar

    @property
    def open(self):
        """Exec bar open; None if NaN."""
        _view_ok(self)
        return _opt(self._series(ROLE_EXEC, SRC_OPEN))

    @property
    def high(self):
        """Exec bar high; None if NaN."""
        _view_ok(self)
        return _opt(self._series(ROLE_EXEC, SRC_HIGH))

    @property
    def low(self):
        """Exec bar low; None if NaN."""
        _view_ok(self)
        return _opt(self._series(ROLE_EXEC, SRC_LOW))

    @property
    def close(self):
        """Exec bar close; None if NaN."""
        _view_ok(self)
        return _opt(self._series(ROLE_EXEC, SRC_CLOSE))

    @property
    def volume(self):
        """Exec bar volume; None if NaN."""
        _view_ok(self)
        return _opt(self._series(ROLE_EXEC, SRC_VOLUME))

    def indicator(self, name):
        """Exec indicator ``name``; None if undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(ROLE_EXEC, name, 0))

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
        return list(self._roles[ROLE_EXEC].indicator_names)

    @property
    def available_htf_indicators(self):
        """Indicator names of the HTF feed (``[]`` without one)."""
        _view_ok(self)
        f = self._roles[ROLE_HTF]
        return list(f.indicator_names) if f is not None else []

    @property
    def available_mtf_indicators(self):
        """Indicator names of the MTF feed (``[]`` without one)."""
        _view_ok(self)
        f = self._roles[ROLE_MTF]
        return list(f.indicator_names) if f is not None else []

    # ------------------------------------------------------------------ history by offset

    def prev_indicator(self, name, lookback=1):
        """Exec indicator ``lookback`` bars ago (>= 1); None before the first bar, undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(ROLE_EXEC, name, F.check_count(lookback, "lookback", 1)))

    def _prev(self, src, lookback):
        _view_ok(self)
        _in_range(src, N_OHLCV)
        i = self._idx[ROLE_EXEC] - F.check_count(lookback, "lookback", 1)
        return None if i < 0 else _opt(self._at(0, i, src))

    def prev_close(self, lookback=1):
        """Exec close ``lookback`` bars ago (>= 1); None before the first bar or if NaN."""
        _view_ok(self)
        return self._prev(SRC_CLOSE, lookback)

    def prev_high(self, lookback=1):
        """Exec high ``lookback`` bars ago (>= 1); None before the first bar or if NaN."""
        _view_ok(self)
        return self._prev(SRC_HIGH, lookback)

    def prev_low(self, lookback=1):
        """Exec low ``lookback`` bars ago (>= 1); None before the first bar or if NaN."""
        _view_ok(self)
        return self._prev(SRC_LOW, lookback)

    def bars_exec_low(self, n):
        """Lowest exec low over the last ``n`` bars including the current one (fewer at the start).

        None if any low in the window is NaN (a NaN is never skipped silently).
        """
        _view_ok(self)
        return self._window(SRC_LOW, n, False)

    def bars_exec_high(self, n):
        """Highest exec high over the last ``n`` bars including the current one (fewer at the start).

        None if any high in the window is NaN (a NaN is never skipped silently).
        """
        _view_ok(self)
        return self._window(SRC_HIGH, n, True)

    # ------------------------------------------------------------------ HTF / MTF

    def htf_indicator(self, name):
        """HTF indicator ``name``; None if no HTF feed, not ready, undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(ROLE_HTF, name, 0))

    def mtf_indicator(self, name):
        """MTF indicator ``name``; None if no MTF feed, not ready, undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(ROLE_MTF, name, 0))

    def get_feature(self, indicator_key, tf_role="exec", offset=0):
        # docstring: btcore/_shared/view_docs.py
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
        return self._ctx_close_ms(ROLE_HTF)

    @property
    def mtf_ctx_ts_close_ms(self):
        """Close time (ms) of the current MTF bar; None without one."""
        _view_ok(self)
        return self._ctx_close_ms(ROLE_MTF)

    @property
    def htf_ctx_ts_close(self):
        """Close time of the current HTF bar as the feed's datetime; None without one."""
        _view_ok(self)
        return self._ctx_close_dt(ROLE_HTF)

    @property
    def mtf_ctx_ts_close(self):
        """Close time of the current MTF bar as the feed's datetime; None without one."""
        _view_ok(self)
        return self._ctx_close_dt(ROLE_MTF)

    def _staleness(self, role):
        _view_ok(self)
        _in_range(role, 4)
        ms = self._ctx_close_ms(role)
        return None if ms is None else self.ts_close_ms - ms

    @property
    def htf_staleness_ms(self):
        """Exec close minus HTF bar close, in ms (0 when the HTF bar closed with this bar)."""
        _view_ok(self)
        return self._staleness(ROLE_HTF)

    @property
    def mtf_staleness_ms(self):
        """Exec close minus MTF bar close, in ms (0 when the MTF bar closed with this bar)."""
        _view_ok(self)
        return self._staleness(ROLE_MTF)

    @property
    def htf_is_stale(self):
        """True if the HTF bar closed before this exec bar's close; None without an HTF bar."""
        _view_ok(self)
        s = self._staleness(ROLE_HTF)
        return None if s is None else s > 0

    @property
    def mtf_is_stale(self):
        """True if the MTF bar closed before this exec bar's close; None without an MTF bar."""
        _view_ok(self)
        s = self._staleness(ROLE_MTF)
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
        return _opt(self._rollup(ROLLUP_MIN))

    @property
    def rollup_max_1m(self):
        """Highest 1m high inside the exec bar; None if there were no 1m bars (or NaN)."""
        _view_ok(self)
        return _opt(self._rollup(ROLLUP_MAX))

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
        return _opt(self._rollup(ROLLUP_OPEN))

    @property
    def rollup_close_1m(self):
        """Close of the last 1m bar inside the exec bar; None if none (or NaN)."""
        _view_ok(self)
        return _opt(self._rollup(ROLLUP_CLOSE))

    @property
    def rollup_volume_1m(self):
        """Summed 1m volume inside the exec bar; None if none (or NaN)."""
        _view_ok(self)
        return _opt(self._rollup(ROLLUP_VOLUME))

    @property
    def rollup_price_range_1m(self):
        """``rollup_max_1m - rollup_min_1m``; None if there were no 1m bars (or NaN)."""
        _view_ok(self)
        return _opt(self._rollup(ROLLUP_MAX) - self._rollup(ROLLUP_MIN))

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
        # docstring: btcore/_shared/view_docs.py
        _view_ok(self)
        if self._incr is not None:
            found, value = incr.read(self._incr, path)
            if found:
                return value
        return _opt(self._eval(self._spec(path)))

    def get_strict(self, path):
        """Like :meth:`get` but NotReadyError instead of None."""
        _view_ok(self)
        return api.get_strict(self, path)

    def has_path(self, path):
        """True if ``get(path)`` has a value now; False if NaN/not ready. PathError if invalid."""
        _view_ok(self)
        return self.get(path) is not None

    def is_valid_path(self, path):
        """True if ``path`` is valid for these feeds (whatever its current value)."""
        _view_ok(self)
        return api.is_valid_path(self._incr, path, self._resolve)

    def compile(self, path):
        # docstring: btcore/_shared/view_docs.py
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
        # docstring: btcore/_shared/view_docs.py
        _view_ok(self)
        return incr.get_structure(self._incr, path)

    def to_dict(self):
        """Debug dictionary of the current bar (allocates; not for the hot loop)."""
        _view_ok(self)
        return api.view_to_dict(self)

    def __repr__(self):
        _view_ok(self)
        return f"<RuntimeSnapshotView {self.symbol} {self.exec_tf} exec_idx={self._idx[ROLE_EXEC]} ready={self.ready}>"
def _rebuild_view(cls, args, m1_idx, rollup_matrix):
    return api.rebuild_view(RuntimeSnapshotView, cls, args, m1_idx, rollup_matrix)


_docs.document(RuntimeSnapshotView, _docs.VIEW)


include "compatview.pxi"
