from typing import Any

from btcore._pure.loop import LoopResult

__all__ = ["simulate", "replay_tracker"]

def simulate(loop: Any, strategy: Any, exchange: Any) -> LoopResult: ...
def replay_tracker(tracker: Any, exchange: Any, signals: Any, start: int, end: int, history_start: int) -> None: ...
