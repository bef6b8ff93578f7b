# The simulated exchange. A Cython loop cimports this and drives it with C calls:
#     ex.c_bar(i)             fill the pending order at bar i's open, stops inside it, mark at its close
#     ex.c_signal(i, code)    the strategy's signal at bar i's close (i == the last c_bar)
# Both are noexcept nogil; c_bar returns -1 when the trade buffer could not grow (then raise
# MemoryError with the GIL). Feed arrays are read through pointers, kept alive by _keep.
from libc.stdint cimport int8_t, int64_t, uint8_t

from btcore._core._typedefs cimport float64_t, intp_t

cdef struct Trade:
    int64_t entry_idx          # exec bar of the entry fill
    int64_t exit_idx           # exec bar of the exit
    int64_t exit_ts_ms         # time of the exit fill (open of the exec bar or of the 1m bar)
    float64_t qty              # units (> 0)
    float64_t entry_price      # entry fill
    float64_t exit_price       # exit fill
    float64_t stop_loss        # stop level (0: none)
    float64_t take_profit      # target level (0: none)
    float64_t fees             # both commissions
    float64_t pnl              # after both commissions (floored at -cash on liquidation)
    int8_t side                # 1 long, -1 short
    int8_t reason              # index into btcore._exchangespec.EXIT_REASONS

cdef class SimExchange:
    # settings (validated once, see btcore._exchangespec.check_args)
    cdef readonly intp_t n                    # exec bars
    cdef readonly intp_t end                  # exclusive end of the run (no_next_bar at end - 1)
    cdef readonly float64_t initial_equity
    cdef readonly float64_t commission
    cdef readonly float64_t slippage
    cdef readonly float64_t size_fraction
    cdef readonly float64_t stop_loss_pct     # 0: none
    cdef readonly float64_t take_profit_pct   # 0: none
    cdef readonly float64_t min_qty
    cdef readonly float64_t min_notional
    cdef readonly float64_t qty_step
    cdef readonly str sizing                  # "btcore" or "fee_inclusive"
    cdef readonly object exec_feed            # FeedStore
    cdef readonly object quote_feed           # FeedStore or None
    cdef readonly object account              # the live Account (view.exchange)
    cdef bint _fee_inclusive
    # inputs, read through pointers
    cdef tuple _keep                          # the arrays behind the pointers
    cdef const int64_t* _ts_open
    cdef const int64_t* _ts_close
    cdef const float64_t* _open
    cdef const float64_t* _high
    cdef const float64_t* _low
    cdef const float64_t* _close
    cdef bint _has_q                          # a quote feed: levels are resolved on its rows
    cdef const int64_t* _m1_start
    cdef const int64_t* _m1_end
    cdef const float64_t* _q_open
    cdef const float64_t* _q_high
    cdef const float64_t* _q_low
    cdef const int64_t* _q_ts
    # outputs: arrays allocated once, written through pointers
    cdef object _equity_arr                   # float64[n], NaN on bars not run
    cdef object _position_arr                 # int8[n]
    cdef object _events_arr                   # uint8[n], packed (btcore._exchangespec)
    cdef float64_t* _eq
    cdef int8_t* _pos
    cdef uint8_t* _ev
    cdef Trade* _trades                       # closed trades, growable (malloc'd)
    cdef intp_t _n_trades
    cdef intp_t _cap
    cdef list _trade_dicts                    # trades as dicts, built on first access
    # account and position
    cdef readonly float64_t cash              # realised balance: initial + closed P&L - fees
    cdef readonly int side                    # 1, -1, 0
    cdef readonly float64_t qty
    cdef readonly float64_t entry_price
    cdef readonly intp_t entry_idx
    cdef readonly float64_t entry_fee
    cdef readonly float64_t sl                # 0: none
    cdef readonly float64_t tp                # 0: none
    cdef readonly float64_t liq               # price at which equity after the exit fee is 0 (0: none)
    cdef readonly bint liquidated
    cdef readonly intp_t last_idx             # last bar of c_bar (the progress poller reads it)
    cdef float64_t _mark                      # last usable close of the open position
    cdef bint _pending                        # an order waits for the next open
    cdef int _pending_target
    cdef float64_t _pending_sl
    cdef float64_t _pending_tp
    cdef float64_t _next_sl                   # stops of the next c_signal's order (0: from the pcts)
    cdef float64_t _next_tp

    cdef int c_bar(self, intp_t i) noexcept nogil
    cdef void c_signal(self, intp_t i, int code) noexcept nogil
    cdef int c_finish(self) noexcept nogil
    cdef void _set_fill(self, intp_t i, int code) noexcept nogil
    cdef int _execute_pending(self, intp_t i) noexcept nogil
    cdef int _open_position(self, intp_t i, int side, float64_t fill) noexcept nogil
    cdef int _close_position(self, intp_t i, float64_t price, int reason, int64_t exit_ts, bint market) noexcept nogil
    cdef int _check_levels(self, intp_t i) noexcept nogil

cdef class Account:
    cdef SimExchange _ex                      # the exchange it reads

    cdef SimExchange _exchange(self)
