from typing import Any, Iterable, Optional

from btcore._shared.state_tables import ACTION_TABLE as ACTION_TABLE
from btcore._shared.state_tables import ACTION_TRANSITIONS as ACTION_TRANSITIONS
from btcore._shared.state_tables import GATE_CODE_DESCRIPTIONS as GATE_CODE_DESCRIPTIONS
from btcore._shared.state_tables import GATE_ORDER as GATE_ORDER
from btcore._shared.state_tables import SIGNAL_TABLE as SIGNAL_TABLE
from btcore._shared.state_tables import SIGNAL_TRANSITIONS as SIGNAL_TRANSITIONS
from btcore._shared.state_tables import ActionStateValue as ActionStateValue
from btcore._shared.state_tables import ActionTrigger as ActionTrigger
from btcore._shared.state_tables import GateCode as GateCode
from btcore._shared.state_tables import SignalStateValue as SignalStateValue
from btcore._shared.state_tables import SignalTrigger as SignalTrigger
from btcore._shared.state_tables import StateTrackerConfig as StateTrackerConfig
from btcore._shared.state_tables import next_action_value as next_action_value
from btcore._shared.state_tables import next_signal_value as next_signal_value

__all__ = [
    "SignalStateValue",
    "ActionStateValue",
    "GateCode",
    "SignalTrigger",
    "ActionTrigger",
    "GATE_CODE_DESCRIPTIONS",
    "GATE_ORDER",
    "SIGNAL_TABLE",
    "ACTION_TABLE",
    "SIGNAL_TRANSITIONS",
    "ACTION_TRANSITIONS",
    "next_signal_value",
    "next_action_value",
    "StateTrackerConfig",
    "GateResult",
    "SignalState",
    "ActionState",
    "GateContext",
    "BlockState",
    "reset_signal_state",
    "reset_action_state",
    "reset_block_state",
    "create_block_state",
    "evaluate_gates",
    "evaluate_warmup_gate",
    "evaluate_margin_gate",
]

class GateResult:
    passed: bool
    code: GateCode
    codes: tuple[GateCode, ...]
    reason: Optional[str]
    def __init__(self, passed: bool, code: int, codes: Iterable[int] = ...,
                 reason: Optional[str] = ...) -> None: ...
    @classmethod
    def pass_(cls) -> GateResult: ...
    @classmethod
    def fail_(cls, code: int, reason: Optional[str] = ...,
              additional_codes: Optional[Iterable[int]] = ...) -> GateResult: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

class SignalState:
    direction: int
    detected_bar: int
    confirmed_bar: int
    consumed_bar: int
    gate_result: Optional[GateResult]
    signal_id: int
    def __init__(self, value: int = ..., direction: int = ..., detected_bar: int = ...,
                 confirmed_bar: int = ..., consumed_bar: int = ...,
                 gate_result: Optional[GateResult] = ..., signal_id: int = ...) -> None: ...
    @property
    def value(self) -> SignalStateValue: ...
    @property
    def is_none(self) -> bool: ...
    @property
    def is_candidate(self) -> bool: ...
    @property
    def is_confirmed(self) -> bool: ...
    @property
    def is_consumed(self) -> bool: ...
    @property
    def is_expired(self) -> bool: ...
    @property
    def is_terminal(self) -> bool: ...
    def can_transition_to(self, target: int) -> bool: ...
    def bars_since_detected(self, current_bar: int) -> int: ...
    def bars_since_confirmed(self, current_bar: int) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

class ActionState:
    direction: int
    size_usdt: float
    submitted_bar: int
    filled_bar: int
    reject_reason: Optional[str]
    signal_id: int
    def __init__(self, value: int = ..., direction: int = ..., size_usdt: float = ...,
                 submitted_bar: int = ..., filled_bar: int = ...,
                 reject_reason: Optional[str] = ..., *, signal_id: int = ...) -> None: ...
    @property
    def value(self) -> ActionStateValue: ...
    @property
    def is_idle(self) -> bool: ...
    @property
    def is_actionable(self) -> bool: ...
    @property
    def is_submitted(self) -> bool: ...
    @property
    def is_terminal(self) -> bool: ...
    def can_transition_to(self, target: int) -> bool: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

class GateContext:
    bar_idx: int
    warmup_bars: int
    history_bars: int
    required_history_bars: int
    cache_ready: bool
    current_drawdown_pct: float
    max_drawdown_limit_pct: float
    available_margin: float
    required_margin: float
    position_count: int
    max_positions: int
    current_exposure_pct: float
    max_exposure_pct: float
    cooldown_bars_remaining: int
    risk_policy_passed: bool
    risk_policy_reason: Optional[str]
    def __init__(self, bar_idx: int = ..., warmup_bars: int = ..., history_bars: int = ...,
                 cache_ready: bool = ..., current_drawdown_pct: float = ...,
                 max_drawdown_limit_pct: float = ..., available_margin: float = ...,
                 required_margin: float = ..., position_count: int = ..., max_positions: int = ...,
                 current_exposure_pct: float = ..., max_exposure_pct: float = ...,
                 cooldown_bars_remaining: int = ..., risk_policy_passed: bool = ...,
                 risk_policy_reason: Optional[str] = ...,
                 required_history_bars: int = ...) -> None: ...

class BlockState:
    bar_idx: int
    signal: SignalState
    action: ActionState
    gate: GateResult
    raw_signal_direction: int
    def __init__(self, bar_idx: int = ..., signal: Optional[SignalState] = ...,
                 action: Optional[ActionState] = ..., gate: Optional[GateResult] = ...,
                 raw_signal_direction: int = ..., *, signal_triggers: Iterable[int] = ...,
                 action_triggers: Iterable[int] = ...) -> None: ...
    @property
    def signal_triggers(self) -> tuple[SignalTrigger, ...]: ...
    @property
    def action_triggers(self) -> tuple[ActionTrigger, ...]: ...
    @property
    def is_actionable(self) -> bool: ...
    @property
    def is_blocked(self) -> bool: ...
    @property
    def block_reason(self) -> Optional[str]: ...
    @property
    def block_code(self) -> GateCode: ...
    @property
    def signal_detected(self) -> bool: ...
    @property
    def signal_confirmed(self) -> bool: ...
    @property
    def signal_consumed(self) -> bool: ...
    @property
    def action_filled(self) -> bool: ...
    @property
    def action_rejected(self) -> bool: ...
    def summary(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

def evaluate_gates(ctx: GateContext) -> GateResult: ...
def evaluate_warmup_gate(bar_idx: int, warmup_bars: int) -> GateResult: ...
def evaluate_margin_gate(available_margin: float, required_margin: float) -> GateResult: ...
def create_block_state(bar_idx: int, signal: SignalState, action: ActionState, gate: GateResult,
                       raw_signal_direction: int = ...) -> BlockState: ...
def reset_signal_state() -> SignalState: ...
def reset_action_state() -> ActionState: ...
def reset_block_state(bar_idx: int = ...) -> BlockState: ...
