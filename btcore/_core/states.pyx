# cython: auto_pickle=False
"""Signal, action, gate and block state objects (compiled twin of ``btcore._pure.states``).

The machines are the tables in :mod:`btcore._shared.state_tables`; the per-bar functions in
``btcore._core.transitions`` derive triggers from their inputs and apply them through those tables.
State objects are immutable: unchanged states are shared between consecutive blocks.

An object made with ``cls.__new__(cls)`` (as the tracker makes its blocks) starts from the
defaults of ``cls()`` in ``__cinit__``, so every method is safe on it; the pure twin reads an
unset field as the same default. Bars, ids and counts given to a constructor are ints in
``-1 .. MAX_INDEX`` (converted as C converts them), in both twins; pickling goes through the
constructor.
"""

cimport cython
from libc.math cimport INFINITY

import math

# The tables, enums and config of the machines are part of this module's API, as they are.
from btcore._shared.state_tables import *  # noqa: F401,F403
from btcore._shared.docs import attach, signed
from btcore._shared import states as _shared
from btcore._shared import state_tables as _tables
from btcore._shared.states import DOCS, NAMES

__all__ = list(NAMES)

cdef tuple _SIG_MEMBERS = tuple(SignalStateValue)
cdef tuple _ACT_MEMBERS = tuple(ActionStateValue)
cdef tuple _GATE_MEMBERS = tuple(GateCode)


def _check_c_constants():
    # The C constants of states.pxd must equal the shared IntEnums; a mismatch is a build bug.
    c_values = {
        SignalStateValue: (SS_NONE, SS_CANDIDATE, SS_CONFIRMING, SS_CONFIRMED, SS_EXPIRED,
                           SS_CONSUMED),
        ActionStateValue: (ACT_IDLE, ACT_ACTIONABLE, ACT_SIZING, ACT_SUBMITTED, ACT_FILLED,
                           ACT_REJECTED, ACT_CANCELED),
        GateCode: (G_PASS, G_WARMUP_REMAINING, G_HISTORY_NOT_READY, G_CACHE_NOT_READY,
                   G_RISK_BLOCK, G_MAX_DRAWDOWN, G_INSUFFICIENT_MARGIN, G_COOLDOWN_ACTIVE,
                   G_POSITION_LIMIT, G_EXPOSURE_LIMIT),
        SignalTrigger: (ST_DETECT, ST_PERSIST, ST_CONFIRM, ST_DROP, ST_CONSUME, ST_EXPIRE,
                        ST_CLEAR),
        ActionTrigger: (AT_ARM, AT_DISARM, AT_SIZE, AT_SUBMIT, AT_FILL, AT_REJECT, AT_CANCEL,
                        AT_ABANDON, AT_RESET),
    }
    for enum, values in c_values.items():
        if tuple(int(m) for m in enum) != values:
            raise ImportError(f"btcore._core.states: C constants of {enum.__name__} differ from "
                              "btcore._shared.state_tables; rebuild the extension")
    return c_values


_check_c_constants()


# The value objects hold only other value objects, strings, ints and enum members, so they can
# never be part of a reference cycle: keeping them out of the cyclic GC saves a traversal per
# block and the collections that allocating a block per bar would otherwise trigger.
@cython.no_gc
cdef class _Value:
    # Immutable value objects: equal when of the same class with equal ``_key()``; hashable.

    def _key(self):
        raise NotImplementedError

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self):
        return hash(self._key())


# ---------------------------------------------------------------------------------------------
# Gate result

@cython.no_gc
@cython.embedsignature(False)  # the signed shared docstring carries the signature
cdef class GateResult(_Value):
    __doc__ = signed("GateResult(passed, code, codes=(), reason=None)", DOCS["GateResult"])

    def __cinit__(self):
        self.passed = True
        self.code = _GATE_MEMBERS[0]
        self.codes = (_GATE_MEMBERS[0],)

    def __init__(self, passed, code, codes=(), reason=None):
        self.passed = bool(passed)
        self.code = _tables._check_member(_GATE_MEMBERS, code, "GateResult.code")
        self.code_c = int(self.code)
        self.codes = tuple(_tables._check_member(_GATE_MEMBERS, c, "GateResult.codes") for c in codes)
        self.reason = None if reason is None else str(reason)

    @classmethod
    def pass_(cls):
        return PASS_RESULT

    @classmethod
    def fail_(cls, code, reason=None, additional_codes=None):
        return cls(False, *_shared.failure(code, reason, additional_codes))

    def _key(self):
        return (self.passed, self.code_c, tuple(int(c) for c in self.codes), self.reason)

    def __reduce__(self):
        return (_tables._value, (type(self), (self.passed, self.code, self.codes, self.reason), {}))

    def to_dict(self):
        """Plain-Python form (enum names as strings) for reports and JSON."""
        return _tables._gate_to_dict(self)

    def __repr__(self):
        return _tables._gate_repr(self)


cdef GateResult _new_gate(bint passed, int code, tuple codes, object reason):
    cdef GateResult g = GateResult.__new__(GateResult)
    g.passed = passed
    g.code = _GATE_MEMBERS[code]
    g.code_c = code
    g.codes = codes
    g.reason = reason
    return g


PASS_RESULT = _new_gate(True, G_PASS, (GateCode.G_PASS,), None)


# ---------------------------------------------------------------------------------------------
# Signal state

@cython.no_gc
@cython.embedsignature(False)  # the signed shared docstring carries the signature
cdef class SignalState(_Value):
    __doc__ = signed(
        "SignalState(value=SignalStateValue.NONE, direction=0, detected_bar=-1, "
        "confirmed_bar=-1, consumed_bar=-1, gate_result=None, signal_id=0)",
        DOCS["SignalState"],
    )

    def __init__(self, value=SignalStateValue.NONE, direction=0, detected_bar=-1,
                 confirmed_bar=-1, consumed_bar=-1, gate_result=None, signal_id=0):
        member, bars, sid = _shared.signal_fields(value, direction, detected_bar, confirmed_bar,
                                                  consumed_bar, gate_result, signal_id, GateResult)
        self.value_c = int(member)
        self.direction = direction
        self.detected_bar, self.confirmed_bar, self.consumed_bar = bars
        self.gate_result = gate_result
        self.signal_id = sid

    def __cinit__(self):
        self.detected_bar = self.confirmed_bar = self.consumed_bar = -1

    def __reduce__(self):
        return (_tables._value, (type(self), (self.value, self.direction, self.detected_bar, self.confirmed_bar,
                                              self.consumed_bar, self.gate_result, self.signal_id), {}))

    @property
    def value(self):
        """Current state (SignalStateValue)."""
        return _SIG_MEMBERS[self.value_c]

    def _key(self):
        return (self.value_c, self.direction, self.detected_bar, self.confirmed_bar,
                self.consumed_bar, self.gate_result, self.signal_id)

    @property
    def is_none(self):
        """True in NONE."""
        return self.value_c == SS_NONE

    @property
    def is_candidate(self):
        """True in CANDIDATE."""
        return self.value_c == SS_CANDIDATE

    @property
    def is_confirmed(self):
        """True in CONFIRMED."""
        return self.value_c == SS_CONFIRMED

    @property
    def is_consumed(self):
        """True in CONSUMED."""
        return self.value_c == SS_CONSUMED

    @property
    def is_expired(self):
        """True in EXPIRED."""
        return self.value_c == SS_EXPIRED

    @property
    def is_terminal(self):
        """True in EXPIRED or CONSUMED (the signal is finished)."""
        return self.value_c == SS_EXPIRED or self.value_c == SS_CONSUMED

    def can_transition_to(self, target):
        return target in SIGNAL_TRANSITIONS[self.value]

    def bars_since_detected(self, current_bar):
        return -1 if self.detected_bar < 0 else current_bar - self.detected_bar

    def bars_since_confirmed(self, current_bar):
        return -1 if self.confirmed_bar < 0 else current_bar - self.confirmed_bar

    def to_dict(self):
        """Plain-Python form (enum names as strings) for reports and JSON."""
        return _tables._signal_to_dict(self)

    def __repr__(self):
        return _tables._signal_repr(self)


cdef SignalState make_signal(int value, int direction, int64_t detected_bar, int64_t confirmed_bar,
                             int64_t consumed_bar, GateResult gate, int64_t signal_id):
    cdef SignalState s = SignalState.__new__(SignalState)
    s.value_c = value
    s.direction = direction
    s.detected_bar = detected_bar
    s.confirmed_bar = confirmed_bar
    s.consumed_bar = consumed_bar
    s.gate_result = gate
    s.signal_id = signal_id
    return s


SIGNAL_STATE_NONE = make_signal(SS_NONE, 0, -1, -1, -1, None, 0)


# ---------------------------------------------------------------------------------------------
# Action state

@cython.no_gc
@cython.embedsignature(False)  # the signed shared docstring carries the signature
cdef class ActionState(_Value):
    __doc__ = signed(
        "ActionState(value=ActionStateValue.IDLE, direction=0, size_usdt=0.0, "
        "submitted_bar=-1, filled_bar=-1, reject_reason=None, *, signal_id=0)",
        DOCS["ActionState"],
    )

    def __init__(self, value=ActionStateValue.IDLE, direction=0, size_usdt=0.0, submitted_bar=-1,
                 filled_bar=-1, reject_reason=None, *, signal_id=0):
        member, size, bars, sid = _shared.action_fields(value, direction, size_usdt, submitted_bar,
                                                        filled_bar, signal_id)
        self.value_c = int(member)
        self.direction = direction
        self.size_usdt = size
        self.submitted_bar, self.filled_bar = bars
        self.reject_reason = None if reject_reason is None else str(reject_reason)
        self.signal_id = sid

    def __cinit__(self):
        self.submitted_bar = self.filled_bar = -1

    def __reduce__(self):
        return (_tables._value, (type(self), (self.value, self.direction, self.size_usdt, self.submitted_bar,
                                              self.filled_bar, self.reject_reason), {"signal_id": self.signal_id}))

    @property
    def value(self):
        """Current state (ActionStateValue)."""
        return _ACT_MEMBERS[self.value_c]

    def _key(self):
        return (self.value_c, self.direction, self.size_usdt, self.submitted_bar,
                self.filled_bar, self.reject_reason, self.signal_id)

    @property
    def is_idle(self):
        """True in IDLE."""
        return self.value_c == ACT_IDLE

    @property
    def is_actionable(self):
        """True in ACTIONABLE."""
        return self.value_c == ACT_ACTIONABLE

    @property
    def is_submitted(self):
        """True in SUBMITTED."""
        return self.value_c == ACT_SUBMITTED

    @property
    def is_terminal(self):
        """True in FILLED, REJECTED or CANCELED (shown for one bar, then RESET to IDLE)."""
        return self.value_c >= ACT_FILLED

    def can_transition_to(self, target):
        return target in ACTION_TRANSITIONS[self.value]

    def to_dict(self):
        """Plain-Python form (enum names as strings) for reports and JSON."""
        return _tables._action_to_dict(self)

    def __repr__(self):
        return _tables._action_repr(self)


cdef ActionState make_action(int value, int direction, float64_t size_usdt, int64_t submitted_bar,
                             int64_t filled_bar, object reason, int64_t signal_id):
    cdef ActionState a = ActionState.__new__(ActionState)
    a.value_c = value
    a.direction = direction
    a.size_usdt = size_usdt
    a.submitted_bar = submitted_bar
    a.filled_bar = filled_bar
    a.reject_reason = reason
    a.signal_id = signal_id
    return a


ACTION_STATE_IDLE = make_action(ACT_IDLE, 0, 0.0, -1, -1, None, 0)


# ---------------------------------------------------------------------------------------------
# Gates

@cython.embedsignature(False)  # the signed shared docstring carries the signature
cdef class GateContext:
    __doc__ = signed(
        "GateContext(bar_idx=0, warmup_bars=0, history_bars=0, cache_ready=True, "
        "current_drawdown_pct=0.0, max_drawdown_limit_pct=100.0, available_margin=math.inf, "
        "required_margin=0.0, position_count=0, max_positions=100, current_exposure_pct=0.0, "
        "max_exposure_pct=100.0, cooldown_bars_remaining=0, risk_policy_passed=True, "
        "risk_policy_reason=None, required_history_bars=0)",
        DOCS["GateContext"],
    )

    def __init__(self, bar_idx=0, warmup_bars=0, history_bars=0, cache_ready=True,
                 current_drawdown_pct=0.0, max_drawdown_limit_pct=100.0,
                 available_margin=math.inf, required_margin=0.0, position_count=0,
                 max_positions=100, current_exposure_pct=0.0, max_exposure_pct=100.0,
                 cooldown_bars_remaining=0, risk_policy_passed=True, risk_policy_reason=None,
                 required_history_bars=0):
        _shared.set_context(self, locals())

    def __cinit__(self):
        # The non-zero defaults of GateContext() (the rest start at 0 / None).
        self.cache_ready = self.risk_policy_passed = True
        self.max_drawdown_limit_pct = self.max_exposure_pct = 100.0
        self.max_positions = 100
        self.available_margin = INFINITY

    def __reduce__(self):
        return _shared.context_reduce(self)

    def __repr__(self):
        return _shared._context_repr(self)


cdef GateResult failed_result(int mask, float64_t a, float64_t b, object risk_reason):
    cdef int code, first = 0
    codes = []
    for code in range(1, N_GATE_CODES):
        if mask & (1 << (code - 1)):
            codes.append(_GATE_MEMBERS[code])
            if first == 0:
                first = code
    return _new_gate(False, first, tuple(codes), format_gate_reason(first, a, b, risk_reason))


cdef GateResult _evaluate(int64_t bar_idx, int64_t warmup_bars, int64_t history_bars,
                          int64_t required_history_bars, bint cache_ready, bint risk_passed,
                          object risk_reason, float64_t drawdown, float64_t drawdown_limit,
                          float64_t available, float64_t required, int64_t cooldown,
                          int64_t positions, int64_t max_positions, float64_t exposure,
                          float64_t max_exposure):
    cdef float64_t a, b
    cdef int mask = gate_mask(bar_idx, warmup_bars, history_bars, required_history_bars,
                              cache_ready, risk_passed, drawdown, drawdown_limit, available,
                              required, cooldown, positions, max_positions, exposure, max_exposure)
    if mask == 0:
        return PASS_RESULT
    first_failure_values(mask, bar_idx, warmup_bars, history_bars, required_history_bars,
                         drawdown, drawdown_limit, available, required, cooldown, positions,
                         max_positions, exposure, max_exposure, &a, &b)
    return failed_result(mask, a, b, risk_reason)


def evaluate_gates(GateContext ctx not None):
    return _evaluate(ctx.bar_idx, ctx.warmup_bars, ctx.history_bars, ctx.required_history_bars,
                     ctx.cache_ready, ctx.risk_policy_passed, ctx.risk_policy_reason,
                     ctx.current_drawdown_pct, ctx.max_drawdown_limit_pct, ctx.available_margin,
                     ctx.required_margin, ctx.cooldown_bars_remaining, ctx.position_count,
                     ctx.max_positions, ctx.current_exposure_pct, ctx.max_exposure_pct)


def evaluate_warmup_gate(int64_t bar_idx, int64_t warmup_bars):
    return _evaluate(bar_idx, warmup_bars, 0, 0, True, True, None, 0.0, 100.0, INFINITY, 0.0,
                     0, 0, 1, 0.0, 100.0)


def evaluate_margin_gate(float64_t available_margin, float64_t required_margin):
    return _evaluate(0, 0, 0, 0, True, True, None, 0.0, 100.0, available_margin, required_margin,
                     0, 0, 1, 0.0, 100.0)


# ---------------------------------------------------------------------------------------------
# Block state

cdef inline SignalState _signal_of(BlockState b):
    return b._signal if b._signal is not None else SIGNAL_STATE_NONE


cdef inline ActionState _action_of(BlockState b):
    return b._action if b._action is not None else ACTION_STATE_IDLE


cdef inline GateResult _gate_of(BlockState b):
    return b._gate if b._gate is not None else PASS_RESULT


@cython.no_gc
@cython.embedsignature(False)  # the signed shared docstring carries the signature
cdef class BlockState(_Value):
    __doc__ = signed(
        "BlockState(bar_idx=0, signal=None, action=None, gate=None, raw_signal_direction=0, *, "
        "signal_triggers=(), action_triggers=())",
        DOCS["BlockState"],
    )

    def __init__(self, bar_idx=0, signal=None, action=None, gate=None, raw_signal_direction=0, *,
                 signal_triggers=(), action_triggers=()):
        bar, raw, sig_trig, act_trig = _shared.block_fields(
            bar_idx, (("signal", signal, SignalState), ("action", action, ActionState), ("gate", gate, GateResult)),
            raw_signal_direction, signal_triggers, action_triggers)
        self.bar_idx = bar
        self._signal = SIGNAL_STATE_NONE if signal is None else signal
        self._action = ACTION_STATE_IDLE if action is None else action
        self._gate = PASS_RESULT if gate is None else gate
        self.raw_signal_direction = raw
        self.sig_trig = sig_trig
        self.act_trig = act_trig

    @property
    def signal(self):
        """Signal state at the end of the bar."""
        return _signal_of(self)

    @property
    def action(self):
        """Action state at the end of the bar."""
        return _action_of(self)

    @property
    def gate(self):
        """Gate result of the bar."""
        return _gate_of(self)

    def __reduce__(self):
        return (_tables._value, (type(self), (self.bar_idx, self.signal, self.action, self.gate, self.raw_signal_direction),
                                 {"signal_triggers": self.signal_triggers, "action_triggers": self.action_triggers}))

    def _key(self):
        return (self.bar_idx, self.signal, self.action, self.gate, self.raw_signal_direction,
                self.sig_trig, self.act_trig)

    @property
    def signal_triggers(self):
        """Signal triggers applied during this bar, in order."""
        return _tables._unpack_triggers(self.sig_trig, SignalTrigger)

    @property
    def action_triggers(self):
        """Action triggers applied during this bar, in order."""
        return _tables._unpack_triggers(self.act_trig, ActionTrigger)

    @property
    def is_actionable(self):
        """Gate passed, signal CONFIRMED and the action IDLE or ACTIONABLE (a trade may start)."""
        return (_gate_of(self).passed and _signal_of(self).value_c == SS_CONFIRMED
                and _action_of(self).value_c <= ACT_ACTIONABLE)

    @property
    def is_blocked(self):
        """True when a gate failed."""
        return not _gate_of(self).passed

    @property
    def block_reason(self):
        """Reason of the first failing gate (None when passed)."""
        return None if _gate_of(self).passed else _gate_of(self).reason

    @property
    def block_code(self):
        """Code of the first failing gate (``G_PASS`` when passed)."""
        return _gate_of(self).code

    @property
    def signal_detected(self):
        """True when a signal is active (signal state not NONE)."""
        return _signal_of(self).value_c != SS_NONE

    @property
    def signal_confirmed(self):
        """True when the signal is CONFIRMED."""
        return _signal_of(self).value_c == SS_CONFIRMED

    @property
    def signal_consumed(self):
        """True when the signal is CONSUMED."""
        return _signal_of(self).value_c == SS_CONSUMED

    @property
    def action_filled(self):
        """True when the action is FILLED."""
        return _action_of(self).value_c == ACT_FILLED

    @property
    def action_rejected(self):
        """True when the action is REJECTED."""
        return _action_of(self).value_c == ACT_REJECTED

    def summary(self):
        return _tables._block_summary(self)

    def to_dict(self):
        """Plain-Python form (enum names as strings) for reports and JSON."""
        return _tables._block_to_dict(self)

    def __repr__(self):
        return f"BlockState({self.summary()})"


cdef BlockState make_block(int64_t bar_idx, SignalState signal, ActionState action, GateResult gate,
                           int raw_direction, int64_t sig_trig, int64_t act_trig):
    cdef BlockState b = BlockState.__new__(BlockState)
    b.bar_idx = bar_idx
    b._signal = signal
    b._action = action
    b._gate = gate
    b.raw_signal_direction = raw_direction
    b.sig_trig = sig_trig
    b.act_trig = act_trig
    return b


def create_block_state(bar_idx, signal, action, gate, raw_signal_direction=0):
    return BlockState(bar_idx, signal, action, gate, raw_signal_direction)


def reset_signal_state():
    return SIGNAL_STATE_NONE


def reset_action_state():
    return ACTION_STATE_IDLE


def reset_block_state(bar_idx=0):
    return BlockState(bar_idx)


attach(globals(), DOCS)
