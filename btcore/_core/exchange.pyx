"""The simulated exchange of a backtest (compiled twin of ``btcore._pure.exchange``).

The same exchange as the pure twin (its module docstring says what it simulates and where the
conventions are written down); what the twins share is :mod:`btcore._exchangespec`.

Per bar the exchange reads the feed arrays through raw pointers (the FeedStore arrays are
immutable; ``_keep`` holds them), writes the equity, the side held and one byte of order events
into arrays allocated once and appends a closed trade to a growable C buffer: ``c_bar`` and
``c_signal`` allocate nothing and run without the GIL (``btcore._core.simloop`` drives them).
"""

import numpy as np

cimport cython
from libc.math cimport INFINITY, floor
from libc.stdint cimport int8_t, int64_t, uint8_t
from libc.stdlib cimport free, realloc

from btcore._core._typedefs cimport float64_t, intp_t

from btcore import _exchangespec as xs
from btcore.errors import ConfigError
from btcore._shared.docs import attach, signed
from btcore._shared.exchange import DOCS, NAMES
# the event codes and reject reasons of btcore._exchangespec are this module's API too
from btcore._exchangespec import EVENT_DONE, EVENT_NONE, REJECT_REASONS, reject_code, reject_reason

__all__ = list(NAMES)

cdef enum:
    EV_DONE = 1
    R_NO_NEXT_BAR = 2
    R_NO_PRICE = 3
    R_INSUFFICIENT_EQUITY = 4
    R_BELOW_MIN_QTY = 5
    R_BELOW_MIN_NOTIONAL = 6
    R_ACCOUNT_LIQUIDATED = 7
    FILL_MASK = 0x07
    SIG_SHIFT = 3
    SIZED = 0x40
    X_SIGNAL = 0
    X_REVERSE = 1
    X_STOP_LOSS = 2
    X_TAKE_PROFIT = 3
    X_LIQUIDATION = 4
    X_END_OF_DATA = 5

if (xs.FILL_MASK, xs.SIG_SHIFT, xs.SIZED, xs.EVENT_DONE) != (FILL_MASK, SIG_SHIFT, SIZED, EV_DONE) or \
        [xs.reject_code(r) for r in xs.REJECT_REASONS] != list(range(R_NO_NEXT_BAR, R_ACCOUNT_LIQUIDATED + 1)) or \
        xs.EXIT_REASONS != ("signal", "reverse", "stop_loss", "take_profit", "liquidation", "end_of_data"):
    raise ImportError("btcore._core.exchange is out of date with btcore._exchangespec; rebuild the extension")

cdef extern from *:
    """
    /* The progress poller reads last_idx from another thread while the loop runs without the
       GIL: a volatile store keeps the compiler from moving it out of the loop. */
    static inline void btcore_publish_index(Py_ssize_t* where, Py_ssize_t value) {
        *(volatile Py_ssize_t*)where = value;
    }
    """
    void btcore_publish_index(Py_ssize_t* where, Py_ssize_t value) noexcept nogil


cdef inline bint _is_price(double x) noexcept nogil:
    return 0.0 < x < INFINITY


cdef inline const float64_t* _f64(object a, list keep):
    cdef const float64_t[::1] mv = a
    keep.append(a)
    return &mv[0] if mv.shape[0] else NULL


cdef inline const int64_t* _i64(object a, list keep):
    cdef const int64_t[::1] mv = a
    keep.append(a)
    return &mv[0] if mv.shape[0] else NULL


cdef inline int _bar_index(object i, intp_t n) except -1:
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < n:
        raise ConfigError(f"bar index must be an int in [0, {n}), got {i!r}")
    return 0


@cython.final
@cython.embedsignature(False)  # the signed shared docstring carries the signature
cdef class Account:
    __doc__ = signed("Account(SimExchange exchange)", DOCS["Account"])

    def __init__(self, SimExchange exchange not None):
        self._ex = exchange

    cdef SimExchange _exchange(self):
        if self._ex is None:
            raise ConfigError("Account.__init__ was not called")
        return self._ex

    def snapshot(self):
        ex = self._exchange()
        if ex.side != 0:
            return xs.position_state(ex.cash, ex.side, ex.qty, ex.entry_price, ex._mark)
        return xs.flat_state(ex.cash, ex.liquidated)

    def to_dict(self):
        return self.snapshot().to_dict()

    def __repr__(self):
        return f"<Account {self.snapshot()!r}>"

    @property
    def equity_usdt(self):
        """Cash plus the open position's unrealised P&L at the mark."""
        ex = self._exchange()
        if ex.side != 0:
            return ex.cash + ex.side * ex.qty * (ex._mark - ex.entry_price)
        return 0.0 if ex.liquidated else ex.cash

    @property
    def cash_usdt(self):
        """Realised balance: initial equity plus closed P&L minus fees."""
        ex = self._exchange()
        return 0.0 if ex.side == 0 and ex.liquidated else ex.cash

    @property
    def used_margin_usdt(self):
        """Entry notional of the open position (0 when flat)."""
        ex = self._exchange()
        return ex.qty * ex.entry_price if ex.side != 0 else 0.0

    @property
    def free_margin_usdt(self):
        """Equity minus the used margin."""
        ex = self._exchange()
        if ex.side != 0:
            return self.equity_usdt - ex.qty * ex.entry_price
        return 0.0 if ex.liquidated else ex.cash

    @property
    def available_balance_usdt(self):
        """Equity minus the used margin."""
        return self.free_margin_usdt

    @property
    def maintenance_margin_usdt(self):
        """Always 0: the exchange holds one unlevered position."""
        return 0.0

    @property
    def has_position(self):
        """A position is open."""
        return self._exchange().side != 0

    @property
    def position_side(self):
        """``"long"``, ``"short"`` or None."""
        cdef int side = self._exchange().side
        return "long" if side > 0 else ("short" if side < 0 else None)

    @property
    def position_size_usdt(self):
        """Notional of the open position at the mark (0 when flat)."""
        ex = self._exchange()
        return ex.qty * ex._mark if ex.side != 0 else 0.0

    @property
    def position_qty(self):
        """Units held (0 when flat)."""
        ex = self._exchange()
        return ex.qty if ex.side != 0 else 0.0

    @property
    def position_entry_price(self):
        """Entry fill of the open position (0 when flat)."""
        ex = self._exchange()
        return ex.entry_price if ex.side != 0 else 0.0

    @property
    def unrealized_pnl_usdt(self):
        """P&L of the open position at the mark (0 when flat)."""
        ex = self._exchange()
        return ex.side * ex.qty * (ex._mark - ex.entry_price) if ex.side != 0 else 0.0

    @property
    def entries_disabled(self):
        """True once the account was liquidated."""
        return bool(self._exchange().liquidated)

    @property
    def entries_disabled_reason(self):
        """``"account_liquidated"`` once the account was liquidated, else None."""
        return "account_liquidated" if self._exchange().liquidated else None


@cython.final
@cython.embedsignature(False)  # the signed shared docstring carries the signature
cdef class SimExchange:
    __doc__ = signed(
        "SimExchange(exec_feed, quote_feed, m1_start, m1_end, *, initial_equity=10000.0, "
        "commission=0.0, slippage=0.0, size_fraction=1.0, stop_loss_pct=None, "
        "take_profit_pct=None, sizing='btcore', min_qty=0.0, min_notional=0.0, qty_step=0.0, "
        "end=None)",
        DOCS["SimExchange"],
    )

    def __cinit__(self):
        # Safe before __init__: no bars, so no entry point reaches a pointer.
        self.n = 0
        self.end = 0
        self._trades = NULL
        self._n_trades = 0
        self._cap = 0
        self.last_idx = -1
        self.entry_idx = -1

    def __dealloc__(self):
        free(self._trades)

    def __init__(self, exec_feed, quote_feed, m1_start, m1_end, *, initial_equity=10_000.0, commission=0.0,
                 slippage=0.0, size_fraction=1.0, stop_loss_pct=None, take_profit_pct=None, sizing="btcore",
                 min_qty=0.0, min_notional=0.0, qty_step=0.0, end=None):
        cdef list keep = []
        a = xs.check_args(exec_feed, quote_feed, m1_start, m1_end, initial_equity, commission, slippage,
                          size_fraction, stop_loss_pct, take_profit_pct, sizing, min_qty, min_notional, qty_step, end)
        n = a["n"]
        equity = np.full(n, np.nan)
        position = np.zeros(n, dtype=np.int8)
        events = np.zeros(n, dtype=np.uint8)
        cdef float64_t[::1] eq_mv = equity
        cdef int8_t[::1] pos_mv = position
        cdef uint8_t[::1] ev_mv = events
        cdef Trade* buf = <Trade*>realloc(NULL, 64 * sizeof(Trade))
        if buf == NULL:
            raise MemoryError("cannot allocate the trade buffer")
        # everything validated and allocated: commit
        self.n = 0  # no entry point may run on a half-built exchange
        free(self._trades)
        self._trades, self._cap, self._n_trades = buf, 64, 0
        self._ts_open = _i64(exec_feed.ts_open_ms, keep)
        self._ts_close = _i64(exec_feed.ts_close_ms, keep)
        self._open = _f64(exec_feed.open, keep)
        self._high = _f64(exec_feed.high, keep)
        self._low = _f64(exec_feed.low, keep)
        self._close = _f64(exec_feed.close, keep)
        self._has_q = quote_feed is not None
        if self._has_q:
            self._m1_start = _i64(a["m1_start"], keep)
            self._m1_end = _i64(a["m1_end"], keep)
            self._q_open = _f64(quote_feed.open, keep)
            self._q_high = _f64(quote_feed.high, keep)
            self._q_low = _f64(quote_feed.low, keep)
            self._q_ts = _i64(quote_feed.ts_open_ms, keep)
        self._keep = tuple(keep)
        self._equity_arr, self._position_arr, self._events_arr = equity, position, events
        self._eq, self._pos, self._ev = &eq_mv[0], &pos_mv[0], &ev_mv[0]
        self.end = a["end"]
        self.initial_equity, self.commission, self.slippage = a["initial_equity"], a["commission"], a["slippage"]
        self.size_fraction, self.sizing = a["size_fraction"], a["sizing"]
        self.stop_loss_pct, self.take_profit_pct = a["stop_loss_pct"], a["take_profit_pct"]
        self.min_qty, self.min_notional, self.qty_step = a["min_qty"], a["min_notional"], a["qty_step"]
        self._fee_inclusive = self.sizing == "fee_inclusive"
        self.exec_feed, self.quote_feed = exec_feed, quote_feed
        self._trade_dicts = None
        self.cash = self.initial_equity
        self.side = 0
        self.qty = self.entry_price = self.entry_fee = 0.0
        self.entry_idx = -1
        self.sl = self.tp = self.liq = 0.0
        self.liquidated = False
        self._pending = False
        self._pending_target = 0
        self._pending_sl = self._pending_tp = self._next_sl = self._next_tp = 0.0
        self.last_idx = -1
        self._mark = 0.0
        self.account = Account(self)
        self.n = n

    # ------------------------------------------------------------------ records

    @property
    def equity(self):
        """Equity at each exec close (NaN on bars not run)."""
        return self._equity_arr

    @property
    def position(self):
        """Side held at each exec close (1, -1, 0)."""
        return self._position_arr

    @property
    def events(self):
        """Order events per bar, packed (see :mod:`btcore._exchangespec`)."""
        return self._events_arr

    @property
    def fill_event(self):
        """What happened at each bar's open: EVENT_NONE, EVENT_DONE or a rejection code."""
        return xs.fill_events(self._events_arr)

    @property
    def signal_event(self):
        """What happened to each bar's signal: EVENT_NONE, EVENT_DONE or a rejection code."""
        return xs.signal_events(self._events_arr)

    @property
    def sizing_usdt(self):
        """Notional budget computed for each entry signal (NaN: none)."""
        return xs.sizing_budget(self._events_arr, self._equity_arr, self.size_fraction)

    @property
    def exposure_pct(self):
        """Notional of the position held at each close in percent of the equity."""
        cdef intp_t k
        held = [(self._trades[k].entry_idx, self._trades[k].qty, self._trades[k].entry_price)
                for k in range(self._n_trades)]
        if self.side != 0:
            held.append((self.entry_idx, self.qty, self.entry_price))
        return xs.exposure(self._position_arr, self._equity_arr, np.asarray(self.exec_feed.close), held)

    @property
    def trades(self):
        """Closed trades (the columns of ``trades.csv``)."""
        cdef intp_t k
        cdef Trade* t
        if self._trade_dicts is None or len(self._trade_dicts) != self._n_trades:
            records = []
            for k in range(self._n_trades):
                t = &self._trades[k]
                records.append((t.entry_idx, t.exit_idx, t.exit_ts_ms, t.side, t.qty, t.entry_price, t.exit_price,
                                t.stop_loss, t.take_profit, t.fees, t.pnl, t.reason))
            self._trade_dicts = xs.trade_dicts(records, self.exec_feed.ts_open_ms)
        return self._trade_dicts

    @property
    def n_trades(self):
        """Number of closed trades."""
        return self._n_trades

    @property
    def orders_filled(self):
        """Orders filled (entries, exits and reversals at an open)."""
        return int(np.count_nonzero((self._events_arr & FILL_MASK) == EV_DONE))

    @property
    def orders_rejected(self):
        """Rejected orders by reason."""
        return xs.orders_rejected(self._events_arr)

    @property
    def next_stops(self):
        """Absolute (stop_loss, take_profit) prices for the order of the next ``on_signal``
        (None: from ``stop_loss_pct`` / ``take_profit_pct``); a strategy wrapper sets them."""
        return (self._next_sl or None, self._next_tp or None)

    @next_stops.setter
    def next_stops(self, stops):
        sl, tp = stops
        self._next_sl, self._next_tp = xs.optional_price("stop_loss", sl), xs.optional_price("take_profit", tp)

    # ------------------------------------------------------------------ loop hooks

    def on_bar(self, i, view=None):
        _bar_index(i, self.n)
        if self.c_bar(<intp_t>i) < 0:
            raise MemoryError("cannot grow the trade buffer")
        return self.account

    def on_signal(self, i, code, view=None):
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or i != self.last_idx or i < 0:
            raise ConfigError(f"on_signal(i) must follow on_bar(i) for the same bar (last bar {self.last_idx}), "
                              f"got {i!r}")
        if isinstance(code, bool) or code not in (0, 1, -1, 2):
            raise ConfigError(f"signal code must be 0, 1, -1 or 2, got {code!r}")
        self.c_signal(<intp_t>i, <int>code)

    def finish(self):
        if self.c_finish() < 0:
            raise MemoryError("cannot grow the trade buffer")

    cdef int c_bar(self, intp_t i) noexcept nogil:
        cdef double close, equity
        btcore_publish_index(&self.last_idx, i)
        if self._pending and self._execute_pending(i) < 0:
            return -1
        if self.side != 0 and self._check_levels(i) < 0:
            return -1
        if self.side != 0:
            close = self._close[i]
            if _is_price(close):
                self._mark = close
            else:  # bad data the health check reports: keep the last mark
                close = self._mark
            equity = self.cash + self.side * self.qty * (close - self.entry_price)
            if not equity > 0.0:  # only a bar whose range could not be read gets here
                if self._close_position(i, close, X_LIQUIDATION, self._ts_close[i], True) < 0:
                    return -1
            else:
                self._eq[i] = equity
                self._pos[i] = <int8_t>self.side
                return 0
        self._eq[i] = self.cash
        self._pos[i] = 0
        return 0

    cdef void c_signal(self, intp_t i, int code) noexcept nogil:
        cdef double sl = self._next_sl, tp = self._next_tp
        cdef int target
        cdef uint8_t ev
        self._next_sl = 0.0
        self._next_tp = 0.0
        if code == 0:
            return
        target = 0 if code == 2 else code
        if target == self.side:
            return  # already there: nothing to order
        ev = self._ev[i] & FILL_MASK
        if self.liquidated:
            self._ev[i] = ev | (R_ACCOUNT_LIQUIDATED << SIG_SHIFT)
            return
        if target != 0:
            ev |= SIZED
        if i + 1 >= self.end:
            self._ev[i] = ev | (R_NO_NEXT_BAR << SIG_SHIFT)
            return
        self._ev[i] = ev | (EV_DONE << SIG_SHIFT)
        self._pending = True
        self._pending_target = target
        self._pending_sl = sl
        self._pending_tp = tp

    cdef int c_finish(self) noexcept nogil:
        cdef intp_t i = self.last_idx
        cdef double last
        self._pending = False
        if i < 0 or self.side == 0:
            return 0
        last = self._close[i]
        if self._close_position(i, last if _is_price(last) else self._mark, X_END_OF_DATA, self._ts_close[i],
                                True) < 0:
            return -1
        self._eq[i] = self.cash
        self._pos[i] = 0
        return 0

    # ------------------------------------------------------------------ orders

    cdef void _set_fill(self, intp_t i, int code) noexcept nogil:
        self._ev[i] = (self._ev[i] & ~FILL_MASK & 0xFF) | code

    cdef int _execute_pending(self, intp_t i) noexcept nogil:
        cdef int target = self._pending_target, reason
        cdef double price = self._open[i]
        self._pending = False
        if not _is_price(price):  # no price to fill at: the order is rejected, nothing changes
            self._set_fill(i, R_NO_PRICE)
            return 0
        if self.side != 0:
            if self._close_position(i, price, X_SIGNAL if target == 0 else X_REVERSE, self._ts_open[i], True) < 0:
                return -1
            if self.liquidated:
                self._set_fill(i, R_ACCOUNT_LIQUIDATED if target != 0 else EV_DONE)
                return 0
        if target != 0:
            reason = self._open_position(i, target, price * (1.0 + self.slippage * target))
            if reason:
                self._set_fill(i, reason)
                return 0
        self._set_fill(i, EV_DONE)
        return 0

    cdef int _open_position(self, intp_t i, int side, float64_t fill) noexcept nogil:
        # Enter at fill; returns a rejection code, or 0 when filled.
        cdef double c = self.commission, budget, qty, step = self.qty_step, fee, x, sl, tp
        cdef double pct_sl = self.stop_loss_pct, pct_tp = self.take_profit_pct
        budget = self.size_fraction * self.cash
        if not budget > 0.0:
            return R_INSUFFICIENT_EQUITY
        qty = budget / (fill + fill * c) if self._fee_inclusive else budget / fill
        if step > 0.0:  # the tolerance keeps 0.3 / 0.1 = 2.9999999999999996 at 3 steps
            qty = floor(qty / step + 1e-9) * step
        if not qty > 0.0 or qty < self.min_qty:
            return R_BELOW_MIN_QTY
        if qty * fill < self.min_notional:
            return R_BELOW_MIN_NOTIONAL
        fee = c * qty * fill
        self.side, self.qty, self.entry_price, self.entry_idx, self.entry_fee = side, qty, fill, i, fee
        self.cash -= fee
        self._mark = fill
        sl, tp = self._pending_sl, self._pending_tp
        self.sl = sl if _is_price(sl) else ((fill * (1.0 - side * pct_sl)) if pct_sl else 0.0)
        self.tp = tp if _is_price(tp) else ((fill * (1.0 + side * pct_tp)) if pct_tp else 0.0)
        # equity after the exit commission is zero at the exit fill x: long cash + q(x - e) - c q x = 0,
        # short cash - q(x - e) - c q x = 0; the market price before slippage is x / (1 -+ s)
        if side > 0:
            x = (qty * fill - self.cash) / (qty * (1.0 - c))
            self.liq = x / (1.0 - self.slippage) if x > 0.0 else 0.0
        else:
            x = (self.cash + qty * fill) / (qty * (1.0 + c))
            self.liq = x / (1.0 + self.slippage)
        return 0

    cdef int _close_position(self, intp_t i, float64_t price, int reason, int64_t exit_ts, bint market) noexcept nogil:
        cdef int side = self.side
        cdef double qty = self.qty, fill, exit_fee, gross, cash, pnl
        cdef Trade* t
        cdef Trade* grown
        cdef intp_t cap
        if self._n_trades == self._cap:  # grow before any state changes
            cap = self._cap * 2 if self._cap else 64
            grown = <Trade*>realloc(self._trades, cap * sizeof(Trade))
            if grown == NULL:
                return -1
            self._trades, self._cap = grown, cap
        fill = price * (1.0 - self.slippage * side) if market else price
        exit_fee = qty * fill * self.commission
        gross = side * qty * (fill - self.entry_price)
        cash = self.cash + gross - exit_fee
        pnl = gross - self.entry_fee - exit_fee
        if reason == X_LIQUIDATION or not cash > 0.0:
            pnl -= cash  # the account is floored at zero: the loss is what it had
            cash = 0.0
            reason = X_LIQUIDATION
            self.liquidated = True
        self.cash = cash
        t = &self._trades[self._n_trades]
        t.entry_idx, t.exit_idx, t.exit_ts_ms = self.entry_idx, i, exit_ts
        t.qty, t.entry_price, t.exit_price = qty, self.entry_price, fill
        t.stop_loss, t.take_profit = self.sl, self.tp
        t.fees, t.pnl = self.entry_fee + exit_fee, pnl
        t.side, t.reason = <int8_t>side, <int8_t>reason
        self._n_trades += 1
        self.side, self.qty, self.entry_price, self.entry_fee = 0, 0.0, 0.0, 0.0
        self.sl = self.tp = self.liq = 0.0
        return 0

    # ------------------------------------------------------------------ levels inside the bar

    cdef int _check_levels(self, intp_t i) noexcept nogil:
        cdef int side = self.side, stop_reason
        cdef double sl = self.sl, tp = self.tp, liq = self.liq, adverse, target, lo, hi, op, price
        cdef const float64_t* lows
        cdef const float64_t* highs
        cdef const float64_t* opens
        cdef const int64_t* times
        cdef intp_t a, b, k
        if side > 0:  # the nearer adverse level is reached first
            adverse = liq if liq > sl else sl
            if adverse <= 0.0:
                adverse = -INFINITY
            target = tp if tp else INFINITY
            # the exec bar's range bounds its minutes': most bars reach no level and need no scan
            # (a NaN low or high proves nothing, so such a bar is scanned)
            if self._low[i] > adverse and self._high[i] < target:
                return 0
        else:
            adverse = sl if sl else INFINITY
            if (liq if liq else INFINITY) < adverse:
                adverse = liq if liq else INFINITY
            target = tp if tp else -INFINITY
            if self._high[i] < adverse and self._low[i] > target:
                return 0
        stop_reason = X_STOP_LOSS if sl and (sl >= liq if side > 0 else sl <= liq) else X_LIQUIDATION
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
                    price = op if _is_price(op) and op < adverse else adverse
                    return self._close_position(i, price, stop_reason, times[k], True)
                if hi >= target:
                    price = op if _is_price(op) and op > target else target
                    return self._close_position(i, price, X_TAKE_PROFIT, times[k], False)
            else:
                if hi >= adverse:
                    price = op if _is_price(op) and op > adverse else adverse
                    return self._close_position(i, price, stop_reason, times[k], True)
                if lo <= target:
                    price = op if _is_price(op) and op < target else target
                    return self._close_position(i, price, X_TAKE_PROFIT, times[k], False)
        return 0


attach(globals(), DOCS)
