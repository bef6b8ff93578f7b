# State objects of the signal / action / gate machines. Cython code (the tracker, a Cython
# strategy) cimports this for the C constants and the C-level fields; the values of the
# constants equal the IntEnums of btcore._shared.state_tables (checked when the module loads).
from btcore._core._typedefs cimport float64_t, intp_t, int64_t

cdef enum:
    # SignalStateValue (SS_: signal state; the SIG_* of loop.pxd are the strategies' signal codes)
    SS_NONE = 0
    SS_CANDIDATE = 1
    SS_CONFIRMING = 2
    SS_CONFIRMED = 3
    SS_EXPIRED = 4
    SS_CONSUMED = 5
    N_SIG_STATES = 6
    # the former names of the signal state values, for code that cimports them
    SIG_NONE = SS_NONE
    SIG_CANDIDATE = SS_CANDIDATE
    SIG_CONFIRMING = SS_CONFIRMING
    SIG_CONFIRMED = SS_CONFIRMED
    SIG_EXPIRED = SS_EXPIRED
    SIG_CONSUMED = SS_CONSUMED
    # ActionStateValue
    ACT_IDLE = 0
    ACT_ACTIONABLE = 1
    ACT_SIZING = 2
    ACT_SUBMITTED = 3
    ACT_FILLED = 4
    ACT_REJECTED = 5
    ACT_CANCELED = 6
    N_ACT_STATES = 7
    # GateCode
    G_PASS = 0
    G_WARMUP_REMAINING = 1
    G_HISTORY_NOT_READY = 2
    G_CACHE_NOT_READY = 3
    G_RISK_BLOCK = 4
    G_MAX_DRAWDOWN = 5
    G_INSUFFICIENT_MARGIN = 6
    G_COOLDOWN_ACTIVE = 7
    G_POSITION_LIMIT = 8
    G_EXPOSURE_LIMIT = 9
    N_GATE_CODES = 10
    # SignalTrigger
    ST_DETECT = 1
    ST_PERSIST = 2
    ST_CONFIRM = 3
    ST_DROP = 4
    ST_CONSUME = 5
    ST_EXPIRE = 6
    ST_CLEAR = 7
    N_SIG_TRIGGERS = 8      # triggers are 1..7; slot 0 unused
    # ActionTrigger
    AT_ARM = 1
    AT_DISARM = 2
    AT_SIZE = 3
    AT_SUBMIT = 4
    AT_FILL = 5
    AT_REJECT = 6
    AT_CANCEL = 7
    AT_ABANDON = 8
    AT_RESET = 9
    N_ACT_TRIGGERS = 10     # triggers are 1..9; slot 0 unused
    TRIGGER_BITS = 4        # packed trigger sequences: 4 bits per trigger, first in the low bits


cdef class _Value:
    pass                           # base: value equality and hashing through _key()


cdef class GateResult(_Value):
    cdef readonly bint passed      # every gate passed
    cdef readonly object code      # GateCode: G_PASS or the first failing gate
    cdef readonly tuple codes      # every failing GateCode in evaluation order ((G_PASS,) if passed)
    cdef readonly object reason    # str of the first failure, None when passed
    cdef int code_c                # int(code), for C callers


cdef class SignalState(_Value):
    cdef int value_c               # SignalStateValue as int
    cdef readonly int direction    # 1 long, -1 short, 0 none
    cdef readonly int64_t detected_bar    # bar of DETECT (-1 before)
    cdef readonly int64_t confirmed_bar   # bar of CONFIRM (-1 before)
    cdef readonly int64_t consumed_bar    # bar of CONSUME (-1 before)
    cdef readonly GateResult gate_result  # gate result of the bar of the last transition (or None)
    cdef readonly int64_t signal_id       # 1, 2, 3 ... issued by DETECT; 0 = no signal


cdef class ActionState(_Value):
    cdef int value_c               # ActionStateValue as int
    cdef readonly int direction    # direction of the signal acted on; 0 when idle
    cdef readonly float64_t size_usdt     # size reported by SIZE (0.0 before)
    cdef readonly int64_t submitted_bar   # bar of SUBMIT (-1 before)
    cdef readonly int64_t filled_bar      # bar of FILL (-1 before)
    cdef readonly object reject_reason    # why the action ended without a fill (str or None)
    cdef readonly int64_t signal_id       # id of the signal acted on (0 when idle)


cdef class GateContext:
    cdef public int64_t bar_idx                  # gate 1: fails while bar_idx < warmup_bars
    cdef public int64_t warmup_bars
    cdef public int64_t history_bars             # gate 2: fails while < required_history_bars
    cdef public int64_t required_history_bars
    cdef public bint cache_ready                 # gate 3: fails when False
    cdef public float64_t current_drawdown_pct   # gate 5: passes only if current < limit
    cdef public float64_t max_drawdown_limit_pct
    cdef public float64_t available_margin       # gate 6: passes only if available >= required
    cdef public float64_t required_margin
    cdef public int64_t position_count           # gate 8: fails while count >= max
    cdef public int64_t max_positions
    cdef public float64_t current_exposure_pct   # gate 9: passes only if current < max
    cdef public float64_t max_exposure_pct
    cdef public int64_t cooldown_bars_remaining  # gate 7: fails while > 0
    cdef public bint risk_policy_passed          # gate 4: fails when False
    cdef public object risk_policy_reason        # reason text of gate 4 (str or None)


cdef class BlockState(_Value):
    # signal / action / gate are properties over _signal / _action / _gate: a block made with
    # __new__ (no __cinit__: make_block runs once per bar) reads them as NONE / IDLE / pass.
    cdef readonly int64_t bar_idx          # the bar
    cdef SignalState _signal               # signal state at the end of the bar (None: NONE)
    cdef ActionState _action               # action state at the end of the bar (None: IDLE)
    cdef GateResult _gate                  # gate result of the bar (None: pass)
    cdef readonly int raw_signal_direction # strategy output: 1, -1, 0, or 2 (FLAT)
    cdef int64_t sig_trig                  # signal triggers of the bar, packed (TRIGGER_BITS each)
    cdef int64_t act_trig                  # action triggers of the bar, packed


# The one passing result, the NONE signal and the IDLE action (immutable, shared).
cdef GateResult PASS_RESULT
cdef SignalState SIGNAL_STATE_NONE
cdef ActionState ACTION_STATE_IDLE

cdef SignalState make_signal(int value, int direction, int64_t detected_bar, int64_t confirmed_bar,
                             int64_t consumed_bar, GateResult gate, int64_t signal_id)
cdef ActionState make_action(int value, int direction, float64_t size_usdt, int64_t submitted_bar,
                             int64_t filled_bar, object reason, int64_t signal_id)
cdef BlockState make_block(int64_t bar_idx, SignalState signal, ActionState action, GateResult gate,
                           int raw_direction, int64_t sig_trig, int64_t act_trig)

# The GateResult of a non-zero mask; a, b are the values compared by the first failing gate.
cdef GateResult failed_result(int mask, float64_t a, float64_t b, object risk_reason)

# Failing gates as a bit mask (bit k-1 = GateCode k); 0 when all pass. NaN inputs fail their gate.
# Inline (bodies here) so the tracker compiles them into its per-bar step.
cdef inline int gate_mask(int64_t bar_idx, int64_t warmup_bars, int64_t history_bars,
                          int64_t required_history_bars, bint cache_ready, bint risk_passed,
                          float64_t drawdown, float64_t drawdown_limit, float64_t available,
                          float64_t required, int64_t cooldown, int64_t positions, int64_t max_positions,
                          float64_t exposure, float64_t max_exposure) noexcept nogil:
    # Each gate passes only when its pass condition is true, so a NaN input fails the gate.
    cdef int mask = 0
    if not bar_idx >= warmup_bars:
        mask |= 1 << (G_WARMUP_REMAINING - 1)
    if not history_bars >= required_history_bars:
        mask |= 1 << (G_HISTORY_NOT_READY - 1)
    if not cache_ready:
        mask |= 1 << (G_CACHE_NOT_READY - 1)
    if not risk_passed:
        mask |= 1 << (G_RISK_BLOCK - 1)
    if not drawdown < drawdown_limit:
        mask |= 1 << (G_MAX_DRAWDOWN - 1)
    if not available >= required:
        mask |= 1 << (G_INSUFFICIENT_MARGIN - 1)
    if not cooldown <= 0:
        mask |= 1 << (G_COOLDOWN_ACTIVE - 1)
    if not positions < max_positions:
        mask |= 1 << (G_POSITION_LIMIT - 1)
    if not exposure < max_exposure:
        mask |= 1 << (G_EXPOSURE_LIMIT - 1)
    return mask


cdef inline void first_failure_values(int mask, int64_t bar_idx, int64_t warmup_bars,
                                      int64_t history_bars, int64_t required_history_bars,
                                      float64_t drawdown, float64_t drawdown_limit, float64_t available,
                                      float64_t required, int64_t cooldown, int64_t positions,
                                      int64_t max_positions, float64_t exposure, float64_t max_exposure,
                                      float64_t *a, float64_t *b) noexcept nogil:
    a[0] = 0.0
    b[0] = 0.0
    if mask & (1 << (G_WARMUP_REMAINING - 1)):
        a[0] = bar_idx; b[0] = warmup_bars
    elif mask & (1 << (G_HISTORY_NOT_READY - 1)):
        a[0] = history_bars; b[0] = required_history_bars
    elif mask & ((1 << (G_CACHE_NOT_READY - 1)) | (1 << (G_RISK_BLOCK - 1))):
        pass
    elif mask & (1 << (G_MAX_DRAWDOWN - 1)):
        a[0] = drawdown; b[0] = drawdown_limit
    elif mask & (1 << (G_INSUFFICIENT_MARGIN - 1)):
        a[0] = available; b[0] = required
    elif mask & (1 << (G_COOLDOWN_ACTIVE - 1)):
        a[0] = cooldown
    elif mask & (1 << (G_POSITION_LIMIT - 1)):
        a[0] = positions; b[0] = max_positions
    elif mask & (1 << (G_EXPOSURE_LIMIT - 1)):
        a[0] = exposure; b[0] = max_exposure
