"""The bar loop (compiled or pure, see :mod:`btcore._twin`): one reusable view, one run."""

from ._twin import load

_impl = load("loop")

SIGNAL_NONE = _impl.SIGNAL_NONE
SIGNAL_LONG = _impl.SIGNAL_LONG
SIGNAL_SHORT = _impl.SIGNAL_SHORT
SIGNAL_FLAT = _impl.SIGNAL_FLAT
signal_code = _impl.signal_code
LoopResult = _impl.LoopResult
CythonStrategy = _impl.CythonStrategy
BarLoop = _impl.BarLoop

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
