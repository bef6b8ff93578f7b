from typing import Any, Sequence

from btcore._core.loop import CythonStrategy
from btcore._shared.rules import OP_ADD as OP_ADD
from btcore._shared.rules import OP_AND as OP_AND
from btcore._shared.rules import OP_CROSS_ABOVE as OP_CROSS_ABOVE
from btcore._shared.rules import OP_CROSS_BELOW as OP_CROSS_BELOW
from btcore._shared.rules import OP_DIV as OP_DIV
from btcore._shared.rules import OP_EQ as OP_EQ
from btcore._shared.rules import OP_GE as OP_GE
from btcore._shared.rules import OP_GT as OP_GT
from btcore._shared.rules import OP_LE as OP_LE
from btcore._shared.rules import OP_LT as OP_LT
from btcore._shared.rules import OP_MUL as OP_MUL
from btcore._shared.rules import OP_NE as OP_NE
from btcore._shared.rules import OP_NEG as OP_NEG
from btcore._shared.rules import OP_NOT as OP_NOT
from btcore._shared.rules import OP_OR as OP_OR
from btcore._shared.rules import OP_OUT as OP_OUT
from btcore._shared.rules import OP_SUB as OP_SUB
from btcore._shared.rules import RULE_OUTPUTS as RULE_OUTPUTS
from btcore._shared.rules import check_program as check_program

__all__ = [
    "RuleProgram", "RuleStrategy", "OP_NEG", "OP_ADD", "OP_SUB", "OP_MUL", "OP_DIV", "OP_LT", "OP_LE", "OP_GT",
    "OP_GE", "OP_EQ", "OP_NE", "OP_CROSS_ABOVE", "OP_CROSS_BELOW", "OP_NOT", "OP_AND", "OP_OR", "OP_OUT",
    "RULE_OUTPUTS", "check_program",
]

class RuleProgram:
    def __init__(self, code: Sequence[int], consts: Sequence[float], n_slots: int, n_outputs: int) -> None: ...
    @property
    def n_slots(self) -> int: ...
    @property
    def n_outputs(self) -> int: ...
    def reset(self) -> None: ...
    def evaluate(self, values: Sequence[Any]) -> tuple[bool, ...]: ...

class RuleStrategy(CythonStrategy):
    def __init__(self, program: RuleProgram, paths: Sequence[str], exchange: Any) -> None: ...
    @property
    def paths(self) -> tuple[str, ...]: ...
    @property
    def program(self) -> RuleProgram: ...
    def prepare(self, view: Any) -> None: ...
    def decide(self, side: int) -> int: ...
    def on_bar(self, view: Any) -> int: ...
