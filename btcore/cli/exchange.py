"""A small simulated exchange for ``btcore run``: market orders, one position, stops inside the bar.

Conventions (the defaults of backtesting.py — ``trade_on_close=False``, size as a fraction of
equity, commission on both sides — so results can be cross-checked):

* A signal seen at the close of exec bar ``i`` becomes a market order that fills at the **open of
  exec bar i + 1**. A signal on the last bar has no next bar and is rejected (``no_next_bar``).
* Fill prices move against the trader by ``slippage`` (a fraction): buys at ``open * (1 + s)``,
  sells at ``open * (1 - s)``.
* Entry size: ``notional = size_fraction * equity`` at the fill, ``qty = notional / fill_price``
  (fractional quantities allowed). Commission is ``commission * notional`` on entry and
  ``commission * qty * exit_price`` on exit, paid from cash.
* One position at a time. LONG while short (or SHORT while long) closes and reverses at the same
  open; FLAT closes; a signal in the direction already held is ignored.
* Stop-loss and take-profit are resolved inside each exec bar from its 1-minute bars in time order
  (no look-ahead). In the first minute that touches either level the position closes: if both
  could trigger in the same minute, the adverse one (the stop) fills; if the minute opens beyond
  the stop (a gap), the stop fills at that minute's open; a take-profit fills at its level, or at
  the minute's open when the minute opens beyond it. Stops get the slippage of a market order,
  take-profits (limit orders) none. The minute of an entry counts (the entry fills at its open).
  Without 1-minute bars for an exec bar the exec bar itself is used the same way.
* Equity is marked to the exec bar's close. A position still open after the last bar is closed at
  the last close (``end_of_data``), with commission and slippage.
* Bad data never turns into NaN money: an order due at a bar whose open is NaN is rejected
  (``no_price``), a NaN close keeps the previous mark, a NaN low/high touches no level.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..types import ExchangeState

__all__ = ["SimExchange"]

_SIDE_NAME = {1: "long", -1: "short"}


class SimExchange:
    """Simulated single-position exchange driven by the bar loop (``on_bar`` / ``on_signal``).

    Parameters
    ----------
    exec_feed
        The exec :class:`~btcore.feed.FeedStore` (open/high/low/close and timestamps are read).
    quote_feed
        The 1-minute FeedStore used to resolve stops, or None.
    m1_start, m1_end
        int64[n_exec]: half-open row range of ``quote_feed`` inside each exec bar (the loop's
        alignment provides them).
    initial_equity, commission, slippage, size_fraction
        Account size and costs (fractions, see the module docstring).
    stop_loss_pct, take_profit_pct
        Distance of the stop / target from the entry fill as a fraction (0 or None: none).
    tracker
        Optional StateTracker; the sizing/order/position hooks are called on it.
    progress
        Optional object with ``update(done)`` called every few thousand bars.
    end
        Exclusive end of the exec bars the run covers (default: all); a signal on the last one
        has no next bar to fill at.
    state_every_bar
        True: ``on_bar`` returns a fresh :class:`~btcore.types.ExchangeState` (equity and
        unrealised P&L marked to the close) on every bar. False: only on bars where the position
        changes, else None (the view keeps the previous state) — for strategies that read no
        account values, such as rule strategies, whose paths cannot reach the exchange; building
        the frozen state costs microseconds per bar.
    """

    def __init__(
        self,
        exec_feed: Any,
        quote_feed: Any,
        m1_start: np.ndarray,
        m1_end: np.ndarray,
        *,
        initial_equity: float = 10_000.0,
        commission: float = 0.0,
        slippage: float = 0.0,
        size_fraction: float = 1.0,
        stop_loss_pct: Optional[float] = None,
        take_profit_pct: Optional[float] = None,
        tracker: Any = None,
        progress: Any = None,
        state_every_bar: bool = True,
        end: Optional[int] = None,
    ) -> None:
        n = len(exec_feed)
        self.n = n
        self.end = n if end is None else int(end)
        self._ts_open = exec_feed.ts_open_ms
        self._ts_close = exec_feed.ts_close_ms
        self._open = exec_feed.open.tolist()
        self._high = exec_feed.high
        self._low = exec_feed.low
        self._high_l = exec_feed.high.tolist()
        self._low_l = exec_feed.low.tolist()
        self._close = exec_feed.close.tolist()
        self._q = quote_feed
        if quote_feed is not None:
            self._q_open, self._q_high, self._q_low = quote_feed.open, quote_feed.high, quote_feed.low
            self._m1_start, self._m1_end = m1_start.tolist(), m1_end.tolist()
        self.initial_equity = float(initial_equity)
        self.commission = float(commission)
        self.slippage = float(slippage)
        self.size_fraction = float(size_fraction)
        self.stop_loss_pct = float(stop_loss_pct or 0.0)
        self.take_profit_pct = float(take_profit_pct or 0.0)
        self.tracker = tracker
        self.progress = progress
        self._next_tick = 0
        self.cash = self.initial_equity  # realised balance: initial + closed P&L - fees
        self.side = 0
        self.qty = 0.0
        self.entry_price = 0.0
        self.entry_idx = -1
        self.entry_fee = 0.0
        self.sl = 0.0
        self.tp = 0.0
        self._pending: Optional[int] = None
        self._pending_stops: tuple[Optional[float], Optional[float]] = (None, None)
        #: set by a strategy wrapper before ``on_signal``: absolute (stop_loss, take_profit) prices
        self.next_stops: tuple[Optional[float], Optional[float]] = (None, None)
        self.equity = np.full(n, np.nan)
        self.position = np.zeros(n, dtype=np.int8)
        self.trades: list[dict[str, Any]] = []
        self.orders_filled = 0
        self.orders_rejected: dict[str, int] = {}
        self._flat_state = ExchangeState.flat(self.initial_equity)
        self.last_idx = -1
        self.state_every_bar = bool(state_every_bar)
        self._mark = 0.0  # last finite close the open position was marked at
        self._changed = True

    # ------------------------------------------------------------------ loop hooks

    def on_bar(self, i: int, view: Any = None) -> Optional[ExchangeState]:
        """Fill the pending order at bar ``i``'s open, resolve stops inside it, mark to its close."""
        if i >= self._next_tick and self.progress is not None:
            self.progress.update(i)
            self._next_tick = i + 4096
        self.last_idx = i
        if self._pending is not None:
            self._execute_pending(i)
        if self.side != 0 and (self.sl or self.tp):
            self._check_stops(i)
        tracker = self.tracker
        if self.side == 0:
            self.equity[i] = self.cash
            if tracker is not None:
                tracker.on_position_check(0, 0.0)
            if self._flat_state.equity_usdt != self.cash:
                self._flat_state = ExchangeState.flat(self.cash)
            return self._flat_state
        close = self._close[i]
        if close != close:  # a NaN bar (bad data the health check reports): keep the last mark
            close = self._mark
        self._mark = close
        unreal = self.side * self.qty * (close - self.entry_price)
        equity = self.cash + unreal
        self.equity[i] = equity
        self.position[i] = self.side
        notional = self.qty * close
        if tracker is not None:
            tracker.on_position_check(1, 100.0 * notional / equity if equity > 0 else 0.0)
        if not (self.state_every_bar or self._changed):
            return None
        self._changed = False
        used = self.qty * self.entry_price
        return ExchangeState(
            equity, self.cash, used, equity - used, equity - used, 0.0,
            True, _SIDE_NAME[self.side], notional, self.qty, self.entry_price, unreal,
        )

    def on_signal(self, i: int, code: int, view: Any = None) -> None:
        """Turn the strategy's signal code at bar ``i`` into an order for the next bar's open."""
        stops, self.next_stops = self.next_stops, (None, None)
        if code == 0:
            return
        target = 0 if code == 2 else int(code)
        if target == self.side:
            return  # already there: nothing to order
        tracker = self.tracker
        if target != 0 and tracker is not None:
            equity = self.equity[i] if self.equity[i] == self.equity[i] else self.cash
            tracker.on_sizing_computed(float(self.size_fraction * equity))
        if i + 1 >= self.end:
            self._reject("no_next_bar")
            return
        if tracker is not None:
            tracker.on_order_submitted()
        self._pending = target
        self._pending_stops = stops

    def finish(self) -> None:
        """Close a position still open after the last bar at the last close (``end_of_data``)."""
        i = self.last_idx
        if i < 0:
            return
        if self.side != 0:
            last = self._close[i] if self._close[i] == self._close[i] else self._mark
            self._close_position(i, last, "end_of_data", int(self._ts_close[i]), market=True)
            self.equity[i] = self.cash
            self.position[i] = 0
        if self._pending is not None:
            self._pending = None

    # ------------------------------------------------------------------ internals

    def _reject(self, reason: str) -> None:
        self.orders_rejected[reason] = self.orders_rejected.get(reason, 0) + 1
        if self.tracker is not None:
            self.tracker.on_order_rejected(reason)

    def _execute_pending(self, i: int) -> None:
        target, self._pending = self._pending, None
        if target is None:
            return
        self._changed = True
        price = self._open[i]
        if price != price:  # no price to fill at (a NaN bar): the order is rejected, nothing changes
            self._reject("no_price")
            return
        if self.side != 0:
            reason = "signal" if target == 0 else "reverse"
            self._close_position(i, price, reason, int(self._ts_open[i]), market=True)
        if target != 0:
            fill = price * (1.0 + self.slippage * target)
            notional = self.size_fraction * self.cash
            if not notional > 0.0:
                self._reject("insufficient_equity")
                return
            self.side = target
            self.qty = notional / fill
            self.entry_price = fill
            self.entry_idx = i
            self.entry_fee = notional * self.commission
            self._mark = fill
            self.cash -= self.entry_fee
            sl, tp = self._pending_stops
            self.sl = sl if sl is not None else (fill * (1.0 - target * self.stop_loss_pct) if self.stop_loss_pct else 0.0)
            self.tp = tp if tp is not None else (fill * (1.0 + target * self.take_profit_pct) if self.take_profit_pct else 0.0)
        self.orders_filled += 1
        if self.tracker is not None:
            self.tracker.on_order_filled()

    def _close_position(self, i: int, price: float, reason: str, exit_ts_ms: int, *, market: bool) -> None:
        side = self.side
        fill = price * (1.0 - self.slippage * side) if market else price
        exit_fee = self.qty * fill * self.commission
        gross = side * self.qty * (fill - self.entry_price)
        self.cash += gross - exit_fee
        pnl = gross - self.entry_fee - exit_fee
        entry_notional = self.qty * self.entry_price
        self.trades.append(
            {
                "entry_idx": self.entry_idx,
                "exit_idx": i,
                "entry_ts_ms": int(self._ts_open[self.entry_idx]),
                "exit_ts_ms": exit_ts_ms,
                "side": _SIDE_NAME[side],
                "qty": self.qty,
                "entry_price": self.entry_price,
                "exit_price": fill,
                "stop_loss": self.sl or None,
                "take_profit": self.tp or None,
                "fees": self.entry_fee + exit_fee,
                "pnl": pnl,
                "return_pct": 100.0 * pnl / entry_notional if entry_notional else 0.0,
                "exit_reason": reason,
            }
        )
        self.side, self.qty, self.entry_price, self.entry_fee, self.sl, self.tp = 0, 0.0, 0.0, 0.0, 0.0, 0.0
        self._changed = True

    def _check_stops(self, i: int) -> None:
        side, sl, tp = self.side, self.sl, self.tp
        # the exec bar's range bounds its minutes': most bars touch no level and need no scan
        hi, lo = self._high_l[i], self._low_l[i]
        if side > 0:
            if not ((sl and lo <= sl) or (tp and hi >= tp)):
                return
        elif not ((sl and hi >= sl) or (tp and lo <= tp)):
            return
        if self._q is not None and self._m1_end[i] > self._m1_start[i]:
            a, b = self._m1_start[i], self._m1_end[i]
            lo, hi, op = self._q_low[a:b], self._q_high[a:b], self._q_open[a:b]
            ts = self._q.ts_open_ms[a:b]
        else:
            lo, hi = self._low[i : i + 1], self._high[i : i + 1]
            op, ts = np.array([self._open[i]]), self._ts_open[i : i + 1]
        if side > 0:
            hit_sl = lo <= sl if sl else np.zeros(len(lo), bool)
            hit_tp = hi >= tp if tp else np.zeros(len(lo), bool)
        else:
            hit_sl = hi >= sl if sl else np.zeros(len(lo), bool)
            hit_tp = lo <= tp if tp else np.zeros(len(lo), bool)
        hits = hit_sl | hit_tp
        if not hits.any():
            return
        k = int(np.argmax(hits))
        o = float(op[k])
        if hit_sl[k]:  # adverse first when both levels are inside the same minute
            price = min(o, sl) if side > 0 else max(o, sl)
            self._close_position(i, price, "stop_loss", int(ts[k]), market=True)
        else:
            price = max(o, tp) if side > 0 else min(o, tp)
            self._close_position(i, price, "take_profit", int(ts[k]), market=False)
