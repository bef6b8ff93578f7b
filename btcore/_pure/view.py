"""Pure-Python twin of :mod:`btcore._core.view`: :class:`RuntimeSnapshotView` and :class:`PathHandle`.

Same names, signatures, docstrings and behaviour as the compiled module; it runs where the
extension is not available (PyPy, no compiler, ``BTCORE_NO_EXTENSIONS=1``). The state and the
readers are :mod:`btcore._pure.viewcore`; this module adds the Python API.
"""

from __future__ import annotations

from typing import Any, Optional

from .. import _incremental as incr
from .._shared import constants as C
from .._shared.constants import (ROLLUP_BARS, ROLLUP_CLOSE, ROLLUP_MAX, ROLLUP_MIN, ROLLUP_OPEN, ROLLUP_VOLUME, SRC_CLOSE, SRC_HIGH, SRC_LOW, SRC_OPEN, SRC_VOLUME)
from .._shared import feeds as F
from .._shared import paths as P
from .._shared import view_api as api
from .._shared import view_docs as _docs
from .._shared.boundary import already_initialised, guarded, initialised, is_initialised
from .feedtables import resolve
from .tfcontext import TFContext
from .viewcore import SnapshotCore

__all__ = ["TFContext", "RuntimeSnapshotView", "PathHandle", "CompatSnapshotView", "ROLE_EXEC", "ROLE_MTF", "ROLE_HTF"]

ROLE_EXEC = C.ROLE_EXEC
ROLE_MTF = C.ROLE_MTF
ROLE_HTF = C.ROLE_HTF
ROLE_QUOTE = C.ROLE_QUOTE
# module-level copies read by get_feature, which engines call several times per bar
_ROLE_OF = C.ROLE_OF
_MAX_LOOKBACK = C.MAX_LOOKBACK
_N_OHLCV = C.N_OHLCV
_OHLCV_SRC = {name: j for j, name in enumerate(C.OHLCV)}


def _opt(v: float) -> Optional[float]:
    return None if v != v else v


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


class RuntimeSnapshotView(SnapshotCore):
    __doc__ = _docs.CLASSES["RuntimeSnapshotView"]

    __slots__ = ()

    def __reduce__(self) -> tuple:
        args = (self._feeds, self._idx[ROLE_EXEC], self._idx[ROLE_HTF], self._idx[ROLE_MTF], self.exchange, self.mark_price,
                self.mark_price_source, self._history_config, self.history_ready,
                None if self._roll_matrix is not None else api.rollups_to_dict(self._roll), self._incr)
        state = getattr(self, "__dict__", None) or None  # a subclass's own attributes
        return (_rebuild_view, (type(self), args, self._idx[ROLE_QUOTE], self._roll_matrix), state)

    # ------------------------------------------------------------------ exec bar

    @property
    def open(self) -> Optional[float]:
        """Exec bar open; None if NaN."""
        return _opt(self._series(ROLE_EXEC, SRC_OPEN))

    @property
    def high(self) -> Optional[float]:
        """Exec bar high; None if NaN."""
        return _opt(self._series(ROLE_EXEC, SRC_HIGH))

    @property
    def low(self) -> Optional[float]:
        """Exec bar low; None if NaN."""
        return _opt(self._series(ROLE_EXEC, SRC_LOW))

    @property
    def close(self) -> Optional[float]:
        """Exec bar close; None if NaN."""
        return _opt(self._series(ROLE_EXEC, SRC_CLOSE))

    @property
    def volume(self) -> Optional[float]:
        """Exec bar volume; None if NaN."""
        return _opt(self._series(ROLE_EXEC, SRC_VOLUME))

    def indicator(self, name: str) -> Optional[float]:
        """Exec indicator ``name``; None if undeclared or NaN."""
        return _opt(self._named(ROLE_EXEC, name, 0))

    def indicator_strict(self, name: str) -> float:
        """Exec indicator ``name``; UnknownKeyError if undeclared, NotReadyError if NaN."""
        return self.exec_ctx.get_indicator_strict(name)

    def has_indicator(self, name: str) -> bool:
        """True if ``name`` is declared on the exec feed."""
        return name in self._names[ROLE_EXEC]

    @property
    def available_indicators(self) -> list[str]:
        """Indicator names of the exec feed."""
        return list(self._roles[ROLE_EXEC].indicator_names)

    @property
    def available_htf_indicators(self) -> list[str]:
        """Indicator names of the HTF feed (``[]`` without one)."""
        f = self._roles[ROLE_HTF]
        return list(f.indicator_names) if f is not None else []

    @property
    def available_mtf_indicators(self) -> list[str]:
        """Indicator names of the MTF feed (``[]`` without one)."""
        f = self._roles[ROLE_MTF]
        return list(f.indicator_names) if f is not None else []

    # ------------------------------------------------------------------ history by offset

    def prev_indicator(self, name: str, lookback: int = 1) -> Optional[float]:
        """Exec indicator ``lookback`` bars ago (>= 1); None before the first bar, undeclared or NaN."""
        return _opt(self._named(ROLE_EXEC, name, F.check_count(lookback, "lookback", 1)))

    def _prev(self, src: int, lookback: int) -> Optional[float]:
        i = self._idx[ROLE_EXEC] - F.check_count(lookback, "lookback", 1)
        return None if i < 0 else _opt(self._at(0, i, src))

    def prev_close(self, lookback: int = 1) -> Optional[float]:
        """Exec close ``lookback`` bars ago (>= 1); None before the first bar or if NaN."""
        return self._prev(SRC_CLOSE, lookback)

    def prev_high(self, lookback: int = 1) -> Optional[float]:
        """Exec high ``lookback`` bars ago (>= 1); None before the first bar or if NaN."""
        return self._prev(SRC_HIGH, lookback)

    def prev_low(self, lookback: int = 1) -> Optional[float]:
        """Exec low ``lookback`` bars ago (>= 1); None before the first bar or if NaN."""
        return self._prev(SRC_LOW, lookback)

    def bars_exec_low(self, n: int) -> Optional[float]:
        """Lowest exec low over the last ``n`` bars including the current one (fewer at the start).

        None if any low in the window is NaN (a NaN is never skipped silently).
        """
        return self._window(SRC_LOW, n, False)

    def bars_exec_high(self, n: int) -> Optional[float]:
        """Highest exec high over the last ``n`` bars including the current one (fewer at the start).

        None if any high in the window is NaN (a NaN is never skipped silently).
        """
        return self._window(SRC_HIGH, n, True)

    # ------------------------------------------------------------------ HTF / MTF

    def htf_indicator(self, name: str) -> Optional[float]:
        """HTF indicator ``name``; None if no HTF feed, not ready, undeclared or NaN."""
        return _opt(self._named(ROLE_HTF, name, 0))

    def mtf_indicator(self, name: str) -> Optional[float]:
        """MTF indicator ``name``; None if no MTF feed, not ready, undeclared or NaN."""
        return _opt(self._named(ROLE_MTF, name, 0))

    def get_feature(self, indicator_key: str, tf_role: str = "exec", offset: int = 0) -> Optional[float]:
        # docstring: btcore/_shared/view_docs.py
        roles = self._roles  # NotInitializedError before __init__, as in the compiled view
        r = _ROLE_OF.get(tf_role) if type(tf_role) is str else None  # per bar: no call when valid
        if r is None:
            r = F.role_index(tf_role)
        off = offset if type(offset) is int and 0 <= offset <= _MAX_LOOKBACK else F.check_offset(offset)
        if indicator_key == "mark_price":
            return api.mark_price_feature(self.mark_price, off)
        feed = roles[r]
        if feed is None or self._idx[r] < 0:
            return None
        i = self._idx[r] - off
        src = _OHLCV_SRC.get(indicator_key)
        if src is None:
            row = self._names[r].get(indicator_key)
            if row is None:
                return None
            src = _N_OHLCV + row
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
        return self._ctx_close_ms(ROLE_HTF)

    @property
    def mtf_ctx_ts_close_ms(self) -> Optional[int]:
        """Close time (ms) of the current MTF bar; None without one."""
        return self._ctx_close_ms(ROLE_MTF)

    @property
    def htf_ctx_ts_close(self) -> Any:
        """Close time of the current HTF bar as the feed's datetime; None without one."""
        return self._ctx_close_dt(ROLE_HTF)

    @property
    def mtf_ctx_ts_close(self) -> Any:
        """Close time of the current MTF bar as the feed's datetime; None without one."""
        return self._ctx_close_dt(ROLE_MTF)

    def _staleness(self, role: int) -> Optional[int]:
        ms = self._ctx_close_ms(role)
        return None if ms is None else self.ts_close_ms - ms

    @property
    def htf_staleness_ms(self) -> Optional[int]:
        """Exec close minus HTF bar close, in ms (0 when the HTF bar closed with this bar)."""
        return self._staleness(ROLE_HTF)

    @property
    def mtf_staleness_ms(self) -> Optional[int]:
        """Exec close minus MTF bar close, in ms (0 when the MTF bar closed with this bar)."""
        return self._staleness(ROLE_MTF)

    @property
    def htf_is_stale(self) -> Optional[bool]:
        """True if the HTF bar closed before this exec bar's close; None without an HTF bar."""
        s = self._staleness(ROLE_HTF)
        return None if s is None else s > 0

    @property
    def mtf_is_stale(self) -> Optional[bool]:
        """True if the MTF bar closed before this exec bar's close; None without an MTF bar."""
        s = self._staleness(ROLE_MTF)
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
        return _opt(self._rollup(ROLLUP_MIN))

    @property
    def rollup_max_1m(self) -> Optional[float]:
        """Highest 1m high inside the exec bar; None if there were no 1m bars (or NaN)."""
        return _opt(self._rollup(ROLLUP_MAX))

    @property
    def rollup_bars_1m(self) -> int:
        """Number of 1m bars inside the exec bar."""
        v = self._rollup(ROLLUP_BARS)
        return 0 if v != v else int(v)

    @property
    def rollup_open_1m(self) -> Optional[float]:
        """Open of the first 1m bar inside the exec bar; None if none (or NaN)."""
        return _opt(self._rollup(ROLLUP_OPEN))

    @property
    def rollup_close_1m(self) -> Optional[float]:
        """Close of the last 1m bar inside the exec bar; None if none (or NaN)."""
        return _opt(self._rollup(ROLLUP_CLOSE))

    @property
    def rollup_volume_1m(self) -> Optional[float]:
        """Summed 1m volume inside the exec bar; None if none (or NaN)."""
        return _opt(self._rollup(ROLLUP_VOLUME))

    @property
    def rollup_price_range_1m(self) -> Optional[float]:
        """``rollup_max_1m - rollup_min_1m``; None if there were no 1m bars (or NaN)."""
        return _opt(self._rollup(ROLLUP_MAX) - self._rollup(ROLLUP_MIN))

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
        # docstring: btcore/_shared/view_docs.py
        if self._incr is not None:
            found, value = incr.read(self._incr, path)
            if found:
                return value
        return _opt(self._eval(self._spec(path)))

    def get_strict(self, path: str) -> float:
        """Like :meth:`get` but NotReadyError instead of None."""
        return api.get_strict(self, path)

    def has_path(self, path: str) -> bool:
        """True if ``get(path)`` has a value now; False if NaN/not ready. PathError if invalid."""
        return self.get(path) is not None

    def is_valid_path(self, path: str) -> bool:
        """True if ``path`` is valid for these feeds (whatever its current value)."""
        return api.is_valid_path(self._incr, path, self._spec)

    def compile(self, path: str) -> PathHandle:
        # docstring: btcore/_shared/view_docs.py
        return PathHandle(self, path)

    def list_structure_paths(self) -> list[str]:
        """Every valid ``structure.*`` path: the exec feed's blocks and the incremental state's."""
        return incr.structure_paths(self._incr, P.structure_paths(self._roles))

    @property
    def has_incremental_state(self) -> bool:
        """True if the view was built with an ``incremental_state``."""
        return self._incr is not None

    def get_structure(self, path: str) -> Any:
        # docstring: btcore/_shared/view_docs.py
        return incr.get_structure(self._incr, path)

    def to_dict(self) -> dict[str, Any]:
        """Debug dictionary of the current bar (allocates; not for the hot loop)."""
        return api.view_to_dict(self)

    def __repr__(self) -> str:
        return f"<RuntimeSnapshotView {self.symbol} {self.exec_tf} exec_idx={self._idx[ROLE_EXEC]} ready={self.ready}>"


def _rebuild_view(cls: Any, args: tuple[Any, ...], m1_idx: int, rollup_matrix: Any) -> Any:
    return api.rebuild_view(RuntimeSnapshotView, cls, args, m1_idx, rollup_matrix)


_docs.document(RuntimeSnapshotView, _docs.VIEW)

# The reference-style view (the compiled module holds it too, so both twins have it here).
from .compatview import CompatSnapshotView  # noqa: E402  (it subclasses RuntimeSnapshotView above)
