"""Pure-Python twin of the compiled view's ``compatview.pxi``: :class:`CompatSnapshotView`, the view plus
the accessors the reference runtime hard-coded for four indicators (``ema_fast``, ``ema_slow``,
``rsi``, ``atr``). It is ``btcore.compat.snapshot_view.RuntimeSnapshotView``.
"""

from __future__ import annotations

from typing import Any, Optional

from .._shared import view_api as api
from .._shared.constants import ROLE_EXEC, ROLE_HTF, ROLE_MTF
from .view import RuntimeSnapshotView

__all__ = ["CompatSnapshotView"]


def _opt(v: float) -> Optional[float]:
    return None if v != v else v


class CompatSnapshotView(RuntimeSnapshotView):
    """:class:`~btcore.view.RuntimeSnapshotView` with the reference runtime's hard-coded
    indicator accessors (each is ``indicator(<name>)`` of its role); the constructor and every
    other member are the view's."""

    __slots__ = ()

    @property
    def ema_fast(self) -> Optional[float]:
        """Exec indicator ``ema_fast``; None if undeclared or NaN."""
        return _opt(self._named(ROLE_EXEC, "ema_fast", 0))

    @property
    def ema_slow(self) -> Optional[float]:
        """Exec indicator ``ema_slow``; None if undeclared or NaN."""
        return _opt(self._named(ROLE_EXEC, "ema_slow", 0))

    @property
    def rsi(self) -> Optional[float]:
        """Exec indicator ``rsi``; None if undeclared or NaN."""
        return _opt(self._named(ROLE_EXEC, "rsi", 0))

    @property
    def atr(self) -> Optional[float]:
        """Exec indicator ``atr``; None if undeclared or NaN."""
        return _opt(self._named(ROLE_EXEC, "atr", 0))

    def prev_ema_fast(self, lookback: int = 1) -> Optional[float]:
        """``ema_fast`` ``lookback`` bars ago (>= 1)."""
        return self.prev_indicator("ema_fast", lookback)

    def prev_ema_slow(self, lookback: int = 1) -> Optional[float]:
        """``ema_slow`` ``lookback`` bars ago (>= 1)."""
        return self.prev_indicator("ema_slow", lookback)

    def prev_rsi(self, lookback: int = 1) -> Optional[float]:
        """``rsi`` ``lookback`` bars ago (>= 1)."""
        return self.prev_indicator("rsi", lookback)

    def prev_atr(self, lookback: int = 1) -> Optional[float]:
        """``atr`` ``lookback`` bars ago (>= 1)."""
        return self.prev_indicator("atr", lookback)

    @property
    def htf_ema_fast(self) -> Optional[float]:
        """HTF ``ema_fast``; None if no HTF feed, not ready, undeclared or NaN."""
        return _opt(self._named(ROLE_HTF, "ema_fast", 0))

    @property
    def htf_ema_slow(self) -> Optional[float]:
        """HTF ``ema_slow``; None if no HTF feed, not ready, undeclared or NaN."""
        return _opt(self._named(ROLE_HTF, "ema_slow", 0))

    @property
    def htf_rsi(self) -> Optional[float]:
        """HTF ``rsi``; None if no HTF feed, not ready, undeclared or NaN."""
        return _opt(self._named(ROLE_HTF, "rsi", 0))

    @property
    def mtf_ema_fast(self) -> Optional[float]:
        """MTF ``ema_fast``; None if no MTF feed, not ready, undeclared or NaN."""
        return _opt(self._named(ROLE_MTF, "ema_fast", 0))

    @property
    def mtf_ema_slow(self) -> Optional[float]:
        """MTF ``ema_slow``; None if no MTF feed, not ready, undeclared or NaN."""
        return _opt(self._named(ROLE_MTF, "ema_slow", 0))

    @property
    def mtf_rsi(self) -> Optional[float]:
        """MTF ``rsi``; None if no MTF feed, not ready, undeclared or NaN."""
        return _opt(self._named(ROLE_MTF, "rsi", 0))

    def to_dict(self) -> dict[str, Any]:
        """Debug dictionary of the current bar (allocates; not for the hot loop)."""
        return api.view_to_dict(self, reference=True)
