"""The bar loop: one reusable view moved from exec bar to exec bar, a strategy called per bar.

Pure-Python twin of ``btcore._core.loop``. :class:`LoopResult`, the signal constants and
:func:`signal_code` are plain Python in both implementations (defined here, re-exported by the
compiled module).

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

import numbers
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional

import numpy as np

from .._arrays import _readonly
from ..align import Alignment, align_feeds
from ..errors import ConfigError, DataError
from ..types import DEFAULT_HISTORY_CONFIG, HistoryConfig
from ._boundary import already_initialised, guarded, initialised, is_initialised
from .view import RuntimeSnapshotView as _View

__all__ = [
    "SIGNAL_NONE",
    "SIGNAL_LONG",
    "SIGNAL_SHORT",
    "SIGNAL_FLAT",
    "signal_code",
    "LoopResult",
    "CythonStrategy",
    "BarLoop",
]

SIGNAL_NONE = 0  #: no signal
SIGNAL_LONG = 1  #: enter long
SIGNAL_SHORT = -1  #: enter short
SIGNAL_FLAT = 2  #: exit (close any position)

_BY_NAME = {"LONG": SIGNAL_LONG, "SHORT": SIGNAL_SHORT, "FLAT": SIGNAL_FLAT}
_TRACKER_HOOKS = ("on_bar_start", "on_warmup_check", "on_history_check", "on_signal_evaluated", "on_bar_end")


def signal_code(signal: Any) -> int:
    """Signal code (0, 1, -1, 2) of a strategy's return value.

    ``None``/``0`` → 0; ``1``/``"LONG"`` → 1; ``-1``/``"SHORT"`` → -1; ``2``/``"FLAT"`` → 2; an
    object with a ``.direction`` attribute holding one of those strings → its code.

    Raises
    ------
    DataError
        For anything else (the message names the value).
    """
    if signal is None:
        return SIGNAL_NONE
    if isinstance(signal, bool):  # an int subclass, but never a signal
        pass
    elif isinstance(signal, numbers.Integral):
        code = int(signal)
        if code in (0, 1, -1, 2):
            return code
    elif isinstance(signal, str):
        if signal in _BY_NAME:
            return _BY_NAME[signal]
    else:
        direction = getattr(signal, "direction", None)
        if isinstance(direction, str) and direction in _BY_NAME:
            return _BY_NAME[direction]
    raise DataError(
        f"strategy returned {signal!r}; allowed: None, 0, 1, -1, 2, 'LONG', 'SHORT', 'FLAT' or an "
        "object whose .direction is 'LONG', 'SHORT' or 'FLAT'",
        "BAD_SIGNAL",
    )


@dataclass(frozen=True)
class LoopResult:
    """Outcome of :meth:`BarLoop.run`.

    Attributes
    ----------
    signals : int8[n_exec]
        Signal code per exec bar (read-only); 0 outside ``[first_eval, end)`` and where the
        strategy returned nothing.
    start, end : int
        The exec bar range that was run.
    first_eval : int
        First bar at which the strategy was called (history windows full); ``end`` if none.
    evaluated : int
        Number of strategy calls.
    n_long, n_short, n_flat : int
        Number of bars with each signal.
    elapsed_s : float
        Wall time of the loop (alignment and setup excluded).
    """

    signals: np.ndarray = field(repr=False)
    start: int
    end: int
    first_eval: int
    evaluated: int
    n_long: int
    n_short: int
    n_flat: int
    elapsed_s: float

    @property
    def bars(self) -> int:
        """Exec bars run (``end - start``)."""
        return self.end - self.start

    @property
    def bars_per_s(self) -> float:
        """Throughput of the loop (exec bars per second; inf if too fast to time)."""
        return self.bars / self.elapsed_s if self.elapsed_s > 0 else float("inf")

    @classmethod
    def _build(cls, signals: np.ndarray, start: int, end: int, first_eval: int, elapsed_s: float) -> "LoopResult":
        signals = _readonly(signals)  # immutable, not just flagged read-only
        return cls(
            signals=signals,
            start=start,
            end=end,
            first_eval=first_eval,
            evaluated=max(0, end - first_eval),
            n_long=int(np.count_nonzero(signals == SIGNAL_LONG)),
            n_short=int(np.count_nonzero(signals == SIGNAL_SHORT)),
            n_flat=int(np.count_nonzero(signals == SIGNAL_FLAT)),
            elapsed_s=elapsed_s,
        )


class CythonStrategy:
    """Base class of strategies the compiled loop calls without Python calls.

    Subclass it in Cython (``cimport btcore._core.loop``) and override
    ``cdef int c_on_bar(self, RuntimeSnapshotView view) except? -128`` returning a signal code;
    or subclass it in Python and override :meth:`on_bar`. Calling the strategy (``s(view)``)
    returns the code. ``prepare(view)``, if overridden, runs once before the first bar.
    """

    def on_bar(self, view: Any) -> Any:
        """The strategy's decision at the view's bar (any value :func:`signal_code` accepts)."""
        return None

    def prepare(self, view: Any) -> None:
        """Called once with the loop's view before the first bar (e.g. to compile paths)."""

    def __call__(self, view: Any) -> int:
        if not isinstance(view, _View):
            raise TypeError(f"a strategy is called with a RuntimeSnapshotView, got {type(view).__name__}")
        return signal_code(self.on_bar(view))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_new_strategy, (type(self),), getattr(self, "__dict__", None) or None)


def _new_strategy(cls: Any) -> Any:
    # pickle/copy of a strategy (both twins): a new object of its class, then its attributes.
    return cls.__new__(cls)


def _checked_index(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(f"{name} must be an int, got {value!r}")
    v = int(value)
    if not low <= v <= high:
        raise ConfigError(f"{name}={v} out of range; allowed {low} <= {name} <= {high}")
    return v


def _hooks(obj: Any, role: str, names: tuple[str, ...]) -> tuple[Any, ...]:
    missing = [n for n in names if not callable(getattr(obj, n, None))]
    if missing:
        raise ConfigError(f"{role} {type(obj).__name__} lacks method(s) {missing}; needs {list(names)}")
    return tuple(getattr(obj, n) for n in names)


def _setup(feeds: Any, start: Any, end: Any, quote_feed: Any, history_config: Any) -> tuple[Any, ...]:
    """Validate the BarLoop arguments and align the feeds (shared by both implementations).

    A ``quote_feed`` is merged into the feed set the loop runs on, so the view reads the very
    1-minute feed the alignment was computed against.
    """
    from ..feed import FeedStore, MultiTFFeedStore

    if not isinstance(feeds, MultiTFFeedStore):
        raise DataError(f"feeds must be a MultiTFFeedStore, got {type(feeds).__name__}", "BAD_FEED")
    if quote_feed is not None and quote_feed is not feeds.quote_feed:
        if not isinstance(quote_feed, FeedStore):
            raise DataError(f"quote_feed must be a FeedStore or None, got {type(quote_feed).__name__}", "BAD_FEED")
        if feeds.quote_feed is not None:
            raise ConfigError("quote_feed is a different feed from feeds.quote_feed; give the 1-minute feed once")
        feeds = MultiTFFeedStore(feeds.exec_feed, feeds.htf_feed, feeds.mtf_feed, dict(feeds.tf_mapping), quote_feed)
    exec_feed: Any = getattr(feeds, "exec_feed")
    n = len(exec_feed)
    if n == 0:
        raise DataError("the exec feed has no bars; nothing to run", "EMPTY_FEED")
    start = _checked_index("start", start, 0, n)
    end = n if end is None else _checked_index("end", end, start, n)
    if history_config is None:
        history_config = DEFAULT_HISTORY_CONFIG
    if not isinstance(history_config, HistoryConfig):
        raise ConfigError(f"history_config must be a HistoryConfig or None, got {type(history_config).__name__}")
    alignment = align_feeds(feeds)
    return feeds, start, end, history_config, alignment, alignment.history_start(history_config)


def _rebuild_loop(cls: Any, feeds: Any, start: int, end: int, history_config: Any, initial_exchange: Any) -> Any:
    # pickle/copy: a new loop over the same feeds and range, checked again (state: the subclass's).
    loop = cls.__new__(cls)
    BarLoop.__init__(loop, feeds, start, end, None, history_config, initial_exchange)
    return loop


def _check_run_args(strategy: Any, exchange: Any, tracker: Any, on_snapshot: Any) -> tuple[Any, ...]:
    """Validate the run() arguments; returns (exchange hooks or None, tracker hooks or None)."""
    if not callable(strategy):
        raise ConfigError(f"strategy must be callable or a CythonStrategy, got {type(strategy).__name__}")
    if on_snapshot is not None and not callable(on_snapshot):
        raise ConfigError(f"on_snapshot must be callable or None, got {type(on_snapshot).__name__}")
    ex_hooks = _hooks(exchange, "exchange", ("on_bar", "on_signal")) if exchange is not None else None
    tr_hooks = _hooks(tracker, "tracker", _TRACKER_HOOKS) if tracker is not None else None
    return ex_hooks, tr_hooks


@guarded()
class BarLoop:
    """Drive one run over the exec bars of ``feeds`` with one reusable view.

    Parameters
    ----------
    feeds : MultiTFFeedStore
        Exec feed plus optional MTF, HTF and 1-minute feeds.
    start, end : int
        Exec bar range ``[start, end)`` to run; ``end`` defaults to the number of exec bars.
        Bars before ``start`` are warmup (readable through history, never evaluated).
    quote_feed : FeedStore, optional
        The 1-minute feed, if ``feeds`` has none: the loop then runs on (and :attr:`feeds` is) a
        copy of ``feeds`` with it. A different feed than ``feeds.quote_feed`` is a ConfigError.
    history_config : HistoryConfig, optional
        History windows the strategy needs; the strategy runs only once they are full.
    initial_exchange : object, optional
        ``view.exchange`` at the start of every run (e.g. ``ExchangeState.flat(10_000)``).

    Raises
    ------
    ConfigError
        ``start``/``end`` out of range or not ints, ``history_config`` of the wrong type.
    DataError
        ``feeds`` is not a MultiTFFeedStore or its exec feed is empty.
    """

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
        feeds, lo, hi, config, al, hist = _setup(feeds, start, end, quote_feed, history_config)
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
        """Run ``strategy`` over ``[start, end)`` and return the recorded signals.

        Parameters
        ----------
        strategy : callable or CythonStrategy
            ``strategy(view)`` returns a signal (see :func:`signal_code`); a ``prepare(view)``
            method, if present, is called once before the first bar.
        exchange : object, optional
            ``on_bar(i, view)`` before the strategy (its non-None return value becomes
            ``view.exchange``) and ``on_signal(i, code, view)`` after it.
        tracker : object, optional
            A ``StateTracker`` or any object with ``on_bar_start``, ``on_warmup_check``,
            ``on_history_check``, ``on_signal_evaluated`` and ``on_bar_end``.
        on_snapshot : callable, optional
            ``on_snapshot(view, exec_idx, htf_idx, mtf_idx)`` every bar of ``[start, end)``, before
            the strategy (an index is -1 while that role has no closed bar).

        Returns
        -------
        LoopResult

        Raises
        ------
        ConfigError
            A callable or hook is missing.
        DataError
            The strategy returned something that is not a signal.
        """
        ex_hooks, hooks = _check_run_args(strategy, exchange, tracker, on_snapshot)
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
