"""Deprecated names kept importable for old engine code: ``RuntimeSnapshot``, ``TimeframeCache``,
``SnapshotBuilder`` and their helpers.

btcore has one snapshot architecture — :class:`btcore.RuntimeSnapshotView` over feed arrays, with
slower timeframes aligned to the exec bars once per run (:func:`btcore.align_feeds`). The reference
runtime's materialised path (``SnapshotBuilder`` building ``RuntimeSnapshot`` objects, and
``TimeframeCache`` carrying ``FeatureSnapshot`` objects forward) was dead code in its own engine.
These classes still work here so that imports and old tests keep running, but constructing any
of them emits a :class:`DeprecationWarning`. Timestamps are compared as UTC epoch ms, so naive and aware
datetimes of the same instant match (the reference compared ``datetime`` objects in sets, where a
naive and an aware datetime never match).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable, Optional, cast

from ..errors import DataError
from ..timeframe import from_epoch_ms, to_epoch_ms
from ..types import DEFAULT_HISTORY_CONFIG, Bar, ExchangeState, FeatureSnapshot, HistoryConfig

__all__ = [
    "RuntimeSnapshot",
    "create_not_ready_feature_snapshot",
    "TimeframeCache",
    "SnapshotBuilder",
    "build_close_ts_map",
    "build_close_ts_map_from_df",
    "build_exchange_state_from_exchange",
]


def _deprecated(name: str, instead: str) -> None:
    warnings.warn(
        f"{name} is deprecated; use {instead} (see docs/MIGRATION.md)", DeprecationWarning, stacklevel=3
    )


def create_not_ready_feature_snapshot(
    tf: str, ts_close: datetime, bar: Bar, reason: str
) -> FeatureSnapshot:
    """A :class:`FeatureSnapshot` with no features and ``ready=False``."""
    return FeatureSnapshot(tf, ts_close, bar, features={}, ready=False, not_ready_reason=reason)


@dataclass(frozen=True)
class RuntimeSnapshot:
    """Deprecated materialised snapshot of the reference runtime.

    btcore has one snapshot architecture: :class:`btcore.RuntimeSnapshotView`, an O(1) view over
    the feed arrays. This class is kept so that old imports and type hints keep working; building
    one emits a :class:`DeprecationWarning`.
    """

    ts_close: datetime
    symbol: str
    exec_tf: str
    mark_price: float
    mark_price_source: str
    bar_exec: Bar
    exchange_state: ExchangeState
    features_htf: FeatureSnapshot
    features_mtf: FeatureSnapshot
    features_exec: FeatureSnapshot
    tf_mapping: dict[str, str] = field(default_factory=dict)
    history_bars_exec: tuple[Bar, ...] = ()
    history_features_exec: tuple[FeatureSnapshot, ...] = ()
    history_features_htf: tuple[FeatureSnapshot, ...] = ()
    history_features_mtf: tuple[FeatureSnapshot, ...] = ()
    history_config: Optional[HistoryConfig] = None
    history_ready: bool = True

    def __post_init__(self) -> None:
        warnings.warn(
            "RuntimeSnapshot is deprecated; use btcore.RuntimeSnapshotView (see docs/MIGRATION.md)",
            DeprecationWarning,
            stacklevel=3,
        )

    @property
    def ready(self) -> bool:
        """All three feature snapshots ready and history filled."""
        return (
            self.features_htf.ready
            and self.features_mtf.ready
            and self.features_exec.ready
            and self.history_ready
        )

    @property
    def not_ready_reasons(self) -> list[str]:
        """Why the snapshot is not ready, HTF, MTF, exec, history in that order."""
        out = []
        for label, fs in (("HTF", self.features_htf), ("MTF", self.features_mtf), ("Exec", self.features_exec)):
            if not fs.ready:
                out.append(f"{label}: {fs.not_ready_reason}")
        if not self.history_ready:
            out.append("History: required windows not yet filled")
        return out

    @property
    def ltf_tf(self) -> str:
        """Old name of :attr:`exec_tf`."""
        return self.exec_tf

    @property
    def bar_ltf(self) -> Bar:
        """Old name of :attr:`bar_exec`."""
        return self.bar_exec

    @property
    def features_ltf(self) -> FeatureSnapshot:
        """Old name of :attr:`features_exec`."""
        return self.features_exec

    @property
    def htf_is_stale(self) -> bool:
        """The HTF snapshot closed before this snapshot's close (UTC ms; naive = UTC)."""
        return self.features_htf.is_stale_at(self.ts_close)

    @property
    def mtf_is_stale(self) -> bool:
        """The MTF snapshot closed before this snapshot's close."""
        return self.features_mtf.is_stale_at(self.ts_close)

    @property
    def exec_is_stale(self) -> bool:
        """The exec feature snapshot closed before this snapshot's close."""
        return self.features_exec.is_stale_at(self.ts_close)

    @property
    def htf_ctx_ts_close(self) -> datetime:
        """Close time of the HTF snapshot."""
        return self.features_htf.ts_close

    @property
    def mtf_ctx_ts_close(self) -> datetime:
        """Close time of the MTF snapshot."""
        return self.features_mtf.ts_close

    @property
    def exec_ctx_ts_close(self) -> datetime:
        """Close time of the exec feature snapshot."""
        return self.features_exec.ts_close

    @staticmethod
    def _back(history: tuple[Any, ...], lookback: int) -> Optional[Any]:
        if lookback < 1:
            raise ValueError(f"lookback must be >= 1, got {lookback}")
        return history[-lookback] if lookback <= len(history) else None

    def prev_features_exec(self, lookback: int = 1) -> Optional[FeatureSnapshot]:
        """Exec features ``lookback`` bars back in the history (oldest first), or None."""
        return cast(Optional[FeatureSnapshot], self._back(self.history_features_exec, lookback))

    def prev_bar_exec(self, lookback: int = 1) -> Optional[Bar]:
        """Exec bar ``lookback`` bars back in the history, or None."""
        return cast(Optional[Bar], self._back(self.history_bars_exec, lookback))

    def prev_features_htf(self, lookback: int = 1) -> Optional[FeatureSnapshot]:
        """HTF features ``lookback`` closes back in the history, or None."""
        return cast(Optional[FeatureSnapshot], self._back(self.history_features_htf, lookback))

    def prev_features_mtf(self, lookback: int = 1) -> Optional[FeatureSnapshot]:
        """MTF features ``lookback`` closes back in the history, or None."""
        return cast(Optional[FeatureSnapshot], self._back(self.history_features_mtf, lookback))

    def to_dict(self) -> dict[str, Any]:
        """Debug dictionary with the reference's keys (timestamps ISO-8601)."""
        d: dict[str, Any] = {
            "ts_close": self.ts_close.isoformat(),
            "symbol": self.symbol,
            "exec_tf": self.exec_tf,
            "mark_price": self.mark_price,
            "mark_price_source": self.mark_price_source,
            "bar_exec": self.bar_exec.to_dict(),
            "exchange_state": self.exchange_state.to_dict(),
            "features_htf": self.features_htf.to_dict(),
            "features_mtf": self.features_mtf.to_dict(),
            "features_exec": self.features_exec.to_dict(),
            "tf_mapping": dict(self.tf_mapping),
            "ready": self.ready,
            "history_ready": self.history_ready,
            "htf_ctx_ts_close": self.htf_ctx_ts_close.isoformat(),
            "mtf_ctx_ts_close": self.mtf_ctx_ts_close.isoformat(),
            "exec_ctx_ts_close": self.exec_ctx_ts_close.isoformat(),
            "htf_is_stale": self.htf_is_stale,
            "mtf_is_stale": self.mtf_is_stale,
            "exec_is_stale": self.exec_is_stale,
            "history_bars_exec_count": len(self.history_bars_exec),
            "history_features_exec_count": len(self.history_features_exec),
            "history_features_htf_count": len(self.history_features_htf),
            "history_features_mtf_count": len(self.history_features_mtf),
        }
        if self.history_config is not None:
            d["history_config"] = self.history_config.to_dict()
        return d


def build_close_ts_map(bars: Iterable[Bar]) -> set[int]:
    """Set of the bars' close times as UTC epoch ms."""
    return {to_epoch_ms(bar.ts_close) for bar in bars}


def build_close_ts_map_from_df(df: Any, ts_close_column: str = "ts_close") -> set[int]:
    """Set of a DataFrame column's close times as UTC epoch ms (naive values mean UTC)."""
    if ts_close_column not in df.columns:
        raise DataError(
            f"Column {ts_close_column!r} not in DataFrame; columns are {list(df.columns)}",
            "MISSING_COLUMN",
        )
    return {to_epoch_ms(v) for v in df[ts_close_column].tolist()}


class TimeframeCache:
    """Deprecated carry-forward cache of HTF/MTF :class:`FeatureSnapshot` objects.

    Use :func:`btcore.align_feeds` (last closed bar per exec bar, found by binary search) and the
    view's HTF/MTF accessors instead.
    """

    def __init__(self) -> None:
        _deprecated("TimeframeCache", "btcore.align_feeds and RuntimeSnapshotView HTF/MTF accessors")
        self._htf_close_ms: set[int] = set()
        self._mtf_close_ms: set[int] = set()
        self._htf_tf: Optional[str] = None
        self._mtf_tf: Optional[str] = None
        self.reset()

    def reset(self) -> None:
        """Forget the cached snapshots (close-time sets and timeframes are kept)."""
        self._htf_snapshot: Optional[FeatureSnapshot] = None
        self._mtf_snapshot: Optional[FeatureSnapshot] = None
        self._last_htf_update_ts: Optional[datetime] = None
        self._last_mtf_update_ts: Optional[datetime] = None

    def set_close_ts_maps(
        self, htf_close_ts: Iterable[Any], mtf_close_ts: Iterable[Any], htf_tf: str, mtf_tf: str
    ) -> None:
        """Set the HTF and MTF close times (any time type :func:`to_epoch_ms` accepts)."""
        self._htf_close_ms = {to_epoch_ms(t) for t in htf_close_ts}
        self._mtf_close_ms = {to_epoch_ms(t) for t in mtf_close_ts}
        self._htf_tf, self._mtf_tf = htf_tf, mtf_tf

    def is_htf_close(self, ts: Any) -> bool:
        """True if an HTF bar closes at ``ts``."""
        return to_epoch_ms(ts) in self._htf_close_ms

    def is_mtf_close(self, ts: Any) -> bool:
        """True if an MTF bar closes at ``ts``."""
        return to_epoch_ms(ts) in self._mtf_close_ms

    def update_htf(self, snapshot: FeatureSnapshot) -> None:
        """Store the HTF snapshot of the bar that just closed."""
        self._htf_snapshot, self._last_htf_update_ts = snapshot, snapshot.ts_close

    def update_mtf(self, snapshot: FeatureSnapshot) -> None:
        """Store the MTF snapshot of the bar that just closed."""
        self._mtf_snapshot, self._last_mtf_update_ts = snapshot, snapshot.ts_close

    def get_htf(self) -> Optional[FeatureSnapshot]:
        """Last stored HTF snapshot, or None."""
        return self._htf_snapshot

    def get_mtf(self) -> Optional[FeatureSnapshot]:
        """Last stored MTF snapshot, or None."""
        return self._mtf_snapshot

    @property
    def htf_ready(self) -> bool:
        """An HTF snapshot exists and is ready."""
        return self._htf_snapshot is not None and self._htf_snapshot.ready

    @property
    def mtf_ready(self) -> bool:
        """An MTF snapshot exists and is ready."""
        return self._mtf_snapshot is not None and self._mtf_snapshot.ready

    @property
    def all_ready(self) -> bool:
        """Both HTF and MTF are ready."""
        return self.htf_ready and self.mtf_ready

    def get_not_ready_reasons(self) -> list[str]:
        """Why HTF/MTF are not ready, HTF first."""
        out = []
        for label, tf, snap in (("HTF", self._htf_tf, self._htf_snapshot), ("MTF", self._mtf_tf, self._mtf_snapshot)):
            if snap is None:
                out.append(f"{label} ({tf}): no snapshot yet")
            elif not snap.ready:
                out.append(f"{label} ({tf}): {snap.not_ready_reason}")
        return out

    def refresh_step(
        self,
        current_ts_close: Any,
        htf_snapshot_factory: Callable[[], FeatureSnapshot],
        mtf_snapshot_factory: Callable[[], FeatureSnapshot],
    ) -> tuple[bool, bool]:
        """Refresh HTF then MTF when ``current_ts_close`` is one of their closes."""
        htf = self.is_htf_close(current_ts_close)
        if htf:
            self.update_htf(htf_snapshot_factory())
        mtf = self.is_mtf_close(current_ts_close)
        if mtf:
            self.update_mtf(mtf_snapshot_factory())
        return htf, mtf

    def to_dict(self) -> dict[str, Any]:
        """Debug summary."""
        def iso(t: Optional[datetime]) -> Optional[str]:
            return None if t is None else from_epoch_ms(to_epoch_ms(t)).isoformat()

        return {
            "htf_tf": self._htf_tf,
            "mtf_tf": self._mtf_tf,
            "htf_ready": self.htf_ready,
            "mtf_ready": self.mtf_ready,
            "last_htf_update_ts": iso(self._last_htf_update_ts),
            "last_mtf_update_ts": iso(self._last_mtf_update_ts),
            "htf_close_count": len(self._htf_close_ms),
            "mtf_close_count": len(self._mtf_close_ms),
        }


class SnapshotBuilder:
    """Deprecated builder of materialised :class:`RuntimeSnapshot` objects.

    Use :class:`btcore.RuntimeSnapshotView` (or :class:`btcore.BarLoop`, which moves one view per
    run) instead. History tuples longer than the configured count are rejected, including when the
    count is 0 (the reference skipped the check for 0).
    """

    _HISTORY = (
        ("history_bars_exec", "bars_exec_count"),
        ("history_features_exec", "features_exec_count"),
        ("history_features_htf", "features_htf_count"),
        ("history_features_mtf", "features_mtf_count"),
    )

    def __init__(
        self, symbol: str, tf_mapping: dict[str, str], history_config: Optional[HistoryConfig] = None
    ) -> None:
        _deprecated("SnapshotBuilder", "btcore.RuntimeSnapshotView or btcore.BarLoop")
        self.symbol = symbol
        self.tf_mapping = dict(tf_mapping)
        self.history_config = history_config or DEFAULT_HISTORY_CONFIG

    def build(
        self,
        ts_close: datetime,
        bar_exec: Bar,
        mark_price: float,
        mark_price_source: str,
        exchange_state: ExchangeState,
        features_htf: FeatureSnapshot,
        features_mtf: FeatureSnapshot,
        features_exec: FeatureSnapshot,
        history_bars_exec: tuple[Bar, ...] = (),
        history_features_exec: tuple[FeatureSnapshot, ...] = (),
        history_features_htf: tuple[FeatureSnapshot, ...] = (),
        history_features_mtf: tuple[FeatureSnapshot, ...] = (),
        history_ready: bool = True,
    ) -> RuntimeSnapshot:
        """Build a :class:`RuntimeSnapshot` after checking history lengths against the config."""
        given = {
            "history_bars_exec": history_bars_exec,
            "history_features_exec": history_features_exec,
            "history_features_htf": history_features_htf,
            "history_features_mtf": history_features_mtf,
        }
        for arg, count_field in self._HISTORY:
            limit = getattr(self.history_config, count_field)
            if len(given[arg]) > limit:
                raise DataError(
                    f"{arg} has {len(given[arg])} items, but config allows max {limit} ({count_field})",
                    "HISTORY_TOO_LONG",
                )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # already warned at construction
            return RuntimeSnapshot(
                ts_close=ts_close,
                symbol=self.symbol,
                exec_tf=self.tf_mapping.get("exec", self.tf_mapping.get("ltf", bar_exec.tf)),
                mark_price=mark_price,
                mark_price_source=mark_price_source,
                bar_exec=bar_exec,
                exchange_state=exchange_state,
                features_htf=features_htf,
                features_mtf=features_mtf,
                features_exec=features_exec,
                tf_mapping=dict(self.tf_mapping),
                history_bars_exec=tuple(history_bars_exec),
                history_features_exec=tuple(history_features_exec),
                history_features_htf=tuple(history_features_htf),
                history_features_mtf=tuple(history_features_mtf),
                history_config=self.history_config,
                history_ready=history_ready,
            )

    def build_with_defaults(
        self,
        ts_close: datetime,
        bar_ltf: Bar,
        mark_price: float,
        mark_price_source: str,
        exchange_state: ExchangeState,
        features_ltf: FeatureSnapshot,
        features_htf: Optional[FeatureSnapshot] = None,
        features_mtf: Optional[FeatureSnapshot] = None,
        **history: Any,
    ) -> RuntimeSnapshot:
        """Like :meth:`build`; a missing HTF/MTF snapshot becomes a not-ready placeholder."""
        if features_htf is None:
            features_htf = create_not_ready_feature_snapshot(
                self.tf_mapping.get("htf", bar_ltf.tf), ts_close, bar_ltf, "HTF has not closed yet"
            )
        if features_mtf is None:
            features_mtf = create_not_ready_feature_snapshot(
                self.tf_mapping.get("mtf", bar_ltf.tf), ts_close, bar_ltf, "MTF has not closed yet"
            )
        return self.build(
            ts_close, bar_ltf, mark_price, mark_price_source, exchange_state,
            features_htf, features_mtf, features_ltf, **history,
        )


def build_exchange_state_from_exchange(exchange: Any) -> ExchangeState:
    """An :class:`ExchangeState` read from a simulator-like exchange (``position`` object or None).

    Reads ``equity_usdt``, ``cash_balance_usdt``, ``used_margin_usdt``, ``free_margin_usdt``,
    ``available_balance_usdt``, ``maintenance_margin``, ``entries_disabled`` and
    ``entries_disabled_reason`` (a str-enum is stored as its value), and from the position
    ``side`` (``"long"``/``"short"``, str or str-enum), ``size_usdt``, ``size``, ``entry_price``;
    ``unrealized_pnl_usdt`` only while a position is open (0.0 when flat).
    """
    pos = exchange.position
    reason = exchange.entries_disabled_reason
    reason = None if reason is None else str(getattr(reason, "value", reason))
    side = None if pos is None else str(getattr(pos.side, "value", pos.side)).lower()
    return ExchangeState(
        equity_usdt=float(exchange.equity_usdt),
        cash_usdt=float(exchange.cash_balance_usdt),
        used_margin_usdt=float(exchange.used_margin_usdt),
        free_margin_usdt=float(exchange.free_margin_usdt),
        available_balance_usdt=float(exchange.available_balance_usdt),
        maintenance_margin_usdt=float(exchange.maintenance_margin),
        has_position=pos is not None,
        position_side=side,
        position_size_usdt=0.0 if pos is None else float(pos.size_usdt),
        position_qty=0.0 if pos is None else float(pos.size),
        position_entry_price=0.0 if pos is None else float(pos.entry_price),
        unrealized_pnl_usdt=0.0 if pos is None else float(exchange.unrealized_pnl_usdt),
        entries_disabled=bool(exchange.entries_disabled),
        entries_disabled_reason=reason,
    )
