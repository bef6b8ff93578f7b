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
from ..errors import ConfigError
from .exchange import REJECT_REASONS, SimExchange

__all__ = ["simulate", "simulate_range", "replay_tracker"]

_FILL = xs.FILL_MASK
_SIG_SHIFT = xs.SIG_SHIFT
_SIZED = xs.SIZED
_DONE = xs.EVENT_DONE


def simulate(loop: Any, strategy: Any, exchange: Any) -> Any:
    """Run ``strategy`` over the loop's bars with ``exchange`` and return the loop's result.

    Per exec bar of ``[loop.start, loop.end)``: move the view, ``exchange.on_bar`` (fills at the
    open, stops inside the bar, the mark at the close), then — once the history windows are full
    — the strategy, its signal recorded and handed to ``exchange.on_signal``. ``view.exchange`` is
    the exchange's live :class:`Account`. The caller calls ``exchange.finish()`` afterwards.

    Raises
    ------
    ConfigError
        The exchange was built on another exec feed than the loop's.
    """
    if not isinstance(exchange, SimExchange):
        raise ConfigError(f"exchange must be a {SimExchange.__module__}.SimExchange, got {type(exchange).__name__}")
    if loop.feeds.exec_feed is not exchange.exec_feed:
        raise ConfigError("the exchange was built on another exec feed than the loop's")
    return loop.run(strategy, exchange=exchange)


def simulate_range(loop: Any, strategy: Any, exchange: Any, start: int, end: int) -> Any:
    """As :func:`simulate` over exec bars ``[start, end)`` instead of the loop's own range.

    One loop (one alignment) then serves runs over different ranges: a sweep's combinations
    trade from the bar where their own indicators are ready. Bars before ``start`` are warmup,
    as they are for a loop built with that start; the exchange must have been built with
    ``end=end``.

    Raises
    ------
    ConfigError
        ``loop`` is not a compiled BarLoop, the exchange was built on another exec feed or for
        another end, or ``0 <= start <= end <= loop.end`` does not hold.
    """
    from .loop import BarLoop, LoopResult, signal_code

    lo, hi = xs.check_range(loop, BarLoop, exchange, SimExchange, start, end)
    if not callable(strategy):
        raise ConfigError(f"strategy must be callable or a CythonStrategy, got {type(strategy).__name__}")
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
    """Feed ``tracker`` bar by bar from a finished run.

    Per exec bar ``i < start`` (warmup): ``on_bar_start``, ``on_warmup_check(False, start)``,
    ``on_history_check``, ``on_bar_end``. Per bar of ``[start, end)``: ``on_bar_start``,
    ``on_warmup_check(True, start)``, ``on_history_check(i >= history_start, i)``, the fill at the
    open (``on_order_filled`` / ``on_order_rejected``), ``on_position_check`` at the close; if the
    strategy ran: ``on_signal_evaluated(code)``, ``on_sizing_computed`` for an entry signal,
    ``on_order_submitted`` / ``on_order_rejected``; then ``on_bar_end``.

    Raises
    ------
    ConfigError
        ``signals`` is not int8[n_exec] or the range does not fit the exchange.
    """
    codes_arr, start, end, history_start = xs.check_replay(exchange.n, signals, start, end, history_start)
    bar_start, warmup, history, bar_end = (tracker.on_bar_start, tracker.on_warmup_check,
                                           tracker.on_history_check, tracker.on_bar_end)
    filled, rejected, position = tracker.on_order_filled, tracker.on_order_rejected, tracker.on_position_check
    evaluated, sizing, submitted = tracker.on_signal_evaluated, tracker.on_sizing_computed, tracker.on_order_submitted
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
