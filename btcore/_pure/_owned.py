"""Pure twin of ``btcore._core._owned``: immutable arrays over ``bytes``.

An array over a ``bytes`` object can be made neither writeable (its base gives no writable
buffer) nor resized (it does not own its memory), and every view of it inherits both. The
compiled module gets the same guarantee with one copy instead of two (``tobytes`` copies once
more, and fresh ``bytes`` memory is paged in 4 KiB at a time).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["frozen", "OWNER_TYPES"]


def frozen(a: Any, dtype: Any = None, add: int = 0) -> np.ndarray:
    """A C-contiguous copy of ``a`` (converted to ``dtype``, plus ``add``) that can be made
    neither writeable nor resized (its base is a private read-only owner)."""
    src = np.ascontiguousarray(a, dtype=None if dtype is None else np.dtype(dtype).newbyteorder("="))
    if not src.dtype.isnative:
        src = src.astype(src.dtype.newbyteorder("="))
    if add:
        src = src + add
    return np.frombuffer(src.tobytes(), dtype=src.dtype).reshape(src.shape)


#: Types a frozen array's base chain may end in.
OWNER_TYPES: tuple[type, ...] = (bytes,)
