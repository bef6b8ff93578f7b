"""Bounded per-bar state tracker (pure-Python twin of ``btcore._core.tracker``).

The engine reports what happens inside a bar through the hooks, then ``on_bar_end`` evaluates the
gates, advances the signal and action machines (several steps when the bar reports several
events) and records one :class:`BlockState`. The last ``max_history`` blocks are kept in a ring
indexed by bar for O(1) ``get_block_at``; ``summary_stats`` comes from running counters, so it is
exact for the whole run while memory stays flat.

Arguments are converted as the compiled twin's C arguments are (:mod:`btcore._shared.boundary`),
bar indices and config counts are at most ``MAX_INDEX``, a tracker made with ``__new__`` raises
NotInitializedError, ``__init__`` refuses to run twice, and pickling restores a checked state.
"""

from __future__ import annotations

import math
from typing import Any, Optional

from ..errors import DataError, IllegalTransitionError
from .._shared.boundary import already_initialised, as_double, as_intp, guarded, initialised, is_initialised
from .._shared.state_tables import (
    MAX_INDEX,
    ActionStateValue,
    ActionTrigger,
    GateCode,
    SignalStateValue,
    SignalTrigger,
    StateTrackerConfig,
)
from .states import (
    _ACTION_STATE_IDLE,
    _SIGNAL_STATE_NONE,
    ActionState,
    BlockState,
    SignalState,
    _gate_result,
    _make_block,
)
from .transitions import (
    EV_CANCEL,
    EV_FILL,
    EV_REJECT,
    EV_SIZING,
    EV_SUBMIT,
    advance_action,
    advance_signal,
)
from .._shared.docs import attach
from .._shared import tracker as _shared
from .._shared.tracker import (
    DOCS,
    EVENT_NAMES,
    IDX_SIZING,
    IDX_SUBMITTED,
    IDX_FILLED,
    IDX_REJECTED,
    IDX_CANCELED,
    _check_state,
    summary_dict,
)

__all__ = ["StateTracker", "StateTrackerConfig", "create_state_tracker"]

_EVENT_BITS = (EV_SIZING, EV_SUBMIT, EV_FILL, EV_REJECT, EV_CANCEL)
_CONFIRMED = int(SignalStateValue.CONFIRMED)
_CONSUMED = int(SignalStateValue.CONSUMED)


def _index(value: Any, what: str, low: int = 0, high: int = (1 << 63) - 1) -> int:
    i = as_intp(value, what)
    if not low <= i <= high:
        raise ValueError(f"{what} must be in {low}..{high}, got {value!r}")
    return i


def _ranged(i: int, what: str, low: int = 0, high: int = (1 << 63) - 1) -> int:
    if not low <= i <= high:
        raise ValueError(f"{what} must be in {low}..{high}, got {i!r}")
    return i


@guarded()
class StateTracker:
    __doc__ = DOCS["StateTracker"]

    def __init__(self, config: Optional[StateTrackerConfig] = None) -> None:
        if is_initialised(self):
            raise already_initialised(self)
        config = _shared.tracker_config(config)
        for name in ("warmup_bars", "max_positions", "cooldown_bars", "max_history", "required_history_bars",
                     "confirmation_bars", "expiry_bars"):  # as the compiled twin's C copy checks them
            _index(getattr(config, name), f"config {name}", 0, MAX_INDEX)
        for name in ("max_drawdown_pct", "max_exposure_pct"):
            as_double(getattr(config, name), f"config {name}")
        self._reset(config.max_history)
        self._config = config
        initialised(self)  # last: from here on the tracker is initialised

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_tracker, (type(self), self._config, self._state()))

    def _state(self) -> dict[str, Any]:
        # Everything the next bars depend on, as plain values (the layout of the compiled twin's).
        names = ("signal", "action", "signal_counter", "in_bar", "bar", "last_bar", "first_bar",
                 "cooldown_until", "direction", "n_events", "size", "reject_reason", "cancel_reason",
                 "warmup_ok", "warmup_end", "history_bars", "cache_ready", "risk_passed", "risk_reason",
                 "drawdown", "avail", "req", "positions", "exposure", "ring", "total", "abandoned",
                 "blocked", "sig_bars", "act_bars", "sig_events", "act_events", "gate_primary",
                 "gate_any", "ignored")
        out = {k: getattr(self, "_" + k) for k in names}
        return {k: list(v) if isinstance(v, list) else v for k, v in out.items()}

    def _set_state(self, state: Any) -> None:
        # Restore a pickled state; _check_state validates every value first.
        st = _check_state(state, self._config.max_history, SignalState, ActionState, BlockState)
        index = st.pop("index")
        for k, v in st.items():
            setattr(self, "_" + k, v)
        setattr(self, "_index", index)

    @property
    def config(self) -> StateTrackerConfig:
        """The (frozen) configuration."""
        return self._config

    def reset(self) -> None:
        self._reset(self._config.max_history)

    def _reset(self, cap: int) -> None:
        # Bounded: slot bar_idx % cap holds bar bar_idx, so lookups need no dict (bars increase).
        # Unbounded (max_history=0): a list plus a bar index.
        self._ring: list[Optional[BlockState]] = [None] * cap if cap else []
        self._index: dict[int, BlockState] = {}
        self._signal = _SIGNAL_STATE_NONE
        self._action = _ACTION_STATE_IDLE
        self._signal_counter = 0
        self._last_bar = -1
        self._first_bar = -1
        self._in_bar = False
        self._bar = -1
        self._cooldown_until = -1
        # hook values that persist across bars
        self._warmup_ok = True
        self._warmup_end = 0
        self._history_bars = 0
        self._cache_ready = True
        self._risk_passed = True
        self._risk_reason: Optional[str] = None
        self._drawdown = 0.0
        self._avail = math.inf
        self._req = 0.0
        self._positions = 0
        self._exposure = 0.0
        self._clear_bar_events()
        # whole-run counters
        self._total = 0
        self._abandoned = 0
        self._blocked = 0
        self._sig_bars = [0] * len(SignalStateValue)
        self._act_bars = [0] * len(ActionStateValue)
        self._sig_events = [0] * (len(SignalTrigger) + 1)
        self._act_events = [0] * (len(ActionTrigger) + 1)
        self._gate_primary = [0] * len(GateCode)
        self._gate_any = [0] * len(GateCode)
        self._ignored = [0] * len(EVENT_NAMES)

    def _clear_bar_events(self) -> None:
        self._direction = 0
        self._n_events = [0] * len(EVENT_NAMES)
        self._size = 0.0
        self._reject_reason: Optional[str] = None
        self._cancel_reason: Optional[str] = None

    def _require_bar(self, hook: str) -> None:
        if not self._in_bar:
            raise IllegalTransitionError(
                f"{hook} called outside a bar; allowed now: on_bar_start(bar_idx)")

    # -- hooks ------------------------------------------------------------------------------

    def on_bar_start(self, bar_idx: int) -> None:
        # As in the compiled twin: the argument is converted first, then the tracker is checked.
        bar_idx = as_intp(bar_idx, "bar_idx")
        self._config  # NotInitializedError before __init__
        bar_idx = _ranged(bar_idx, "bar_idx", 0, MAX_INDEX)
        if bar_idx <= self._last_bar:
            raise DataError(f"bar_idx must increase: got {bar_idx} after recorded bar "
                            f"{self._last_bar}", "BAR_IDX_NOT_INCREASING")
        if self._in_bar:
            self._abandoned += 1
        self._in_bar = True
        self._bar = bar_idx
        self._clear_bar_events()

    def on_signal_evaluated(self, direction: int) -> None:
        d = as_intp(direction, "direction")
        self._require_bar("on_signal_evaluated")
        if not -1 <= d <= 2:
            raise ValueError(f"direction must be 1, -1, 0 or 2 (FLAT), got {direction!r}")
        self._direction = d

    def on_warmup_check(self, warmup_ok: bool, warmup_end_idx: int) -> None:
        ok, end = bool(warmup_ok), as_intp(warmup_end_idx, "warmup_end_idx")
        self._require_bar("on_warmup_check")
        self._warmup_end = _ranged(end, "warmup_end_idx")
        self._warmup_ok = ok

    def on_history_check(self, history_ok: bool, history_bars: int) -> None:
        ok, bars = bool(history_ok), as_intp(history_bars, "history_bars")
        self._require_bar("on_history_check")
        self._history_bars = _ranged(bars, "history_bars")
        self._cache_ready = ok

    def on_risk_check(self, passed: bool, reason: Optional[str] = None, drawdown_pct: float = 0.0,
                      available_margin: float = math.inf, required_margin: float = 0.0) -> None:
        passed = bool(passed)
        dd, avail = as_double(drawdown_pct, "drawdown_pct"), as_double(available_margin, "available_margin")
        req = as_double(required_margin, "required_margin")
        self._require_bar("on_risk_check")
        self._risk_passed = passed
        self._risk_reason = None if reason is None else str(reason)
        self._drawdown, self._avail, self._req = dd, avail, req

    def on_position_check(self, position_count: int, exposure_pct: float = 0.0) -> None:
        count, exposure = as_intp(position_count, "position_count"), as_double(exposure_pct, "exposure_pct")
        self._require_bar("on_position_check")
        self._positions = _ranged(count, "position_count")
        self._exposure = exposure

    def on_sizing_computed(self, size_usdt: float) -> None:
        size = as_double(size_usdt, "size_usdt")
        self._require_bar("on_sizing_computed")
        self._size = size
        self._n_events[IDX_SIZING] += 1

    def on_order_submitted(self) -> None:
        self._require_bar("on_order_submitted")
        self._n_events[IDX_SUBMITTED] += 1

    def on_order_filled(self) -> None:
        self._require_bar("on_order_filled")
        self._n_events[IDX_FILLED] += 1

    def on_order_rejected(self, reason: Optional[str] = None) -> None:
        self._require_bar("on_order_rejected")
        self._n_events[IDX_REJECTED] += 1
        if reason is not None:
            self._reject_reason = str(reason)

    def on_order_canceled(self, reason: Optional[str] = None) -> None:
        self._require_bar("on_order_canceled")
        self._n_events[IDX_CANCELED] += 1
        if reason is not None:
            self._cancel_reason = str(reason)

    def on_bar_end(self) -> BlockState:
        self._require_bar("on_bar_end")
        cfg = self._config
        bar = self._bar
        warmup = max(cfg.warmup_bars, self._warmup_end)
        if not self._warmup_ok:
            warmup = max(warmup, bar + 1)
        gate = _gate_result(bar, warmup, self._history_bars, cfg.required_history_bars,
                            self._cache_ready, self._risk_passed, self._risk_reason,
                            self._drawdown, cfg.max_drawdown_pct, self._avail, self._req,
                            max(0, self._cooldown_until - bar + 1), self._positions,
                            cfg.max_positions, self._exposure, cfg.max_exposure_pct)
        ev = self._n_events
        entry = self._direction if self._direction != 2 else 0
        sig, sig_trig, fresh = advance_signal(
            self._signal, bar, entry, gate, ev[IDX_SUBMITTED] > 0, self._signal_counter + 1,
            cfg.confirmation_bars, cfg.expiry_bars)
        if fresh:
            self._signal_counter += 1
        sv = int(sig.value)
        confirmed = sv == _CONFIRMED or (sv == _CONSUMED and sig.consumed_bar == bar)
        act, act_trig, used = advance_action(
            self._action, bar, confirmed, sig.direction, sig.signal_id, gate, ev[IDX_SIZING] > 0,
            self._size, ev[IDX_SUBMITTED] > 0, ev[IDX_FILLED] > 0, ev[IDX_REJECTED] > 0, ev[IDX_CANCELED] > 0, self._reject_reason,
            self._cancel_reason)
        block = _make_block(bar, sig, act, gate, self._direction, sig_trig, act_trig)
        self._signal, self._action = sig, act
        self._count(block, sig_trig, act_trig, used)
        self._store(block)
        self._in_bar = False
        self._last_bar = bar
        return block

    # -- recording --------------------------------------------------------------------------

    def _count(self, block: BlockState, sig_trig: int, act_trig: int, used: int) -> None:
        self._total += 1
        if self._first_bar < 0:
            self._first_bar = block.bar_idx
        self._sig_bars[block.signal.value] += 1
        self._act_bars[block.action.value] += 1
        gate = block.gate
        if not gate.passed:
            self._blocked += 1
            self._gate_primary[gate.code] += 1
            for c in gate.codes:
                self._gate_any[c] += 1
        while sig_trig:
            self._sig_events[sig_trig & 0xF] += 1
            sig_trig >>= 4
        while act_trig:
            t = act_trig & 0xF
            self._act_events[t] += 1
            if t == ActionTrigger.FILL and self._config.cooldown_bars:
                self._cooldown_until = block.bar_idx + self._config.cooldown_bars
            act_trig >>= 4
        if any(self._n_events):
            for i, bit in enumerate(_EVENT_BITS):
                self._ignored[i] += self._n_events[i] - (1 if used & bit else 0)

    def _store(self, block: BlockState) -> None:
        cap = self._config.max_history
        if cap:
            self._ring[block.bar_idx % cap] = block
        else:
            self._ring.append(block)
            self._index[block.bar_idx] = block

    # -- queries ----------------------------------------------------------------------------

    def get_current_signal_state(self) -> SignalState:
        return self._signal

    def get_current_action_state(self) -> ActionState:
        return self._action

    def get_block_at(self, bar_idx: int) -> Optional[BlockState]:
        i = as_intp(bar_idx, "bar_idx")
        cap = self._config.max_history
        if not cap:
            return self._index.get(i)
        if i < 0 or not self._last_bar - cap < i <= self._last_bar:
            return None
        block = self._ring[i % cap]
        return block if block is not None and block.bar_idx == i else None

    @property
    def block_history(self) -> list[BlockState]:
        """Retained blocks, oldest first (a new list; at most ``max_history`` items)."""
        return _shared.ring_window(self._ring, self._last_bar, self._config.max_history)

    @property
    def total_bars(self) -> int:
        """Number of bars recorded since construction or ``reset()``."""
        return self._total

    def summary_stats(self) -> dict[str, Any]:
        return summary_dict(self._total, self._blocked, self._abandoned, self._signal_counter,
                            self._first_bar, self._last_bar, self._config.max_history,
                            self._sig_bars, self._act_bars, self._sig_events, self._act_events,
                            self._gate_primary, self._gate_any, self._ignored)


def _rebuild_tracker(cls: Any, config: Any, state: Any) -> StateTracker:
    # pickle/copy: a tracker built from its config, then the checked state.
    t: StateTracker = cls.__new__(cls)
    StateTracker.__init__(t, config)
    t._set_state(state)
    return t


def create_state_tracker(warmup_bars: int = 0, max_positions: int = 100,
                         max_drawdown_pct: float = 100.0, cooldown_bars: int = 0,
                         max_history: int = 10000, **options: Any) -> StateTracker:
    return StateTracker(_shared.tracker_config_of(warmup_bars, max_positions, max_drawdown_pct, cooldown_bars,
                                                  max_history, options))


attach(globals(), DOCS)
