# cython: auto_pickle=False
"""Compiled :class:`TFContext`: one timeframe's feed at its current bar (twin: :mod:`btcore._pure.tfcontext`).

A context reads through the checked pointers of :mod:`btcore._core.feedtables`; one made with
``__new__`` has no feed (every read is NaN in C) and every Python member raises
:class:`~btcore.errors.NotInitializedError`. A view's own contexts (``view.exec_ctx`` ...) are
built by :func:`view_context` and moved by the view.
"""

cimport cython
from libc.math cimport isnan

from btcore._core.feedtables cimport N_OHLCV, feed_pointers, read_source

from btcore._shared.boundary import already_initialised, not_initialised
from btcore._shared import feeds as F
from btcore._shared import view_api as api
from btcore._shared import view_docs as _docs
from btcore._shared.docs import signed

__all__ = ["TFContext"]


cdef inline object _opt(double v):
    return None if isnan(v) else v


cdef inline int _ctx_ok(TFContext c) except -1:
    # The "initialised?" test of every Python-facing member: a pointer compare on the normal path.
    if c._fp is None:
        raise not_initialised(c)
    return 0


@cython.embedsignature(False)  # the signed shared docstring carries the signature
cdef class TFContext:
    __doc__ = signed("TFContext(feed, current_idx, ready=None, not_ready_reason=None)", _docs.CLASSES["TFContext"])

    def __cinit__(self):
        self._idx = -1  # with _d all zero (no feed), every read is NaN until __init__ ran

    def __init__(self, feed, current_idx, ready=None, not_ready_reason=None):
        cdef intp_t idx
        if self._fp is not None:
            raise already_initialised(self)
        fp = feed_pointers(F.check_feed(feed))
        idx = F.bar_index(feed, current_idx, "current_idx")
        if not -1 <= idx < fp.d.n:
            raise IndexError(f"current_idx={idx} out of range for {fp.d.n} bars")
        ok = idx >= 0 if ready is None else bool(ready) and idx >= 0
        self._d = fp.d
        self._feed = feed
        self._idx = idx
        self._ready = ok
        self.not_ready_reason = not_ready_reason
        self._fp = fp

    cdef int _check(self) except -1:
        if self._fp is None:
            raise not_initialised(self)
        return 0

    cdef double _value(self, intp_t src) noexcept nogil:
        return read_source(&self._d, self._idx, src)

    def __reduce__(self):
        _ctx_ok(self)
        return (_rebuild_context, (type(self), self._feed, self.current_idx, self._ready, self.not_ready_reason))

    @property
    def feed(self):
        """The FeedStore this context reads."""
        _ctx_ok(self)
        return self._feed

    @property
    def current_idx(self):
        """Current bar index, None if no bar has closed yet."""
        _ctx_ok(self)
        return self._idx if self._idx >= 0 else None

    @property
    def ready(self):
        """True if the context has a bar (and the caller did not mark it not ready)."""
        _ctx_ok(self)
        return self._ready

    @property
    def ts_open_ms(self):
        """Open time of the current bar in epoch ms (None without a bar)."""
        _ctx_ok(self)
        return self._d.ts_open[self._idx] if self._idx >= 0 else None

    @property
    def ts_close_ms(self):
        """Close time of the current bar in epoch ms (None without a bar)."""
        _ctx_ok(self)
        return self._d.ts_close[self._idx] if self._idx >= 0 else None

    @property
    def ts_open(self):
        """Open time of the current bar as the feed's datetime (None without a bar)."""
        _ctx_ok(self)
        return self._feed.get_ts_open_datetime(self._idx) if self._idx >= 0 else None

    @property
    def ts_close(self):
        """Close time of the current bar as the feed's datetime (None without a bar)."""
        _ctx_ok(self)
        return self._feed.get_ts_close_datetime(self._idx) if self._idx >= 0 else None

    @property
    def open(self):
        """Open of the current bar; None if NaN or no bar."""
        _ctx_ok(self)
        return _opt(self._value(0))

    @property
    def high(self):
        """High of the current bar; None if NaN or no bar."""
        _ctx_ok(self)
        return _opt(self._value(1))

    @property
    def low(self):
        """Low of the current bar; None if NaN or no bar."""
        _ctx_ok(self)
        return _opt(self._value(2))

    @property
    def close(self):
        """Close of the current bar; None if NaN or no bar."""
        _ctx_ok(self)
        return _opt(self._value(3))

    @property
    def volume(self):
        """Volume of the current bar; None if NaN or no bar."""
        _ctx_ok(self)
        return _opt(self._value(4))

    @property
    def available_indicators(self):
        """Names of the indicators declared on this feed."""
        _ctx_ok(self)
        return list(self._feed.indicator_names)

    def has_indicator(self, name):
        """True if ``name`` is declared on this feed."""
        _ctx_ok(self)
        return name in self._fp.names

    def get_indicator(self, name):
        """Indicator value at the current bar; None if undeclared, NaN or no bar."""
        _ctx_ok(self)
        row = self._fp.names.get(name)
        return None if row is None else _opt(self._value(N_OHLCV + <intp_t>row))

    def get_indicator_strict(self, name):
        # docstring: btcore/_shared/view_docs.py
        _ctx_ok(self)
        cdef double v = self._value(N_OHLCV + <intp_t>F.indicator_row(self._fp.names, self._feed, name))
        if isnan(v):
            raise api.strict_missing(f"indicator {name!r} ({self._feed.tf})", f"index {self.current_idx}")
        return v

    def __repr__(self):
        _ctx_ok(self)
        return f"<TFContext {self._feed.tf} idx={self.current_idx} ready={self._ready}>"


cdef TFContext view_context(FeedPointers fp, object feed):
    # A view's own context: the view's checked pointers (the view sets _idx before every use).
    cdef TFContext ctx = TFContext.__new__(TFContext)
    ctx._d = fp.d
    ctx._feed = feed
    ctx._idx = -2  # no bar index: the first use sets the view's
    ctx._fp = fp
    return ctx


def _rebuild_context(cls, feed, current_idx, ready, not_ready_reason):
    ctx = cls.__new__(cls)
    TFContext.__init__(ctx, feed, current_idx, ready, not_ready_reason)
    return ctx


_docs.document(TFContext, _docs.TF_CONTEXT)
