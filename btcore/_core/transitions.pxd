# Per-bar transition functions of the signal and action machines. The tracker calls the C
# versions; the tables they step through are C copies of btcore._shared.state_tables.
from btcore._core._typedefs cimport float64_t, int64_t
from btcore._core.states cimport SignalState, ActionState, GateResult

cdef enum:
    # Bits of the used-event mask of advance_action_c (which reported events the machine used).
    EV_SIZING = 1
    EV_SUBMIT = 2
    EV_FILL = 4
    EV_REJECT = 8
    EV_CANCEL = 16

# One bar of the signal machine. direction: raw entry direction (1, -1, 0 = none). Writes the
# packed triggers to sig_trig[0] and whether the new id was issued to fresh[0]; returns prev
# itself when no trigger applied.
cdef SignalState advance_signal_c(SignalState prev, int64_t bar_idx, int direction,
                                  GateResult gate, bint action_taken, int64_t next_signal_id,
                                  int64_t confirmation_bars, int64_t expiry_bars,
                                  int64_t *sig_trig, bint *fresh)

# One bar of the action machine, several steps when the bar reports several events. Writes the
# packed triggers to act_trig[0] and the used-event mask to used[0].
cdef ActionState advance_action_c(ActionState prev, int64_t bar_idx, bint signal_confirmed,
                                  int signal_direction, int64_t signal_id, GateResult gate,
                                  bint size_computed, float64_t size_usdt, bint submitted,
                                  bint filled, bint rejected, bint canceled,
                                  object reject_reason, object cancel_reason,
                                  int64_t *act_trig, int *used)
