"""Old import path of :mod:`btcore._shared.state_tables` (the machines' tables both twins share)."""

from .._shared.state_tables import *  # noqa: F401,F403
from .._shared.state_tables import __all__  # noqa: F401
