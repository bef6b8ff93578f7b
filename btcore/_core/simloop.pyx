"""A backtest's bar loop with the simulated exchange, and the state tracker fed from its records
(compiled twin of ``btcore._pure.simloop``).

:func:`simulate` runs a compiled ``BarLoop`` with a compiled ``SimExchange`` as one C loop: per
exec bar it moves the view (``_c_move``), lets the exchange fill, resolve stops and mark
(``c_bar``), runs the strategy and hands its signal to the exchange (``c_signal``). With a
compiled :class:`~btcore._core.rules.RuleStrategy` the whole bar is C code and runs without the
GIL (so a poller thread, or another backtest in another thread, runs meanwhile); a
``CythonStrategy`` is called through its C method, a Python callable per bar as in
``BarLoop.run``. The loop returns to Python every ``CHUNK`` bars to notice Ctrl-C.
:func:`replay_tracker` calls a compiled ``StateTracker``'s hooks as C calls.
"""

import time

import numpy as np

from cpython.exc cimport PyErr_CheckSignals
from cpython.long cimport PyLong_AsLongAndOverflow
from libc.stdint cimport int8_t, int64_t, uint8_t

from btcore._core._typedefs cimport float64_t, intp_t
from btcore._core.exchange cimport SimExchange
from btcore._core.loop cimport SIG_FLAT, SIG_LONG, SIG_NONE, SIG_SHORT, BarLoop, CythonStrategy
from btcore._core.rules cimport RuleStrategy
from btcore._core.tracker cimport StateTracker
from btcore._core.view cimport RuntimeSnapshotView

from btcore import _exchangespec as xs
from btcore.errors import ConfigError
from btcore._shared.docs import attach
from btcore._shared.loop import LoopResult, signal_code
from btcore._shared.simloop import DOCS, check_simulate, check_strategy, tracker_hooks

__all__ = ["simulate", "simulate_range", "replay_tracker"]

cdef enum:
    CHUNK = 65536     # bars between two returns to Python (Ctrl-C is noticed there)
    FILL_MASK = 0x07
    SIG_SHIFT = 3
    SIZED = 0x40
    EV_DONE = 1
    RUN_RULES = 0
    RUN_CYTHON = 1
    RUN_PYTHON = 2

if (xs.FILL_MASK, xs.SIG_SHIFT, xs.SIZED, xs.EVENT_DONE) != (FILL_MASK, SIG_SHIFT, SIZED, EV_DONE):
    raise ImportError("btcore._core.simloop is out of date with btcore._exchangespec; rebuild the extension")
cdef tuple _REASONS = xs.REJECT_REASONS


cdef inline int _code(object signal) except? -128:
    # The common returns (None, a small int) without a Python call; the rest via signal_code.
    cdef long v
    cdef int overflow = 0
    if signal is None:
        return SIG_NONE
    if type(signal) is int:
        v = PyLong_AsLongAndOverflow(signal, &overflow)
        if overflow == 0 and (v == SIG_NONE or v == SIG_LONG or v == SIG_SHORT or v == SIG_FLAT):
            return <int>v
    return signal_code(signal)


cdef int run_rules(SimExchange ex, RuleStrategy rules, RuntimeSnapshotView view, int8_t* sig, intp_t lo, intp_t hi,
                   intp_t hist, const int64_t* htf, const int64_t* mtf, const int64_t* m1,
                   const float64_t* close) noexcept nogil:
    # One exec bar per iteration, no Python: the move of BarLoop._c_move, the exchange, the rules.
    cdef intp_t i
    cdef int code
    for i in range(lo, hi):
        view._c_move(i, htf[i], mtf[i], m1[i])
        view.mark_price = close[i]
        view.history_ready = i >= hist
        if ex.c_bar(i) < 0:
            return -1
        if i >= hist:
            code = rules.c_decide(view, ex.side)
            sig[i] = <int8_t>code
            ex.c_signal(i, code)
    return 0


cdef int _run_strategy(SimExchange ex, object strategy, int kind, RuntimeSnapshotView view, int8_t* sig, intp_t lo,
                       intp_t hi, intp_t hist, const int64_t* htf, const int64_t* mtf, const int64_t* m1,
                       const float64_t* close) except -2:
    # As run_rules for a CythonStrategy (C calls) or a Python callable (a Python call per bar).
    cdef intp_t i
    cdef int code
    cdef CythonStrategy cstrat = strategy if kind == RUN_CYTHON else None
    for i in range(lo, hi):
        view._c_move(i, htf[i], mtf[i], m1[i])
        view.mark_price = close[i]
        view.history_ready = i >= hist
        if ex.c_bar(i) < 0:
            return -1
        if i >= hist:
            if kind == RUN_CYTHON:
                code = cstrat.c_on_bar(view)
                if code != SIG_NONE and code != SIG_LONG and code != SIG_SHORT and code != SIG_FLAT:
                    code = signal_code(code)  # raises with the standard message
            else:
                code = _code(strategy(view))
            sig[i] = <int8_t>code
            ex.c_signal(i, code)
    return 0


def simulate(loop, strategy, exchange):
    # docstring: btcore/_shared/simloop.py
    check_simulate(loop, exchange, SimExchange)
    if not isinstance(loop, BarLoop):  # a pure loop drives the exchange through on_bar / on_signal
        return loop.run(strategy, exchange=exchange)
    return _fused(<BarLoop>loop, strategy, <SimExchange>exchange, loop.start, loop.end)


def simulate_range(loop, strategy, exchange, start, end):
    # docstring: btcore/_shared/simloop.py
    lo, hi = xs.check_range(loop, BarLoop, exchange, SimExchange, start, end)
    return _fused(<BarLoop>loop, strategy, <SimExchange>exchange, lo, hi)


cdef object _fused(BarLoop loop, object strategy, SimExchange ex, intp_t start, intp_t end):
    cdef:
        intp_t hist = loop._history_start
        intp_t first_eval = min(max(start, hist), end)
        intp_t lo, hi
        int kind, err = 0
        RuntimeSnapshotView view = loop._view
        RuleStrategy rules = None
        int8_t[::1] sig
        const int64_t* htf = &loop._htf[0]
        const int64_t* mtf = &loop._mtf[0]
        const int64_t* m1 = &loop._m1_last[0]
        const float64_t* close = &loop._close[0]
    check_strategy(strategy)
    signals_arr = np.zeros(loop._alignment.n_exec, dtype=np.int8)
    sig = signals_arr
    view.exchange = ex.account
    loop._c_move(start if start < end else max(end - 1, 0))
    prepare = getattr(strategy, "prepare", None)
    if callable(prepare):
        prepare(view)
    if isinstance(strategy, RuleStrategy) and (<RuleStrategy>strategy)._view is view:
        kind, rules = RUN_RULES, <RuleStrategy>strategy
    elif isinstance(strategy, CythonStrategy):
        kind = RUN_CYTHON  # (a RuleStrategy prepared on another view raises in c_on_bar)
    else:
        kind = RUN_PYTHON
    t0 = time.perf_counter()
    lo = start
    while lo < end:
        hi = min(lo + CHUNK, end)
        if kind == RUN_RULES:
            with nogil:
                err = run_rules(ex, rules, view, &sig[0], lo, hi, hist, htf, mtf, m1, close)
        else:
            err = _run_strategy(ex, strategy, kind, view, &sig[0], lo, hi, hist, htf, mtf, m1, close)
        if err < 0:
            raise MemoryError("cannot grow the trade buffer")
        PyErr_CheckSignals()
        lo = hi
    elapsed = time.perf_counter() - t0
    return LoopResult._build(signals_arr, start, end, first_eval, elapsed)


def replay_tracker(tracker, exchange, signals, start, end, history_start):
    # docstring: btcore/_shared/simloop.py
    cdef:
        intp_t i, s, e, h, n = exchange.n
        const int8_t[::1] codes
        const uint8_t[::1] events
        const int8_t[::1] pos
        const float64_t[::1] exposure
        const float64_t[::1] budget
        int ev
        StateTracker t
    codes_arr, s, e, h = xs.check_replay(n, signals, start, end, history_start)
    codes = codes_arr
    arrays = [np.ascontiguousarray(exchange.events, dtype=np.uint8), np.ascontiguousarray(exchange.position, np.int8),
              np.ascontiguousarray(exchange.exposure_pct, np.float64),
              np.ascontiguousarray(exchange.sizing_usdt, np.float64)]
    if any(a.shape != (n,) for a in arrays):
        raise ConfigError(f"the exchange's per-bar records must have {n} bars")
    events, pos, exposure, budget = arrays
    if not isinstance(tracker, StateTracker):  # any object with the hooks: Python calls
        _replay_python(tracker, codes, events, pos, exposure, budget, s, e, h)
        return
    t = <StateTracker>tracker
    for i in range(s):
        t.on_bar_start(i)
        t.on_warmup_check(False, s)
        t.on_history_check(i >= h, i)
        t.on_bar_end()
    for i in range(s, e):
        t.on_bar_start(i)
        t.on_warmup_check(True, s)
        t.on_history_check(i >= h, i)
        ev = events[i] & FILL_MASK
        if ev == EV_DONE:
            t.on_order_filled()
        elif ev:
            t.on_order_rejected(_REASONS[ev - 2])
        t.on_position_check(1 if pos[i] else 0, exposure[i])
        if i >= h:
            t.on_signal_evaluated(codes[i])
            if events[i] & SIZED:
                t.on_sizing_computed(budget[i])
            ev = (events[i] >> SIG_SHIFT) & FILL_MASK
            if ev == EV_DONE:
                t.on_order_submitted()
            elif ev:
                t.on_order_rejected(_REASONS[ev - 2])
        t.on_bar_end()


cdef int _replay_python(object tracker, const int8_t[::1] codes, const uint8_t[::1] events, const int8_t[::1] pos,
                        const float64_t[::1] exposure, const float64_t[::1] budget, intp_t s, intp_t e,
                        intp_t h) except -1:
    cdef intp_t i
    cdef int ev
    (bar_start, warmup, history, bar_end, filled, rejected, position, evaluated, sizing,
     submitted) = tracker_hooks(tracker)
    for i in range(s):
        bar_start(i)
        warmup(False, s)
        history(i >= h, i)
        bar_end()
    for i in range(s, e):
        bar_start(i)
        warmup(True, s)
        history(i >= h, i)
        ev = events[i] & FILL_MASK
        if ev == EV_DONE:
            filled()
        elif ev:
            rejected(_REASONS[ev - 2])
        position(1 if pos[i] else 0, exposure[i])
        if i >= h:
            evaluated(codes[i])
            if events[i] & SIZED:
                sizing(budget[i])
            ev = (events[i] >> SIG_SHIFT) & FILL_MASK
            if ev == EV_DONE:
                submitted()
            elif ev:
                rejected(_REASONS[ev - 2])
        bar_end()
    return 0


attach(globals(), DOCS)
