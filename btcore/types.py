"""Plain value types shared by the runtime: bars, exchange state, history configuration.

These are small frozen dataclasses built outside the hot loop. Timestamps are aware UTC
datetimes (naive input is taken as UTC by the converters in :mod:`btcore.timeframe`). The
reference's materialised ``RuntimeSnapshot`` lives in :mod:`btcore.compat.legacy`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any, Optional

from .errors import DataError
from .timeframe import iso_or_none as _iso

__all__ = [
    "Bar",
    "ExchangeState",
    "HistoryConfig",
    "DEFAULT_HISTORY_CONFIG",
    "FeatureSnapshot",
]


@dataclass(frozen=True)
class HistoryConfig:
    """How many past values a strategy wants available (bounded windows; 0 = none).

    Raises
    ------
    DataError
        If a count is not a non-negative integer (a float such as 1.5 is rejected too).
    """

    bars_exec_count: int = 0
    features_exec_count: int = 0
    features_htf_count: int = 0
    features_mtf_count: int = 0

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, bool) or not isinstance(v, int):
                raise DataError(f"{f.name} must be an int >= 0, got {v!r}", "BAD_HISTORY_CONFIG")
            if v < 0:
                raise DataError(f"{f.name} must be >= 0, got {v}", "BAD_HISTORY_CONFIG")

    @property
    def requires_history(self) -> bool:
        """True if any window is non-empty."""
        return any(getattr(self, f.name) > 0 for f in fields(self))

    @property
    def max_exec_lookback(self) -> int:
        """Exec bars needed before the window is full (bars and exec features alike)."""
        return max(self.bars_exec_count, self.features_exec_count)

    def to_dict(self) -> dict[str, int]:
        """The four counts, in field order."""
        return asdict(self)


DEFAULT_HISTORY_CONFIG = HistoryConfig()


@dataclass(frozen=True)
class Bar:
    """One OHLCV bar with explicit open and close times (close is exclusive: open + duration)."""

    symbol: str
    tf: str
    ts_open: datetime
    ts_close: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float
    turnover: Optional[float] = None

    def to_dict(self) -> dict[str, Any]:
        """Fields in order; timestamps as ISO-8601 strings."""
        d = asdict(self)
        d["ts_open"], d["ts_close"] = _iso(self.ts_open), _iso(self.ts_close)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Bar":
        """Inverse of :meth:`to_dict`; ISO strings are parsed, naive times are taken as UTC."""
        from .timeframe import from_epoch_ms, to_epoch_ms

        def ts(v: Any) -> datetime:
            return from_epoch_ms(to_epoch_ms(v))

        turnover = d.get("turnover")
        return cls(
            symbol=d["symbol"],
            tf=d["tf"],
            ts_open=ts(d["ts_open"]),
            ts_close=ts(d["ts_close"]),
            open=float(d["open"]),
            high=float(d["high"]),
            low=float(d["low"]),
            close=float(d["close"]),
            volume=float(d["volume"]),
            turnover=None if turnover is None else float(turnover),
        )


@dataclass(frozen=True)
class ExchangeState:
    """Account and position state the exchange reports to the view at a bar close."""

    equity_usdt: float
    cash_usdt: float
    used_margin_usdt: float
    free_margin_usdt: float
    available_balance_usdt: float
    maintenance_margin_usdt: float
    has_position: bool = False
    position_side: Optional[str] = None
    position_size_usdt: float = 0.0
    position_qty: float = 0.0
    position_entry_price: float = 0.0
    unrealized_pnl_usdt: float = 0.0
    entries_disabled: bool = False
    entries_disabled_reason: Optional[str] = None

    def __post_init__(self) -> None:
        if self.position_side not in (None, "long", "short"):
            raise DataError(
                f"position_side must be None, 'long' or 'short', got {self.position_side!r}",
                "BAD_EXCHANGE_STATE",
            )
        if self.has_position != (self.position_side is not None):
            raise DataError(
                f"has_position={self.has_position} contradicts position_side={self.position_side!r}",
                "BAD_EXCHANGE_STATE",
            )

    @classmethod
    def flat(cls, equity_usdt: float) -> "ExchangeState":
        """State of an account holding only cash and no position."""
        e = float(equity_usdt)
        return cls(e, e, 0.0, e, e, 0.0)

    def to_dict(self) -> dict[str, Any]:
        """The 14 fields in order, values unchanged."""
        return asdict(self)


@dataclass(frozen=True)
class FeatureSnapshot:
    """Indicator values of one timeframe at one bar close (materialised; outside the hot loop)."""

    tf: str
    ts_close: datetime
    bar: Bar
    features: dict[str, float] = field(default_factory=dict)
    ready: bool = True
    not_ready_reason: Optional[str] = None
    features_computed_at: Optional[datetime] = None

    def is_stale_at(self, exec_ts_close: datetime) -> bool:
        """True if ``exec_ts_close`` is later than this snapshot's close (naive = UTC)."""
        from .timeframe import to_epoch_ms

        return to_epoch_ms(exec_ts_close) > to_epoch_ms(self.ts_close)

    def to_dict(self) -> dict[str, Any]:
        """Serialisable dict; timestamps ISO-8601, features copied."""
        return {
            "tf": self.tf,
            "ts_close": _iso(self.ts_close),
            "bar": self.bar.to_dict(),
            "features": dict(self.features),
            "ready": self.ready,
            "not_ready_reason": self.not_ready_reason,
            "features_computed_at": _iso(self.features_computed_at),
        }
