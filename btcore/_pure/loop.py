"""The bar loop: one reusable view moved from exec bar to exec bar, a strategy called per bar.

Pure-Python twin of ``btcore._core.loop``. :class:`LoopResult`, the signal constants and
:func:`signal_code` are plain Python, written once in :mod:`btcore._shared.loop` and re-exported
by both twins.

Everything that does not depend on the bar is done once, before the loop: the alignment of the
slower timeframes and of the 1-minute feed (:func:`btcore.align.align_feeds`), the first bar at
which the history windows are full, one :class:`~btcore.view.RuntimeSnapshotView`, the bound hook
methods. Per bar the loop only moves the view (O(1), no allocation) and makes the calls.

Per exec bar ``i`` of ``[start, end)``, :meth:`BarLoop.run` does, in order:

1. move the view to bar ``i`` (HTF/MTF indices and the last closed 1-minute bar from the
   alignment; ``mark_price`` = the exec close; ``history_ready``);
2. tracker ``on_bar_start(i)``, ``on_warmup_check(i >= start, start)``,
   ``on_history_check(history_ready, i)`` (``i`` = exec bars that closed before bar ``i``);
3. ``exchange.on_bar(i, view)``; a returned state becomes ``view.exchange``;
4. ``on_snapshot(view, i, htf_idx, mtf_idx)``;
5. if the history windows are full: the strategy, its signal recorded; tracker
   ``on_signal_evaluated(code)`` (the raw code: 1, -1, 0 or 2 for FLAT); ``exchange.on_signal(i, code, view)``;
6. tracker ``on_bar_end()``.

With a tracker, the bars before ``start`` go through steps 1, 2 and 6 too (warmup blocks).
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterator, Optional

import numpy as np

from ..align import Alignment
from ..types import HistoryConfig
from .._shared.boundary import already_initialised, guarded, initialised, is_initialised
from .view import RuntimeSnapshotView as _View
from .._shared import loop as _shared
from .._shared.docs import attach
# The signal codes, signal_code and LoopResult are this module's API too (written once there).
from .._shared.loop import *  # noqa: F401,F403
from .._shared.loop import DOCS, LoopResult, NAMES, signal_code

__all__ = list(NAMES)


class CythonStrategy:
    __doc__ = DOCS["CythonStrategy"]

    def on_bar(self, view: Any) -> Any:
        return None

    def prepare(self, view: Any) -> None:
        pass

    def __call__(self, view: Any) -> int:
        if not isinstance(view, _View):
            raise TypeError(f"a strategy is called with a RuntimeSnapshotView, got {type(view).__name__}")
        return signal_code(self.on_bar(view))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_shared._new_strategy, (type(self),), getattr(self, "__dict__", None) or None)


def _rebuild_loop(cls: Any, feeds: Any, start: int, end: int, history_config: Any, initial_exchange: Any) -> Any:
    # pickle/copy: a new loop over the same feeds and range, checked again (state: the subclass's).
    loop = cls.__new__(cls)
    BarLoop.__init__(loop, feeds, start, end, None, history_config, initial_exchange)
    return loop


@guarded()
class BarLoop:
    __doc__ = DOCS["BarLoop"]

    _start: int
    _end: int
    _history_start: int
    _alignment: Alignment

    def __init_subclass__(cls, **kwargs: Any) -> None:
        if "_btcore_uninitialised" not in cls.__dict__:  # the guard's own hidden subclass
            raise TypeError("BarLoop is final (as the compiled one); wrap it instead of subclassing")

    def __init__(
        self,
        feeds: Any,
        start: int = 0,
        end: Optional[int] = None,
        quote_feed: Any = None,
        history_config: Optional[HistoryConfig] = None,
        initial_exchange: Any = None,
    ) -> None:
        from .view import RuntimeSnapshotView

        # Everything is checked (and the view built) first; the loop changes only at the end.
        if is_initialised(self):
            raise already_initialised(self)
        feeds, lo, hi, config, al, hist = _shared._setup(feeds, start, end, quote_feed, history_config)
        close = feeds.exec_feed.close
        view = RuntimeSnapshotView(
            feeds, 0, None, None, initial_exchange, float(close[0]), "close",
            history_config=config, history_ready=hist == 0,
        )
        view._attach_rollups(al.rollups)
        self._feeds, self._start, self._end, self._history_config = feeds, lo, hi, config
        self._alignment, self._history_start = al, hist
        self._initial_exchange = initial_exchange
        self._close = close
        self._view = view
        initialised(self)  # last: from here on the loop is initialised

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_loop, (type(self), self._feeds, self._start, self._end, self._history_config,
                                self._initial_exchange))

    # ---- properties ------------------------------------------------------------------------

    @property
    def feeds(self) -> Any:
        """The MultiTFFeedStore of the run."""
        return self._feeds

    @property
    def alignment(self) -> Alignment:
        """Per-exec-bar HTF/MTF/1-minute indices and rollups."""
        return self._alignment

    @property
    def view(self) -> Any:
        """The one view the loop moves from bar to bar."""
        return self._view

    @property
    def start(self) -> int:
        """First exec bar of the run."""
        return self._start

    @property
    def end(self) -> int:
        """One past the last exec bar of the run."""
        return self._end

    @property
    def history_start(self) -> int:
        """First exec bar whose history windows are full (``n_exec`` if never)."""
        return self._history_start

    def __len__(self) -> int:
        return self._end - self._start

    # ---- per bar -----------------------------------------------------------------------------

    def _move(self, i: int) -> Any:
        al, view = self._alignment, self._view
        view._move(i, int(al.htf_idx[i]), int(al.mtf_idx[i]), int(al.m1_last[i]))
        view.mark_price = float(self._close[i])
        view.history_ready = i >= self._history_start
        return view

    def __iter__(self) -> Iterator[Any]:
        """Yield the view moved to each exec bar of ``[start, end)``, in order.

        The same object every time: read it before advancing. The caller drives its own
        exchange (set ``view.exchange`` / ``view.mark_price`` as needed); ``view.ready`` tells
        whether HTF/MTF contexts and history are available.
        """
        self._view.exchange = self._initial_exchange
        for i in range(self._start, self._end):
            yield self._move(i)

    def run(
        self,
        strategy: Callable[[Any], Any],
        exchange: Any = None,
        tracker: Any = None,
        on_snapshot: Optional[Callable[..., Any]] = None,
    ) -> LoopResult:
        ex_hooks, hooks = _shared._check_run_args(strategy, exchange, tracker, on_snapshot)
        ex_bar, ex_signal = ex_hooks if ex_hooks is not None else (None, None)
        start, end, hist = self._start, self._end, self._history_start
        first_eval = min(max(start, hist), end)
        al = self._alignment
        htf, mtf = al.htf_idx, al.mtf_idx
        view = self._view
        view.exchange = self._initial_exchange
        signals = np.zeros(al.n_exec, dtype=np.int8)
        self._move(start if start < end else max(end - 1, 0))
        prepare = getattr(strategy, "prepare", None)
        if callable(prepare):
            prepare(view)
        call = strategy if not isinstance(strategy, CythonStrategy) else strategy.__call__
        to_code = signal_code

        t0 = time.perf_counter()
        if hooks is not None:
            bar_start, warmup_check, history_check, signal_evaluated, bar_end = hooks
            for i in range(0, start):
                self._move(i)
                bar_start(i)
                warmup_check(False, start)
                history_check(i >= hist, i)
                bar_end()
        for i in range(start, end):
            self._move(i)
            if hooks is not None:
                bar_start(i)
                warmup_check(True, start)
                history_check(i >= hist, i)
            if ex_bar is not None:
                state = ex_bar(i, view)
                if state is not None:
                    view.exchange = state
            if on_snapshot is not None:
                on_snapshot(view, i, int(htf[i]), int(mtf[i]))
            if i >= hist:
                code = to_code(call(view))
                signals[i] = code
                if hooks is not None:
                    signal_evaluated(code)
                if ex_signal is not None:
                    ex_signal(i, code, view)
            if hooks is not None:
                bar_end()
        elapsed = time.perf_counter() - t0
        return LoopResult._build(signals, start, end, first_eval, elapsed)


attach(globals(), DOCS)
