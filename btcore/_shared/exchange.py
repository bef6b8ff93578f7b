"""What both twins of the simulated exchange share.

``btcore._core.exchange`` and ``btcore._pure.exchange`` import it; neither imports the other.

``DOCS``: the docstrings of their public classes, functions and methods (see
:mod:`btcore._shared.docs`).
"""

from __future__ import annotations

#: The twins' public names.
NAMES = ["SimExchange", "Account", "REJECT_REASONS", "EVENT_NONE", "EVENT_DONE", "reject_code", "reject_reason"]

DOCS = {
    "Account": """The live account of a :class:`SimExchange`: what ``view.exchange`` shows a strategy.

Its fields are those of :class:`~btcore.types.ExchangeState`, read from the exchange when
accessed, so they always describe the last bar the exchange processed (the close a strategy
decides at) and nothing is built per bar. :meth:`snapshot` returns a frozen copy.
""",
    "Account.snapshot": """The account now, as a frozen :class:`~btcore.types.ExchangeState`.""",
    "Account.to_dict": """The 14 fields of :class:`~btcore.types.ExchangeState` in order.""",
    "SimExchange": """Simulated single-position exchange driven by the bar loop (``on_bar`` / ``on_signal``).

Parameters
----------
exec_feed
    The exec :class:`~btcore.feed.FeedStore` (open/high/low/close and times are read).
quote_feed
    The 1-minute FeedStore the stops are resolved on, or None.
m1_start, m1_end
    int64[n_exec]: half-open row range of ``quote_feed`` inside each exec bar (the loop's
    alignment provides them; read-only arrays are kept as they are, others are copied).
initial_equity, commission, slippage, size_fraction
    Account size and costs (fractions, see :mod:`btcore.backtest.exchange`).
stop_loss_pct, take_profit_pct
    Distance of the stop / target from the entry fill as a fraction (None or 0: none).
sizing
    ``"btcore"`` or ``"fee_inclusive"``.
min_qty, min_notional, qty_step
    Exchange limits (0: none).
end
    Exclusive end of the exec bars the run covers (default: all); a signal on the last one
    has no next bar to fill at.

Attributes
----------
equity : float64[n_exec]
    Equity at each exec close (NaN on bars not run).
position : int8[n_exec]
    Side held at each exec close (1, -1, 0).
events : uint8[n_exec]
    Order events per bar, packed (see :mod:`btcore._exchangespec`); :attr:`fill_event`,
    :attr:`signal_event`, :attr:`sizing_usdt` and :attr:`exposure_pct` unpack them.
account : Account
    The live account (``on_bar`` returns it; the loop shows it as ``view.exchange``).
trades : list of dict
    Closed trades (the columns of ``trades.csv``).
liquidated : bool
    The account reached zero equity and stopped trading.
last_idx : int
    Last exec bar seen by ``on_bar`` (progress reporting reads it).

Raises
------
ConfigError
    A bad argument (the message names it and what is allowed).
""",
    "SimExchange.on_bar": """Fill the pending order at bar ``i``'s open, resolve stops inside it, mark to its close.

Returns the live :class:`Account` (the loop shows it as ``view.exchange``).
""",
    "SimExchange.on_signal": """Turn the strategy's signal code at bar ``i`` (the bar of the last ``on_bar``) into an
order for the next bar's open.
""",
    "SimExchange.finish": """Close a position still open after the last bar at the last close (``end_of_data``).""",
}
