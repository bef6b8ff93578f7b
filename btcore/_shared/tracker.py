"""What both twins of the state tracker share.

``btcore._core.tracker`` and ``btcore._pure.tracker`` import it; neither imports the other.

``DOCS``: the docstrings of their public classes, functions and methods (see
:mod:`btcore._shared.docs`).
"""

from __future__ import annotations

from typing import Any, Sequence

from ..errors import DataError
from .boundary import as_double
from .state_tables import (
    MAX_INDEX,
    ActionStateValue,
    ActionTrigger,
    GateCode,
    SignalStateValue,
    SignalTrigger,
    StateTrackerConfig,
)

#: Order events a bar reports, in the order of the tracker's per-event counters.
EVENT_NAMES = ("sizing", "submitted", "filled", "rejected", "canceled")
#: Index of each event in those counters.
IDX_SIZING, IDX_SUBMITTED, IDX_FILLED, IDX_REJECTED, IDX_CANCELED = range(len(EVENT_NAMES))


def tracker_config(config: Any) -> StateTrackerConfig:
    """A tracker's ``config`` argument: ``StateTrackerConfig()`` for None, else a StateTrackerConfig."""
    if config is None:
        return StateTrackerConfig()
    if not isinstance(config, StateTrackerConfig):
        raise TypeError(f"config must be a StateTrackerConfig, got {config!r}")
    return config


def tracker_config_of(warmup_bars: Any, max_positions: Any, max_drawdown_pct: Any, cooldown_bars: Any,
                      max_history: Any, options: dict[str, Any]) -> StateTrackerConfig:
    """The config of ``create_state_tracker(...)``: these values, the other fields by keyword."""
    return StateTrackerConfig(warmup_bars=warmup_bars, max_positions=max_positions,
                              max_drawdown_pct=max_drawdown_pct, cooldown_bars=cooldown_bars,
                              max_history=max_history, **options)


def ring_window(ring: Sequence[Any], last_bar: int, cap: int) -> list[Any]:
    """The blocks of a tracker's ring inside its history window, oldest first (a new list)."""
    if not cap:
        return [b for b in ring if b is not None]
    start = (last_bar + 1) % cap
    low = last_bar - cap
    return [b for b in list(ring[start:]) + list(ring[:start]) if b is not None and b.bar_idx > low]


def _check_state(state: Any, cap: int, signal_cls: type, action_cls: type, block_cls: type) -> dict[str, Any]:
    """A pickled tracker state with every value checked (shared by both twins).

    The compiled tracker writes its ring at ``bar_idx % max_history`` and its counters by state
    and trigger codes without checks, so a state is refused unless the ring has the right length
    with each block in its slot, and every counter list has its length.
    """
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


DOCS = {
    "StateTracker": """Records signal / action / gate state per bar, with bounded memory.

Parameters
----------
config : StateTrackerConfig, optional
    Limits and machine parameters (defaults: ``StateTrackerConfig()``).

Notes
-----
Per bar the engine calls ``on_bar_start(bar_idx)``, any of the reporting hooks, then
``on_bar_end()``. Bar indices of recorded bars must increase. A bar that gets
``on_bar_start`` but no ``on_bar_end`` (warmup, not-ready or stop bars of an engine that skips them)
is discarded by the next ``on_bar_start``: its raw signal and order events are dropped, the
machines and counters are unchanged, and only ``summary_stats()["bars_abandoned"]`` counts it
(values it gave the check hooks stay in force, as any reported value does). Values given
to ``on_warmup_check``, ``on_history_check``, ``on_risk_check`` and ``on_position_check`` stay
in force until the same hook reports again; the raw signal and the order events belong to one
bar. Hooks other than ``on_bar_start`` raise :class:`IllegalTransitionError` outside a bar.
""",
    "StateTracker.reset": """Forget everything: machines, hook values, counters and the block ring.""",
    "StateTracker.on_bar_start": """Open bar ``bar_idx`` (must exceed the last recorded bar); an open bar is discarded.""",
    "StateTracker.on_signal_evaluated": """Raw strategy output of this bar: 1 long, -1 short, 0 none, 2 FLAT (not an entry).""",
    "StateTracker.on_warmup_check": """Warmup ends at ``warmup_end_idx``; ``warmup_ok=False`` fails gate 1 regardless.""",
    "StateTracker.on_history_check": """History length (gate 2, against ``required_history_bars``) and readiness (gate 3).""",
    "StateTracker.on_risk_check": """Risk-policy verdict (gate 4), drawdown (gate 5) and margin (gate 6).""",
    "StateTracker.on_position_check": """Open positions (gate 8) and exposure in percent (gate 9).""",
    "StateTracker.on_sizing_computed": """The engine sized an order of ``size_usdt`` on this bar.""",
    "StateTracker.on_order_submitted": """An order was submitted on this bar (also consumes a CONFIRMED signal).""",
    "StateTracker.on_order_filled": """An order was filled on this bar.""",
    "StateTracker.on_order_rejected": """An order (or its size) was rejected on this bar; ``reason`` is kept on the action.""",
    "StateTracker.on_order_canceled": """The submitted order was withdrawn on this bar; ``reason`` is kept on the action.""",
    "StateTracker.on_bar_end": """Evaluate the gates, advance both machines, record and return this bar's block.""",
    "StateTracker.get_current_signal_state": """Signal state after the last recorded bar.""",
    "StateTracker.get_current_action_state": """Action state after the last recorded bar.""",
    "StateTracker.get_block_at": """Block of ``bar_idx`` in O(1); None if never recorded or out of the history window.

The window is the last ``max_history`` bar indices (``last_bar - max_history < bar_idx
<= last_bar``), so it holds exactly the last ``max_history`` blocks when bars are
contiguous, fewer when some bar indices were skipped.
""",
    "StateTracker.summary_stats": """Whole-run statistics from running counters ({} before the first recorded bar).

Reference keys count recorded bars by their end-of-bar state: ``total_bars``,
``signals_detected`` (signal not NONE), ``signals_confirmed``, ``signals_consumed``,
``actions_filled``, ``gates_blocked``, ``gate_code_breakdown`` (first failing code name ->
bars). Added: ``signal_state_bars`` / ``action_state_bars`` (bars per end state),
``signal_events`` / ``action_events`` (transitions per trigger), ``gate_failures`` (bars
per failing code, any position), ``signals_issued``, ``bars_abandoned``,
``ignored_events`` (reported order events the action machine could not use),
``first_bar_idx``, ``last_bar_idx``, ``max_history``.
""",
    "create_state_tracker": """A :class:`StateTracker` with a :class:`StateTrackerConfig` of these values.

``options`` takes the other config fields by keyword (``max_exposure_pct``,
``required_history_bars``, ``confirmation_bars``, ``expiry_bars``).
""",
}
