"""Pure-Python twin of :mod:`btcore._core.tfcontext`: :class:`TFContext`, one timeframe's feed at
its current bar. A view's own contexts are built by :func:`view_context` and moved by the view.
"""

from __future__ import annotations

from typing import Any, Optional

from .._shared import constants as C
from .._shared import feeds as F
from .._shared import view_api as api
from .._shared import view_docs as _docs
from .._shared.boundary import already_initialised, guarded, initialised, is_initialised
from .feedtables import FeedColumns, feed_columns

__all__ = ["TFContext"]

_N_OHLCV = C.N_OHLCV  # a module global: read per call of get_indicator


def _opt(v: float) -> Optional[float]:
    return None if v != v else v


@guarded({"not_ready_reason": None})
class TFContext:
    __doc__ = _docs.CLASSES["TFContext"]

    __slots__ = ("_feed", "_cols", "_names", "_idx", "_ready", "not_ready_reason", "_fc")

    def __init__(self, feed: Any, current_idx: Any, ready: Optional[bool] = None, not_ready_reason: Optional[str] = None) -> None:
        if is_initialised(self):
            raise already_initialised(self)
        table = feed_columns(F.check_feed(feed))
        idx = F.bar_index(feed, current_idx, "current_idx")
        if not -1 <= idx < table.n:
            raise IndexError(f"current_idx={idx} out of range for {table.n} bars")
        ok = idx >= 0 if ready is None else bool(ready) and idx >= 0
        self._feed = feed
        self._cols = table.cols
        self._names = table.names
        self._idx = idx
        self._ready = ok
        self.not_ready_reason = not_ready_reason
        self._fc = table
        initialised(self)

    def __reduce__(self) -> tuple:
        return (_rebuild_context, (type(self), self._feed, self.current_idx, self._ready, self.not_ready_reason))

    @property
    def feed(self) -> Any:
        """The FeedStore this context reads."""
        return self._feed

    @property
    def current_idx(self) -> Optional[int]:
        """Current bar index, None if no bar has closed yet."""
        return self._idx if self._idx >= 0 else None

    @property
    def ready(self) -> bool:
        """True if the context has a bar (and the caller did not mark it not ready)."""
        return self._ready

    def _value(self, src: int) -> Optional[float]:
        i = self._idx
        return None if i < 0 else _opt(float(self._cols[src][i]))

    def _ts(self, arr: Any) -> Optional[int]:
        return int(arr[self._idx]) if self._idx >= 0 else None

    @property
    def ts_open_ms(self) -> Optional[int]:
        """Open time of the current bar in epoch ms (None without a bar)."""
        return self._ts(self._feed.ts_open_ms)

    @property
    def ts_close_ms(self) -> Optional[int]:
        """Close time of the current bar in epoch ms (None without a bar)."""
        return self._ts(self._feed.ts_close_ms)

    @property
    def ts_open(self) -> Any:
        """Open time of the current bar as the feed's datetime (None without a bar)."""
        return self._feed.get_ts_open_datetime(self._idx) if self._idx >= 0 else None

    @property
    def ts_close(self) -> Any:
        """Close time of the current bar as the feed's datetime (None without a bar)."""
        return self._feed.get_ts_close_datetime(self._idx) if self._idx >= 0 else None

    @property
    def open(self) -> Optional[float]:
        """Open of the current bar; None if NaN or no bar."""
        return self._value(0)

    @property
    def high(self) -> Optional[float]:
        """High of the current bar; None if NaN or no bar."""
        return self._value(1)

    @property
    def low(self) -> Optional[float]:
        """Low of the current bar; None if NaN or no bar."""
        return self._value(2)

    @property
    def close(self) -> Optional[float]:
        """Close of the current bar; None if NaN or no bar."""
        return self._value(3)

    @property
    def volume(self) -> Optional[float]:
        """Volume of the current bar; None if NaN or no bar."""
        return self._value(4)

    @property
    def available_indicators(self) -> list[str]:
        """Names of the indicators declared on this feed."""
        return list(self._feed.indicator_names)

    def has_indicator(self, name: str) -> bool:
        """True if ``name`` is declared on this feed."""
        return name in self._names

    def get_indicator(self, name: str) -> Optional[float]:
        """Indicator value at the current bar; None if undeclared, NaN or no bar."""
        row = self._names.get(name)
        return None if row is None else self._value(_N_OHLCV + row)

    def get_indicator_strict(self, name: str) -> float:
        # docstring: btcore/_shared/view_docs.py
        v = self._value(C.N_OHLCV + F.indicator_row(self._names, self._feed, name))
        if v is None:
            raise api.strict_missing(f"indicator {name!r} ({self._feed.tf})", f"index {self.current_idx}")
        return v

    def __repr__(self) -> str:
        return f"<TFContext {self._feed.tf} idx={self.current_idx} ready={self._ready}>"


def view_context(table: FeedColumns, feed: Any) -> TFContext:
    # A view's own context: the view's checked columns (the view sets _idx before every use).
    ctx = TFContext.__new__(TFContext)
    ctx._feed = feed
    ctx._cols = table.cols
    ctx._names = table.names
    ctx._idx = -2  # no bar index: the first use sets the view's
    ctx._ready = False
    ctx.not_ready_reason = None
    ctx._fc = table
    initialised(ctx)
    return ctx


def _rebuild_context(cls: Any, feed: Any, current_idx: Any, ready: bool, not_ready_reason: Any) -> TFContext:
    ctx: TFContext = cls.__new__(cls)
    TFContext.__init__(ctx, feed, current_idx, ready, not_ready_reason)
    return ctx


_docs.document(TFContext, _docs.TF_CONTEXT)
