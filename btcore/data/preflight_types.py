"""Result and configuration types of the preflight gate (see :mod:`btcore.data.preflight`).

Every datetime is aware UTC; ``*_ts_ms`` fields are int epoch ms. Each failure carries a stable
``error_code`` (:data:`PREFLIGHT_ERROR_CODES`) next to the human-readable message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from ..errors import DataError, TimeframeError
from ..timeframe import iso_or_none as _iso
from ..timeframe import normalize_tf
from ._timestamps import scalar_ms

__all__ = [
    "PREFLIGHT_ERROR_CODES",
    "PreflightStatus",
    "GapInfo",
    "TFPreflightResult",
    "PreflightReport",
    "ToolCallRecord",
    "AutoSyncConfig",
    "AutoSyncResult",
    "WarmupRequirements",
    "PreflightPlan",
    "RunSpec",
    "as_plan",
]

#: Report-level codes (the first five are those engines written for the reference runtime test,
#: see docs/MIGRATION.md) and per-timeframe check codes.
PREFLIGHT_ERROR_CODES = (
    "MISSING_1M_COVERAGE", "EXEC_1M_MAPPING_FAILED", "HISTORY_UNAVAILABLE", "INSUFFICIENT_COVERAGE",
    "DATA_QUALITY_ISSUE",
    # per-timeframe codes in TFPreflightResult.error_codes / warning_codes
    "NO_DATA", "LOAD_FAILED", "MISSING_TIMESTAMP_COLUMN", "BAD_TIMESTAMP", "STARTS_TOO_LATE",
    "ENDS_TOO_EARLY", "UNSORTED_TIMESTAMPS", "DUPLICATE_TIMESTAMPS", "MISALIGNED_STEP",
    "GAPS_EXCEED_THRESHOLD",
)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class PreflightStatus(str, Enum):
    """Outcome of a check; ``WARNING`` does not fail the gate."""

    PASSED = "passed"
    FAILED = "failed"
    WARNING = "warning"


@dataclass
class ToolCallRecord:
    """One call of an injected sync/heal tool."""

    tool_name: str
    params: Dict[str, Any]
    success: bool
    message: str = ""
    timestamp: datetime = field(default_factory=_utc_now)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "tool_name": self.tool_name, "params": self.params, "success": self.success,
            "message": self.message, "timestamp": self.timestamp.isoformat(),
        }


@dataclass
class AutoSyncConfig:
    """Injected data tools for auto-sync (each returns an object with ``.success``,
    ``.message``, ``.error``). The gate never mutates a given config."""

    enabled: bool = False
    max_attempts: int = 2
    data_env: str = "live"
    sync_range_tool: Optional[Callable[..., Any]] = None
    fill_gaps_tool: Optional[Callable[..., Any]] = None
    heal_data_tool: Optional[Callable[..., Any]] = None


@dataclass
class AutoSyncResult:
    attempted: bool = False
    success: bool = False
    tool_calls: List[ToolCallRecord] = field(default_factory=list)
    attempts_made: int = 0

    def to_dict(self) -> Dict[str, Any]:
        return {
            "attempted": self.attempted, "success": self.success,
            "attempts_made": self.attempts_made,
            "tool_calls": [t.to_dict() for t in self.tool_calls],
        }


@dataclass
class GapInfo:
    """A hole between two consecutive bars larger than the gap threshold."""

    start_ts: datetime
    end_ts: datetime
    expected_bars: int
    actual_bars: int
    gap_duration_minutes: float

    def to_dict(self) -> Dict[str, Any]:
        return {
            "start_ts": _iso(self.start_ts), "end_ts": _iso(self.end_ts),
            "expected_bars": self.expected_bars, "actual_bars": self.actual_bars,
            "gap_duration_minutes": self.gap_duration_minutes,
        }


@dataclass
class TFPreflightResult:
    """Checks of one (symbol, tf) pair. ``error_codes``/``warning_codes`` run parallel to
    ``errors``/``warnings``. ``roles`` lists the roles served by this pair."""

    symbol: str
    tf: str
    status: PreflightStatus
    min_ts: Optional[datetime] = None
    max_ts: Optional[datetime] = None
    bar_count: int = 0
    required_start: Optional[datetime] = None
    required_end: Optional[datetime] = None
    warmup_bars: int = 0
    data_exists: bool = False
    covers_range: bool = False
    is_monotonic: bool = False
    is_unique: bool = False
    alignment_ok: bool = False
    gaps: List[GapInfo] = field(default_factory=list)
    max_gap_minutes: float = 0.0
    gap_threshold_minutes: float = 0.0
    gaps_within_threshold: bool = True
    errors: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    error_codes: List[str] = field(default_factory=list)
    warning_codes: List[str] = field(default_factory=list)
    roles: List[str] = field(default_factory=list)
    gap_count: int = 0

    def add_error(self, code: str, message: str) -> None:
        self.error_codes.append(code)
        self.errors.append(message)

    def add_warning(self, code: str, message: str) -> None:
        self.warning_codes.append(code)
        self.warnings.append(message)

    @property
    def db_start_ts_ms(self) -> Optional[int]:
        return scalar_ms(self.min_ts)

    @property
    def db_end_ts_ms(self) -> Optional[int]:
        return scalar_ms(self.max_ts)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "symbol": self.symbol,
            "tf": self.tf,
            "status": self.status.value,
            "roles": list(self.roles),
            "coverage": {
                "min_ts": _iso(self.min_ts), "max_ts": _iso(self.max_ts), "bar_count": self.bar_count,
                "db_start_ts_ms": self.db_start_ts_ms, "db_end_ts_ms": self.db_end_ts_ms,
                "ok": self.covers_range,
            },
            "required_range": {
                "start": _iso(self.required_start), "end": _iso(self.required_end),
                "warmup_bars": self.warmup_bars, "start_ts_ms": scalar_ms(self.required_start),
                "end_ts_ms": scalar_ms(self.required_end),
            },
            "validation": {
                "data_exists": self.data_exists, "covers_range": self.covers_range,
                "is_monotonic": self.is_monotonic, "is_unique": self.is_unique,
                "alignment_ok": self.alignment_ok, "gaps_within_threshold": self.gaps_within_threshold,
            },
            "gaps": {
                "count": max(self.gap_count, len(self.gaps)), "max_gap_minutes": self.max_gap_minutes,
                "threshold_minutes": self.gap_threshold_minutes,
                "details": [g.to_dict() for g in self.gaps[:10]],
            },
            "errors": list(self.errors),
            "warnings": list(self.warnings),
            "error_codes": list(self.error_codes),
            "warning_codes": list(self.warning_codes),
        }


@dataclass
class PreflightReport:
    """Outcome of :func:`btcore.data.preflight.run_preflight_gate`."""

    idea_card_id: str
    window_start: datetime
    window_end: datetime
    overall_status: PreflightStatus
    tf_results: Dict[str, TFPreflightResult]
    run_timestamp: datetime = field(default_factory=_utc_now)
    auto_sync_result: Optional[AutoSyncResult] = None
    computed_warmup_requirements: Any = None
    error_code: Optional[str] = None
    error_details: Optional[Dict[str, Any]] = None
    has_1m_coverage: bool = False
    exec_to_1m_mapping_feasible: bool = False
    required_1m_bars: int = 0
    exec_key: Optional[str] = None
    window: Any = None

    @property
    def passed(self) -> bool:
        return self.overall_status != PreflightStatus.FAILED

    def exec_result(self) -> Optional[TFPreflightResult]:
        """The exec role's result (not merely the first one)."""
        if self.exec_key and self.exec_key in self.tf_results:
            return self.tf_results[self.exec_key]
        return next(iter(self.tf_results.values()), None)

    def to_dict(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {
            "idea_card_id": self.idea_card_id,
            "window": {"start": _iso(self.window_start), "end": _iso(self.window_end)},
            "overall_status": self.overall_status.value,
            "run_timestamp": _iso(self.run_timestamp),
            "tf_results": {k: v.to_dict() for k, v in self.tf_results.items()},
        }
        if self.auto_sync_result is not None:
            d["auto_sync"] = self.auto_sync_result.to_dict()
        if self.computed_warmup_requirements is not None:
            req = self.computed_warmup_requirements
            d["computed_warmup_requirements"] = req.to_dict() if hasattr(req, "to_dict") else dict(req)
        ex = self.exec_result()
        if ex is not None:
            d["exec_key"] = self.exec_key
            d["required_range"] = {
                "start_ts_ms": scalar_ms(ex.required_start), "end_ts_ms": scalar_ms(ex.required_end)
            }
            d["coverage"] = {
                "db_start_ts_ms": ex.db_start_ts_ms, "db_end_ts_ms": ex.db_end_ts_ms, "ok": ex.covers_range
            }
        if self.error_code:
            d["error_code"] = self.error_code
        if self.error_details:
            d["error_details"] = self.error_details
        d["price_feed_1m"] = {
            "has_1m_coverage": self.has_1m_coverage,
            "exec_to_1m_mapping_feasible": self.exec_to_1m_mapping_feasible,
            "required_1m_bars": self.required_1m_bars,
        }
        if self.window is not None:
            d["data_window"] = self.window.to_dict()
        return d

    def write_json(self, path: Any) -> Path:
        """Write :meth:`to_dict` as indented JSON with sorted keys (UTF-8); returns the path."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return p

    def summary_lines(self) -> List[str]:
        """The text :meth:`print_summary` prints."""
        mark = {PreflightStatus.PASSED: "[OK]", PreflightStatus.WARNING: "[WARN]", PreflightStatus.FAILED: "[FAIL]"}
        lines = [
            f"Preflight {mark[self.overall_status]} {self.idea_card_id}: "
            f"{_iso(self.window_start)} .. {_iso(self.window_end)}"
        ]
        for key, r in self.tf_results.items():
            roles = f" ({', '.join(r.roles)})" if r.roles else ""
            lines.append(
                f"  {mark[r.status]} {key}{roles}: {r.bar_count} bars "
                f"{_iso(r.min_ts)} .. {_iso(r.max_ts)}; gaps over threshold: {max(r.gap_count, len(r.gaps))}"
            )
            lines.extend(f"      [ERR] {c}: {e}" for c, e in zip(r.error_codes, r.errors))
            lines.extend(f"      [WARN] {c}: {w}" for c, w in zip(r.warning_codes, r.warnings))
        lines.append(
            f"  1m feed: coverage={'ok' if self.has_1m_coverage else 'MISSING'}, "
            f"exec->1m mapping={'ok' if self.exec_to_1m_mapping_feasible else 'FAILED'}, "
            f"required 1m bars={self.required_1m_bars}"
        )
        if self.error_code:
            lines.append(f"  [ERR] {self.error_code}: {self.error_details}")
        return lines

    def print_summary(self, file: Any = None) -> None:
        """Print a short human-readable summary with [OK]/[WARN]/[FAIL]/[ERR] markers."""
        print("\n".join(self.summary_lines()), file=file)


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class WarmupRequirements:
    """Warmup bars per role (``warmup_by_role``), shaped as the reference runtime's requirements object."""

    warmup_by_role: Dict[str, int]

    def to_dict(self) -> Dict[str, Any]:
        return {"warmup_by_role": dict(self.warmup_by_role)}


@dataclass(frozen=True)
class PreflightPlan:
    """What preflight checks: ``id``, ``symbols``, ``tf_by_role`` (``exec`` required; ``ltf``
    accepted as its old name), ``warmup_by_role``."""

    id: str
    symbols: Tuple[str, ...]
    tf_by_role: Dict[str, str]
    warmup_by_role: Dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        given: Any = self.symbols
        syms = (given,) if isinstance(given, str) else tuple(given or ())
        if not syms:
            raise DataError(f"Plan {self.id!r} has no symbols", "NO_SYMBOLS")
        object.__setattr__(self, "symbols", syms)
        unknown = sorted(set(self.tf_by_role) - {"exec", "ltf", "mtf", "htf"})
        if unknown:
            raise DataError(f"Unknown roles {unknown} in plan {self.id!r}; allowed: exec (or ltf), mtf, htf", "UNKNOWN_ROLE")
        if not (self.tf_by_role.get("exec") or self.tf_by_role.get("ltf")):
            raise DataError(f"Plan {self.id!r} has no 'exec' (or 'ltf') timeframe", "MISSING_EXEC_ROLE")
        try:
            roles = {("exec" if r == "ltf" else r): normalize_tf(tf) for r, tf in self.tf_by_role.items()}
        except TimeframeError as exc:
            raise DataError(f"Plan {self.id!r}: {exc}", "BAD_TIMEFRAME") from None
        object.__setattr__(self, "tf_by_role", roles)
        warm = {("exec" if r == "ltf" else r): int(w) for r, w in (self.warmup_by_role or {}).items()}
        object.__setattr__(self, "warmup_by_role", warm)


RunSpec = PreflightPlan


def _duck_warmup(card: Any, warmup_requirements: Any) -> Dict[str, int]:
    req = warmup_requirements
    if callable(req):
        req = req(card)
    if req is None:
        req = getattr(card, "warmup_by_role", None)
    if req is not None:
        by_role = getattr(req, "warmup_by_role", req)
        return {str(k): int(v) for k, v in dict(by_role).items()}
    out = {}
    for role, cfg in dict(getattr(card, "tf_configs", {}) or {}).items():
        w = getattr(cfg, "warmup_bars", None)
        if w is None and isinstance(cfg, Mapping):
            w = cfg.get("warmup_bars")
        out[role] = int(w or 0)
    return out


def as_plan(card: Any, warmup_requirements: Any = None) -> Tuple[PreflightPlan, Any]:
    """A :class:`PreflightPlan` from a plan or a duck-typed idea card.

    An idea card needs ``.id``, ``.symbol_universe`` and ``.tf_configs[role].tf``; warmups come
    from ``warmup_requirements`` (a mapping, an object with ``.warmup_by_role``, or a callable of
    the card), else ``card.warmup_by_role``, else ``tf_configs[role].warmup_bars``. Returns the
    plan and the requirements object to report.
    """
    if isinstance(card, PreflightPlan):
        if warmup_requirements is not None:
            card = PreflightPlan(card.id, card.symbols, card.tf_by_role, _duck_warmup(card, warmup_requirements))
        return card, WarmupRequirements(dict(card.warmup_by_role))
    tf_configs = dict(getattr(card, "tf_configs", {}) or {})
    tf_by_role: Dict[str, str] = {}
    for role, cfg in tf_configs.items():
        tf = getattr(cfg, "tf", None)
        if tf is None and isinstance(cfg, Mapping):
            tf = cfg.get("tf")
        if tf is None and isinstance(cfg, str):
            tf = cfg
        if tf is None:
            raise DataError(f"tf_configs[{role!r}] has no timeframe ('tf')", "MISSING_TIMEFRAME")
        tf_by_role[role] = str(tf)
    req = warmup_requirements(card) if callable(warmup_requirements) else warmup_requirements
    warm = _duck_warmup(card, req)
    symbols: Any = getattr(card, "symbol_universe", None) or getattr(card, "symbols", ())
    plan = PreflightPlan(str(getattr(card, "id", "")), tuple(symbols), tf_by_role, warm)
    return plan, (req if req is not None else WarmupRequirements(dict(plan.warmup_by_role)))

