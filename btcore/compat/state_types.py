"""The reference ``state_types`` module: state enums, gate codes and results (btcore's).

The reference module also bound ``SignalState`` and ``ActionState`` to the two enums (names
that collide with the state classes of ``signal_state`` / ``action_state``); they are kept here,
and only here, for code that imported them from this module.
"""

from __future__ import annotations

from ..state import GATE_CODE_DESCRIPTIONS, ActionStateValue, GateCode, GateResult, SignalStateValue

__all__ = ["SignalStateValue", "ActionStateValue", "GateCode", "GateResult", "GATE_CODE_DESCRIPTIONS"]

SignalState = SignalStateValue
ActionState = ActionStateValue
