"""Pure-Python twin of the compiled view's ``viewcore.pxi``: the state of the view and its readers
(:class:`SnapshotCore`), which :class:`btcore._pure.view.RuntimeSnapshotView` builds on.

It checks what the compiled core checks, in the same order, so both raise the same exception for
the same input: the feed arrays (:mod:`btcore._pure.feedtables`), resolved paths
(:func:`btcore._shared.paths.check_resolved`), use before ``__init__`` and a second ``__init__``
(:mod:`btcore._shared.boundary`).
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from .. import _incremental as incr
from .._arrays import _readonly
from .._shared import constants as C
from .._shared import feeds as F
from .._shared import view_api as api
from .._shared.constants import ROLE_EXEC, ROLE_HTF, ROLE_MTF, ROLE_QUOTE
from .._shared import view_docs as _docs
from ..errors import DataError, UnknownKeyError
from ..types import DEFAULT_HISTORY_CONFIG
from .._shared.boundary import already_initialised, as_double, guarded
from .feedtables import feed_set_tables, last_closed_1m, resolve
from .tfcontext import TFContext, view_context

__all__: list[str] = []

_NAN = math.nan
_N_OHLCV = C.N_OHLCV  # a module global: read per call of the indicator accessors
_VIEW_DATA = {"exchange": None, "mark_price": math.nan, "mark_price_source": None, "history_ready": False}


def _opt(v: float) -> Optional[float]:
    return None if v != v else v


def _role_idx(feed: Any, idx: Any, n: Any, name: str) -> int:
    if feed is None:
        return -1
    return idx if type(idx) is int and -1 <= idx < n else _checked_index(F.bar_index(feed, idx, name), -1, n, name)


@guarded(_VIEW_DATA)
class SnapshotCore:
    """The state of a view and its C-level readers: what :class:`btcore._core.view.RuntimeSnapshotView`
    is built on (construction, moving, the per-bar reads). Not used on its own."""

    __slots__ = ("exchange", "_mark_price", "_mark_price_source", "_history_ready", "_feeds", "_history_config",
                 "_roles", "_names", "_cols", "_idx", "_roll", "_roll_matrix", "_ctx", "_incr", "_fc")

    def __init__(
        self,
        feeds: Any,
        exec_idx: int,
        htf_idx: Optional[int],
        mtf_idx: Optional[int],
        exchange: Any,
        mark_price: float,
        mark_price_source: str,
        history_config: Any = None,
        history_ready: bool = True,
        rollups: Optional[dict[str, Any]] = None,
        incremental_state: Any = None,
    ) -> None:
        # Everything is checked into locals first; the view changes only once nothing can fail.
        # (The boundary helpers are inlined where a call would cost: a view is built per bar.)
        real = type(self).__dict__.get("_btcore_uninitialised")  # None once initialised (is_initialised)
        if real is None:
            raise already_initialised(self)
        ft = feed_set_tables(feeds)
        roles, n = ft.roles, ft.lengths
        e = (exec_idx if type(exec_idx) is int and 0 <= exec_idx < n[ROLE_EXEC]
             else _checked_index(roles[ROLE_EXEC].check_index(exec_idx), 0, n[ROLE_EXEC], "exec_idx"))
        m = _role_idx(roles[ROLE_MTF], mtf_idx, n[ROLE_MTF], "mtf_idx")
        h = _role_idx(roles[ROLE_HTF], htf_idx, n[ROLE_HTF], "htf_idx")
        q = -1 if roles[ROLE_QUOTE] is None else last_closed_1m(ft.ts_close[3], int(ft.ts_close[0][e]))
        mark = (mark_price if type(mark_price) is float else math.nan if mark_price is None
                else as_double(mark_price, "mark_price"))
        source = mark_price_source if type(mark_price_source) is str else _check_source(mark_price_source)
        ready = history_ready if history_ready is True else bool(history_ready)
        config = DEFAULT_HISTORY_CONFIG if history_config is None else (history_config or DEFAULT_HISTORY_CONFIG)
        roll = api.rollups_from_dict(rollups)
        state = None if incremental_state is None else incr.check_state(incremental_state)
        self._cols = ft.cols
        self._names = ft.names
        self._idx = [e, m, h, q]
        self._roll = roll
        self._incr = state
        self._roll_matrix = None
        self._ctx = [None, None, None]
        self.exchange = exchange
        self._mark_price = mark
        self._mark_price_source = source
        self._history_ready = ready
        self._history_config = config
        self._feeds = feeds
        self._roles = roles
        self._fc = ft
        object.__setattr__(self, "__class__", real)  # last (boundary.initialised): initialised from here on

    @property
    def mark_price(self) -> float:
        """Mark price at this bar (float; NaN reads as None through ``price.mark.close``)."""
        return self._mark_price

    @mark_price.setter
    def mark_price(self, value: float) -> None:
        self._mark_price = as_double(value, "mark_price")

    @property
    def mark_price_source(self) -> Optional[str]:
        """Where the mark price came from."""
        return self._mark_price_source

    @mark_price_source.setter
    def mark_price_source(self, value: Optional[str]) -> None:
        self._mark_price_source = _check_source(value)

    @property
    def history_ready(self) -> bool:
        """Whether the caller's history windows are filled (part of :attr:`ready`)."""
        return self._history_ready

    @history_ready.setter
    def history_ready(self, value: bool) -> None:
        self._history_ready = bool(value)

    # ------------------------------------------------------------------ moving

    def _move(self, exec_idx: int, htf_idx: int = -1, mtf_idx: int = -1, m1_idx: int = -1) -> None:
        """Move the view to another bar in O(1) (checked; -1 = role not ready / no 1m bar).

        Without attached rollups, the rollups read as empty after a move.
        """
        roles = self._roles
        self._idx = [roles[ROLE_EXEC].check_index(exec_idx), F.bar_index(roles[ROLE_MTF], mtf_idx, "mtf_idx"),
                     F.bar_index(roles[ROLE_HTF], htf_idx, "htf_idx"), F.bar_index(roles[ROLE_QUOTE], m1_idx, "m1_idx")]
        if self._roll_matrix is None:
            self._roll = api.rollups_from_dict(None)

    def _attach_rollups(self, rollups: Any) -> None:
        """Read rollups from a float64[6, n_exec] array (rows in ``ROLLUP_FIELDS`` order) at the
        exec index from now on; None detaches it (rollups then read as empty)."""
        n = self._fc.lengths[0]  # NotInitializedError before __init__, as in the compiled view
        if rollups is None:
            self._roll_matrix = None
            self._roll = api.rollups_from_dict(None)
            return
        a = _readonly(np.asarray(rollups, dtype=np.float64))  # a frozen copy unless it is one
        if a.shape != (6, n):
            raise DataError(f"rollups must have shape (6, {n}) (ROLLUP_FIELDS x exec bars), got {a.shape}", "BAD_SHAPE")
        self._roll_matrix = a

    # ------------------------------------------------------------------ C-level readers (Python here)

    def _series(self, role: int, src: int) -> float:
        i = self._idx[role]
        cols = self._cols[role]
        return _NAN if i < 0 or cols is None else float(cols[src][i])

    def _rollup(self, field: int) -> float:
        m = self._roll_matrix
        return float(m[field, self._idx[ROLE_EXEC]]) if m is not None else self._roll[field]

    def _eval(self, spec: tuple) -> float:
        kind = spec[0]
        if kind == C.SERIES:
            return self._series(spec[1], spec[2])
        if kind == C.MARK:
            return self.mark_price
        if kind == C.ROLLUP:
            return self._rollup(spec[1])
        if kind == C.STRUCT:
            return float(spec[1][self._idx[ROLE_EXEC]])
        return _NAN

    def _named(self, role: int, name: str, lookback: int) -> float:
        names = self._names[role]
        i = self._idx[role]
        if names is None or i < lookback:
            return _NAN
        row = names.get(name)
        return _NAN if row is None else float(self._cols[role][_N_OHLCV + row][i - lookback])

    def _at(self, role: int, i: int, src: int) -> float:
        return float(self._cols[role][src][i])

    def _spec(self, path: Any) -> tuple:
        return resolve(self._fc, path)

    def _window(self, src: int, n: int, high: bool) -> Optional[float]:
        n = F.check_count(n, "n", 1)
        e = self._idx[ROLE_EXEC]
        w = self._cols[ROLE_EXEC][src][max(0, e - n + 1): e + 1]
        if np.isnan(w).any():
            return None
        return float(w.max() if high else w.min())

    def _ctx_close_ms(self, role: int) -> Optional[int]:
        i = self._idx[role]
        feed = self._roles[role]
        return None if feed is None or i < 0 else int(feed.ts_close_ms[i])

    def _ctx_close_dt(self, role: int) -> Any:
        i = self._idx[role]
        feed = self._roles[role]
        return None if feed is None or i < 0 else feed.get_ts_close_datetime(i)

    def _context(self, role: int) -> Optional[TFContext]:
        feed = self._roles[role]
        if feed is None:
            return None
        ctx = self._ctx[role]
        if ctx is None:
            ctx = self._ctx[role] = view_context(self._fc.tables[role], feed)
        i = self._idx[role]
        if ctx._idx != i:  # only after a move: threads reading one view never write to its contexts
            ctx._idx = i
            ctx._ready = i >= 0
            ctx.not_ready_reason = None if i >= 0 else f"no {feed.tf} bar closed yet"
        return ctx

    @property
    def ts_close_ms(self) -> int:
        """Exec bar close time in epoch ms."""
        return int(self._roles[ROLE_EXEC].ts_close_ms[self._idx[ROLE_EXEC]])

    @property
    def ts_open_ms(self) -> int:
        """Exec bar open time in epoch ms."""
        return int(self._roles[ROLE_EXEC].ts_open_ms[self._idx[ROLE_EXEC]])

    def indicator_col(self, name: str, role: str = "exec") -> int:
        # docstring: btcore/_shared/view_docs.py
        r = F.role_index(role)
        feed = self._roles[r]
        if feed is None:
            raise UnknownKeyError(f"indicator {name!r}: role {role!r} has no feed in this view")
        return F.indicator_row(self._names[r], feed, name)

    # ------------------------------------------------------------------ identity and time

    @property
    def feeds(self) -> Any:
        """The MultiTFFeedStore this view reads."""
        return self._feeds

    @property
    def history_config(self) -> Any:
        """The HistoryConfig given at construction (or the default)."""
        return self._history_config

    @property
    def symbol(self) -> str:
        """Symbol of the exec feed."""
        return self._roles[ROLE_EXEC].symbol

    @property
    def exec_tf(self) -> str:
        """Timeframe of the exec feed."""
        return self._roles[ROLE_EXEC].tf

    @property
    def tf_mapping(self) -> Any:
        """Role → timeframe mapping of the feeds."""
        return self._feeds.tf_mapping

    @property
    def exec_idx(self) -> int:
        """Current exec bar index."""
        return self._idx[ROLE_EXEC]

    def _role_idx(self, role: int) -> Optional[int]:
        i = self._idx[role]
        return i if i >= 0 else None

    @property
    def htf_idx(self) -> Optional[int]:
        """Current HTF bar index; None if not ready or no HTF feed."""
        return self._role_idx(ROLE_HTF)

    @property
    def mtf_idx(self) -> Optional[int]:
        """Current MTF bar index; None if not ready or no MTF feed."""
        return self._role_idx(ROLE_MTF)

    @property
    def m1_idx(self) -> Optional[int]:
        """Quote-feed row of the last 1m bar closed at or before the exec close; None if none."""
        return self._role_idx(ROLE_QUOTE)

    @property
    def ts_close(self) -> Any:
        """Exec bar close time as the exec feed's datetime (aware UTC for a btcore feed)."""
        return self._roles[ROLE_EXEC].get_ts_close_datetime(self._idx[ROLE_EXEC])

    @property
    def ts_open(self) -> Any:
        """Exec bar open time as the exec feed's datetime (aware UTC for a btcore feed)."""
        return self._roles[ROLE_EXEC].get_ts_open_datetime(self._idx[ROLE_EXEC])

    @property
    def exec_ctx(self) -> TFContext:
        """Exec context (follows the view when it moves)."""
        return self._context(ROLE_EXEC)

    @property
    def htf_ctx(self) -> Optional[TFContext]:
        """HTF context; None if there is no HTF feed."""
        return self._context(ROLE_HTF)

    @property
    def mtf_ctx(self) -> Optional[TFContext]:
        """MTF context; None if there is no MTF feed."""
        return self._context(ROLE_MTF)

    # ------------------------------------------------------------------ readiness

    def _role_ready(self, role: int) -> bool:
        return self._roles[role] is not None and self._idx[role] >= 0

    @property
    def htf_ready(self) -> bool:
        """True if an HTF feed exists and one of its bars has closed."""
        return self._role_ready(ROLE_HTF)

    @property
    def mtf_ready(self) -> bool:
        """True if an MTF feed exists and one of its bars has closed."""
        return self._role_ready(ROLE_MTF)

    @property
    def ready(self) -> bool:
        """Every role that has a feed has a closed bar, and history is ready."""
        roles, idx = self._roles, self._idx
        return self.history_ready and (roles[ROLE_MTF] is None or idx[ROLE_MTF] >= 0) and (roles[ROLE_HTF] is None or idx[ROLE_HTF] >= 0)

    @property
    def not_ready_reasons(self) -> list[str]:
        """Why :attr:`ready` is False (HTF, MTF, history), empty when ready."""
        return api.not_ready_reasons(self)


def _checked_index(v: int, low: int, n: Any, name: str) -> int:
    # What the feed tables were checked against has the last word (a feed whose length lies).
    if not low <= v < n:
        raise IndexError(f"{name}={v} out of range for {n} bars")
    return v


def _check_source(value: Any) -> Optional[str]:
    # exactly str, as the compiled view's str field takes it (a str subclass is refused there too)
    if value is not None and type(value) is not str:
        raise TypeError(f"mark_price_source must be a str or None, got {type(value).__name__} {value!r:.80}")
    return value


_docs.document(SnapshotCore, _docs.VIEW_CORE)
