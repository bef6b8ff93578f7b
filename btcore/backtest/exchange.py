"""The simulated exchange of a backtest: market orders, one position, stops, targets, liquidation.

Conventions (docs/BACKTEST.md has them with worked examples):

* A signal seen at the close of exec bar ``i`` becomes a market order that fills at the **open of
  exec bar i + 1**; a signal on the last bar of the run has no next bar (``no_next_bar``).
* Market fills move against the trader by ``slippage``: buys at ``open * (1 + s)``, sells at
  ``open * (1 - s)``. Take-profits are limit orders (no slippage).
* Sizing, with ``E`` the equity at the fill (the cash when flat), ``f`` the size fraction, ``c``
  the commission and ``p`` the fill price: ``"btcore"``: ``qty = f E / p``, commission ``c q p``
  on top; ``"fee_inclusive"``: ``qty = f E / (p + c p)``, so notional plus commission is ``f E``
  (backtesting.py's and vectorbt's convention). ``qty`` is then rounded down to a multiple of
  ``qty_step`` (if set); an entry below ``min_qty`` or ``min_notional`` is rejected. Commission is
  paid from cash on entry and on exit (``c × qty × exit fill``).
* One position at a time: LONG while short (or SHORT while long) closes and reverses at the same
  open, FLAT closes, a signal in the held direction is ignored.
* Stop-loss, take-profit and liquidation are resolved inside each exec bar on its 1-minute bars in
  time order, the entry minute included; without 1m bars for an exec bar, the exec bar itself. In
  the first minute that reaches a level the position closes; the adverse level first when both
  are reached in one minute; at the minute's open when it opened beyond the level (a gap).
* Liquidation: the liquidation level is the price at which equity after the exit commission is
  zero. Reaching it closes the position there (at the open on a gap, where the loss would exceed
  the equity: the account is floored at zero and the trade's loss is what the account had). From
  then on the account holds 0: every later signal is rejected (``account_liquidated``). Any fill
  that leaves no cash, e.g. a stop gapped through the level, liquidates the account the same way.
* Equity is marked at each exec close: ``cash + side × qty × (close − entry)``. A position open
  after the last bar closes at the last close (``end_of_data``), with commission and slippage.
* Bad prices never become money: a price that is NaN, zero, negative or infinite is missing. An
  order due at a bar without an open price is rejected (``no_price``); a missing close keeps the
  previous mark; a minute without a low/high reaches no level; a level reached in a minute
  without an open fills at the level.

Implementations (:mod:`btcore._twin`): the compiled ``btcore._core.exchange`` and
``btcore._core.simloop``, and their pure twins in ``btcore._pure``. Per bar the exchange reads the feed arrays through pointers (no copies)
and writes the equity, the side held and one byte of order events into arrays allocated once
(10 bytes per exec bar); a closed trade is one record in a growable buffer. The exposure, the
sizing budget and the event arrays the state tracker is fed from after the run are derived from
those. ``view.exchange`` is the exchange's live :class:`Account`; nothing is built per bar.
:func:`simulate` runs a loop with the exchange — one C loop with no Python per bar when the
strategy is compiled rules — and :func:`replay_tracker` feeds a state tracker afterwards.
"""

from __future__ import annotations

from .._twin import load

_impl = load("exchange")
_runs = load("simloop")

SimExchange = _impl.SimExchange
Account = _impl.Account
simulate = _runs.simulate
simulate_range = _runs.simulate_range
replay_tracker = _runs.replay_tracker
REJECT_REASONS = _impl.REJECT_REASONS
EVENT_NONE = _impl.EVENT_NONE
EVENT_DONE = _impl.EVENT_DONE
reject_code = _impl.reject_code
reject_reason = _impl.reject_reason

__all__ = [
    "SimExchange", "Account", "simulate", "simulate_range", "replay_tracker", "REJECT_REASONS", "EVENT_NONE", "EVENT_DONE",
    "reject_code", "reject_reason",
]
