"""A backtest's bar loop with the simulated exchange, and the state tracker fed from its records
(pure-Python twin of ``btcore._core.simloop``).

:func:`simulate` runs a :class:`~btcore.loop.BarLoop` with a
:class:`~btcore._pure.exchange.SimExchange`: per exec bar the exchange fills at the open,
resolves stops inside the bar and marks at the close, then the strategy decides and its signal
becomes the next order. :func:`replay_tracker` feeds a state tracker after the run from what the
exchange recorded, in the order live hooks would have had.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .. import _exchangespec as xs
from .._shared.docs import attach
from .._shared.simloop import DOCS, check_simulate, check_strategy, tracker_hooks
from .exchange import REJECT_REASONS, SimExchange

__all__ = ["simulate", "simulate_range", "replay_tracker"]

_FILL = xs.FILL_MASK
_SIG_SHIFT = xs.SIG_SHIFT
_SIZED = xs.SIZED
_DONE = xs.EVENT_DONE


def simulate(loop: Any, strategy: Any, exchange: Any) -> Any:
    # docstring: btcore/_shared/simloop.py
    check_simulate(loop, exchange, SimExchange)
    return loop.run(strategy, exchange=exchange)


def simulate_range(loop: Any, strategy: Any, exchange: Any, start: int, end: int) -> Any:
    # docstring: btcore/_shared/simloop.py
    from .loop import BarLoop, LoopResult, signal_code

    lo, hi = xs.check_range(loop, BarLoop, exchange, SimExchange, start, end)
    check_strategy(strategy)
    hist = loop.history_start
    view = loop._move(lo if lo < hi else max(hi - 1, 0))
    view.exchange = loop._initial_exchange
    prepare = getattr(strategy, "prepare", None)
    if callable(prepare):
        prepare(view)
    signals = np.zeros(loop.alignment.n_exec, dtype=np.int8)
    t0 = time.perf_counter()
    for i in range(lo, hi):  # the per-bar order of BarLoop.run with an exchange
        loop._move(i)
        state = exchange.on_bar(i, view)
        if state is not None:
            view.exchange = state
        if i >= hist:
            code = signal_code(strategy(view))
            signals[i] = code
            exchange.on_signal(i, code, view)
    return LoopResult._build(signals, lo, hi, min(max(lo, hist), hi), time.perf_counter() - t0)


def replay_tracker(tracker: Any, exchange: Any, signals: Any, start: int, end: int, history_start: int) -> None:
    # docstring: btcore/_shared/simloop.py
    codes_arr, start, end, history_start = xs.check_replay(exchange.n, signals, start, end, history_start)
    (bar_start, warmup, history, bar_end, filled, rejected, position, evaluated, sizing,
     submitted) = tracker_hooks(tracker)
    for i in range(start):
        bar_start(i)
        warmup(False, start)
        history(i >= history_start, i)
        bar_end()
    events: Any = exchange.events.data
    pos: Any = exchange.position.data
    exposure: Any = exchange.exposure_pct.data
    budget: Any = exchange.sizing_usdt.data
    codes: Any = codes_arr.data
    for i in range(start, end):
        bar_start(i)
        warmup(True, start)
        history(i >= history_start, i)
        ev = events[i] & _FILL
        if ev == _DONE:
            filled()
        elif ev:
            rejected(REJECT_REASONS[ev - 2])
        position(1 if pos[i] else 0, exposure[i])
        if i >= history_start:
            evaluated(codes[i])
            if events[i] & _SIZED:
                sizing(budget[i])
            ev = (events[i] >> _SIG_SHIFT) & _FILL
            if ev == _DONE:
                submitted()
            elif ev:
                rejected(REJECT_REASONS[ev - 2])
        bar_end()


attach(globals(), DOCS)
