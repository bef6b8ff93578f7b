# The reference runtime's view: CompatSnapshotView, the view plus the accessors the reference hard-coded
# for four indicators (ema_fast, ema_slow, rsi, atr). It is btcore.compat.snapshot_view.RuntimeSnapshotView:
# an engine swapped in with btcore.compat.install builds these per bar at the view's speed (same
# constructor, same fields, no new state; in the view's module, so it keeps the vectorcall
# constructor). Modern code reads any indicator by name (view.indicator("ema_fast"),
# view.get("indicator.rsi.htf")). Included by view.pyx; twin: btcore/_pure/compatview.py.


cdef class CompatSnapshotView(RuntimeSnapshotView):
    """:class:`~btcore.view.RuntimeSnapshotView` with the reference runtime's hard-coded
    indicator accessors (each is ``indicator(<name>)`` of its role); the constructor and every
    other member are the view's."""

    def __init__(self, feeds, exec_idx, htf_idx, mtf_idx, exchange, mark_price, mark_price_source,
                 history_config=None, history_ready=True, rollups=None, incremental_state=None):
        # The view's constructor, called from this class's own __init__: a class without one
        # has no vectorcall constructor and pays ~200 ns more per view (an args tuple and dict).
        self._init(feeds, exec_idx, htf_idx, mtf_idx, exchange, mark_price, mark_price_source,
                   history_config, history_ready, rollups, incremental_state)

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
