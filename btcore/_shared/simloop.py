"""What both twins of the simulation loop (``btcore._core.simloop``, ``btcore._pure.simloop``) share.

``DOCS``: the docstrings of their functions (see :mod:`btcore._shared.docs`); the argument checks
of :func:`simulate` and the tracker hooks :func:`replay_tracker` calls, looked up once per run.
"""

from __future__ import annotations

from typing import Any

from ..errors import ConfigError

__all__ = ["DOCS", "check_simulate", "check_strategy", "tracker_hooks"]


def check_simulate(loop: Any, exchange: Any, exchange_type: type) -> None:
    """ConfigError unless ``exchange`` is the twin's SimExchange built on the loop's exec feed."""
    if not isinstance(exchange, exchange_type):
        raise ConfigError(f"exchange must be a {exchange_type.__module__}.SimExchange, got {type(exchange).__name__}")
    if loop.feeds.exec_feed is not exchange.exec_feed:
        raise ConfigError("the exchange was built on another exec feed than the loop's")


def check_strategy(strategy: Any) -> None:
    """ConfigError unless ``strategy`` can be called per bar."""
    if not callable(strategy):
        raise ConfigError(f"strategy must be callable or a CythonStrategy, got {type(strategy).__name__}")


def tracker_hooks(tracker: Any) -> tuple[Any, ...]:
    """The tracker's bound hooks in replay order: bar start, warmup check, history check, bar end,
    order filled, order rejected, position check, signal evaluated, sizing computed, order
    submitted (an object without one of them fails here, before the first call)."""
    return (tracker.on_bar_start, tracker.on_warmup_check, tracker.on_history_check, tracker.on_bar_end,
            tracker.on_order_filled, tracker.on_order_rejected, tracker.on_position_check,
            tracker.on_signal_evaluated, tracker.on_sizing_computed, tracker.on_order_submitted)


DOCS = {
    "simulate": """Run ``strategy`` over the loop's bars with ``exchange`` and return the loop's result.

    Per exec bar of ``[loop.start, loop.end)``: move the view, ``exchange.on_bar`` (fills at the
    open, stops inside the bar, the mark at the close), then — once the history windows are full
    — the strategy, its signal recorded and handed to ``exchange.on_signal``. ``view.exchange`` is
    the exchange's live :class:`Account`. The caller calls ``exchange.finish()`` afterwards.

    Raises
    ------
    ConfigError
        The exchange was built on another exec feed than the loop's.
    """,
    "simulate_range": """As :func:`simulate` over exec bars ``[start, end)`` instead of the loop's own range.

    One loop (one alignment) then serves runs over different ranges: a sweep's combinations
    trade from the bar where their own indicators are ready. Bars before ``start`` are warmup,
    as they are for a loop built with that start; the exchange must have been built with
    ``end=end``.

    Raises
    ------
    ConfigError
        ``loop`` is not a compiled BarLoop, the exchange was built on another exec feed or for
        another end, or ``0 <= start <= end <= loop.end`` does not hold.
    """,
    "replay_tracker": """Feed ``tracker`` bar by bar from a finished run.

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
    """,
}
