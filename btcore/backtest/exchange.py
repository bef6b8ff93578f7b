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

Design: per bar the exchange reads scalars of the feed arrays (through memoryviews, no copies)
and writes into arrays allocated once (equity, position, exposure, and the order events the
state tracker is fed from after the run). The only objects it creates are the trade record of a
closed position and, for strategies that read it, the :class:`~btcore.types.ExchangeState`.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np
from numpy.typing import NDArray

from ..errors import ConfigError
from ..types import ExchangeState
from ._validate import bad_value, is_price, number_in, optional_fraction

__all__ = ["SimExchange", "REJECT_REASONS", "EVENT_NONE", "EVENT_DONE", "reject_code", "reject_reason"]

_SIDE_NAME = {1: "long", -1: "short"}
_INF = math.inf

#: Order events per bar (``fill_event``, ``signal_event``): nothing, done (filled / submitted),
#: or ``2 + k`` for the rejection reason ``REJECT_REASONS[k]``.
EVENT_NONE = 0
EVENT_DONE = 1
REJECT_REASONS = (
    "no_next_bar", "no_price", "insufficient_equity", "below_min_qty", "below_min_notional", "account_liquidated",
)


def reject_code(reason: str) -> int:
    """Event code of a rejection reason."""
    return 2 + REJECT_REASONS.index(reason)


def reject_reason(code: int) -> str:
    """Rejection reason of an event code ``>= 2``."""
    return REJECT_REASONS[int(code) - 2]


_NO_STOPS: tuple[Optional[float], Optional[float]] = (None, None)


def _view(a: Any) -> Any:
    """A memoryview of a 1-D array (read-only arrays give read-only views)."""
    return np.ascontiguousarray(a).data


class SimExchange:
    """Simulated single-position exchange driven by the bar loop (``on_bar`` / ``on_signal``).

    Parameters
    ----------
    exec_feed
        The exec :class:`~btcore.feed.FeedStore` (open/high/low/close and times are read).
    quote_feed
        The 1-minute FeedStore the stops are resolved on, or None.
    m1_start, m1_end
        int64[n_exec]: half-open row range of ``quote_feed`` inside each exec bar (the loop's
        alignment provides them).
    initial_equity, commission, slippage, size_fraction
        Account size and costs (fractions, see the module docstring).
    stop_loss_pct, take_profit_pct
        Distance of the stop / target from the entry fill as a fraction (None or 0: none).
    sizing
        ``"btcore"`` or ``"fee_inclusive"`` (see the module docstring).
    min_qty, min_notional, qty_step
        Exchange limits (0: none).
    end
        Exclusive end of the exec bars the run covers (default: all); a signal on the last one
        has no next bar to fill at.
    state_every_bar
        True: ``on_bar`` returns a fresh :class:`~btcore.types.ExchangeState` every bar. False:
        only on bars where the position changes, else None (the view keeps the previous state),
        for strategies that read no account values (rules).

    Attributes
    ----------
    equity, exposure_pct : float64[n_exec]
        Equity at each exec close (NaN on bars not run) and the position's notional in percent
        of equity.
    position : int8[n_exec]
        Side held at each exec close (1, -1, 0).
    fill_event, signal_event : int8[n_exec]
        What happened to orders at the bar's open (fill) and close (signal): :data:`EVENT_NONE`,
        :data:`EVENT_DONE` or a rejection code (:func:`reject_reason`).
    sizing_usdt : float64[n_exec]
        Notional budget computed for an entry signal at the bar (NaN: none).
    trades : list of dict
        Closed trades (the columns of ``trades.csv``).
    liquidated : bool
        The account reached zero equity and stopped trading.
    last_idx : int
        Last exec bar seen by ``on_bar`` (progress reporting reads it).
    """

    def __init__(
        self,
        exec_feed: Any,
        quote_feed: Any,
        m1_start: NDArray[Any],
        m1_end: NDArray[Any],
        *,
        initial_equity: float = 10_000.0,
        commission: float = 0.0,
        slippage: float = 0.0,
        size_fraction: float = 1.0,
        stop_loss_pct: Optional[float] = None,
        take_profit_pct: Optional[float] = None,
        sizing: str = "btcore",
        min_qty: float = 0.0,
        min_notional: float = 0.0,
        qty_step: float = 0.0,
        state_every_bar: bool = True,
        end: Optional[int] = None,
    ) -> None:
        n = len(exec_feed)
        self.n = n
        self.end = n if end is None else int(end)
        if not 0 <= self.end <= n:
            raise bad_value("end", f"an exec bar index in [0, {n}]", end)
        self.initial_equity = number_in("initial_equity", initial_equity, 0.0, 1e15, lo_open=True)
        self.commission = number_in("commission", commission, 0.0, 0.5)
        self.slippage = number_in("slippage", slippage, 0.0, 0.5)
        self.size_fraction = number_in("size_fraction", size_fraction, 0.0, 1.0, lo_open=True)
        self.stop_loss_pct = optional_fraction("stop_loss_pct", stop_loss_pct, 0.99) or 0.0
        self.take_profit_pct = optional_fraction("take_profit_pct", take_profit_pct, 100.0) or 0.0
        if sizing not in ("btcore", "fee_inclusive"):
            raise bad_value("sizing", "'btcore' or 'fee_inclusive'", sizing)
        self.sizing = sizing
        self._fee_inclusive = sizing == "fee_inclusive"
        self.min_qty = number_in("min_qty", min_qty, 0.0, 1e15)
        self.min_notional = number_in("min_notional", min_notional, 0.0, 1e15)
        self.qty_step = number_in("qty_step", qty_step, 0.0, 1e15)
        self.state_every_bar = bool(state_every_bar)

        # memoryviews index to Python scalars without copying (a numpy scalar per read is slower)
        self._ts_open: Any = _view(exec_feed.ts_open_ms)
        self._ts_close: Any = _view(exec_feed.ts_close_ms)
        self._open: Any = _view(exec_feed.open)
        self._high: Any = _view(exec_feed.high)
        self._low: Any = _view(exec_feed.low)
        self._close: Any = _view(exec_feed.close)
        self._has_q = quote_feed is not None
        if quote_feed is not None:
            starts = np.ascontiguousarray(m1_start, dtype=np.int64)
            ends = np.ascontiguousarray(m1_end, dtype=np.int64)
            nq = len(quote_feed)
            if starts.shape != (n,) or ends.shape != (n,) or (starts < 0).any() or (ends > nq).any() or (starts > ends).any():
                raise ConfigError(f"m1_start/m1_end must be int64[{n}] row ranges inside the {nq}-row quote feed")
            self._m1_start: Any = _view(starts)
            self._m1_end: Any = _view(ends)
            self._q_open: Any = _view(quote_feed.open)
            self._q_high: Any = _view(quote_feed.high)
            self._q_low: Any = _view(quote_feed.low)
            self._q_ts: Any = _view(quote_feed.ts_open_ms)

        self.equity = np.full(n, np.nan)
        self.exposure_pct = np.zeros(n)
        self.position = np.zeros(n, dtype=np.int8)
        self.fill_event = np.zeros(n, dtype=np.int8)
        self.signal_event = np.zeros(n, dtype=np.int8)
        self.sizing_usdt = np.full(n, np.nan)
        self._eq: Any = _view(self.equity)
        self._exp: Any = _view(self.exposure_pct)
        self._pos: Any = _view(self.position)
        self._fill_ev: Any = _view(self.fill_event)
        self._sig_ev: Any = _view(self.signal_event)
        self._sizing: Any = _view(self.sizing_usdt)

        self.trades: list[dict[str, Any]] = []
        self.cash = self.initial_equity  # realised balance: initial + closed P&L - fees
        self.side = 0
        self.qty = 0.0
        self.entry_price = 0.0
        self.entry_idx = -1
        self.entry_fee = 0.0
        self.sl = 0.0  # 0: none
        self.tp = 0.0
        self.liq = 0.0  # market price at which equity after the exit commission is zero (0: none)
        self.liquidated = False
        self._pending = False
        self._pending_target = 0
        self._pending_stops = _NO_STOPS
        #: set by a strategy wrapper before ``on_signal``: absolute (stop_loss, take_profit) prices
        self.next_stops: tuple[Optional[float], Optional[float]] = _NO_STOPS
        self.last_idx = -1
        self._mark = 0.0  # last usable close the open position was marked at
        self._changed = True
        self._flat_state = ExchangeState.flat(self.initial_equity)

    # ------------------------------------------------------------------ counts

    @property
    def orders_filled(self) -> int:
        """Orders filled (entries, exits and reversals at an open)."""
        return int(np.count_nonzero(self.fill_event == EVENT_DONE))

    @property
    def orders_rejected(self) -> dict[str, int]:
        """Rejected orders by reason."""
        out: dict[str, int] = {}
        for events in (self.signal_event, self.fill_event):
            codes, counts = np.unique(events[events >= 2], return_counts=True)
            for code, count in zip(codes.tolist(), counts.tolist()):
                out[reject_reason(code)] = out.get(reject_reason(code), 0) + int(count)
        return out

    # ------------------------------------------------------------------ loop hooks

    def on_bar(self, i: int, view: Any = None) -> Optional[ExchangeState]:
        """Fill the pending order at bar ``i``'s open, resolve stops inside it, mark to its close."""
        self.last_idx = i
        if self._pending:
            self._execute_pending(i)
        if self.side != 0:
            self._check_levels(i)
        if self.side != 0:
            close = self._close[i]
            if is_price(close):
                self._mark = close
            else:  # bad data the health check reports: keep the last mark
                close = self._mark
            unreal = self.side * self.qty * (close - self.entry_price)
            equity = self.cash + unreal
            if not equity > 0.0:  # only a bar whose range could not be read gets here
                self._close_position(i, close, "liquidation", self._ts_close[i], market=True)
            else:
                self._eq[i] = equity
                self._pos[i] = self.side
                notional = self.qty * close
                self._exp[i] = 100.0 * notional / equity
                if not (self.state_every_bar or self._changed):
                    return None
                self._changed = False
                used = self.qty * self.entry_price
                return ExchangeState(
                    equity, self.cash, used, equity - used, equity - used, 0.0,
                    True, _SIDE_NAME[self.side], notional, self.qty, self.entry_price, unreal,
                )
        self._eq[i] = self.cash
        if self._flat_state.equity_usdt != self.cash or self.liquidated != self._flat_state.entries_disabled:
            self._flat_state = (
                ExchangeState(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, entries_disabled=True,
                              entries_disabled_reason="account_liquidated")
                if self.liquidated else ExchangeState.flat(self.cash)
            )
        self._changed = False
        return self._flat_state

    def on_signal(self, i: int, code: int, view: Any = None) -> None:
        """Turn the strategy's signal code at bar ``i`` into an order for the next bar's open."""
        stops, self.next_stops = self.next_stops, _NO_STOPS
        if code == 0:
            return
        target = 0 if code == 2 else int(code)
        if target == self.side:
            return  # already there: nothing to order
        if self.liquidated:
            self._sig_ev[i] = reject_code("account_liquidated")
            return
        if target != 0:
            equity = self._eq[i]
            self._sizing[i] = self.size_fraction * (equity if equity == equity else self.cash)
        if i + 1 >= self.end:
            self._sig_ev[i] = reject_code("no_next_bar")
            return
        self._sig_ev[i] = EVENT_DONE
        self._pending = True
        self._pending_target = target
        self._pending_stops = stops

    def finish(self) -> None:
        """Close a position still open after the last bar at the last close (``end_of_data``)."""
        i = self.last_idx
        self._pending = False
        if i < 0 or self.side == 0:
            return
        last = self._close[i]
        self._close_position(i, last if is_price(last) else self._mark, "end_of_data", self._ts_close[i], market=True)
        self._eq[i] = self.cash
        self._pos[i] = 0
        self._exp[i] = 0.0

    # ------------------------------------------------------------------ orders

    def _execute_pending(self, i: int) -> None:
        target = self._pending_target
        self._pending = False
        self._changed = True
        price = self._open[i]
        if not is_price(price):  # no price to fill at: the order is rejected, nothing changes
            self._fill_ev[i] = reject_code("no_price")
            return
        if self.side != 0:
            self._close_position(i, price, "signal" if target == 0 else "reverse", self._ts_open[i], market=True)
            if self.liquidated:
                self._fill_ev[i] = reject_code("account_liquidated") if target != 0 else EVENT_DONE
                return
        if target != 0:
            reason = self._open_position(i, target, price * (1.0 + self.slippage * target))
            if reason:
                self._fill_ev[i] = reject_code(reason)
                return
        self._fill_ev[i] = EVENT_DONE

    def _open_position(self, i: int, side: int, fill: float) -> str:
        """Enter at ``fill``; returns a rejection reason, or '' when filled."""
        c = self.commission
        budget = self.size_fraction * self.cash
        if not budget > 0.0:
            return "insufficient_equity"
        qty = budget / (fill + fill * c) if self._fee_inclusive else budget / fill
        step = self.qty_step
        if step > 0.0:  # the tolerance keeps 0.3 / 0.1 = 2.9999999999999996 at 3 steps
            qty = math.floor(qty / step + 1e-9) * step
        if not qty > 0.0 or qty < self.min_qty:
            return "below_min_qty"
        if qty * fill < self.min_notional:
            return "below_min_notional"
        fee = c * qty * fill
        self.side, self.qty, self.entry_price, self.entry_idx, self.entry_fee = side, qty, fill, i, fee
        self.cash -= fee
        self._mark = fill
        sl, tp = self._pending_stops
        pct_sl, pct_tp = self.stop_loss_pct, self.take_profit_pct
        self.sl = sl if sl is not None and is_price(sl) else (fill * (1.0 - side * pct_sl) if pct_sl else 0.0)
        self.tp = tp if tp is not None and is_price(tp) else (fill * (1.0 + side * pct_tp) if pct_tp else 0.0)
        # equity after the exit commission is zero at the exit fill x: long cash + q(x - e) - c q x = 0,
        # short cash - q(x - e) - c q x = 0; the market price before slippage is x / (1 -+ s)
        if side > 0:
            x = (qty * fill - self.cash) / (qty * (1.0 - c))
            self.liq = x / (1.0 - self.slippage) if x > 0.0 else 0.0
        else:
            x = (self.cash + qty * fill) / (qty * (1.0 + c))
            self.liq = x / (1.0 + self.slippage)
        return ""

    def _close_position(self, i: int, price: float, reason: str, exit_ts_ms: int, *, market: bool) -> None:
        side, qty = self.side, self.qty
        fill = price * (1.0 - self.slippage * side) if market else price
        exit_fee = qty * fill * self.commission
        gross = side * qty * (fill - self.entry_price)
        cash = self.cash + gross - exit_fee
        pnl = gross - self.entry_fee - exit_fee
        if reason == "liquidation" or not cash > 0.0:
            pnl -= cash  # the account is floored at zero: the loss is what it had
            cash = 0.0
            reason = "liquidation"
            self.liquidated = True
        self.cash = cash
        entry_notional = qty * self.entry_price
        self.trades.append(
            {
                "entry_idx": self.entry_idx,
                "exit_idx": i,
                "entry_ts_ms": int(self._ts_open[self.entry_idx]),
                "exit_ts_ms": int(exit_ts_ms),
                "side": _SIDE_NAME[side],
                "qty": qty,
                "entry_price": self.entry_price,
                "exit_price": fill,
                "stop_loss": self.sl or None,
                "take_profit": self.tp or None,
                "fees": self.entry_fee + exit_fee,
                "pnl": pnl,
                "return_pct": 100.0 * pnl / entry_notional,
                "exit_reason": reason,
            }
        )
        self.side, self.qty, self.entry_price, self.entry_fee = 0, 0.0, 0.0, 0.0
        self.sl = self.tp = self.liq = 0.0
        self._changed = True

    # ------------------------------------------------------------------ levels inside the bar

    def _check_levels(self, i: int) -> None:
        side, sl, tp, liq = self.side, self.sl, self.tp, self.liq
        if side > 0:  # the nearer adverse level is reached first
            adverse = max(sl, liq)
            if adverse <= 0.0:
                adverse = -_INF
            target = tp if tp else _INF
            # the exec bar's range bounds its minutes': most bars reach no level and need no scan
            # (a NaN low or high proves nothing, so such a bar is scanned)
            if self._low[i] > adverse and self._high[i] < target:
                return
        else:
            adverse = min(sl if sl else _INF, liq if liq else _INF)
            target = tp if tp else -_INF
            if self._high[i] < adverse and self._low[i] > target:
                return
        stop_reason = "stop_loss" if sl and (sl >= liq if side > 0 else sl <= liq) else "liquidation"
        if self._has_q and self._m1_end[i] > self._m1_start[i]:
            lows, highs, opens, times = self._q_low, self._q_high, self._q_open, self._q_ts
            a, b = self._m1_start[i], self._m1_end[i]
        else:
            lows, highs, opens, times = self._low, self._high, self._open, self._ts_open
            a, b = i, i + 1
        for k in range(a, b):
            lo, hi, op = lows[k], highs[k], opens[k]
            if side > 0:
                if lo <= adverse:
                    price = op if is_price(op) and op < adverse else adverse
                    self._close_position(i, price, stop_reason, times[k], market=True)
                    return
                if hi >= target:
                    price = op if is_price(op) and op > target else target
                    self._close_position(i, price, "take_profit", times[k], market=False)
                    return
            else:
                if hi >= adverse:
                    price = op if is_price(op) and op > adverse else adverse
                    self._close_position(i, price, stop_reason, times[k], market=True)
                    return
                if lo <= target:
                    price = op if is_price(op) and op < target else target
                    self._close_position(i, price, "take_profit", times[k], market=False)
                    return
