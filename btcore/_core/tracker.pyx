# cython: auto_pickle=False
"""Bounded per-bar state tracker (compiled twin of ``btcore._pure.tracker``).

What the tracker records and keeps is in the pure twin's module docstring; here the hooks are
``cpdef`` (C calls from a compiled loop) and the counters C arrays.

The ring is written at ``bar_idx % max_history`` without bounds checks, so its length and
``max_history`` are set together, once (``__init__`` refuses to run twice, and a tracker made with
``__new__`` raises NotInitializedError from every hook); bar indices and config counts are at
most ``MAX_INDEX`` so no int64 sum of two can wrap; pickling restores a checked state.
"""

cimport cython
from libc.math cimport INFINITY
from libc.string cimport memset

from btcore._core._typedefs cimport float64_t, int64_t, intp_t
from btcore._core.states cimport (
    ACT_FILLED, AT_FILL, N_ACT_STATES, N_ACT_TRIGGERS, N_GATE_CODES, N_SIG_STATES,
    N_SIG_TRIGGERS, PASS_RESULT, SS_CONFIRMED, SS_CONSUMED, TRIGGER_BITS, ACTION_STATE_IDLE,
    SIGNAL_STATE_NONE, ActionState, BlockState, GateResult, SignalState, failed_result,
    first_failure_values, gate_mask, make_block,
)
from btcore._core.transitions cimport (
    EV_CANCEL, EV_FILL, EV_REJECT, EV_SIZING, EV_SUBMIT, advance_action_c, advance_signal_c,
)

from btcore.errors import DataError, IllegalTransitionError
from btcore._shared.boundary import already_initialised, not_initialised
from btcore._shared.state_tables import MAX_INDEX, StateTrackerConfig
from btcore._shared import tracker as _shared
from btcore._shared.tracker import _check_state, summary_dict
from btcore._shared.docs import attach, signed
from btcore._shared.tracker import DOCS

__all__ = ["StateTracker", "StateTrackerConfig", "create_state_tracker"]

cdef int[N_EVENTS] _EVENT_BITS = [EV_SIZING, EV_SUBMIT, EV_FILL, EV_REJECT, EV_CANCEL]


# MAX_INDEX as a C constant: comparing a C index with the Python int would box it every call.
cdef int64_t _MAX_INDEX = MAX_INDEX


cdef inline int _tracker_ok(StateTracker t) except -1:
    # The "initialised?" test of every Python-facing method: a pointer compare on the normal path.
    if t._cfg is None:
        raise not_initialised(t)
    return 0


@cython.embedsignature(False)  # the signed shared docstring carries the signature
cdef class StateTracker:
    __doc__ = signed("StateTracker(config=None)", DOCS["StateTracker"])

    def __init__(self, config=None):
        # The config is checked (StateTrackerConfig ranges every field) and copied to C locals
        # first; the tracker changes only once nothing can fail.
        cdef int64_t warmup, positions, cooldown, history, required, confirmation, expiry
        cdef float64_t drawdown, exposure
        if self._cfg is not None:
            raise already_initialised(self)
        config = _shared.tracker_config(config)
        warmup, positions, cooldown = config.warmup_bars, config.max_positions, config.cooldown_bars
        history, required = config.max_history, config.required_history_bars
        confirmation, expiry = config.confirmation_bars, config.expiry_bars
        drawdown, exposure = config.max_drawdown_pct, config.max_exposure_pct
        for v in (warmup, positions, cooldown, history, required, confirmation, expiry):
            if not 0 <= v <= _MAX_INDEX:
                raise ValueError(f"config value {v} out of range 0..{MAX_INDEX}")
        self.cfg_warmup_bars = warmup
        self.cfg_max_positions = positions
        self.cfg_cooldown_bars = cooldown
        self.cfg_max_history = history
        self.cfg_required_history = required
        self.cfg_confirmation_bars = confirmation
        self.cfg_expiry_bars = expiry
        self.cfg_max_drawdown_pct = drawdown
        self.cfg_max_exposure_pct = exposure
        self._reset()
        self._cfg = config  # last: from here on the tracker is initialised

    cdef int _check(self) except -1:
        if self._cfg is None:
            raise not_initialised(self)
        return 0

    def __reduce__(self):
        _tracker_ok(self)
        return (_rebuild_tracker, (type(self), self._cfg, self._state()))

    def _state(self):
        # Everything the next bars depend on, as plain values (the layout of the pure twin's).
        return {
            "signal": self._signal, "action": self._action, "signal_counter": self._signal_counter,
            "in_bar": self._in_bar, "bar": self._bar, "last_bar": self._last_bar,
            "first_bar": self._first_bar, "cooldown_until": self._cooldown_until,
            "direction": self._direction, "n_events": list(self._n_events), "size": self._size,
            "reject_reason": self._reject_reason, "cancel_reason": self._cancel_reason,
            "warmup_ok": self._warmup_ok, "warmup_end": self._warmup_end,
            "history_bars": self._history_bars, "cache_ready": self._cache_ready,
            "risk_passed": self._risk_passed, "risk_reason": self._risk_reason,
            "drawdown": self._drawdown, "avail": self._avail, "req": self._req,
            "positions": self._positions, "exposure": self._exposure, "ring": list(self._ring),
            "total": self._total, "abandoned": self._abandoned, "blocked": self._blocked,
            "sig_bars": list(self._sig_bars), "act_bars": list(self._act_bars),
            "sig_events": list(self._sig_events), "act_events": list(self._act_events),
            "gate_primary": list(self._gate_primary), "gate_any": list(self._gate_any),
            "ignored": list(self._ignored),
        }

    def _set_state(self, state):
        # Restore a pickled state; _check_state validates every value first (ring length included).
        cdef int i
        _tracker_ok(self)
        st = _check_state(state, self.cfg_max_history, SignalState, ActionState, BlockState)
        self._reset()
        self._signal, self._action = st["signal"], st["action"]
        self._signal_counter = st["signal_counter"]
        self._in_bar, self._bar, self._last_bar = st["in_bar"], st["bar"], st["last_bar"]
        self._first_bar, self._cooldown_until = st["first_bar"], st["cooldown_until"]
        self._direction, self._size = st["direction"], st["size"]
        self._reject_reason, self._cancel_reason = st["reject_reason"], st["cancel_reason"]
        self._warmup_ok, self._warmup_end = st["warmup_ok"], st["warmup_end"]
        self._history_bars, self._cache_ready = st["history_bars"], st["cache_ready"]
        self._risk_passed, self._risk_reason = st["risk_passed"], st["risk_reason"]
        self._drawdown, self._avail, self._req = st["drawdown"], st["avail"], st["req"]
        self._positions, self._exposure = st["positions"], st["exposure"]
        self._total, self._abandoned, self._blocked = st["total"], st["abandoned"], st["blocked"]
        for i in range(N_EVENTS):
            self._n_events[i] = st["n_events"][i]
            self._ignored[i] = st["ignored"][i]
        for i in range(N_SIG_STATES):
            self._sig_bars[i] = st["sig_bars"][i]
        for i in range(N_ACT_STATES):
            self._act_bars[i] = st["act_bars"][i]
        for i in range(N_SIG_TRIGGERS):
            self._sig_events[i] = st["sig_events"][i]
        for i in range(N_ACT_TRIGGERS):
            self._act_events[i] = st["act_events"][i]
        for i in range(N_GATE_CODES):
            self._gate_primary[i] = st["gate_primary"][i]
            self._gate_any[i] = st["gate_any"][i]
        self._ring = st["ring"]
        self._index = st["index"]

    @property
    def config(self):
        """The (frozen) configuration."""
        _tracker_ok(self)
        return self._cfg

    cpdef void reset(self):
        _tracker_ok(self)
        self._reset()

    cdef int _reset(self) except -1:
        # Bounded: slot bar_idx % cap holds bar bar_idx, so lookups need no dict (bars increase).
        # Unbounded (max_history=0): a list plus a bar index.
        self._ring = [None] * self.cfg_max_history if self.cfg_max_history else []
        self._index = {}
        self._signal = SIGNAL_STATE_NONE
        self._action = ACTION_STATE_IDLE
        self._signal_counter = 0
        self._last_bar = -1
        self._first_bar = -1
        self._in_bar = False
        self._bar = -1
        self._cooldown_until = -1
        self._warmup_ok = True
        self._warmup_end = 0
        self._history_bars = 0
        self._cache_ready = True
        self._risk_passed = True
        self._risk_reason = None
        self._drawdown = 0.0
        self._avail = INFINITY
        self._req = 0.0
        self._positions = 0
        self._exposure = 0.0
        self._last_fail = None
        self._last_mask = 0
        self._clear_bar_events()
        self._total = 0
        self._abandoned = 0
        self._blocked = 0
        memset(self._sig_bars, 0, sizeof(self._sig_bars))
        memset(self._act_bars, 0, sizeof(self._act_bars))
        memset(self._sig_events, 0, sizeof(self._sig_events))
        memset(self._act_events, 0, sizeof(self._act_events))
        memset(self._gate_primary, 0, sizeof(self._gate_primary))
        memset(self._gate_any, 0, sizeof(self._gate_any))
        memset(self._ignored, 0, sizeof(self._ignored))
        return 0

    cdef void _clear_bar_events(self) noexcept:
        self._direction = 0
        memset(self._n_events, 0, sizeof(self._n_events))
        self._size = 0.0
        self._reject_reason = None
        self._cancel_reason = None

    cdef int _require_bar(self, str hook) except -1:
        if self._cfg is None:
            raise not_initialised(self)
        if not self._in_bar:
            raise IllegalTransitionError(
                f"{hook} called outside a bar; allowed now: on_bar_start(bar_idx)")
        return 0

    # -- hooks ------------------------------------------------------------------------------

    cpdef void on_bar_start(self, intp_t bar_idx):
        _tracker_ok(self)
        if bar_idx < 0 or bar_idx > _MAX_INDEX:
            raise ValueError(f"bar_idx must be in 0..{MAX_INDEX}, got {bar_idx!r}")
        if bar_idx <= self._last_bar:
            raise DataError(f"bar_idx must increase: got {bar_idx} after recorded bar "
                            f"{self._last_bar}", "BAR_IDX_NOT_INCREASING")
        if self._in_bar:
            self._abandoned += 1
        self._in_bar = True
        self._bar = bar_idx
        self._clear_bar_events()

    cpdef void on_signal_evaluated(self, intp_t direction):
        self._require_bar("on_signal_evaluated")
        if direction < -1 or direction > 2:
            raise ValueError(f"direction must be 1, -1, 0 or 2 (FLAT), got {direction!r}")
        self._direction = direction

    cpdef void on_warmup_check(self, bint warmup_ok, intp_t warmup_end_idx):
        self._require_bar("on_warmup_check")
        if warmup_end_idx < 0:
            raise ValueError(f"warmup_end_idx must be >= 0, got {warmup_end_idx!r}")
        self._warmup_end = warmup_end_idx
        self._warmup_ok = warmup_ok

    cpdef void on_history_check(self, bint history_ok, intp_t history_bars):
        self._require_bar("on_history_check")
        if history_bars < 0:
            raise ValueError(f"history_bars must be >= 0, got {history_bars!r}")
        self._history_bars = history_bars
        self._cache_ready = history_ok

    cpdef void on_risk_check(self, bint passed, object reason=None, float64_t drawdown_pct=0.0,
                             float64_t available_margin=INFINITY, float64_t required_margin=0.0):
        self._require_bar("on_risk_check")
        self._risk_passed = passed
        self._risk_reason = None if reason is None else str(reason)
        self._drawdown = drawdown_pct
        self._avail = available_margin
        self._req = required_margin

    cpdef void on_position_check(self, intp_t position_count, float64_t exposure_pct=0.0):
        self._require_bar("on_position_check")
        if position_count < 0:
            raise ValueError(f"position_count must be >= 0, got {position_count!r}")
        self._positions = position_count
        self._exposure = exposure_pct

    cpdef void on_sizing_computed(self, float64_t size_usdt):
        self._require_bar("on_sizing_computed")
        self._size = size_usdt
        self._n_events[IDX_SIZING] += 1

    cpdef void on_order_submitted(self):
        self._require_bar("on_order_submitted")
        self._n_events[IDX_SUBMITTED] += 1

    cpdef void on_order_filled(self):
        self._require_bar("on_order_filled")
        self._n_events[IDX_FILLED] += 1

    cpdef void on_order_rejected(self, object reason=None):
        self._require_bar("on_order_rejected")
        self._n_events[IDX_REJECTED] += 1
        if reason is not None:
            self._reject_reason = str(reason)

    cpdef void on_order_canceled(self, object reason=None):
        self._require_bar("on_order_canceled")
        self._n_events[IDX_CANCELED] += 1
        if reason is not None:
            self._cancel_reason = str(reason)

    cdef GateResult _gate(self, int64_t bar):
        cdef:
            int64_t warmup = self.cfg_warmup_bars
            int64_t cooldown = self._cooldown_until - bar + 1
            float64_t a, b
            int mask
        if self._warmup_end > warmup:
            warmup = self._warmup_end
        if not self._warmup_ok and bar + 1 > warmup:
            warmup = bar + 1
        if cooldown < 0:
            cooldown = 0
        mask = gate_mask(bar, warmup, self._history_bars, self.cfg_required_history,
                         self._cache_ready, self._risk_passed, self._drawdown,
                         self.cfg_max_drawdown_pct, self._avail, self._req, cooldown,
                         self._positions, self.cfg_max_positions, self._exposure,
                         self.cfg_max_exposure_pct)
        if mask == 0:
            return PASS_RESULT
        first_failure_values(mask, bar, warmup, self._history_bars, self.cfg_required_history,
                             self._drawdown, self.cfg_max_drawdown_pct, self._avail, self._req,
                             cooldown, self._positions, self.cfg_max_positions, self._exposure,
                             self.cfg_max_exposure_pct, &a, &b)
        # A position held for many bars fails the same gate with the same text every bar: share it.
        if (self._last_fail is not None and mask == self._last_mask and a == self._last_a
                and b == self._last_b and self._risk_reason is self._last_risk_reason):
            return self._last_fail
        self._last_fail = failed_result(mask, a, b, self._risk_reason)
        self._last_mask = mask
        self._last_a = a
        self._last_b = b
        self._last_risk_reason = self._risk_reason
        return self._last_fail

    cpdef BlockState on_bar_end(self):
        cdef:
            int64_t bar = self._bar
            int64_t sig_trig, act_trig
            bint fresh, confirmed, submitted
            int used
            GateResult gate
            SignalState sig
            ActionState act
            BlockState block
        self._require_bar("on_bar_end")
        gate = self._gate(bar)
        submitted = self._n_events[IDX_SUBMITTED] > 0
        sig = advance_signal_c(self._signal, bar, self._direction if self._direction != 2 else 0,
                               gate, submitted, self._signal_counter + 1,
                               self.cfg_confirmation_bars, self.cfg_expiry_bars, &sig_trig, &fresh)
        if fresh:
            self._signal_counter += 1
        confirmed = sig.value_c == SS_CONFIRMED or (sig.value_c == SS_CONSUMED
                                                     and sig.consumed_bar == bar)
        act = advance_action_c(self._action, bar, confirmed, sig.direction, sig.signal_id, gate,
                               self._n_events[IDX_SIZING] > 0, self._size, submitted,
                               self._n_events[IDX_FILLED] > 0, self._n_events[IDX_REJECTED] > 0,
                               self._n_events[IDX_CANCELED] > 0, self._reject_reason, self._cancel_reason,
                               &act_trig, &used)
        block = make_block(bar, sig, act, gate, self._direction, sig_trig, act_trig)
        self._signal = sig
        self._action = act
        self._count(block, sig_trig, act_trig, used)
        self._store(block)
        self._in_bar = False
        self._last_bar = bar
        return block

    # -- recording --------------------------------------------------------------------------

    cdef int _count(self, BlockState block, int64_t sig_trig, int64_t act_trig, int used) except -1:
        cdef int i, t
        cdef GateResult gate = block._gate
        self._total += 1
        if self._first_bar < 0:
            self._first_bar = block.bar_idx
        self._sig_bars[block._signal.value_c] += 1
        self._act_bars[block._action.value_c] += 1
        if not gate.passed:
            self._blocked += 1
            self._gate_primary[gate.code_c] += 1
            for c in gate.codes:
                self._gate_any[<int>c] += 1
        while sig_trig:
            self._sig_events[sig_trig & 0xF] += 1
            sig_trig >>= TRIGGER_BITS
        while act_trig:
            t = act_trig & 0xF
            self._act_events[t] += 1
            if t == AT_FILL and self.cfg_cooldown_bars:
                self._cooldown_until = block.bar_idx + self.cfg_cooldown_bars
            act_trig >>= TRIGGER_BITS
        for i in range(N_EVENTS):
            self._ignored[i] += self._n_events[i] - (1 if used & _EVENT_BITS[i] else 0)
        return 0

    cdef int _store(self, BlockState block) except -1:
        if self.cfg_max_history:
            self._ring[block.bar_idx % self.cfg_max_history] = block
        else:
            self._ring.append(block)
            self._index[block.bar_idx] = block
        return 0

    # -- queries ----------------------------------------------------------------------------

    def get_current_signal_state(self):
        _tracker_ok(self)
        return self._signal

    def get_current_action_state(self):
        _tracker_ok(self)
        return self._action

    cpdef object get_block_at(self, intp_t bar_idx):
        cdef int64_t cap = self.cfg_max_history
        cdef BlockState block
        _tracker_ok(self)
        if not cap:
            return self._index.get(bar_idx)
        if bar_idx < 0 or not (self._last_bar - cap < bar_idx <= self._last_bar):
            return None
        block = self._ring[bar_idx % cap]
        return block if block is not None and block.bar_idx == bar_idx else None

    @property
    def block_history(self):
        """Retained blocks, oldest first (a new list; at most ``max_history`` items)."""
        _tracker_ok(self)
        return _shared.ring_window(self._ring, self._last_bar, self.cfg_max_history)

    @property
    def total_bars(self):
        """Number of bars recorded since construction or ``reset()``."""
        _tracker_ok(self)
        return self._total

    cpdef dict summary_stats(self):
        _tracker_ok(self)
        return summary_dict(self._total, self._blocked, self._abandoned, self._signal_counter,
                            self._first_bar, self._last_bar, self.cfg_max_history, self._sig_bars, self._act_bars,
                            self._sig_events, self._act_events, self._gate_primary,
                            self._gate_any, self._ignored)


def _rebuild_tracker(cls, config, state):
    # pickle/copy: a tracker built from its config, then the checked state.
    t = cls.__new__(cls)
    StateTracker.__init__(t, config)
    t._set_state(state)
    return t


def create_state_tracker(warmup_bars=0, max_positions=100, max_drawdown_pct=100.0,
                         cooldown_bars=0, max_history=10000, **options):
    return StateTracker(_shared.tracker_config_of(warmup_bars, max_positions, max_drawdown_pct, cooldown_bars,
                                                  max_history, options))


attach(globals(), DOCS)
