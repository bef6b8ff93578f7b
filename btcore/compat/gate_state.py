"""The reference ``gate_state`` module (btcore's gates; see docs/STATE_MACHINES.md)."""

from __future__ import annotations

from ..state import GateContext, evaluate_gates, evaluate_margin_gate, evaluate_warmup_gate

__all__ = ["GateContext", "evaluate_gates", "evaluate_warmup_gate", "evaluate_margin_gate"]
