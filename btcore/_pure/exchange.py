"""The simulated exchange of a backtest (pure-Python twin of ``btcore._core.exchange``).

Market orders at the next open, one position, stops, targets and liquidation resolved on the 1m
bars inside each exec bar; the conventions are in the docstring of :mod:`btcore.backtest.exchange`
and, with worked examples, in docs/BACKTEST.md. What the twins share (argument checks, event
codes, the records and what is derived from them) is :mod:`btcore._exchangespec`.

Per bar the exchange writes the equity, the side held and one byte of order events into arrays
allocated once, and appends a record per closed trade; :class:`Account` is the live account the
view shows a strategy (``view.exchange``). ``btcore._pure.simloop`` runs a loop with it.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np
from numpy.typing import NDArray

from .. import _exchangespec as xs
from .._validate import is_price
from ..errors import ConfigError
from ..types import ExchangeState
from .._shared.docs import attach
from .._shared.exchange import DOCS, NAMES
# the event codes and reject reasons of btcore._exchangespec are this module's API too
from .._exchangespec import EVENT_DONE, EVENT_NONE, REJECT_REASONS, reject_code, reject_reason

__all__ = list(NAMES)

_INF = math.inf
_FILL = xs.FILL_MASK
_SIG_SHIFT = xs.SIG_SHIFT
_SIZED = xs.SIZED
_DONE_CODE = EVENT_DONE
_R = {r: xs.reject_code(r) for r in REJECT_REASONS}
_EXIT = {r: k for k, r in enumerate(xs.EXIT_REASONS)}


class Account:
    __doc__ = DOCS["Account"]

    __slots__ = ("_ex",)

    def __init__(self, exchange: "SimExchange") -> None:
        self._ex = exchange

    def snapshot(self) -> ExchangeState:
        ex = self._ex
        if ex.side != 0:
            return xs.position_state(ex.cash, ex.side, ex.qty, ex.entry_price, ex._mark)
        return xs.flat_state(ex.cash, ex.liquidated)

    def to_dict(self) -> dict[str, Any]:
        return self.snapshot().to_dict()

    def __repr__(self) -> str:
        return f"<Account {self.snapshot()!r}>"

    @property
    def equity_usdt(self) -> float:
        """Cash plus the open position's unrealised P&L at the mark."""
        return self.snapshot().equity_usdt

    @property
    def cash_usdt(self) -> float:
        """Realised balance: initial equity plus closed P&L minus fees."""
        return self.snapshot().cash_usdt

    @property
    def used_margin_usdt(self) -> float:
        """Entry notional of the open position (0 when flat)."""
        return self.snapshot().used_margin_usdt

    @property
    def free_margin_usdt(self) -> float:
        """Equity minus the used margin."""
        return self.snapshot().free_margin_usdt

    @property
    def available_balance_usdt(self) -> float:
        """Equity minus the used margin."""
        return self.snapshot().available_balance_usdt

    @property
    def maintenance_margin_usdt(self) -> float:
        """Always 0: the exchange holds one unlevered position."""
        return 0.0

    @property
    def has_position(self) -> bool:
        """A position is open."""
        return self._ex.side != 0

    @property
    def position_side(self) -> Optional[str]:
        """``"long"``, ``"short"`` or None."""
        return xs.SIDE_NAMES.get(self._ex.side)

    @property
    def position_size_usdt(self) -> float:
        """Notional of the open position at the mark (0 when flat)."""
        return self.snapshot().position_size_usdt

    @property
    def position_qty(self) -> float:
        """Units held (0 when flat)."""
        return self.snapshot().position_qty

    @property
    def position_entry_price(self) -> float:
        """Entry fill of the open position (0 when flat)."""
        return self.snapshot().position_entry_price

    @property
    def unrealized_pnl_usdt(self) -> float:
        """P&L of the open position at the mark (0 when flat)."""
        return self.snapshot().unrealized_pnl_usdt

    @property
    def entries_disabled(self) -> bool:
        """True once the account was liquidated."""
        return bool(self._ex.liquidated)

    @property
    def entries_disabled_reason(self) -> Optional[str]:
        """``"account_liquidated"`` once the account was liquidated, else None."""
        return "account_liquidated" if self._ex.liquidated else None


class SimExchange:
    __doc__ = DOCS["SimExchange"]

    def __init__(
        self,
        exec_feed: Any,
        quote_feed: Any,
        m1_start: Any,
        m1_end: Any,
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
        end: Optional[int] = None,
    ) -> None:
        a = xs.check_args(exec_feed, quote_feed, m1_start, m1_end, initial_equity, commission, slippage,
                          size_fraction, stop_loss_pct, take_profit_pct, sizing, min_qty, min_notional, qty_step, end)
        self.n, self.end = a["n"], a["end"]
        self.initial_equity, self.commission, self.slippage = a["initial_equity"], a["commission"], a["slippage"]
        self.size_fraction, self.sizing = a["size_fraction"], a["sizing"]
        self.stop_loss_pct, self.take_profit_pct = a["stop_loss_pct"], a["take_profit_pct"]
        self.min_qty, self.min_notional, self.qty_step = a["min_qty"], a["min_notional"], a["qty_step"]
        self._fee_inclusive = self.sizing == "fee_inclusive"
        self.exec_feed, self.quote_feed = exec_feed, quote_feed

        # memoryviews index to Python scalars without copying (a numpy scalar per read is slower)
        self._ts_open: Any = exec_feed.ts_open_ms.data
        self._open: Any = exec_feed.open.data
        self._high: Any = exec_feed.high.data
        self._low: Any = exec_feed.low.data
        self._close: Any = exec_feed.close.data
        self._ts_close: Any = exec_feed.ts_close_ms.data
        self._has_q = quote_feed is not None
        if quote_feed is not None:
            self._m1_start: Any = a["m1_start"].data
            self._m1_end: Any = a["m1_end"].data
            self._q_open: Any = quote_feed.open.data
            self._q_high: Any = quote_feed.high.data
            self._q_low: Any = quote_feed.low.data
            self._q_ts: Any = quote_feed.ts_open_ms.data

        n = self.n
        self._equity = np.full(n, np.nan)
        self._position = np.zeros(n, dtype=np.int8)
        self._events = np.zeros(n, dtype=np.uint8)
        self._eq: Any = self._equity.data
        self._pos: Any = self._position.data
        self._ev: Any = self._events.data
        self._trades: list[tuple[Any, ...]] = []
        self._trade_dicts: Optional[list[dict[str, Any]]] = None
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
        self._pending_sl = 0.0
        self._pending_tp = 0.0
        self._next_sl = 0.0
        self._next_tp = 0.0
        self.last_idx = -1
        self._mark = 0.0  # last usable close the open position was marked at
        self.account = Account(self)

    # ------------------------------------------------------------------ records

    @property
    def equity(self) -> NDArray[np.float64]:
        """Equity at each exec close (NaN on bars not run)."""
        return self._equity

    @property
    def position(self) -> NDArray[np.int8]:
        """Side held at each exec close (1, -1, 0)."""
        return self._position

    @property
    def events(self) -> NDArray[np.uint8]:
        """Order events per bar, packed (see :mod:`btcore._exchangespec`)."""
        return self._events

    @property
    def fill_event(self) -> NDArray[np.int8]:
        """What happened at each bar's open: EVENT_NONE, EVENT_DONE or a rejection code."""
        return xs.fill_events(self._events)

    @property
    def signal_event(self) -> NDArray[np.int8]:
        """What happened to each bar's signal: EVENT_NONE, EVENT_DONE or a rejection code."""
        return xs.signal_events(self._events)

    @property
    def sizing_usdt(self) -> NDArray[np.float64]:
        """Notional budget computed for each entry signal (NaN: none)."""
        return xs.sizing_budget(self._events, self._equity, self.size_fraction)

    @property
    def exposure_pct(self) -> NDArray[np.float64]:
        """Notional of the position held at each close in percent of the equity."""
        held = [(t[0], t[4], t[5]) for t in self._trades]
        if self.side != 0:
            held.append((self.entry_idx, self.qty, self.entry_price))
        return xs.exposure(self._position, self._equity, np.asarray(self.exec_feed.close), held)

    @property
    def trades(self) -> list[dict[str, Any]]:
        """Closed trades (the columns of ``trades.csv``)."""
        if self._trade_dicts is None or len(self._trade_dicts) != len(self._trades):
            self._trade_dicts = xs.trade_dicts(self._trades, self.exec_feed.ts_open_ms)
        return self._trade_dicts

    @property
    def n_trades(self) -> int:
        """Number of closed trades."""
        return len(self._trades)

    @property
    def orders_filled(self) -> int:
        """Orders filled (entries, exits and reversals at an open)."""
        return int(np.count_nonzero((self._events & _FILL) == EVENT_DONE))

    @property
    def orders_rejected(self) -> dict[str, int]:
        """Rejected orders by reason."""
        return xs.orders_rejected(self._events)

    @property
    def next_stops(self) -> tuple[Optional[float], Optional[float]]:
        """Absolute (stop_loss, take_profit) prices for the order of the next ``on_signal``
        (None: from ``stop_loss_pct`` / ``take_profit_pct``); a strategy wrapper sets them."""
        return (self._next_sl or None, self._next_tp or None)

    @next_stops.setter
    def next_stops(self, stops: tuple[Optional[float], Optional[float]]) -> None:
        sl, tp = stops
        self._next_sl, self._next_tp = xs.optional_price("stop_loss", sl), xs.optional_price("take_profit", tp)

    # ------------------------------------------------------------------ loop hooks

    def on_bar(self, i: int, view: Any = None) -> Account:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < self.n:
            raise ConfigError(f"bar index must be an int in [0, {self.n}), got {i!r}")
        i = int(i)
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
            equity = self.cash + self.side * self.qty * (close - self.entry_price)
            if not equity > 0.0:  # only a bar whose range could not be read gets here
                self._close_position(i, close, "liquidation", self._ts_close[i], True)
            else:
                self._eq[i] = equity
                self._pos[i] = self.side
                return self.account
        self._eq[i] = self.cash
        self._pos[i] = 0
        return self.account

    def on_signal(self, i: int, code: int, view: Any = None) -> None:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or i != self.last_idx or i < 0:
            raise ConfigError(f"on_signal(i) must follow on_bar(i) for the same bar (last bar {self.last_idx}), "
                              f"got {i!r}")
        if isinstance(code, bool) or code not in (0, 1, -1, 2):
            raise ConfigError(f"signal code must be 0, 1, -1 or 2, got {code!r}")
        i = int(i)
        sl, tp = self._next_sl, self._next_tp
        self._next_sl = self._next_tp = 0.0
        if code == 0:
            return
        target = 0 if code == 2 else int(code)
        if target == self.side:
            return  # already there: nothing to order
        ev = self._ev[i] & _FILL
        if self.liquidated:
            self._ev[i] = ev | (_R["account_liquidated"] << _SIG_SHIFT)
            return
        if target != 0:
            ev |= _SIZED
        if i + 1 >= self.end:
            self._ev[i] = ev | (_R["no_next_bar"] << _SIG_SHIFT)
            return
        self._ev[i] = ev | (_DONE_CODE << _SIG_SHIFT)
        self._pending = True
        self._pending_target = target
        self._pending_sl, self._pending_tp = sl, tp

    def finish(self) -> None:
        i = self.last_idx
        self._pending = False
        if i < 0 or self.side == 0:
            return
        last = self._close[i]
        self._close_position(i, last if is_price(last) else self._mark, "end_of_data", self._ts_close[i], True)
        self._eq[i] = self.cash
        self._pos[i] = 0

    # ------------------------------------------------------------------ orders

    def _fill_event(self, i: int, code: int) -> None:
        self._ev[i] = (self._ev[i] & ~_FILL & 0xFF) | code

    def _execute_pending(self, i: int) -> None:
        target = self._pending_target
        self._pending = False
        price = self._open[i]
        if not is_price(price):  # no price to fill at: the order is rejected, nothing changes
            self._fill_event(i, _R["no_price"])
            return
        if self.side != 0:
            self._close_position(i, price, "signal" if target == 0 else "reverse", self._ts_open[i], True)
            if self.liquidated:
                self._fill_event(i, _R["account_liquidated"] if target != 0 else _DONE_CODE)
                return
        if target != 0:
            reason = self._open_position(i, target, price * (1.0 + self.slippage * target))
            if reason:
                self._fill_event(i, _R[reason])
                return
        self._fill_event(i, _DONE_CODE)

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
        sl, tp = self._pending_sl, self._pending_tp
        pct_sl, pct_tp = self.stop_loss_pct, self.take_profit_pct
        self.sl = sl if is_price(sl) else (fill * (1.0 - side * pct_sl) if pct_sl else 0.0)
        self.tp = tp if is_price(tp) else (fill * (1.0 + side * pct_tp) if pct_tp else 0.0)
        # equity after the exit commission is zero at the exit fill x: long cash + q(x - e) - c q x = 0,
        # short cash - q(x - e) - c q x = 0; the market price before slippage is x / (1 -+ s)
        if side > 0:
            x = (qty * fill - self.cash) / (qty * (1.0 - c))
            self.liq = x / (1.0 - self.slippage) if x > 0.0 else 0.0
        else:
            x = (self.cash + qty * fill) / (qty * (1.0 + c))
            self.liq = x / (1.0 + self.slippage)
        return ""

    def _close_position(self, i: int, price: float, reason: str, exit_ts_ms: int, market: bool) -> None:
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
        self._trades.append((self.entry_idx, i, int(exit_ts_ms), side, qty, self.entry_price, fill, self.sl,
                             self.tp, self.entry_fee + exit_fee, pnl, _EXIT[reason]))
        self.side, self.qty, self.entry_price, self.entry_fee = 0, 0.0, 0.0, 0.0
        self.sl = self.tp = self.liq = 0.0

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
                    self._close_position(i, price, stop_reason, times[k], True)
                    return
                if hi >= target:
                    price = op if is_price(op) and op > target else target
                    self._close_position(i, price, "take_profit", times[k], False)
                    return
            else:
                if hi >= adverse:
                    price = op if is_price(op) and op > adverse else adverse
                    self._close_position(i, price, stop_reason, times[k], True)
                    return
                if lo <= target:
                    price = op if is_price(op) and op < target else target
                    self._close_position(i, price, "take_profit", times[k], False)
                    return


attach(globals(), DOCS)
