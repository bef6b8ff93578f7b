"""What both twins of the bar loop share.

``btcore._core.loop`` and ``btcore._pure.loop`` import it; neither imports the other.

``DOCS``: the docstrings of their public classes, functions and methods (see
:mod:`btcore._shared.docs`).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._arrays import _readonly
from ..align import align_feeds
from ..errors import ConfigError, DataError
from ..types import DEFAULT_HISTORY_CONFIG, HistoryConfig

#: The twins' public names; ``__all__`` are those written here, re-exported by both.
NAMES = ["SIGNAL_NONE", "SIGNAL_LONG", "SIGNAL_SHORT", "SIGNAL_FLAT", "signal_code", "LoopResult", "CythonStrategy",
         "BarLoop"]
__all__ = ["SIGNAL_NONE", "SIGNAL_LONG", "SIGNAL_SHORT", "SIGNAL_FLAT", "signal_code", "LoopResult"]

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


def _check_run_args(strategy: Any, exchange: Any, tracker: Any, on_snapshot: Any) -> tuple[Any, ...]:
    """Validate the run() arguments; returns (exchange hooks or None, tracker hooks or None)."""
    if not callable(strategy):
        raise ConfigError(f"strategy must be callable or a CythonStrategy, got {type(strategy).__name__}")
    if on_snapshot is not None and not callable(on_snapshot):
        raise ConfigError(f"on_snapshot must be callable or None, got {type(on_snapshot).__name__}")
    ex_hooks = _hooks(exchange, "exchange", ("on_bar", "on_signal")) if exchange is not None else None
    tr_hooks = _hooks(tracker, "tracker", _TRACKER_HOOKS) if tracker is not None else None
    return ex_hooks, tr_hooks


DOCS = {
    "CythonStrategy": """Base class of strategies the compiled loop calls without Python calls.

Subclass it in Cython (``cimport btcore._core.loop``) and override
``cdef int c_on_bar(self, RuntimeSnapshotView view) except? -128`` returning a signal code;
or subclass it in Python and override :meth:`on_bar`. Calling the strategy (``s(view)``)
returns the code. ``prepare(view)``, if overridden, runs once before the first bar.
""",
    "CythonStrategy.on_bar": """The strategy's decision at the view's bar (any value :func:`signal_code` accepts).""",
    "CythonStrategy.prepare": """Called once with the loop's view before the first bar (e.g. to compile paths).""",
    "BarLoop": """Drive one run over the exec bars of ``feeds`` with one reusable view.

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
""",
    "BarLoop.run": """Run ``strategy`` over ``[start, end)`` and return the recorded signals.

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
""",
}
