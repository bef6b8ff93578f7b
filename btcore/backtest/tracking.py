"""What runs beside the bar loop rather than inside the exchange: the state tracker and progress.

The exchange only records what happened (per bar: equity, position, one byte of order events);
:func:`replay_tracker` (the exchange twin's, compiled or pure) feeds a
:class:`~btcore.state.StateTracker` from those records and the loop's signals after the run, in
the order the live hooks would have had — C calls on the compiled tracker — so the hot loop makes
no tracker call. :class:`ProgressPoller` reads the exchange's last bar from a background thread
and reports it to any object with ``update(done)``; the loop and the exchange never call it (the
compiled loop runs without the GIL, so the poller runs while it does).
"""

from __future__ import annotations

import threading
from typing import Any, Optional

from .exchange import replay_tracker

__all__ = ["replay_tracker", "ProgressPoller"]


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
