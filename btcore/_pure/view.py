"""Pure-Python twin of :mod:`btcore._core.view`: :class:`RuntimeSnapshotView` and :class:`PathHandle`.

Same names, signatures, docstrings and behaviour as the compiled module; it runs where the
extension is not available (PyPy, no compiler, ``BTCORE_NO_EXTENSIONS=1``). It checks what the
compiled view checks, in the same order, so both raise the same exception for the same input:
the feed arrays (:mod:`btcore._pure.feedtables`), resolved paths
(:func:`btcore._shared.paths.check_resolved`), use before ``__init__`` and a second ``__init__``
(:mod:`btcore._pure._boundary`).
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from .. import _incremental as incr
from .._arrays import _readonly
from .._shared import constants as C
from .._shared import feeds as F
from .._shared import paths as P
from .._shared import view_api as api
from ..errors import DataError, UnknownKeyError
from ..types import DEFAULT_HISTORY_CONFIG
from ._boundary import already_initialised, as_double, guarded, initialised, is_initialised
from .feedtables import feed_set_tables, last_closed_1m, resolve
from .tfcontext import TFContext, view_context

__all__ = ["TFContext", "RuntimeSnapshotView", "PathHandle", "ROLE_EXEC", "ROLE_MTF", "ROLE_HTF"]

ROLE_EXEC = C.ROLE_EXEC
ROLE_MTF = C.ROLE_MTF
ROLE_HTF = C.ROLE_HTF
_NAN = math.nan
_VIEW_DATA = {"exchange": None, "mark_price": math.nan, "mark_price_source": None, "history_ready": False}


def _opt(v: float) -> Optional[float]:
    return None if v != v else v


def _role_idx(feed: Any, idx: Any, n: Any, name: str) -> int:
    if feed is None:
        return -1
    return idx if type(idx) is int and -1 <= idx < n else _checked_index(F.bar_index(feed, idx, name), -1, n, name)


# --------------------------------------------------------------------------- PathHandle


@guarded()
class PathHandle:
    """A path resolved once and bound to one view: ``get()`` does no string work.

    The handle follows the view as it moves from bar to bar.
    """

    __slots__ = ("_view", "_spec", "_path")

    def __init__(self, view: "RuntimeSnapshotView", path: str) -> None:
        if is_initialised(self):
            raise already_initialised(self)
        if not isinstance(view, RuntimeSnapshotView):
            raise TypeError(f"view must be a RuntimeSnapshotView, got {type(view).__name__}")
        ft = view._fc
        key = api.compilable_path(view._incr, path)
        self._spec = resolve(ft, key)
        self._path = key
        self._view = view
        initialised(self)

    def __reduce__(self) -> tuple:
        return (_rebuild_handle, (type(self), self._view, self._path))

    @property
    def path(self) -> str:
        """The path this handle reads."""
        return self._path

    def get(self) -> Optional[float]:
        """Current value of the path; None if NaN, not ready or absent."""
        return _opt(self._view._eval(self._spec))

    def __repr__(self) -> str:
        return f"<PathHandle {self._path!r}>"


def _rebuild_handle(cls: Any, view: Any, path: str) -> PathHandle:
    handle: PathHandle = cls.__new__(cls)
    PathHandle.__init__(handle, view, path)
    return handle


# --------------------------------------------------------------------------- the view


@guarded(_VIEW_DATA)
class RuntimeSnapshotView:
    """What a strategy can know at the close of one exec bar: an O(1) view over the feed arrays.

    Parameters
    ----------
    feeds : MultiTFFeedStore
        Exec feed plus optional MTF/HTF feeds and 1-minute quote feed.
    exec_idx : int
        Current exec bar (``0 <= exec_idx < len(exec_feed)``).
    htf_idx, mtf_idx : int or None
        Last closed HTF/MTF bar; None or -1 means that context is not ready yet. Ignored for a
        role without a feed.
    exchange : object
        :class:`~btcore.types.ExchangeState` or a simulator exposing ``position``.
    mark_price : float
        Mark price at this bar (``price.mark.close``).
    mark_price_source : str
        Where the mark price came from.
    history_config : HistoryConfig, optional
        Defaults to ``DEFAULT_HISTORY_CONFIG``.
    history_ready : bool
        Whether the caller's history windows are filled (part of :attr:`ready`).
    rollups : dict, optional
        Reference-style ``{"px.rollup.<field>": value}``; replaced by :meth:`_attach_rollups`.
    incremental_state : object, optional
        An engine's incremental structure state (see :mod:`btcore._incremental`): it serves
        ``structure.*`` paths and :meth:`get_structure`, read live at every call.

    Raises
    ------
    IndexError
        If an index is out of range (negative indices other than -1 are never wrapped).
    TypeError
        If ``incremental_state`` lacks ``exec.structures``, ``htf`` or ``get_value``.

    Notes
    -----
    A role without its own feed reads as None through every accessor and does not affect
    :attr:`ready`. A value that is NaN reads as None; the ``*_strict`` variants raise
    :class:`~btcore.errors.NotReadyError` instead.
    """

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
        e = (exec_idx if type(exec_idx) is int and 0 <= exec_idx < n[0]
             else _checked_index(roles[0].check_index(exec_idx), 0, n[0], "exec_idx"))
        m = _role_idx(roles[1], mtf_idx, n[1], "mtf_idx")
        h = _role_idx(roles[2], htf_idx, n[2], "htf_idx")
        q = -1 if roles[3] is None else last_closed_1m(ft.ts_close[3], int(ft.ts_close[0][e]))
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
        object.__setattr__(self, "__class__", real)  # last (_boundary.initialised): initialised from here on

    def __reduce__(self) -> tuple:
        args = (self._feeds, self._idx[0], self._idx[2], self._idx[1], self.exchange, self.mark_price,
                self.mark_price_source, self._history_config, self.history_ready,
                None if self._roll_matrix is not None else api.rollups_to_dict(self._roll), self._incr)
        state = getattr(self, "__dict__", None) or None  # a subclass's own attributes
        return (_rebuild_view, (type(self), args, self._idx[3], self._roll_matrix), state)

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
        self._idx = [roles[0].check_index(exec_idx), F.bar_index(roles[1], mtf_idx, "mtf_idx"),
                     F.bar_index(roles[2], htf_idx, "htf_idx"), F.bar_index(roles[3], m1_idx, "m1_idx")]
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
        return float(m[field, self._idx[0]]) if m is not None else self._roll[field]

    def _eval(self, spec: tuple) -> float:
        kind = spec[0]
        if kind == C.SERIES:
            return self._series(spec[1], spec[2])
        if kind == C.MARK:
            return self.mark_price
        if kind == C.ROLLUP:
            return self._rollup(spec[1])
        if kind == C.STRUCT:
            return float(spec[1][self._idx[0]])
        return _NAN

    def _named(self, role: int, name: str, lookback: int) -> float:
        names = self._names[role]
        i = self._idx[role]
        if names is None or i < lookback:
            return _NAN
        row = names.get(name)
        return _NAN if row is None else float(self._cols[role][C.N_OHLCV + row][i - lookback])

    def _at(self, role: int, i: int, src: int) -> float:
        return float(self._cols[role][src][i])

    def _spec(self, path: Any) -> tuple:
        return resolve(self._fc, path)

    def _window(self, src: int, n: int, high: bool) -> Optional[float]:
        n = F.check_count(n, "n", 1)
        e = self._idx[0]
        w = self._cols[0][src][max(0, e - n + 1): e + 1]
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
        return int(self._roles[0].ts_close_ms[self._idx[0]])

    @property
    def ts_open_ms(self) -> int:
        """Exec bar open time in epoch ms."""
        return int(self._roles[0].ts_open_ms[self._idx[0]])

    def indicator_col(self, name: str, role: str = "exec") -> int:
        """Row of indicator ``name`` in the ``role`` feed's matrix, for repeated C-level reads.

        Raises
        ------
        UnknownKeyError
            If the role has no feed or ``name`` is not declared on it.
        PathError
            If ``role`` is not a tf role.
        """
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
        return self._roles[0].symbol

    @property
    def exec_tf(self) -> str:
        """Timeframe of the exec feed."""
        return self._roles[0].tf

    @property
    def tf_mapping(self) -> Any:
        """Role → timeframe mapping of the feeds."""
        return self._feeds.tf_mapping

    @property
    def exec_idx(self) -> int:
        """Current exec bar index."""
        return self._idx[0]

    def _role_idx(self, role: int) -> Optional[int]:
        i = self._idx[role]
        return i if i >= 0 else None

    @property
    def htf_idx(self) -> Optional[int]:
        """Current HTF bar index; None if not ready or no HTF feed."""
        return self._role_idx(2)

    @property
    def mtf_idx(self) -> Optional[int]:
        """Current MTF bar index; None if not ready or no MTF feed."""
        return self._role_idx(1)

    @property
    def m1_idx(self) -> Optional[int]:
        """Quote-feed row of the last 1m bar closed at or before the exec close; None if none."""
        return self._role_idx(3)

    @property
    def ts_close(self) -> Any:
        """Exec bar close time as the exec feed's datetime (aware UTC for a btcore feed)."""
        return self._roles[0].get_ts_close_datetime(self._idx[0])

    @property
    def ts_open(self) -> Any:
        """Exec bar open time as the exec feed's datetime (aware UTC for a btcore feed)."""
        return self._roles[0].get_ts_open_datetime(self._idx[0])

    @property
    def exec_ctx(self) -> TFContext:
        """Exec context (follows the view when it moves)."""
        return self._context(0)

    @property
    def htf_ctx(self) -> Optional[TFContext]:
        """HTF context; None if there is no HTF feed."""
        return self._context(2)

    @property
    def mtf_ctx(self) -> Optional[TFContext]:
        """MTF context; None if there is no MTF feed."""
        return self._context(1)

    # ------------------------------------------------------------------ readiness

    def _role_ready(self, role: int) -> bool:
        return self._roles[role] is not None and self._idx[role] >= 0

    @property
    def htf_ready(self) -> bool:
        """True if an HTF feed exists and one of its bars has closed."""
        return self._role_ready(2)

    @property
    def mtf_ready(self) -> bool:
        """True if an MTF feed exists and one of its bars has closed."""
        return self._role_ready(1)

    @property
    def ready(self) -> bool:
        """Every role that has a feed has a closed bar, and history is ready."""
        roles, idx = self._roles, self._idx
        return self.history_ready and (roles[1] is None or idx[1] >= 0) and (roles[2] is None or idx[2] >= 0)

    @property
    def not_ready_reasons(self) -> list[str]:
        """Why :attr:`ready` is False (HTF, MTF, history), empty when ready."""
        return api.not_ready_reasons(self)

    # ------------------------------------------------------------------ exec bar

    @property
    def open(self) -> Optional[float]:
        """Exec bar open; None if NaN."""
        return _opt(self._series(0, 0))

    @property
    def high(self) -> Optional[float]:
        """Exec bar high; None if NaN."""
        return _opt(self._series(0, 1))

    @property
    def low(self) -> Optional[float]:
        """Exec bar low; None if NaN."""
        return _opt(self._series(0, 2))

    @property
    def close(self) -> Optional[float]:
        """Exec bar close; None if NaN."""
        return _opt(self._series(0, 3))

    @property
    def volume(self) -> Optional[float]:
        """Exec bar volume; None if NaN."""
        return _opt(self._series(0, 4))

    @property
    def ema_fast(self) -> Optional[float]:
        """Exec indicator ``ema_fast``; None if undeclared or NaN."""
        return _opt(self._named(0, "ema_fast", 0))

    @property
    def ema_slow(self) -> Optional[float]:
        """Exec indicator ``ema_slow``; None if undeclared or NaN."""
        return _opt(self._named(0, "ema_slow", 0))

    @property
    def rsi(self) -> Optional[float]:
        """Exec indicator ``rsi``; None if undeclared or NaN."""
        return _opt(self._named(0, "rsi", 0))

    @property
    def atr(self) -> Optional[float]:
        """Exec indicator ``atr``; None if undeclared or NaN."""
        return _opt(self._named(0, "atr", 0))

    def indicator(self, name: str) -> Optional[float]:
        """Exec indicator ``name``; None if undeclared or NaN."""
        return _opt(self._named(0, name, 0))

    def indicator_strict(self, name: str) -> float:
        """Exec indicator ``name``; UnknownKeyError if undeclared, NotReadyError if NaN."""
        return self.exec_ctx.get_indicator_strict(name)

    def has_indicator(self, name: str) -> bool:
        """True if ``name`` is declared on the exec feed."""
        return name in self._names[0]

    @property
    def available_indicators(self) -> list[str]:
        """Indicator names of the exec feed."""
        return list(self._roles[0].indicator_names)

    @property
    def available_htf_indicators(self) -> list[str]:
        """Indicator names of the HTF feed (``[]`` without one)."""
        f = self._roles[2]
        return list(f.indicator_names) if f is not None else []

    @property
    def available_mtf_indicators(self) -> list[str]:
        """Indicator names of the MTF feed (``[]`` without one)."""
        f = self._roles[1]
        return list(f.indicator_names) if f is not None else []

    # ------------------------------------------------------------------ history by offset

    def prev_indicator(self, name: str, lookback: int = 1) -> Optional[float]:
        """Exec indicator ``lookback`` bars ago (>= 1); None before the first bar, undeclared or NaN."""
        return _opt(self._named(0, name, F.check_count(lookback, "lookback", 1)))

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

    def _prev(self, src: int, lookback: int) -> Optional[float]:
        i = self._idx[0] - F.check_count(lookback, "lookback", 1)
        return None if i < 0 else _opt(self._at(0, i, src))

    def prev_close(self, lookback: int = 1) -> Optional[float]:
        """Exec close ``lookback`` bars ago (>= 1); None before the first bar or if NaN."""
        return self._prev(3, lookback)

    def prev_high(self, lookback: int = 1) -> Optional[float]:
        """Exec high ``lookback`` bars ago (>= 1); None before the first bar or if NaN."""
        return self._prev(1, lookback)

    def prev_low(self, lookback: int = 1) -> Optional[float]:
        """Exec low ``lookback`` bars ago (>= 1); None before the first bar or if NaN."""
        return self._prev(2, lookback)

    def bars_exec_low(self, n: int) -> Optional[float]:
        """Lowest exec low over the last ``n`` bars including the current one (fewer at the start).

        None if any low in the window is NaN (a NaN is never skipped silently).
        """
        return self._window(2, n, False)

    def bars_exec_high(self, n: int) -> Optional[float]:
        """Highest exec high over the last ``n`` bars including the current one (fewer at the start).

        None if any high in the window is NaN (a NaN is never skipped silently).
        """
        return self._window(1, n, True)

    # ------------------------------------------------------------------ HTF / MTF

    @property
    def htf_ema_fast(self) -> Optional[float]:
        """HTF ``ema_fast``; None if no HTF feed, not ready, undeclared or NaN."""
        return _opt(self._named(2, "ema_fast", 0))

    @property
    def htf_ema_slow(self) -> Optional[float]:
        """HTF ``ema_slow``; None if no HTF feed, not ready, undeclared or NaN."""
        return _opt(self._named(2, "ema_slow", 0))

    @property
    def htf_rsi(self) -> Optional[float]:
        """HTF ``rsi``; None if no HTF feed, not ready, undeclared or NaN."""
        return _opt(self._named(2, "rsi", 0))

    @property
    def mtf_ema_fast(self) -> Optional[float]:
        """MTF ``ema_fast``; None if no MTF feed, not ready, undeclared or NaN."""
        return _opt(self._named(1, "ema_fast", 0))

    @property
    def mtf_ema_slow(self) -> Optional[float]:
        """MTF ``ema_slow``; None if no MTF feed, not ready, undeclared or NaN."""
        return _opt(self._named(1, "ema_slow", 0))

    @property
    def mtf_rsi(self) -> Optional[float]:
        """MTF ``rsi``; None if no MTF feed, not ready, undeclared or NaN."""
        return _opt(self._named(1, "rsi", 0))

    def htf_indicator(self, name: str) -> Optional[float]:
        """HTF indicator ``name``; None if no HTF feed, not ready, undeclared or NaN."""
        return _opt(self._named(2, name, 0))

    def mtf_indicator(self, name: str) -> Optional[float]:
        """MTF indicator ``name``; None if no MTF feed, not ready, undeclared or NaN."""
        return _opt(self._named(1, name, 0))

    def get_feature(self, indicator_key: str, tf_role: str = "exec", offset: int = 0) -> Optional[float]:
        """Indicator or OHLCV value of a role, ``offset`` bars back (>= 0) from its current bar.

        ``"mark_price"`` returns the mark price (offset must be 0). None if the role has no feed
        or is not ready, the key is undeclared, the bar is before the first one, or the value is
        NaN.

        Raises
        ------
        PathError
            Unknown ``tf_role``.
        ValueError
            Negative ``offset``.
        """
        roles = self._roles  # NotInitializedError before __init__, as in the compiled view
        r = F.role_index(tf_role)
        off = offset if type(offset) is int and 0 <= offset <= C.MAX_LOOKBACK else F.check_offset(offset)
        if indicator_key == "mark_price":
            return api.mark_price_feature(self.mark_price, off)
        feed = roles[r]
        if feed is None or self._idx[r] < 0:
            return None
        i = self._idx[r] - off
        if indicator_key in C.OHLCV:
            src = C.OHLCV.index(indicator_key)
        else:
            row = self._names[r].get(indicator_key)
            if row is None:
                return None
            src = C.N_OHLCV + row
        return None if i < 0 else _opt(self._at(r, i, src))

    def has_feature(self, indicator_key: str, tf_role: str = "exec") -> bool:
        """True if ``get_feature(indicator_key, tf_role)`` can ever return a value: always for
        ``mark_price``, otherwise when the role has a feed and the key is OHLCV or declared.
        PathError for an unknown role."""
        r = F.role_index(tf_role)
        if indicator_key == C.MARK_PRICE_KEY:
            return True
        return self._roles[r] is not None and (indicator_key in C.OHLCV or indicator_key in self._names[r])

    # ------------------------------------------------------------------ staleness

    @property
    def htf_ctx_ts_close_ms(self) -> Optional[int]:
        """Close time (ms) of the current HTF bar; None without one."""
        return self._ctx_close_ms(2)

    @property
    def mtf_ctx_ts_close_ms(self) -> Optional[int]:
        """Close time (ms) of the current MTF bar; None without one."""
        return self._ctx_close_ms(1)

    @property
    def htf_ctx_ts_close(self) -> Any:
        """Close time of the current HTF bar as the feed's datetime; None without one."""
        return self._ctx_close_dt(2)

    @property
    def mtf_ctx_ts_close(self) -> Any:
        """Close time of the current MTF bar as the feed's datetime; None without one."""
        return self._ctx_close_dt(1)

    def _staleness(self, role: int) -> Optional[int]:
        ms = self._ctx_close_ms(role)
        return None if ms is None else self.ts_close_ms - ms

    @property
    def htf_staleness_ms(self) -> Optional[int]:
        """Exec close minus HTF bar close, in ms (0 when the HTF bar closed with this bar)."""
        return self._staleness(2)

    @property
    def mtf_staleness_ms(self) -> Optional[int]:
        """Exec close minus MTF bar close, in ms (0 when the MTF bar closed with this bar)."""
        return self._staleness(1)

    @property
    def htf_is_stale(self) -> Optional[bool]:
        """True if the HTF bar closed before this exec bar's close; None without an HTF bar."""
        s = self._staleness(2)
        return None if s is None else s > 0

    @property
    def mtf_is_stale(self) -> Optional[bool]:
        """True if the MTF bar closed before this exec bar's close; None without an MTF bar."""
        s = self._staleness(1)
        return None if s is None else s > 0

    # ------------------------------------------------------------------ exchange

    def _account(self) -> Any:
        self._fc  # NotInitializedError before __init__, as in the compiled view
        return self.exchange

    @property
    def equity(self) -> Optional[float]:
        """Account equity (USDT)."""
        return api.exchange_value(self._account(), "equity_usdt")

    @property
    def available_balance(self) -> Optional[float]:
        """Available balance (USDT)."""
        return api.exchange_value(self._account(), "available_balance_usdt")

    @property
    def has_position(self) -> bool:
        """True if a position is open."""
        return api.exchange_value(self._account(), "has_position")

    @property
    def position_side(self) -> Optional[str]:
        """``"long"``, ``"short"`` or None."""
        return api.exchange_value(self._account(), "position_side")

    @property
    def position_size_usdt(self) -> float:
        """Position size in USDT (0.0 when flat)."""
        return api.exchange_value(self._account(), "position_size_usdt")

    @property
    def unrealized_pnl(self) -> Optional[float]:
        """Unrealized PnL (USDT)."""
        return api.exchange_value(self._account(), "unrealized_pnl_usdt")

    @property
    def entries_disabled(self) -> bool:
        """True if the exchange refuses new entries."""
        return api.exchange_value(self._account(), "entries_disabled")

    # ------------------------------------------------------------------ rollups

    @property
    def rollup_min_1m(self) -> Optional[float]:
        """Lowest 1m low inside the exec bar; None if there were no 1m bars (or NaN)."""
        return _opt(self._rollup(0))

    @property
    def rollup_max_1m(self) -> Optional[float]:
        """Highest 1m high inside the exec bar; None if there were no 1m bars (or NaN)."""
        return _opt(self._rollup(1))

    @property
    def rollup_bars_1m(self) -> int:
        """Number of 1m bars inside the exec bar."""
        v = self._rollup(2)
        return 0 if v != v else int(v)

    @property
    def rollup_open_1m(self) -> Optional[float]:
        """Open of the first 1m bar inside the exec bar; None if none (or NaN)."""
        return _opt(self._rollup(3))

    @property
    def rollup_close_1m(self) -> Optional[float]:
        """Close of the last 1m bar inside the exec bar; None if none (or NaN)."""
        return _opt(self._rollup(4))

    @property
    def rollup_volume_1m(self) -> Optional[float]:
        """Summed 1m volume inside the exec bar; None if none (or NaN)."""
        return _opt(self._rollup(5))

    @property
    def rollup_price_range_1m(self) -> Optional[float]:
        """``rollup_max_1m - rollup_min_1m``; None if there were no 1m bars (or NaN)."""
        return _opt(self._rollup(1) - self._rollup(0))

    @property
    def has_rollups(self) -> bool:
        """True if at least one 1m bar fell inside the exec bar."""
        return self.rollup_bars_1m > 0

    def get_rollup(self, key: str) -> Optional[float]:
        """Rollup value by ``px.rollup.<field>`` or ``<field>``; PathError for unknown keys."""
        return _opt(self._rollup(P.rollup_index(key)))

    @property
    def rollups(self) -> dict[str, Any]:
        """All rollups as ``{"px.rollup.<field>": value}`` (a new dict; count as int)."""
        out = {k: _opt(self._rollup(i)) for i, k in enumerate(C.ROLLUP_KEYS_FULL)}
        out[C.ROLLUP_KEYS_FULL[C.ROLLUP_BARS]] = self.rollup_bars_1m
        return out

    # ------------------------------------------------------------------ paths

    def get(self, path: str) -> Optional[float]:
        """Value at ``path`` (see :mod:`btcore._shared.paths` for the grammar); None if NaN, not
        ready or the role has no feed. Parsed paths are cached per feed set (bounded).

        Raises
        ------
        PathError
            Invalid path; the message names what is valid.
        """
        if self._incr is not None:
            found, value = incr.read(self._incr, path)
            if found:
                return value
        return _opt(self._eval(self._spec(path)))

    def get_strict(self, path: str) -> float:
        """Like :meth:`get` but NotReadyError instead of None."""
        v = self.get(path)
        if v is None:
            raise api.strict_missing(f"path {path!r}", f"exec bar {self._idx[0]}")
        return v

    def has_path(self, path: str) -> bool:
        """True if ``get(path)`` has a value now; False if NaN/not ready. PathError if invalid."""
        return self.get(path) is not None

    def is_valid_path(self, path: str) -> bool:
        """True if ``path`` is valid for these feeds (whatever its current value)."""
        return api.is_valid_path(self._incr, path, self._spec)

    def compile(self, path: str) -> PathHandle:
        """Resolve ``path`` once; the returned handle reads it with no string work per call.

        A ``structure.*`` path served by the incremental state cannot be compiled (its value
        lives in the engine's object): PathError; read it with :meth:`get`.
        """
        return PathHandle(self, path)

    def list_structure_paths(self) -> list[str]:
        """Every valid ``structure.*`` path: the exec feed's blocks and the incremental state's."""
        return incr.structure_paths(self._incr, P.structure_paths(self._roles))

    @property
    def has_incremental_state(self) -> bool:
        """True if the view was built with an ``incremental_state``."""
        return self._incr is not None

    def get_structure(self, path: str) -> Any:
        """Raw value of an incremental structure output: ``"<key>.<output>"`` (exec) or
        ``"htf_<tf>.<key>.<output>"`` (float, int, str or None, as the detector returns it).

        Raises
        ------
        UnknownKeyError
            (a ``KeyError``) without an incremental state, for a malformed path or an unknown
            structure; the detector's ``KeyError`` for an unknown output.
        """
        return incr.get_structure(self._incr, path)

    def to_dict(self) -> dict[str, Any]:
        """Debug dictionary of the current bar (allocates; not for the hot loop)."""
        return api.view_to_dict(self)

    def __repr__(self) -> str:
        return f"<RuntimeSnapshotView {self.symbol} {self.exec_tf} exec_idx={self._idx[0]} ready={self.ready}>"


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


def _rebuild_view(cls: Any, args: tuple[Any, ...], m1_idx: int, rollup_matrix: Any) -> Any:
    return api.rebuild_view(RuntimeSnapshotView, cls, args, m1_idx, rollup_matrix)
