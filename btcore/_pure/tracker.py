"""Bounded per-bar state tracker (pure-Python twin of ``btcore._core.tracker``).

The engine reports what happens inside a bar through the hooks, then ``on_bar_end`` evaluates the
gates, advances the signal and action machines (several steps when the bar reports several
events) and records one :class:`BlockState`. The last ``max_history`` blocks are kept in a ring
indexed by bar for O(1) ``get_block_at``; ``summary_stats`` comes from running counters, so it is
exact for the whole run while memory stays flat.

Arguments are converted as the compiled twin's C arguments are (:mod:`btcore._pure._boundary`),
bar indices and config counts are at most ``MAX_INDEX``, a tracker made with ``__new__`` raises
NotInitializedError, ``__init__`` refuses to run twice, and pickling restores a checked state.
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

from ..errors import DataError, IllegalTransitionError
from ._boundary import already_initialised, as_double, as_intp, guarded, initialised, is_initialised
from .state_tables import (
    MAX_INDEX,
    ActionStateValue,
    ActionTrigger,
    GateCode,
    SignalStateValue,
    SignalTrigger,
    StateTrackerConfig,
)
from .states import (
    _ACTION_IDLE,
    _SIGNAL_NONE,
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

__all__ = ["StateTracker", "StateTrackerConfig", "create_state_tracker"]

EVENT_NAMES = ("sizing", "submitted", "filled", "rejected", "canceled")
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
    """Records signal / action / gate state per bar, with bounded memory.

    Parameters
    ----------
    config : StateTrackerConfig, optional
        Limits and machine parameters (defaults: ``StateTrackerConfig()``).

    Notes
    -----
    Per bar the engine calls ``on_bar_start(bar_idx)``, any of the reporting hooks, then
    ``on_bar_end()``. Bar indices of recorded bars must increase. A bar that gets
    ``on_bar_start`` but no ``on_bar_end`` (warmup, not-ready or stop bars of the reference engine)
    is discarded by the next ``on_bar_start``: its raw signal and order events are dropped, the
    machines and counters are unchanged, and only ``summary_stats()["bars_abandoned"]`` counts it
    (values it gave the check hooks stay in force, as any reported value does). Values given
    to ``on_warmup_check``, ``on_history_check``, ``on_risk_check`` and ``on_position_check`` stay
    in force until the same hook reports again; the raw signal and the order events belong to one
    bar. Hooks other than ``on_bar_start`` raise :class:`IllegalTransitionError` outside a bar.
    """

    def __init__(self, config: Optional[StateTrackerConfig] = None) -> None:
        if is_initialised(self):
            raise already_initialised(self)
        if config is None:
            config = StateTrackerConfig()
        elif not isinstance(config, StateTrackerConfig):
            raise TypeError(f"config must be a StateTrackerConfig, got {config!r}")
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
        """Forget everything: machines, hook values, counters and the block ring."""
        self._reset(self._config.max_history)

    def _reset(self, cap: int) -> None:
        # Bounded: slot bar_idx % cap holds bar bar_idx, so lookups need no dict (bars increase).
        # Unbounded (max_history=0): a list plus a bar index.
        self._ring: list[Optional[BlockState]] = [None] * cap if cap else []
        self._index: dict[int, BlockState] = {}
        self._signal = _SIGNAL_NONE
        self._action = _ACTION_IDLE
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
        """Open bar ``bar_idx`` (must exceed the last recorded bar); an open bar is discarded."""
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
        """Raw strategy output of this bar: 1 long, -1 short, 0 none, 2 FLAT (not an entry)."""
        d = as_intp(direction, "direction")
        self._require_bar("on_signal_evaluated")
        if not -1 <= d <= 2:
            raise ValueError(f"direction must be 1, -1, 0 or 2 (FLAT), got {direction!r}")
        self._direction = d

    def on_warmup_check(self, warmup_ok: bool, warmup_end_idx: int) -> None:
        """Warmup ends at ``warmup_end_idx``; ``warmup_ok=False`` fails gate 1 regardless."""
        ok, end = bool(warmup_ok), as_intp(warmup_end_idx, "warmup_end_idx")
        self._require_bar("on_warmup_check")
        self._warmup_end = _ranged(end, "warmup_end_idx")
        self._warmup_ok = ok

    def on_history_check(self, history_ok: bool, history_bars: int) -> None:
        """History length (gate 2, against ``required_history_bars``) and readiness (gate 3)."""
        ok, bars = bool(history_ok), as_intp(history_bars, "history_bars")
        self._require_bar("on_history_check")
        self._history_bars = _ranged(bars, "history_bars")
        self._cache_ready = ok

    def on_risk_check(self, passed: bool, reason: Optional[str] = None, drawdown_pct: float = 0.0,
                      available_margin: float = math.inf, required_margin: float = 0.0) -> None:
        """Risk-policy verdict (gate 4), drawdown (gate 5) and margin (gate 6)."""
        passed = bool(passed)
        dd, avail = as_double(drawdown_pct, "drawdown_pct"), as_double(available_margin, "available_margin")
        req = as_double(required_margin, "required_margin")
        self._require_bar("on_risk_check")
        self._risk_passed = passed
        self._risk_reason = None if reason is None else str(reason)
        self._drawdown, self._avail, self._req = dd, avail, req

    def on_position_check(self, position_count: int, exposure_pct: float = 0.0) -> None:
        """Open positions (gate 8) and exposure in percent (gate 9)."""
        count, exposure = as_intp(position_count, "position_count"), as_double(exposure_pct, "exposure_pct")
        self._require_bar("on_position_check")
        self._positions = _ranged(count, "position_count")
        self._exposure = exposure

    def on_sizing_computed(self, size_usdt: float) -> None:
        """The engine sized an order of ``size_usdt`` on this bar."""
        size = as_double(size_usdt, "size_usdt")
        self._require_bar("on_sizing_computed")
        self._size = size
        self._n_events[0] += 1

    def on_order_submitted(self) -> None:
        """An order was submitted on this bar (also consumes a CONFIRMED signal)."""
        self._require_bar("on_order_submitted")
        self._n_events[1] += 1

    def on_order_filled(self) -> None:
        """An order was filled on this bar."""
        self._require_bar("on_order_filled")
        self._n_events[2] += 1

    def on_order_rejected(self, reason: Optional[str] = None) -> None:
        """An order (or its size) was rejected on this bar; ``reason`` is kept on the action."""
        self._require_bar("on_order_rejected")
        self._n_events[3] += 1
        if reason is not None:
            self._reject_reason = str(reason)

    def on_order_canceled(self, reason: Optional[str] = None) -> None:
        """The submitted order was withdrawn on this bar; ``reason`` is kept on the action."""
        self._require_bar("on_order_canceled")
        self._n_events[4] += 1
        if reason is not None:
            self._cancel_reason = str(reason)

    def on_bar_end(self) -> BlockState:
        """Evaluate the gates, advance both machines, record and return this bar's block."""
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
            self._signal, bar, entry, gate, ev[1] > 0, self._signal_counter + 1,
            cfg.confirmation_bars, cfg.expiry_bars)
        if fresh:
            self._signal_counter += 1
        sv = int(sig.value)
        confirmed = sv == _CONFIRMED or (sv == _CONSUMED and sig.consumed_bar == bar)
        act, act_trig, used = advance_action(
            self._action, bar, confirmed, sig.direction, sig.signal_id, gate, ev[0] > 0,
            self._size, ev[1] > 0, ev[2] > 0, ev[3] > 0, ev[4] > 0, self._reject_reason,
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
        """Signal state after the last recorded bar."""
        return self._signal

    def get_current_action_state(self) -> ActionState:
        """Action state after the last recorded bar."""
        return self._action

    def get_block_at(self, bar_idx: int) -> Optional[BlockState]:
        """Block of ``bar_idx`` in O(1); None if never recorded or out of the history window.

        The window is the last ``max_history`` bar indices (``last_bar - max_history < bar_idx
        <= last_bar``), so it holds exactly the last ``max_history`` blocks when bars are
        contiguous, fewer when some bar indices were skipped.
        """
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
        cap = self._config.max_history
        if not cap:
            return [b for b in self._ring if b is not None]
        start = (self._last_bar + 1) % cap
        low = self._last_bar - cap
        return [b for b in self._ring[start:] + self._ring[:start]
                if b is not None and b.bar_idx > low]

    @property
    def total_bars(self) -> int:
        """Number of bars recorded since construction or ``reset()``."""
        return self._total

    def summary_stats(self) -> dict[str, Any]:
        """Whole-run statistics from running counters ({} before the first recorded bar).

        Reference keys count recorded bars by their end-of-bar state: ``total_bars``,
        ``signals_detected`` (signal not NONE), ``signals_confirmed``, ``signals_consumed``,
        ``actions_filled``, ``gates_blocked``, ``gate_code_breakdown`` (first failing code name ->
        bars). Added: ``signal_state_bars`` / ``action_state_bars`` (bars per end state),
        ``signal_events`` / ``action_events`` (transitions per trigger), ``gate_failures`` (bars
        per failing code, any position), ``signals_issued``, ``bars_abandoned``,
        ``ignored_events`` (reported order events the action machine could not use),
        ``first_bar_idx``, ``last_bar_idx``, ``max_history``.
        """
        return summary_dict(self._total, self._blocked, self._abandoned, self._signal_counter,
                            self._first_bar, self._last_bar, self._config.max_history,
                            self._sig_bars, self._act_bars, self._sig_events, self._act_events,
                            self._gate_primary, self._gate_any, self._ignored)


def _check_state(state: Any, cap: int, signal_cls: type, action_cls: type, block_cls: type) -> dict[str, Any]:
    """A pickled tracker state with every value checked (shared by both twins).

    The compiled tracker writes its ring at ``bar_idx % max_history`` and its counters by state
    and trigger codes without checks, so a state is refused unless the ring has the right length
    with each block in its slot, and every counter list has its length.
    """
    from .state_tables import ActionStateValue, GateCode, SignalStateValue

    def bad(what: str) -> DataError:
        return DataError(f"not a StateTracker state: {what}", "BAD_TRACKER_STATE")

    if not isinstance(state, dict):
        raise bad(f"expected a dict, got {type(state).__name__}")
    st = dict(state)
    ints = ("signal_counter", "bar", "last_bar", "first_bar", "cooldown_until", "direction", "warmup_end",
            "history_bars", "positions", "total", "abandoned", "blocked")
    try:
        for k in ints:
            v = st[k]
            if type(v) is not int or not -1 <= v <= MAX_INDEX + MAX_INDEX:
                raise bad(f"{k}={v!r}")
        for k in ("size", "drawdown", "avail", "req", "exposure"):
            st[k] = as_double(st[k], k)
        for k in ("in_bar", "warmup_ok", "cache_ready", "risk_passed"):
            st[k] = bool(st[k])
        for k in ("reject_reason", "cancel_reason", "risk_reason"):
            if st[k] is not None and type(st[k]) is not str:
                raise bad(f"{k}={st[k]!r}")
        if not isinstance(st["signal"], signal_cls) or not isinstance(st["action"], action_cls):
            raise bad("signal/action of the wrong type")
        sizes = {"n_events": 5, "ignored": 5, "sig_bars": len(SignalStateValue), "act_bars": len(ActionStateValue),
                 "sig_events": 8, "act_events": 10, "gate_primary": len(GateCode), "gate_any": len(GateCode)}
        for k, size in sizes.items():
            v = st[k]
            if type(v) is not list or len(v) != size or not all(type(x) is int and 0 <= x <= MAX_INDEX for x in v):
                raise bad(f"{k}={v!r:.80}")
        ring = st["ring"]
        if type(ring) is not list or (cap and len(ring) != cap):
            raise bad(f"ring of {len(ring) if type(ring) is list else type(ring).__name__} slots for max_history={cap}")
        for j, b in enumerate(ring):
            if (b is None and not cap) or (b is not None and (not isinstance(b, block_cls) or (cap and getattr(b, "bar_idx") % cap != j))):
                raise bad(f"ring slot {j} holds {b!r:.80}")
    except KeyError as exc:
        raise bad(f"missing {exc}") from None
    st["ring"] = list(ring)
    st["index"] = {} if cap else {b.bar_idx: b for b in ring}
    return st


def _rebuild_tracker(cls: Any, config: Any, state: Any) -> StateTracker:
    # pickle/copy: a tracker built from its config, then the checked state.
    t: StateTracker = cls.__new__(cls)
    StateTracker.__init__(t, config)
    t._set_state(state)
    return t


def summary_dict(total: int, blocked: int, abandoned: int, issued: int, first_bar: int,
                 last_bar: int, max_history: int, sig_bars: Sequence[int],
                 act_bars: Sequence[int], sig_events: Sequence[int], act_events: Sequence[int],
                 gate_primary: Sequence[int], gate_any: Sequence[int],
                 ignored: Sequence[int]) -> dict[str, Any]:
    """The ``summary_stats`` dict from the counters (shared by both twins)."""
    if total == 0:
        return {}
    return {
        "total_bars": total,
        "signals_detected": total - sig_bars[SignalStateValue.NONE],
        "signals_confirmed": sig_bars[SignalStateValue.CONFIRMED],
        "signals_consumed": sig_bars[SignalStateValue.CONSUMED],
        "actions_filled": act_bars[ActionStateValue.FILLED],
        "gates_blocked": blocked,
        "gate_code_breakdown": {c.name: gate_primary[c] for c in GateCode if gate_primary[c]},
        "signal_state_bars": {s.name: sig_bars[s] for s in SignalStateValue},
        "action_state_bars": {a.name: act_bars[a] for a in ActionStateValue},
        "signal_events": {t.name: sig_events[t] for t in SignalTrigger},
        "action_events": {t.name: act_events[t] for t in ActionTrigger},
        "gate_failures": {c.name: gate_any[c] for c in GateCode if gate_any[c]},
        "signals_issued": issued,
        "bars_abandoned": abandoned,
        "ignored_events": dict(zip(EVENT_NAMES, ignored)),
        "first_bar_idx": first_bar,
        "last_bar_idx": last_bar,
        "max_history": max_history,
    }


def create_state_tracker(warmup_bars: int = 0, max_positions: int = 100,
                         max_drawdown_pct: float = 100.0, cooldown_bars: int = 0,
                         max_history: int = 10000, **options: Any) -> StateTracker:
    """A :class:`StateTracker` with a :class:`StateTrackerConfig` of these values.

    ``options`` takes the other config fields by keyword (``max_exposure_pct``,
    ``required_history_bars``, ``confirmation_bars``, ``expiry_bars``).
    """
    return StateTracker(StateTrackerConfig(warmup_bars=warmup_bars, max_positions=max_positions,
                                           max_drawdown_pct=max_drawdown_pct,
                                           cooldown_bars=cooldown_bars, max_history=max_history,
                                           **options))
