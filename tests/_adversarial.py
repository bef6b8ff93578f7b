"""Shared pieces of the adversarial properties (run in child interpreters, see tests/_isolated.py).

Every property module exposes functions ``name(kind)``: ``kind`` is ``"compiled"``, ``"pure"`` or
``"both"`` (differential: compiled against pure). A function runs a hypothesis test and prints
``EXAMPLES <n>``, the number of generated cases it ran, which the parent test reads back.
"""

from __future__ import annotations

import math
import os
from typing import Any, Callable

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from btcore import _twin
from btcore.errors import BtcoreError

#: Generated cases per property: BTCORE_ADVERSARIAL_EXAMPLES, else fewer under CI (derandomized).
EXAMPLES = int(os.environ.get("BTCORE_ADVERSARIAL_EXAMPLES", "60" if os.environ.get("CI") else "100"))
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=bool(os.environ.get("CI")), database=None,
    suppress_health_check=list(HealthCheck),
)

_count = [0]


def counted() -> None:
    """Call once per generated case."""
    _count[0] += 1


def report() -> None:
    print(f"EXAMPLES {_count[0]}", flush=True)


def impls(kind: str, name: str) -> list[Any]:
    """The module(s) of ``kind``: one for compiled/pure, (compiled, pure) for both."""
    if kind == "both":
        return [_twin.load_compiled(name), _twin.load_pure(name)]
    return [_twin.load_compiled(name) if kind == "compiled" else _twin.load_pure(name)]


# Integers and "integers" a caller may pass anywhere an index, count or offset is expected.
EDGE_INTS = [-(2 ** 70), -(2 ** 63) - 1, -(2 ** 63), -(2 ** 62), -2, -1, 0, 1, 2, 3, 2 ** 31, 2 ** 62 - 1,
             2 ** 62, 2 ** 63 - 1, 2 ** 63, 2 ** 64, 2 ** 70]
ints = st.one_of(st.integers(-3, 80), st.sampled_from(EDGE_INTS))
weird = st.one_of(
    st.none(), st.booleans(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4),
    st.sampled_from(["1", "2.5", "nan", "", "exec", "htf", b"1", [1], (2,), {}, np.int64(3), np.float64(1.5),
                     np.bool_(True), np.uint64(2 ** 63), 1 + 2j]),
)
int_args = st.one_of(ints, ints.filter(lambda v: -(2 ** 63) <= v < 2 ** 63).map(np.int64), weird)
reals = st.one_of(st.floats(allow_nan=True, allow_infinity=True), ints, weird)


def describe(x: Any) -> Any:
    """A comparable, printable form of a result (floats bit for bit, NaN equal to NaN)."""
    if isinstance(x, float):
        return ("nan",) if math.isnan(x) else ("f", x.hex())
    if x is None or isinstance(x, (bool, int, str, bytes)):
        return x
    if isinstance(x, dict):
        return {k: describe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x).__name__, [describe(v) for v in x]
    if isinstance(x, np.ndarray):
        return "ndarray", x.dtype.str, x.shape, x.tobytes()
    if isinstance(x, type) or callable(x):
        return getattr(x, "__name__", type(x).__name__)
    if hasattr(x, "to_dict") and callable(x.to_dict):
        return type(x).__name__, describe(x.to_dict())
    if hasattr(x, "isoformat"):
        return x.isoformat()
    return type(x).__name__


def outcome(fn: Callable[[], Any]) -> Any:
    """``("ok", describe(result))`` or ``("raise", exception class name)``."""
    try:
        return ("ok", describe(fn()))
    except BaseException as exc:  # noqa: BLE001 - the class is the outcome
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return ("raise", type(exc).__name__)


#: What a rejection may look like: btcore's errors (which subclass the builtins) and the plain
#: builtins Python itself raises for a wrong argument type or an out-of-range index.
ALLOWED = (BtcoreError, TypeError, ValueError, IndexError, KeyError, OverflowError, AttributeError)


def allowed(exc: BaseException) -> bool:
    return isinstance(exc, ALLOWED) and not isinstance(exc, (SystemError, MemoryError, RecursionError))
