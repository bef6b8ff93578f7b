# cython: auto_pickle=False
"""The reference runtime's view: :class:`CompatSnapshotView`, the compiled view plus the accessors
the reference hard-coded for four indicators (``ema_fast``, ``ema_slow``, ``rsi``, ``atr``).

It is ``btcore.compat.snapshot_view.RuntimeSnapshotView``: an engine swapped in with
:func:`btcore.compat.install` builds these per bar at the compiled view's speed (same
constructor, same fields, no new state). Modern code reads any indicator by name
(``view.indicator("ema_fast")``, ``view.get("indicator.rsi.htf")``). Twin:
:mod:`btcore._pure.compatview`.
"""

from libc.math cimport isnan

from btcore._core.view cimport RuntimeSnapshotView
from btcore._core.viewcore cimport ROLE_EXEC, ROLE_HTF, ROLE_MTF, view_ok as _view_ok

from btcore._shared import view_api as api

__all__ = ["CompatSnapshotView"]


cdef inline object _opt(double v):
    return None if isnan(v) else v


cdef class CompatSnapshotView(RuntimeSnapshotView):
    """:class:`~btcore.view.RuntimeSnapshotView` with the reference runtime's hard-coded
    indicator accessors (each is ``indicator(<name>)`` of its role); the constructor and every
    other member are the view's."""

    @property
    def ema_fast(self):
        """Exec indicator ``ema_fast``; None if undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(ROLE_EXEC, "ema_fast", 0))

    @property
    def ema_slow(self):
        """Exec indicator ``ema_slow``; None if undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(ROLE_EXEC, "ema_slow", 0))

    @property
    def rsi(self):
        """Exec indicator ``rsi``; None if undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(ROLE_EXEC, "rsi", 0))

    @property
    def atr(self):
        """Exec indicator ``atr``; None if undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(ROLE_EXEC, "atr", 0))

    def prev_ema_fast(self, lookback=1):
        """``ema_fast`` ``lookback`` bars ago (>= 1)."""
        _view_ok(self)
        return self.prev_indicator("ema_fast", lookback)

    def prev_ema_slow(self, lookback=1):
        """``ema_slow`` ``lookback`` bars ago (>= 1)."""
        _view_ok(self)
        return self.prev_indicator("ema_slow", lookback)

    def prev_rsi(self, lookback=1):
        """``rsi`` ``lookback`` bars ago (>= 1)."""
        _view_ok(self)
        return self.prev_indicator("rsi", lookback)

    def prev_atr(self, lookback=1):
        """``atr`` ``lookback`` bars ago (>= 1)."""
        _view_ok(self)
        return self.prev_indicator("atr", lookback)

    @property
    def htf_ema_fast(self):
        """HTF ``ema_fast``; None if no HTF feed, not ready, undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(ROLE_HTF, "ema_fast", 0))

    @property
    def htf_ema_slow(self):
        """HTF ``ema_slow``; None if no HTF feed, not ready, undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(ROLE_HTF, "ema_slow", 0))

    @property
    def htf_rsi(self):
        """HTF ``rsi``; None if no HTF feed, not ready, undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(ROLE_HTF, "rsi", 0))

    @property
    def mtf_ema_fast(self):
        """MTF ``ema_fast``; None if no MTF feed, not ready, undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(ROLE_MTF, "ema_fast", 0))

    @property
    def mtf_ema_slow(self):
        """MTF ``ema_slow``; None if no MTF feed, not ready, undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(ROLE_MTF, "ema_slow", 0))

    @property
    def mtf_rsi(self):
        """MTF ``rsi``; None if no MTF feed, not ready, undeclared or NaN."""
        _view_ok(self)
        return _opt(self._named(ROLE_MTF, "rsi", 0))

    def to_dict(self):
        """Debug dictionary of the current bar (allocates; not for the hot loop)."""
        _view_ok(self)
        return api.view_to_dict(self, reference=True)
