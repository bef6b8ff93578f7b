"""Old import path of :mod:`btcore._shared.boundary` (the boundary checks both twins share)."""

from .._shared.boundary import *  # noqa: F401,F403
from .._shared.boundary import __all__  # noqa: F401
