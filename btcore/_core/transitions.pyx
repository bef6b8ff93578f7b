"""Per-bar transition functions of the signal and action machines (twin of ``_pure.transitions``).

The same machines as the pure twin (its module docstring says how a bar's triggers are derived
and applied), stepping through C copies of the shared tables.
"""

from btcore._core._typedefs cimport float64_t, int64_t
from btcore._core.states cimport (
    ACT_ACTIONABLE, ACT_FILLED, ACT_IDLE, ACT_SIZING, ACT_SUBMITTED, ACTION_STATE_IDLE, AT_ABANDON,
    AT_ARM, AT_CANCEL, AT_DISARM, AT_FILL, AT_REJECT, AT_RESET, AT_SIZE, AT_SUBMIT,
    N_ACT_STATES, N_ACT_TRIGGERS, N_SIG_STATES, N_SIG_TRIGGERS, SS_CANDIDATE, SS_CONFIRMED,
    SS_CONFIRMING, SS_CONSUMED, SS_EXPIRED, SS_NONE, SIGNAL_STATE_NONE, ST_CLEAR, ST_CONFIRM,
    ST_CONSUME, ST_DETECT, ST_DROP, ST_EXPIRE, ST_PERSIST, TRIGGER_BITS, ActionState, GateResult,
    SignalState, make_action, make_signal,
)

from btcore._shared.state_tables import ACTION_TABLE, SIGNAL_TABLE
from btcore._shared import transitions as _shared
from btcore._shared.transitions import REASON_NOT_SUBMITTED, REASON_SIGNAL_GONE
from btcore._shared.docs import attach
from btcore._shared.transitions import DOCS

__all__ = ["transition_signal_state", "transition_action_state"]

# C copies of the tables: next state, or -1 where the table has no edge.
cdef signed char SIG_NEXT[N_SIG_STATES][N_SIG_TRIGGERS]
cdef signed char ACT_NEXT[N_ACT_STATES][N_ACT_TRIGGERS]


def _load_tables():
    cdef int i, j
    for i in range(N_SIG_STATES):
        for j in range(N_SIG_TRIGGERS):
            SIG_NEXT[i][j] = -1
    for i in range(N_ACT_STATES):
        for j in range(N_ACT_TRIGGERS):
            ACT_NEXT[i][j] = -1
    for (s, t), n in SIGNAL_TABLE.items():
        SIG_NEXT[<int>s][<int>t] = <int>n
    for (s, t), n in ACTION_TABLE.items():
        ACT_NEXT[<int>s][<int>t] = <int>n


_load_tables()


cdef inline int _sig_step(int v, int t) except -1:
    cdef int n = SIG_NEXT[v][t]
    if n < 0:  # unreachable while the derivation rules match the table; kept as a named error
        from btcore._shared.state_tables import next_signal_value
        next_signal_value(v, t)
    return n


cdef inline int _act_step(int v, int t) except -1:
    cdef int n = ACT_NEXT[v][t]
    if n < 0:
        from btcore._shared.state_tables import next_action_value
        next_action_value(v, t)
    return n


cdef SignalState advance_signal_c(SignalState prev, int64_t bar_idx, int direction,
                                  GateResult gate, bint action_taken, int64_t next_signal_id,
                                  int64_t confirmation_bars, int64_t expiry_bars,
                                  int64_t *sig_trig, bint *fresh):
    cdef:
        int v = prev.value_c
        int d = prev.direction
        int64_t det = prev.detected_bar, conf = prev.confirmed_bar
        int64_t cons = prev.consumed_bar, sid = prev.signal_id
        bint detected = direction != 0
        bint is_fresh = False
        int trig[4]
        int ntrig = 0, n = 0, k
        int64_t packed = 0
    if v == SS_EXPIRED or v == SS_CONSUMED:
        trig[0] = ST_DETECT if detected else ST_CLEAR
        ntrig = 1
        is_fresh = detected
    elif v == SS_NONE:
        if detected:
            trig[0] = ST_DETECT
            ntrig = 1
            is_fresh = True
    elif v == SS_CANDIDATE or v == SS_CONFIRMING:
        if detected and direction == d:
            if bar_idx - det + 1 >= confirmation_bars:
                trig[0] = ST_CONFIRM
                conf = bar_idx
            else:
                trig[0] = ST_PERSIST
            ntrig = 1
        else:
            trig[0] = ST_DROP
            ntrig = 1
            if detected:
                trig[1] = ST_DETECT
                ntrig = 2
                is_fresh = True
    elif v == SS_CONFIRMED and not action_taken:
        if detected and direction != d:
            trig[0] = ST_EXPIRE
            trig[1] = ST_DETECT
            ntrig = 2
            is_fresh = True
        elif expiry_bars > 0 and bar_idx - conf >= expiry_bars:
            trig[0] = ST_EXPIRE
            ntrig = 1
            if detected:
                trig[1] = ST_DETECT
                ntrig = 2
                is_fresh = True
    for k in range(ntrig):
        v = _sig_step(v, trig[k])
        packed |= (<int64_t>trig[k]) << (TRIGGER_BITS * n)
        n += 1
    if is_fresh:
        d = direction
        det = bar_idx
        conf = -1
        cons = -1
        sid = next_signal_id
        if confirmation_bars <= 1:
            v = _sig_step(v, ST_CONFIRM)
            packed |= (<int64_t>ST_CONFIRM) << (TRIGGER_BITS * n)
            n += 1
            conf = bar_idx
    if v == SS_CONFIRMED and action_taken:
        v = _sig_step(v, ST_CONSUME)
        packed |= (<int64_t>ST_CONSUME) << (TRIGGER_BITS * n)
        cons = bar_idx
    sig_trig[0] = packed
    fresh[0] = False
    if packed == 0:
        return prev
    if v == SS_NONE:
        return SIGNAL_STATE_NONE
    fresh[0] = is_fresh
    return make_signal(v, d, det, conf, cons, gate, sid)


cdef ActionState advance_action_c(ActionState prev, int64_t bar_idx, bint signal_confirmed,
                                  int signal_direction, int64_t signal_id, GateResult gate,
                                  bint size_computed, float64_t size_usdt, bint submitted,
                                  bint filled, bint rejected, bint canceled,
                                  object reject_reason, object cancel_reason,
                                  int64_t *act_trig, int *used_out):
    cdef:
        int v = prev.value_c
        int d = prev.direction
        float64_t size = prev.size_usdt
        int64_t sub = prev.submitted_bar, fil = prev.filled_bar, sid = prev.signal_id
        object reason = prev.reject_reason
        int used = 0, n = 0, t
        bint armed = False, sized_now = False
        int64_t packed = 0
    while True:
        if v >= ACT_FILLED:
            if n:
                break  # finished this bar: shown on this bar's block, RESET on the next bar
            t = AT_RESET
        elif v == ACT_IDLE:
            if armed or not (signal_confirmed and gate.passed):
                break
            t = AT_ARM
        elif v == ACT_ACTIONABLE:
            if not gate.passed or not signal_confirmed or signal_id != sid:
                t = AT_DISARM
            elif (size_computed and not used & EV_SIZING) or (submitted and not used & EV_SUBMIT):
                t = AT_SIZE
            else:
                break
        elif v == ACT_SIZING:
            if submitted and not used & EV_SUBMIT:
                t = AT_SUBMIT
            elif rejected and not used & EV_REJECT:
                t = AT_REJECT
            elif sized_now:
                break
            else:
                t = AT_ABANDON
        else:  # SUBMITTED
            if filled and not used & EV_FILL:
                t = AT_FILL
            elif rejected and not used & EV_REJECT:
                t = AT_REJECT
            elif canceled and not used & EV_CANCEL:
                t = AT_CANCEL
            else:
                break
        # Field updates of the edge just chosen; the table gives the next state.
        if t == AT_RESET or t == AT_DISARM or t == AT_ABANDON:
            if t == AT_RESET:
                reason = None
            elif t == AT_ABANDON:
                reason = REASON_NOT_SUBMITTED
            else:
                reason = gate.reason if not gate.passed else REASON_SIGNAL_GONE
            d = 0
            size = 0.0
            sub = -1
            fil = -1
            sid = 0
        elif t == AT_ARM:
            armed = True
            d = signal_direction
            size = 0.0
            sub = -1
            fil = -1
            reason = None
            sid = signal_id
        elif t == AT_SIZE:
            sized_now = True
            if size_computed and not used & EV_SIZING:
                used |= EV_SIZING
                size = size_usdt
        elif t == AT_SUBMIT:
            used |= EV_SUBMIT
            sub = bar_idx
        elif t == AT_FILL:
            used |= EV_FILL
            fil = bar_idx
        elif t == AT_REJECT:
            used |= EV_REJECT
            reason = reject_reason or ("Order rejected" if v == ACT_SUBMITTED
                                       else "Size validation failed")
        elif t == AT_CANCEL:
            used |= EV_CANCEL
            reason = cancel_reason or "Order canceled"
        v = _act_step(v, t)
        packed |= (<int64_t>t) << (TRIGGER_BITS * n)
        n += 1
    act_trig[0] = packed
    used_out[0] = used
    if n == 0:
        return prev
    if v == ACT_IDLE and reason is None:
        return ACTION_STATE_IDLE
    return make_action(v, d, size, sub, fil, reason, sid)


def transition_signal_state(prev_state, bar_idx, signal_detected,
                            signal_direction, gate_result, action_taken,
                            next_signal_id, confirmation_bars=1, *,
                            expiry_bars=1):
    cdef int64_t packed
    cdef bint fresh
    bar, direction, gate, sid, conf, exp = _shared.signal_call(
        prev_state, bar_idx, signal_detected, signal_direction, gate_result, next_signal_id, confirmation_bars,
        expiry_bars, SignalState, GateResult)
    return advance_signal_c(prev_state, bar, direction, gate, bool(action_taken), sid, conf, exp, &packed, &fresh)


def transition_action_state(prev_state, bar_idx, signal_confirmed,
                            signal_direction, gate_result, size_computed,
                            size_usdt, order_submitted, order_filled,
                            order_rejected, reject_reason=None, *,
                            signal_id=0, order_canceled=False,
                            cancel_reason=None):
    cdef int64_t packed
    cdef int used
    bar, direction, sid, gate, size = _shared.action_call(
        prev_state, bar_idx, signal_confirmed, signal_direction, gate_result, size_usdt, signal_id, ActionState,
        GateResult)
    return advance_action_c(prev_state, bar, bool(signal_confirmed), direction, sid, gate, bool(size_computed), size,
                            bool(order_submitted), bool(order_filled), bool(order_rejected),
                            bool(order_canceled), reject_reason, cancel_reason, &packed, &used)


attach(globals(), DOCS)
