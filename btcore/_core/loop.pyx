# cython: auto_pickle=False
"""The bar loop: one reusable view moved from exec bar to exec bar, a strategy called per bar.

Compiled twin of ``btcore._pure.loop`` (see there for the per-bar order of calls).
:class:`LoopResult`, the signal constants and :func:`signal_code` are plain Python, written
once in ``btcore._shared.loop`` and re-exported here; argument validation is shared too, so both
twins reject the same inputs with the same messages.

Per bar the compiled loop moves the view with inline C code (``_c_move`` from ``view.pxd``: a
few stores, no allocation), converts the usual signal values without Python calls, and calls a
:class:`CythonStrategy` through its C method ``c_on_bar``.

Those moves are unchecked, so ``__init__`` checks once what they rely on: the alignment arrays are
btcore-owned (immutable) int64 arrays of one row per exec bar, every index in range for the feed
the view reads at it, and the view reads the very feed set the alignment was computed for (a
``quote_feed=`` argument is merged into it). The loop keeps its own typed views of those arrays
and its own bar count, so nothing reachable from Python can change them afterwards.
"""

import time

import numpy as np

cimport cython
from cpython.long cimport PyLong_AsLongAndOverflow

from btcore._core.tracker cimport StateTracker

from btcore._arrays import _is_frozen
from btcore._shared.boundary import already_initialised, not_initialised
from btcore.errors import DataError
from btcore._shared import loop as _shared
from btcore._shared.docs import attach, signed
# The signal codes, signal_code and LoopResult are this module's API too (written once there).
from btcore._shared.loop import *  # noqa: F401,F403
from btcore._shared.loop import DOCS, NAMES

__all__ = list(NAMES)


cdef inline int _code(object signal) except? -128:
    # The common returns (None, a small int) without a Python call; the rest via signal_code.
    cdef long v
    cdef int overflow = 0
    if signal is None:
        return SIG_NONE
    if type(signal) is int:
        v = PyLong_AsLongAndOverflow(signal, &overflow)  # huge ints: overflow set, no exception
        if overflow == 0 and (v == SIG_NONE or v == SIG_LONG or v == SIG_SHORT or v == SIG_FLAT):
            return <int>v
    return signal_code(signal)


cdef inline int _checked(int code) except? -128:
    # A CythonStrategy's c_on_bar code, refused unless it is a signal code.
    if code != SIG_NONE and code != SIG_LONG and code != SIG_SHORT and code != SIG_FLAT:
        return signal_code(code)  # raises with the standard message
    return code


cdef inline void _move(RuntimeSnapshotView view, intp_t i, int64_t htf, int64_t mtf, int64_t m1,
                       float64_t close, bint history_ready) noexcept:
    # The per-bar move of the view: its four indices, the mark price (the exec close) and
    # whether the history windows are full.
    view._c_move(i, htf, mtf, m1)
    view.mark_price = close
    view.history_ready = history_ready


cdef class CythonStrategy:
    __doc__ = DOCS["CythonStrategy"]

    cdef int c_on_bar(self, RuntimeSnapshotView view) except? -128:
        return _code(self.on_bar(view))

    def on_bar(self, view):
        return None

    def prepare(self, view):
        pass

    def __call__(self, RuntimeSnapshotView view not None):
        return self.c_on_bar(view)

    def __reduce__(self):
        return (_shared._new_strategy, (type(self),), getattr(self, "__dict__", None) or None)


cdef class _Hooks:
    # Tracker hooks: C calls on a compiled StateTracker (Python overrides of its cpdef hooks
    # still win), Python calls on the bound methods of any other tracker object.
    cdef StateTracker _tracker
    cdef object _start, _warmup, _history, _signal, _end

    cdef int begin(self, intp_t i, bint warmup_ok, intp_t start, bint history_ok) except -1:
        if self._tracker is not None:
            self._tracker.on_bar_start(i)
            self._tracker.on_warmup_check(warmup_ok, start)
            self._tracker.on_history_check(history_ok, i)
        else:
            self._start(i)
            self._warmup(warmup_ok, start)
            self._history(history_ok, i)
        return 0

    cdef int signal(self, int code) except -1:
        if self._tracker is not None:
            self._tracker.on_signal_evaluated(code)
        else:
            self._signal(code)
        return 0

    cdef int finish(self) except -1:
        if self._tracker is not None:
            self._tracker.on_bar_end()
        else:
            self._end()
        return 0


cdef _Hooks _make_hooks(object tracker, tuple bound):
    cdef _Hooks h = _Hooks.__new__(_Hooks)
    if isinstance(tracker, StateTracker):
        h._tracker = <StateTracker>tracker
    else:
        h._start, h._warmup, h._history, h._signal, h._end = bound
    return h


cdef class _BarIter:
    # Iterator over [start, end): moves the loop's view and returns it.
    cdef BarLoop _loop
    cdef intp_t _i

    def __iter__(self):
        return self

    def __next__(self):
        if self._loop is None:
            raise not_initialised(self)
        if self._i >= self._loop._end:
            raise StopIteration
        self._loop._c_move(self._i)
        self._i += 1
        return self._loop._view


@cython.final
@cython.embedsignature(False)  # the signed shared docstring carries the signature
cdef class BarLoop:
    __doc__ = signed(
        "BarLoop(feeds, start=0, end=None, quote_feed=None, history_config=None, "
        "initial_exchange=None)",
        DOCS["BarLoop"],
    )

    def __init__(self, feeds, start=0, end=None, quote_feed=None, history_config=None,
                 initial_exchange=None):
        # Everything is checked (and the view built) first; the loop changes only at the end.
        cdef RuntimeSnapshotView view
        if self._view is not None:
            raise already_initialised(self)
        feeds, lo, hi, config, al, hist = _shared._setup(feeds, start, end, quote_feed, history_config)
        roles = (feeds.exec_feed, feeds.mtf_feed, feeds.htf_feed, feeds.quote_feed)
        n = roles[0].length
        close = roles[0].close
        htf = _index_array(al.htf_idx, "htf_idx", n, roles[2])
        mtf = _index_array(al.mtf_idx, "mtf_idx", n, roles[1])
        m1 = _index_array(al.m1_last, "m1_last", n, roles[3])
        if not (_is_frozen(close) and close.dtype == np.float64 and close.shape == (n,)):
            raise DataError(f"the exec feed's close must be a btcore-owned float64 array of {n} rows", "BAD_FEED")
        view = RuntimeSnapshotView(
            feeds, 0, None, None, initial_exchange, float(close[0]), "close",
            history_config=config, history_ready=hist == 0,
        )
        view._attach_rollups(al.rollups)
        if view._r[0].n != n or view._r[1].n != (0 if roles[1] is None else roles[1].length) or \
                view._r[2].n != (0 if roles[2] is None else roles[2].length) or \
                view._r[3].n != (0 if roles[3] is None else roles[3].length):
            raise DataError("the view and the alignment disagree on the feed lengths", "BAD_FEED")
        self._htf, self._mtf, self._m1_last, self._close = htf, mtf, m1, close
        self._n = n
        self._feeds, self._start, self._end, self._history_config = feeds, lo, hi, config
        self._alignment, self._history_start = al, hist
        self._initial_exchange = initial_exchange
        self._view = view  # last: from here on the loop is initialised

    cdef int _check(self) except -1:
        if self._view is None:
            raise not_initialised(self)
        return 0

    def __reduce__(self):
        self._check()
        return (_rebuild_loop, (type(self), self._feeds, self._start, self._end, self._history_config,
                                self._initial_exchange))

    # ---- properties ------------------------------------------------------------------------

    @property
    def feeds(self):
        """The MultiTFFeedStore of the run."""
        self._check()
        return self._feeds

    @property
    def alignment(self):
        """Per-exec-bar HTF/MTF/1-minute indices and rollups."""
        self._check()
        return self._alignment

    @property
    def view(self):
        """The one view the loop moves from bar to bar."""
        self._check()
        return self._view

    @property
    def start(self):
        """First exec bar of the run."""
        self._check()
        return self._start

    @property
    def end(self):
        """One past the last exec bar of the run."""
        self._check()
        return self._end

    @property
    def history_start(self):
        """First exec bar whose history windows are full (``n_exec`` if never)."""
        self._check()
        return self._history_start

    def __len__(self):
        self._check()
        return self._end - self._start

    # ---- per bar -----------------------------------------------------------------------------

    cdef inline void _c_move(self, intp_t i) noexcept:
        _move(self._view, i, self._htf[i], self._mtf[i], self._m1_last[i], self._close[i],
              i >= self._history_start)

    cdef int _run_cython(self, CythonStrategy strategy, int8_t[::1] out, intp_t lo, intp_t hi) except -1:
        # Hot path without hooks: one inline move, one C call and one store per bar. The arrays
        # are read through local pointers so the opaque strategy call does not force reloading
        # the memoryview slices every bar.
        cdef:
            intp_t i, hist = self._history_start
            RuntimeSnapshotView view = self._view
            const int64_t* htf
            const int64_t* mtf
            const int64_t* m1
            const float64_t* close
        if lo >= hi:
            return 0
        htf, mtf, m1, close = &self._htf[0], &self._mtf[0], &self._m1_last[0], &self._close[0]
        for i in range(lo, hi):
            _move(view, i, htf[i], mtf[i], m1[i], close[i], i >= hist)
            out[i] = <int8_t>_checked(strategy.c_on_bar(view))
        return 0

    cdef int _run_python(self, object strategy, int8_t[::1] out, intp_t lo, intp_t hi) except -1:
        # Hot path without hooks for a Python callable.
        cdef intp_t i
        cdef RuntimeSnapshotView view = self._view
        for i in range(lo, hi):
            self._c_move(i)
            out[i] = <int8_t>_code(strategy(view))
        return 0

    cdef int _run_observed(self, object strategy, CythonStrategy typed, int8_t[::1] out,
                           object ex_hooks, object tracker_hooks, object on_snapshot) except -1:
        # Every bar with the exchange, the tracker and on_snapshot (each optional), in the order
        # the module docstring of btcore._pure.loop gives; with a tracker the warmup bars too.
        cdef:
            intp_t i, start = self._start, hist = self._history_start
            int code
            RuntimeSnapshotView view = self._view
            _Hooks tr = tracker_hooks
            object ex_bar = None, ex_signal = None, state
        if ex_hooks is not None:
            ex_bar, ex_signal = ex_hooks
        if tr is not None:
            for i in range(0, start):
                self._c_move(i)
                tr.begin(i, False, start, i >= hist)
                tr.finish()
        for i in range(start, self._end):
            self._c_move(i)
            if tr is not None:
                tr.begin(i, True, start, i >= hist)
            if ex_bar is not None:
                state = ex_bar(i, view)
                if state is not None:
                    view.exchange = state
            if on_snapshot is not None:
                on_snapshot(view, i, self._htf[i], self._mtf[i])
            if i >= hist:
                code = _checked(typed.c_on_bar(view)) if typed is not None else _code(strategy(view))
                out[i] = <int8_t>code
                if tr is not None:
                    tr.signal(code)
                if ex_signal is not None:
                    ex_signal(i, code, view)
            if tr is not None:
                tr.finish()
        return 0

    def __iter__(self):
        """Yield the view moved to each exec bar of ``[start, end)``, in order.

        The same object every time: read it before advancing. The caller drives its own
        exchange (set ``view.exchange`` / ``view.mark_price`` as needed); ``view.ready`` tells
        whether HTF/MTF contexts and history are available.
        """
        self._check()
        self._view.exchange = self._initial_exchange
        cdef _BarIter it = _BarIter.__new__(_BarIter)
        it._loop = self
        it._i = self._start
        return it

    def run(self, strategy, exchange=None, tracker=None, on_snapshot=None):
        cdef:
            intp_t start = self._start, end = self._end
            intp_t first_eval = min(max(start, self._history_start), end)
            CythonStrategy typed = None
        self._check()
        ex_hooks, hooks = _shared._check_run_args(strategy, exchange, tracker, on_snapshot)
        # A CythonStrategy is called through c_on_bar unless its class overrides __call__ (then
        # like any callable, as the pure loop does).
        if isinstance(strategy, CythonStrategy) and type(strategy).__call__ is CythonStrategy.__call__:
            typed = <CythonStrategy>strategy
        signals = np.zeros(self._n, dtype=np.int8)
        self._view.exchange = self._initial_exchange
        self._c_move(start if start < end else max(end - 1, 0))
        prepare = getattr(strategy, "prepare", None)
        if callable(prepare):
            prepare(self._view)

        t0 = time.perf_counter()
        if ex_hooks is None and hooks is None and on_snapshot is None:
            # Nothing observes the bars before first_eval: skip straight to it.
            if typed is not None:
                self._run_cython(typed, signals, first_eval, end)
            else:
                self._run_python(strategy, signals, first_eval, end)
        else:
            self._run_observed(strategy, typed, signals, ex_hooks,
                               None if hooks is None else _make_hooks(tracker, hooks), on_snapshot)
        return LoopResult._build(signals, start, end, first_eval, time.perf_counter() - t0)


cdef object _index_array(object a, str name, intp_t n, object feed):
    """``a`` if it is a btcore-owned int64 array of ``n`` rows, each in ``-1 .. len(feed) - 1``."""
    cdef intp_t m = 0 if feed is None else feed.length
    if not (_is_frozen(a) and a.dtype == np.int64 and a.shape == (n,)):
        raise DataError(f"alignment {name} must be a btcore-owned int64 array of {n} rows", "BAD_ALIGNMENT")
    if n and (a.min() < -1 or a.max() >= m):
        raise DataError(f"alignment {name} holds indices outside -1..{m - 1}", "BAD_ALIGNMENT")
    return a


def _rebuild_loop(cls, feeds, start, end, history_config, initial_exchange):
    # pickle/copy: a new loop over the same feeds and range, checked again.
    loop = cls.__new__(cls)
    BarLoop.__init__(loop, feeds, start, end, None, history_config, initial_exchange)
    return loop


attach(globals(), DOCS)
