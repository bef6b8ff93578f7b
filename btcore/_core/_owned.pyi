"""Immutable arrays for the compiled core to point into: numpy memory behind a read-only owner."""

from typing import Any

import numpy as np

__all__ = ["frozen", "OWNER_TYPES"]

OWNER_TYPES: tuple[type, ...]

def frozen(a: Any, dtype: Any = ..., add: int = ...) -> np.ndarray: ...
