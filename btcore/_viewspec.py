"""Old home of the view's shared tables, kept only for modules not yet moved to :mod:`btcore._shared`.

New code imports :mod:`btcore._shared.constants`, :mod:`btcore._shared.paths`,
:mod:`btcore._shared.feeds` and :mod:`btcore._shared.view_api` directly.
"""

from ._shared.constants import *  # noqa: F401,F403
from ._shared.constants import __all__ as _constants

__all__ = list(_constants)
