"""What runs beside the bar loop rather than inside the exchange: the state tracker and progress.

The exchange only records what happened (per-bar arrays: position, exposure, order events,
sizing); :func:`replay_tracker` feeds a :class:`~btcore.state.StateTracker` from those records
and the loop's signals after the run, in the order the live hooks would have had, so the hot
loop makes no tracker call and a compiled exchange can be a drop-in. :class:`ProgressPoller`
reads the exchange's last bar from a background thread and reports it to any object with
``update(done)`` — the loop and the exchange never call it.
"""

from __future__ import annotations

import threading
from typing import Any, Optional

import numpy as np
from numpy.typing import NDArray

from .exchange import EVENT_DONE, reject_reason

__all__ = ["replay_tracker", "ProgressPoller"]


def replay_tracker(tracker: Any, exchange: Any, signals: NDArray[Any], start: int, end: int, history_start: int) -> None:
    """Feed ``tracker`` bar by bar from a finished run.

    Per exec bar ``i < start`` (warmup): ``on_bar_start``, ``on_warmup_check(False, start)``,
    ``on_history_check``, ``on_bar_end``. Per bar of ``[start, end)``: ``on_bar_start``,
    ``on_warmup_check(True, start)``, ``on_history_check(i >= history_start, i)``, the fill at the
    open (``on_order_filled`` / ``on_order_rejected``), ``on_position_check`` at the close; if the
    strategy ran: ``on_signal_evaluated(code)``, ``on_sizing_computed`` for an entry signal,
    ``on_order_submitted`` / ``on_order_rejected``; then ``on_bar_end``.
    """
    bar_start, warmup, history, bar_end = (tracker.on_bar_start, tracker.on_warmup_check,
                                           tracker.on_history_check, tracker.on_bar_end)
    filled, rejected, position = tracker.on_order_filled, tracker.on_order_rejected, tracker.on_position_check
    evaluated, sizing, submitted = tracker.on_signal_evaluated, tracker.on_sizing_computed, tracker.on_order_submitted
    for i in range(start):
        bar_start(i)
        warmup(False, start)
        history(i >= history_start, i)
        bar_end()
    fill_ev: Any = exchange.fill_event.data
    sig_ev: Any = exchange.signal_event.data
    pos: Any = exchange.position.data
    exposure: Any = exchange.exposure_pct.data
    size: Any = exchange.sizing_usdt.data
    codes: Any = np.ascontiguousarray(signals, dtype=np.int8).data
    for i in range(start, end):
        bar_start(i)
        warmup(True, start)
        history(i >= history_start, i)
        ev = fill_ev[i]
        if ev == EVENT_DONE:
            filled()
        elif ev:
            rejected(reject_reason(ev))
        position(1 if pos[i] else 0, exposure[i])
        if i >= history_start:
            evaluated(codes[i])
            if size[i] == size[i]:
                sizing(size[i])
            ev = sig_ev[i]
            if ev == EVENT_DONE:
                submitted()
            elif ev:
                rejected(reject_reason(ev))
        bar_end()


class ProgressPoller:
    """Report ``exchange.last_idx - start`` to ``progress.update`` every ``interval`` seconds.

    Use as a context manager around the loop; ``progress`` may be None (nothing happens).
    """

    def __init__(self, progress: Any, exchange: Any, start: int, interval: float = 0.1) -> None:
        self._progress, self._exchange, self._start, self._interval = progress, exchange, start, interval
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def _poll(self) -> None:
        while not self._stop.wait(self._interval):
            self._progress.update(max(self._exchange.last_idx - self._start + 1, 0))

    def __enter__(self) -> "ProgressPoller":
        if self._progress is not None:
            self._thread = threading.Thread(target=self._poll, name="btcore-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
