"""Preflight gate: does the data cover the run (with warmup), is it sane, can 1m serve exec?

:func:`run_preflight_gate` is a short pipeline of small steps:

1. :func:`as_plan` — the symbols, role → timeframe and warmups (a :class:`PreflightPlan` or a
   duck-typed idea card).
2. :func:`check_window` — window order and the optional ``earliest_date`` (no exchange date is
   hard-coded; ``None`` = no limit).
3. :func:`btcore.data.windowing.compute_window` — the same window the loop loads, with the
   preflight safety buffer (:data:`PREFLIGHT_SAFETY`).
4. :func:`plan_pairs` — one check per (symbol, timeframe); roles sharing a timeframe share one
   check (no key collision) and the 1m feed is always checked, from the earliest role start.
5. :func:`validate_all_pairs` — load through the injected ``data_loader`` (default: a
   :class:`LocalFileLoader` over a 1m file) and run :func:`validate_tf_data`.
6. optional auto-sync through injected tools, then re-validation (the caller's
   :class:`AutoSyncConfig` is never mutated).
7. :func:`check_1m_coverage` and :func:`check_exec_mapping` — mandatory, vectorised.
8. :func:`select_error` — a stable ``error_code`` and ``error_details`` for a failed gate.

Datetimes are taken as UTC (naive = UTC); results carry aware UTC datetimes and epoch ms.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from ..errors import DataError
from ..timeframe import MS_PER_MINUTE, floor_to_tf_open, from_epoch_ms, normalize_tf
from ._timestamps import scalar_ms, sorted_times
from .loaders import load_ohlcv, resample_ohlcv, slice_ohlcv
from .preflight_checks import (
    calculate_warmup_start,
    frame_timestamps,
    parse_tf_to_minutes,
    validate_exec_to_1m_mapping,
    validate_tf_data,
)
from .preflight_types import (
    PREFLIGHT_ERROR_CODES,
    AutoSyncConfig,
    AutoSyncResult,
    GapInfo,
    PreflightPlan,
    PreflightReport,
    PreflightStatus,
    RunSpec,
    TFPreflightResult,
    ToolCallRecord,
    WarmupRequirements,
    as_plan,
)
from .windowing import PREFLIGHT_SAFETY, DataWindow, SafetyBuffer, compute_window, exec_tf_of

__all__ = [
    "PREFLIGHT_ERROR_CODES",
    "PREFLIGHT_SAFETY",
    "DataLoader",
    "LocalFileLoader",
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
    "PairSpec",
    "as_plan",
    "parse_tf_to_minutes",
    "calculate_warmup_start",
    "validate_tf_data",
    "validate_exec_to_1m_mapping",
    "check_window",
    "plan_pairs",
    "validate_all_pairs",
    "run_auto_sync",
    "check_1m_coverage",
    "check_exec_mapping",
    "select_error",
    "run_preflight_gate",
]

#: ``(symbol, tf, start, end) -> DataFrame`` with a time column (``ts`` ms or ``timestamp``).
DataLoader = Callable[[str, str, datetime, datetime], Any]


# --------------------------------------------------------------------------- default loader


class LocalFileLoader:
    """Data loader over local 1m files: loads each file once, resamples per timeframe (cached).

    Parameters
    ----------
    source : path, DataFrame, or mapping symbol → path/DataFrame
        1m OHLCV (anything :func:`btcore.data.loaders.load_ohlcv` reads). A single source serves
        every symbol unless ``symbol`` restricts it.
    symbol : str, optional
        The only symbol a single source serves (others raise ``HISTORY_UNAVAILABLE``).
    load_kwargs :
        Passed to :func:`load_ohlcv` (e.g. ``sort=True``, ``deduplicate='last'``).

    Calling it returns the canonical frame (``ts`` + OHLCV, plus ``minutes`` when resampled)
    restricted to bars opening in ``[floor_tf(start), end]``.
    """

    def __init__(self, source: Any, symbol: Optional[str] = None, **load_kwargs: Any) -> None:
        if isinstance(source, Mapping):
            self._sources = {str(k).upper(): v for k, v in source.items()}
            self._any = None
        else:
            self._sources = {symbol.upper(): source} if symbol else {}
            self._any = None if symbol else source
        self._load_kwargs = load_kwargs
        self._frames: Dict[Tuple[str, str], pd.DataFrame] = {}

    def _source_for(self, symbol: str) -> Any:
        src = self._sources.get(symbol.upper(), self._any)
        if src is None:
            raise DataError(
                f"No local data for symbol {symbol!r}; known: {sorted(self._sources) or '(any)'}",
                "HISTORY_UNAVAILABLE",
            )
        return src

    def frame(self, symbol: str, tf: str = "1m") -> pd.DataFrame:
        """The whole cached frame of ``symbol`` at ``tf``."""
        tf = normalize_tf(tf)
        key = (symbol.upper(), tf)
        if key not in self._frames:
            if tf == "1m":
                self._frames[key] = load_ohlcv(self._source_for(symbol), **self._load_kwargs)
            else:
                self._frames[key] = resample_ohlcv(self.frame(symbol, "1m"), tf)
        return self._frames[key]

    def __call__(self, symbol: str, tf: str, start: Any, end: Any) -> pd.DataFrame:
        tf = normalize_tf(tf)
        lo = None if start is None else floor_to_tf_open(start, tf)
        return slice_ohlcv(self.frame(symbol, tf), lo, end)


def _as_loader(data_loader: Any) -> Callable[..., Any]:
    if data_loader is None:
        raise DataError(
            "run_preflight_gate needs a data_loader (a callable (symbol, tf, start, end) -> DataFrame, "
            "a LocalFileLoader, a 1m data file path or a 1m DataFrame)",
            "NO_DATA_LOADER",
        )
    if isinstance(data_loader, (str, Path, pd.DataFrame)):
        return LocalFileLoader(data_loader)
    if not callable(data_loader):
        raise DataError(f"data_loader must be callable, got {type(data_loader).__name__}", "NO_DATA_LOADER")
    loader: Callable[..., Any] = data_loader
    return loader


# --------------------------------------------------------------------------- small steps


@dataclasses.dataclass(frozen=True)
class PairSpec:
    """One (symbol, tf) check: warmup bars (safety included) and the roles it serves."""

    symbol: str
    tf: str
    warmup_bars: int
    roles: Tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.symbol}:{self.tf}"


def check_window(window_start: Any, window_end: Any, earliest_date: Any = None) -> Tuple[int, int]:
    """Window bounds in ms; ``INVALID_WINDOW`` / ``BEFORE_EARLIEST_DATE`` DataErrors."""
    ws, we = scalar_ms(window_start, name="window_start"), scalar_ms(window_end, name="window_end")
    if ws is None or we is None:
        raise DataError("window_start and window_end are required", "INVALID_WINDOW")
    if we <= ws:
        raise DataError(
            f"Window end ({from_epoch_ms(we).isoformat()}) must be after window start "
            f"({from_epoch_ms(ws).isoformat()}).",
            "INVALID_WINDOW",
        )
    earliest = scalar_ms(earliest_date, name="earliest_date")
    if earliest is not None and ws < earliest:
        raise DataError(
            f"Window start ({from_epoch_ms(ws).isoformat()}) is before the earliest allowed date "
            f"({from_epoch_ms(earliest).isoformat()}). Adjust window_start to a later date.",
            "BEFORE_EARLIEST_DATE",
        )
    return ws, we


def _check_warmup_earliest(window: DataWindow, earliest_date: Any) -> None:
    earliest = scalar_ms(earliest_date, name="earliest_date")
    if earliest is None:
        return
    for role, start in window.start_by_role.items():
        if scalar_ms(start) < earliest:  # type: ignore[operator]
            tf = window.tf_by_role.get(role, "1m")
            bars = window.warmup_bars_by_role.get(role, 0) + window.safety_bars_by_role.get(role, 0)
            raise DataError(
                f"Warmup for {role} TF ({bars} bars of {tf}) would require data starting "
                f"{start.isoformat()}, which is before the earliest allowed date "
                f"({from_epoch_ms(earliest).isoformat()}). Reduce warmup_bars or use a later window_start.",
                "BEFORE_EARLIEST_DATE",
            )


def plan_pairs(plan: PreflightPlan, window: DataWindow) -> List[PairSpec]:
    """(symbol, tf) checks: one per distinct timeframe (max warmup over its roles) plus 1m."""
    ws = scalar_ms(window.test_start)
    by_tf: Dict[str, Tuple[int, List[str]]] = {}
    for role in plan.tf_by_role:  # the plan's role order
        tf = window.tf_by_role[role]
        bars = window.warmup_bars_by_role.get(role, 0) + window.safety_bars_by_role.get(role, 0)
        w, roles = by_tf.get(tf, (0, []))
        by_tf[tf] = (max(w, bars), [*roles, role])
    m1_bars = (ws - scalar_ms(window.start_by_role["1m"])) // MS_PER_MINUTE  # type: ignore[operator]
    w, roles = by_tf.get("1m", (0, []))
    by_tf["1m"] = (max(w, int(m1_bars)), [*roles, "1m"])
    return [PairSpec(sym, tf, w, tuple(roles)) for sym in plan.symbols for tf, (w, roles) in by_tf.items()]


def validate_all_pairs(
    pairs: Sequence[PairSpec],
    data_loader: Callable[..., Any],
    window_start: Any,
    window_end: Any,
    gap_threshold_multiplier: float = 3.0,
) -> Tuple[Dict[str, TFPreflightResult], List[Tuple[str, str, datetime, datetime]], Dict[str, np.ndarray]]:
    """Load and validate every pair. Returns results by ``"SYMBOL:tf"``, the failed pairs as
    ``(symbol, tf, start, end)`` for auto-sync, and the loaded timestamps by key."""
    results: Dict[str, TFPreflightResult] = {}
    failed: List[Tuple[str, str, datetime, datetime]] = []
    stamps: Dict[str, np.ndarray] = {}
    end = from_epoch_ms(scalar_ms(window_end))  # type: ignore[arg-type]
    for p in pairs:
        start = calculate_warmup_start(window_start, p.warmup_bars, p.tf)
        try:
            df = data_loader(p.symbol, p.tf, start, end)
        except Exception as exc:  # a loader is user code: any failure becomes a FAILED result
            r = TFPreflightResult(
                p.symbol, p.tf, PreflightStatus.FAILED, required_start=start, required_end=end,
                warmup_bars=p.warmup_bars,
            )
            r.add_error(getattr(exc, "error_code", "LOAD_FAILED"), f"Failed to load data: {exc}")
            df = None
        else:
            r = validate_tf_data(df, p.symbol, p.tf, window_start, end, p.warmup_bars, gap_threshold_multiplier)
            if r.data_exists and r.bar_count:
                stamps[p.key] = sorted_times(frame_timestamps(df))
        r.roles = list(p.roles)
        results[p.key] = r
        if r.status == PreflightStatus.FAILED:
            failed.append((p.symbol, p.tf, start, end))
    return results, failed, stamps


def _record(name: str, params: Dict[str, Any], call: Callable[[], Any]) -> ToolCallRecord:
    shown = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in params.items()}
    try:
        res = call()
    except Exception as exc:  # injected tool: report, never propagate
        return ToolCallRecord(name, shown, False, f"Exception: {exc}")
    ok = bool(getattr(res, "success", False))
    msg = getattr(res, "message", "") if ok else (getattr(res, "error", None) or "")
    return ToolCallRecord(name, shown, ok, str(msg or ""))


def run_auto_sync(pairs_to_sync: Sequence[Tuple[str, str, datetime, datetime]], config: AutoSyncConfig) -> AutoSyncResult:
    """Call the injected tools: sync each range, fill gaps per pair, heal per symbol."""
    result = AutoSyncResult(attempted=True, attempts_made=1)
    env = config.data_env
    tools = (config.sync_range_tool, config.fill_gaps_tool, config.heal_data_tool)
    if not any(tools):
        result.tool_calls.append(ToolCallRecord("auto_sync", {}, False, "no sync tools configured"))
        return result
    symbols = list(dict.fromkeys(p[0] for p in pairs_to_sync))
    steps: List[Tuple[str, Optional[Callable[..., Any]], List[Dict[str, Any]]]] = [
        ("sync_range", config.sync_range_tool, [
            {"symbols": [s], "start": a, "end": b, "timeframes": [tf], "env": env} for s, tf, a, b in pairs_to_sync
        ]),
        ("fill_gaps", config.fill_gaps_tool, [{"symbol": s, "timeframe": tf, "env": env} for s, tf, _, _ in pairs_to_sync]),
        ("heal_data", config.heal_data_tool, [
            {"symbol": s, "fix_issues": True, "fill_gaps_after": False, "env": env} for s in symbols
        ]),
    ]
    for name, tool, param_sets in steps:
        if tool is not None:
            result.tool_calls.extend(_record(name, p, functools.partial(tool, **p)) for p in param_sets)
    result.success = all(t.success for t in result.tool_calls)
    return result


def check_1m_coverage(plan: PreflightPlan, results: Mapping[str, TFPreflightResult], window: DataWindow) -> Tuple[bool, int]:
    """(every symbol's 1m check did not fail, 1m bars needed = 1m warmup + bars in the window)."""
    ok = all(
        f"{s}:1m" in results and results[f"{s}:1m"].status != PreflightStatus.FAILED for s in plan.symbols
    )
    ws, we = scalar_ms(window.test_start), scalar_ms(window.test_end)
    in_window = (we // MS_PER_MINUTE) - (ws // MS_PER_MINUTE) + 1  # type: ignore[operator]
    warm = max((results[k].warmup_bars for k in (f"{s}:1m" for s in plan.symbols) if k in results), default=0)
    return ok, int(warm + in_window)


def check_exec_mapping(
    plan: PreflightPlan, window: DataWindow, stamps: Mapping[str, np.ndarray], require_every_close: bool = False
) -> Tuple[bool, Optional[str]]:
    """Every exec bar of every symbol has 1m bars inside it (see :func:`validate_exec_to_1m_mapping`)."""
    exec_tf = exec_tf_of(plan.tf_by_role)
    for sym in plan.symbols:
        m1 = stamps.get(f"{sym}:1m")
        if m1 is None:
            return False, f"1m data not available for {sym}"
        ok, msg = validate_exec_to_1m_mapping(
            exec_tf, window.test_start, window.test_end, m1, stamps.get(f"{sym}:{normalize_tf(exec_tf)}"),
            require_every_close=require_every_close,
        )
        if not ok:
            return False, f"{sym}: {msg}"
    return True, None


def _coverage_details(r: TFPreflightResult) -> Dict[str, Any]:
    return {
        "required_start_ts_ms": scalar_ms(r.required_start), "required_end_ts_ms": scalar_ms(r.required_end),
        "db_start_ts_ms": r.db_start_ts_ms, "db_end_ts_ms": r.db_end_ts_ms,
    }


def select_error(
    results: Mapping[str, TFPreflightResult], has_1m: bool, mapping_ok: bool, mapping_msg: Optional[str], exec_tf: str
) -> Tuple[Optional[str], Optional[Dict[str, Any]]]:
    """First matching rule of the reference order: 1m coverage, mapping, history, coverage, quality."""
    if not has_1m:
        r = next((r for r in results.values() if r.tf == "1m" and r.status == PreflightStatus.FAILED), None)
        details = None
        if r is not None:
            details = {"symbol": r.symbol, "tf": "1m", "reason": "missing_1m_data", **_coverage_details(r)}
            details["fix_command"] = (
                f"provide 1m bars for {r.symbol} from {r.required_start:%Y-%m-%d} to {r.required_end:%Y-%m-%d}"
            )
            details["errors"] = list(r.errors)
        return "MISSING_1M_COVERAGE", details
    if not mapping_ok:
        return "EXEC_1M_MAPPING_FAILED", {"reason": mapping_msg or "Unknown mapping error", "exec_tf": exec_tf}
    r = next((r for r in results.values() if r.status == PreflightStatus.FAILED), None)
    if r is None:
        return None, None
    if not r.data_exists:
        return "HISTORY_UNAVAILABLE", {"symbol": r.symbol, "tf": r.tf, "reason": "no_data_exists", "errors": list(r.errors)}
    if not r.covers_range and r.bar_count:
        return "INSUFFICIENT_COVERAGE", {"symbol": r.symbol, "tf": r.tf, "reason": "coverage_gap", **_coverage_details(r)}
    return "DATA_QUALITY_ISSUE", {"symbol": r.symbol, "tf": r.tf, "errors": list(r.errors), "error_codes": list(r.error_codes)}


# --------------------------------------------------------------------------- the gate


def _auto_sync_loop(
    pairs: Sequence[PairSpec], loader: Callable[..., Any], ws: int, we: int, multiplier: float,
    failed: List[Any], config: Optional[AutoSyncConfig],
) -> Tuple[Dict[str, TFPreflightResult], List[Any], Dict[str, np.ndarray], AutoSyncResult]:
    cfg = dataclasses.replace(config, enabled=True) if config is not None else AutoSyncConfig(enabled=True)
    total = AutoSyncResult(attempted=True)
    results: Dict[str, TFPreflightResult] = {}
    stamps: Dict[str, np.ndarray] = {}
    attempt = 0
    while failed and attempt < max(int(cfg.max_attempts), 0):
        attempt += 1
        step = run_auto_sync(failed, cfg)
        total.tool_calls.extend(step.tool_calls)
        total.attempts_made = attempt
        results, failed, stamps = validate_all_pairs(pairs, loader, ws, we, multiplier)
    total.success = not failed
    return results, failed, stamps, total


def run_preflight_gate(
    idea_card: Any,
    data_loader: Any = None,
    window_start: Any = None,
    window_end: Any = None,
    gap_threshold_multiplier: float = 3.0,
    auto_sync_missing: bool = False,
    auto_sync_config: Optional[AutoSyncConfig] = None,
    *,
    warmup_requirements: Any = None,
    earliest_date: Any = None,
    safety: SafetyBuffer = PREFLIGHT_SAFETY,
    require_every_exec_close: bool = False,
) -> PreflightReport:
    """Run the data gate for a plan / idea card over ``[window_start, window_end]``.

    Parameters
    ----------
    idea_card : PreflightPlan or idea-card-like
        See :func:`as_plan`.
    data_loader : callable, LocalFileLoader, path or DataFrame
        ``(symbol, tf, start, end) -> DataFrame``; a path or DataFrame of 1m bars is wrapped in
        a :class:`LocalFileLoader`.
    window_start, window_end :
        The test range (inclusive; naive = UTC).
    gap_threshold_multiplier : float
        Steps longer than ``tf * multiplier`` are reported gaps (a warning, not a failure).
    auto_sync_missing, auto_sync_config :
        Run the injected tools on failed pairs, then re-validate (up to ``max_attempts``).
    warmup_requirements :
        Warmup bars per role (mapping, object with ``warmup_by_role``, or callable of the card).
    earliest_date :
        Earliest date data may be required from (``None``: no limit).
    safety : SafetyBuffer
        Bars added before each role's warmup (default ``max(10, ceil(5 %))``).
    require_every_exec_close : bool
        Require 1m bars inside every exec bar of the grid, not only the exec bars present.

    Raises
    ------
    DataError
        ``INVALID_WINDOW``, ``BEFORE_EARLIEST_DATE``, ``MISSING_EXEC_ROLE``, ``NO_DATA_LOADER``.
    """
    plan, requirements = as_plan(idea_card, warmup_requirements)
    ws, we = check_window(window_start, window_end, earliest_date)
    window = compute_window(ws, we, plan.tf_by_role, plan.warmup_by_role, safety=safety)
    _check_warmup_earliest(window, earliest_date)
    loader = _as_loader(data_loader)
    pairs = plan_pairs(plan, window)
    results, failed, stamps = validate_all_pairs(pairs, loader, ws, we, gap_threshold_multiplier)
    sync_result = None
    if failed and auto_sync_missing:
        results, failed, stamps, sync_result = _auto_sync_loop(
            pairs, loader, ws, we, gap_threshold_multiplier, failed, auto_sync_config
        )
    has_1m, required_1m = check_1m_coverage(plan, results, window)
    mapping_ok: bool = False
    mapping_msg: Optional[str] = "1m coverage missing"
    if has_1m:
        mapping_ok, mapping_msg = check_exec_mapping(plan, window, stamps, require_every_exec_close)
    exec_tf = window.tf_by_role["exec"]
    passed = has_1m and mapping_ok and all(r.status != PreflightStatus.FAILED for r in results.values())
    code, details = (None, None) if passed else select_error(results, has_1m, mapping_ok, mapping_msg, exec_tf)
    if not passed and code is None:
        code, details = "DATA_QUALITY_ISSUE", {"reason": "unknown"}
    return PreflightReport(
        idea_card_id=plan.id,
        window_start=from_epoch_ms(ws),
        window_end=from_epoch_ms(we),
        overall_status=PreflightStatus.PASSED if passed else PreflightStatus.FAILED,
        tf_results=results,
        auto_sync_result=sync_result,
        computed_warmup_requirements=requirements,
        error_code=code,
        error_details=details,
        has_1m_coverage=has_1m,
        exec_to_1m_mapping_feasible=mapping_ok,
        required_1m_bars=required_1m,
        exec_key=f"{plan.symbols[0]}:{exec_tf}" if plan.symbols else None,
        window=window,
    )

