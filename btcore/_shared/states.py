"""What both twins of the state objects share.

``btcore._core.states`` and ``btcore._pure.states`` import it; neither imports the other.

``DOCS``: the docstrings of their public classes, functions and methods (see
:mod:`btcore._shared.docs`).
"""

from __future__ import annotations

from typing import Any

_CONTEXT_FIELDS = ("bar_idx", "warmup_bars", "history_bars", "cache_ready", "current_drawdown_pct",
                   "max_drawdown_limit_pct", "available_margin", "required_margin", "position_count",
                   "max_positions", "current_exposure_pct", "max_exposure_pct",
                   "cooldown_bars_remaining", "risk_policy_passed", "risk_policy_reason",
                   "required_history_bars")


def _context_repr(ctx: Any) -> str:
    return "GateContext(" + ", ".join(f"{k}={getattr(ctx, k)!r}" for k in _CONTEXT_FIELDS) + ")"


DOCS = {
    "GateResult": """Outcome of the gates of one bar (immutable, hashable, compared by value).

Parameters
----------
passed : bool
    True when every gate passed.
code : GateCode
    ``G_PASS``, or the first failing gate in :data:`GATE_ORDER`.
codes : tuple of GateCode
    Every failing gate in evaluation order (``(G_PASS,)`` for a pass).
reason : str or None
    Why the first failing gate failed (None for a pass).
""",
    "GateResult.pass_": """The passing result ``GateResult(True, G_PASS, (G_PASS,), None)`` (one shared object).""",
    "GateResult.fail_": """A failing result for ``code`` (reason defaults to the code's description).""",
    "SignalState": """State of the current signal (immutable; the per-bar functions return new objects).

Parameters
----------
value : SignalStateValue
    Current state.
direction : int
    1 long, -1 short, 0 none.
detected_bar, confirmed_bar, consumed_bar : int
    Bar of the DETECT, CONFIRM and CONSUME transitions (-1 until they happen).
gate_result : GateResult or None
    Gate result of the bar of the last transition.
signal_id : int
    Id of the signal (ids are issued 1, 2, 3, ... by DETECT; 0 = no signal).
""",
    "SignalState.can_transition_to": """True when ``target`` is one edge away in ``SIGNAL_TABLE``.""",
    "SignalState.bars_since_detected": """``current_bar - detected_bar`` (-1 when there is no detection).""",
    "SignalState.bars_since_confirmed": """``current_bar - confirmed_bar`` (-1 when not confirmed).""",
    "ActionState": """State of the order acting on a confirmed signal (immutable).

Parameters
----------
value : ActionStateValue
    Current state.
direction : int
    Direction of the signal being acted on (1, -1; 0 when idle).
size_usdt : float
    Size reported by the SIZE step (0.0 before).
submitted_bar, filled_bar : int
    Bar of the SUBMIT and FILL transitions (-1 until they happen).
reject_reason : str or None
    Why the action ended without a fill (REJECTED, CANCELED, or the reason of the last
    DISARM / ABANDON back to IDLE).
signal_id : int, keyword-only
    Id of the signal this action acts on (0 when idle). Kept from the older reference API.
""",
    "ActionState.can_transition_to": """True when ``target`` is one edge away in ``ACTION_TABLE``.""",
    "GateContext": """Inputs of the gates of one bar (mutable; ``evaluate_gates`` reads it).

Parameters
----------
bar_idx, warmup_bars : int
    Gate 1 (warmup) fails while ``bar_idx < warmup_bars``.
history_bars, required_history_bars : int
    Gate 2 (history) fails while ``history_bars < required_history_bars``.
cache_ready : bool
    Gate 3 fails when False.
current_drawdown_pct, max_drawdown_limit_pct : float
    Gate 5 fails unless ``current_drawdown_pct < max_drawdown_limit_pct``.
available_margin, required_margin : float
    Gate 6 fails unless ``available_margin >= required_margin``.
position_count, max_positions : int
    Gate 8 fails while ``position_count >= max_positions``.
current_exposure_pct, max_exposure_pct : float
    Gate 9 fails unless ``current_exposure_pct < max_exposure_pct``.
cooldown_bars_remaining : int
    Gate 7 fails while > 0.
risk_policy_passed : bool
    Gate 4 fails when False.
risk_policy_reason : str or None
    Reason reported for gate 4.
""",
    "evaluate_gates": """Evaluate all nine gates of ``ctx`` (collect-all, fixed order ``GATE_ORDER``).

Every gate is evaluated; ``codes`` lists all failures in order, ``code`` and ``reason`` are
those of the first failure. A gate passes only when its pass condition is true, so a NaN input
fails its gate (the reason says NaN). No failure returns ``GateResult.pass_()``.
""",
    "evaluate_warmup_gate": """Gate 1 alone: fails while ``bar_idx < warmup_bars``.""",
    "evaluate_margin_gate": """Gate 6 alone: fails unless ``available_margin >= required_margin`` (NaN fails).""",
    "BlockState": """Everything recorded for one bar: signal, action, gate, raw direction and the triggers.

Parameters
----------
bar_idx : int
    The bar.
signal : SignalState
    Signal state at the end of the bar.
action : ActionState
    Action state at the end of the bar.
gate : GateResult
    Gate result of the bar.
raw_signal_direction : int
    Direction reported by the strategy (1, -1, 0, or 2 for FLAT).
signal_triggers, action_triggers : sequence of SignalTrigger / ActionTrigger, keyword-only
    Triggers applied during the bar, in order (each one edge of the machine's table).
""",
    "BlockState.summary": """One line: ``bar=<i> | signal=<STATE>(<DIR>) | action=<STATE> | blocked=<CODE>``.""",
    "create_block_state": """A :class:`BlockState` from its parts (no triggers).""",
    "reset_signal_state": """A signal in NONE (the shared NONE object).""",
    "reset_action_state": """An action in IDLE (the shared IDLE object).""",
    "reset_block_state": """A block with a NONE signal, an IDLE action and a passing gate.""",
}
