"""A stand-in for the reference engine's ``MultiTFIncrementalState`` (the duck-typed surface the
view reads, see ``btcore._incremental``), with two detectors updated bar by bar."""

from __future__ import annotations

import math
from typing import Any, Optional


class RollingHigh:
    """Highest high of the last ``size`` bars; ``bars`` (int) and ``state`` (str) outputs too."""

    def __init__(self, size: int) -> None:
        self.size, self.highs, self.bars = size, [], 0

    def update(self, bar_idx: int, bar: dict) -> None:
        self.highs = (self.highs + [bar["high"]])[-self.size:]
        self.bars += 1

    def get_output_keys(self) -> list[str]:
        return ["value", "bars", "state", "level.0.5"]

    def get_value(self, key: str) -> Any:
        if key == "value":
            return max(self.highs) if self.highs else None
        if key == "bars":
            return self.bars
        if key == "state":
            return "active" if self.highs else "none"
        if key == "level.0.5":
            return max(self.highs) * 0.5 if self.highs else math.nan
        raise KeyError(f"Unknown output {key!r}. Valid: {self.get_output_keys()}")


class TFState:
    def __init__(self, specs: dict[str, int]) -> None:
        self.structures = {key: RollingHigh(size) for key, size in specs.items()}

    def update(self, bar_idx: int, bar: dict) -> None:
        for s in self.structures.values():
            s.update(bar_idx, bar)


class MultiTFState:
    def __init__(self, exec_specs: dict[str, int], htf: Optional[dict[str, dict[str, int]]] = None) -> None:
        self.exec = TFState(exec_specs)
        self.htf = {tf: TFState(specs) for tf, specs in (htf or {}).items()}

    def get_value(self, path: str) -> Any:
        head, key, output = path.split(".", 2)
        tf_state = self.exec if head == "exec" else self.htf[head[4:]]
        if key not in tf_state.structures:
            raise KeyError(f"Unknown structure {key!r}")
        return tf_state.structures[key].get_value(output)
