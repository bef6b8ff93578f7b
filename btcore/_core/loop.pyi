from typing import Any, Callable, Iterator, Optional, final

from btcore._shared.loop import SIGNAL_FLAT as SIGNAL_FLAT
from btcore._shared.loop import SIGNAL_LONG as SIGNAL_LONG
from btcore._shared.loop import SIGNAL_NONE as SIGNAL_NONE
from btcore._shared.loop import SIGNAL_SHORT as SIGNAL_SHORT
from btcore._shared.loop import LoopResult as LoopResult
from btcore._shared.loop import signal_code as signal_code
from btcore.align import Alignment
from btcore.types import HistoryConfig

__all__ = [
    "SIGNAL_NONE",
    "SIGNAL_LONG",
    "SIGNAL_SHORT",
    "SIGNAL_FLAT",
    "signal_code",
    "LoopResult",
    "CythonStrategy",
    "BarLoop",
]

class CythonStrategy:
    def on_bar(self, view: Any) -> Any: ...
    def prepare(self, view: Any) -> None: ...
    def __call__(self, view: Any) -> int: ...

@final
class BarLoop:
    def __init__(
        self,
        feeds: Any,
        start: int = 0,
        end: Optional[int] = None,
        quote_feed: Any = None,
        history_config: Optional[HistoryConfig] = None,
        initial_exchange: Any = None,
    ) -> None: ...
    @property
    def feeds(self) -> Any: ...
    @property
    def alignment(self) -> Alignment: ...
    @property
    def view(self) -> Any: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def history_start(self) -> int: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Any]: ...
    def run(
        self,
        strategy: Callable[[Any], Any],
        exchange: Any = None,
        tracker: Any = None,
        on_snapshot: Optional[Callable[..., Any]] = None,
    ) -> LoopResult: ...
