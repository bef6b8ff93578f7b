# Bounded per-bar state tracker. A Cython loop cimports this and calls the cpdef hooks as C
# calls; summary counters are C arrays, the block ring is a fixed-size list plus a bar index.
from btcore._core._typedefs cimport float64_t, int64_t, intp_t
from btcore._core.states cimport (
    ActionState, BlockState, GateResult, SignalState, N_ACT_STATES, N_ACT_TRIGGERS,
    N_GATE_CODES, N_SIG_STATES, N_SIG_TRIGGERS,
)

cdef enum:
    # index of each order event in the per-event counters (the order of EVENT_NAMES)
    IDX_SIZING = 0
    IDX_SUBMITTED = 1
    IDX_FILLED = 2
    IDX_REJECTED = 3
    IDX_CANCELED = 4
    N_EVENTS = 5

cdef class StateTracker:
    cdef object _cfg                      # the StateTrackerConfig (frozen); None until __init__ ran
    # configuration, copied to C once
    cdef int64_t cfg_warmup_bars          # gate 1 minimum warmup index
    cdef int64_t cfg_max_positions        # gate 8 limit
    cdef int64_t cfg_cooldown_bars        # gate 7 length after a fill
    cdef int64_t cfg_max_history          # ring capacity (0 = unbounded list)
    cdef int64_t cfg_required_history     # gate 2 requirement
    cdef int64_t cfg_confirmation_bars    # signal confirmation length
    cdef int64_t cfg_expiry_bars          # confirmed-signal lifetime (0 = no timeout)
    cdef float64_t cfg_max_drawdown_pct   # gate 5 limit
    cdef float64_t cfg_max_exposure_pct   # gate 9 limit
    # machines
    cdef SignalState _signal              # signal state after the last recorded bar
    cdef ActionState _action              # action state after the last recorded bar
    cdef int64_t _signal_counter          # last issued signal id (ids are contiguous)
    # bar cycle
    cdef bint _in_bar                     # on_bar_start seen, on_bar_end not yet
    cdef int64_t _bar                     # bar being recorded
    cdef int64_t _last_bar                # last recorded bar (-1 before the first)
    cdef int64_t _first_bar               # first recorded bar (-1 before the first)
    cdef int64_t _cooldown_until          # last bar of the post-fill cooldown
    # events of the open bar
    cdef int _direction                   # raw strategy output (1, -1, 0, 2)
    cdef int64_t _n_events[N_EVENTS]      # calls per event hook in this bar
    cdef float64_t _size                  # last reported size
    cdef object _reject_reason            # last rejection reason of the bar (str or None)
    cdef object _cancel_reason            # last cancel reason of the bar (str or None)
    # values of the check hooks (persist until reported again)
    cdef bint _warmup_ok
    cdef int64_t _warmup_end
    cdef int64_t _history_bars
    cdef bint _cache_ready
    cdef bint _risk_passed
    cdef object _risk_reason
    cdef float64_t _drawdown
    cdef float64_t _avail
    cdef float64_t _req
    cdef int64_t _positions
    cdef float64_t _exposure
    # last failing GateResult, reused while the same gates fail for the same values
    cdef GateResult _last_fail
    cdef int _last_mask
    cdef float64_t _last_a
    cdef float64_t _last_b
    cdef object _last_risk_reason
    # block ring
    cdef list _ring                       # slot bar_idx % max_history (or a growing list when 0)
    cdef dict _index                      # bar_idx -> BlockState, only when max_history == 0
    # whole-run counters
    cdef int64_t _total
    cdef int64_t _abandoned
    cdef int64_t _blocked
    cdef int64_t _sig_bars[N_SIG_STATES]
    cdef int64_t _act_bars[N_ACT_STATES]
    cdef int64_t _sig_events[N_SIG_TRIGGERS]
    cdef int64_t _act_events[N_ACT_TRIGGERS]
    cdef int64_t _gate_primary[N_GATE_CODES]
    cdef int64_t _gate_any[N_GATE_CODES]
    cdef int64_t _ignored[N_EVENTS]

    cdef int _check(self) except -1       # NotInitializedError until __init__ ran
    cdef int _reset(self) except -1       # what reset() does (__init__ calls this, not reset())
    cpdef void reset(self)
    cpdef void on_bar_start(self, intp_t bar_idx)
    cpdef void on_signal_evaluated(self, intp_t direction)
    cpdef void on_warmup_check(self, bint warmup_ok, intp_t warmup_end_idx)
    cpdef void on_history_check(self, bint history_ok, intp_t history_bars)
    cpdef void on_risk_check(self, bint passed, object reason=*, float64_t drawdown_pct=*,
                             float64_t available_margin=*, float64_t required_margin=*)
    cpdef void on_position_check(self, intp_t position_count, float64_t exposure_pct=*)
    cpdef void on_sizing_computed(self, float64_t size_usdt)
    cpdef void on_order_submitted(self)
    cpdef void on_order_filled(self)
    cpdef void on_order_rejected(self, object reason=*)
    cpdef void on_order_canceled(self, object reason=*)
    cpdef BlockState on_bar_end(self)
    cpdef object get_block_at(self, intp_t bar_idx)
    cpdef dict summary_stats(self)
    cdef int _require_bar(self, str hook) except -1
    cdef GateResult _gate(self, int64_t bar)
    cdef int _count(self, BlockState block, int64_t sig_trig, int64_t act_trig, int used) except -1
    cdef void _clear_bar_events(self) noexcept
    cdef int _store(self, BlockState block) except -1
