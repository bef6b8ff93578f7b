"""The reference ``preflight`` module: btcore's data gate, with the reference engine's hooks.

The types and the checks are :mod:`btcore.data.preflight`'s. :func:`run_preflight_gate` keeps the
reference signature and adds what the reference engine relied on:

* **Warmups from the engine.** The reference preflight called its engine's
  ``compute_warmup_requirements(idea_card)`` (``..execution_validation`` next to the runtime
  package). Installed with :func:`btcore.compat.install`, this module does the same lookup
  relative to the package it serves; without such a function the warmups come from the card
  (``warmup_by_role``, or ``tf_configs[role].warmup_bars``).
* **``computed_warmup_requirements.delay_by_role``** is always there: the engine's own object, or
  a :class:`WarmupRequirements` whose delays come from the card (``delay_by_role``, or
  ``tf_configs[role].delay_bars`` / ``.market_structure.delay_bars``, else 0).
* **Datetimes** of the report follow ``window_start``: naive in (UTC), naive UTC out.
* **Earliest date**: the reference refused windows before 2018-11-01 (its exchange's first
  data); that stays the default here (``earliest_date=None`` lifts it).
"""

from __future__ import annotations

import importlib
import operator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Dict, Mapping, Optional

from ..data import preflight as _pf
from ..data.preflight import (
    AutoSyncConfig,
    AutoSyncResult,
    DataLoader,
    GapInfo,
    PreflightReport,
    PreflightStatus,
    TFPreflightResult,
    ToolCallRecord,
    calculate_warmup_start,
    parse_tf_to_minutes,
    validate_tf_data,
)
from ..errors import DataError
from ._time import follow_window, is_naive, like

__all__ = [
    "PreflightStatus", "ToolCallRecord", "AutoSyncConfig", "AutoSyncResult", "GapInfo", "TFPreflightResult",
    "PreflightReport", "DataLoader", "WarmupRequirements", "EARLIEST_BYBIT_DATE_YEAR", "EARLIEST_BYBIT_DATE_MONTH",
    "parse_tf_to_minutes", "calculate_warmup_start", "validate_tf_data", "run_preflight_gate",
]

EARLIEST_BYBIT_DATE_YEAR = 2018
EARLIEST_BYBIT_DATE_MONTH = 11
_REFERENCE_EARLIEST = datetime(EARLIEST_BYBIT_DATE_YEAR, EARLIEST_BYBIT_DATE_MONTH, 1)
_UNSET: Any = object()


@dataclass(frozen=True)
class WarmupRequirements:
    """Warmup (data lookback) and delay (evaluation offset) bars per role, as the reference
    engine's object reports them."""

    warmup_by_role: Dict[str, int] = field(default_factory=dict)
    delay_by_role: Dict[str, int] = field(default_factory=dict)
    max_warmup_bars: int = 0
    max_delay_bars: int = 0
    feature_warmup: Dict[str, int] = field(default_factory=dict)
    bars_history_required: int = 0

    def to_dict(self) -> Dict[str, Any]:
        """The reference's keys."""
        return {
            "warmup_by_role": dict(self.warmup_by_role),
            "delay_by_role": dict(self.delay_by_role),
            "max_warmup_bars": self.max_warmup_bars,
            "max_delay_bars": self.max_delay_bars,
            "feature_warmup": dict(self.feature_warmup),
            "bars_history_required": self.bars_history_required,
        }


def _bars(value: Any, what: str) -> int:
    try:
        v = -1 if isinstance(value, bool) else operator.index(value)
    except TypeError:
        v = -1
    if v < 0:
        raise DataError(f"{what} must be an int >= 0, got {value!r}", "BAD_WARMUP")
    return v


def _per_role(card: Any, attr: str, *config_attrs: str) -> Dict[str, int]:
    given = getattr(card, attr, None)
    if given is not None:
        return {str(k): _bars(v, f"{attr}[{k!r}]") for k, v in dict(given).items()}
    out: Dict[str, int] = {}
    for role, cfg in dict(getattr(card, "tf_configs", {}) or {}).items():
        value: Any = None
        for path in config_attrs:
            obj = cfg
            for part in path.split("."):
                obj = obj.get(part) if isinstance(obj, Mapping) else getattr(obj, part, None)
                if obj is None:
                    break
            if obj is not None:
                value = obj
                break
        out[str(role)] = _bars(value or 0, f"tf_configs[{role!r}].{config_attrs[0]}")
    return out


def requirements_from_card(card: Any) -> WarmupRequirements:
    """:class:`WarmupRequirements` declared by an idea card (no engine function available)."""
    warm = _per_role(card, "warmup_by_role", "warmup_bars")
    delay = _per_role(card, "delay_by_role", "delay_bars", "market_structure.delay_bars")
    for role in warm:
        delay.setdefault(role, 0)
    return WarmupRequirements(warm, delay, max(warm.values(), default=0), max(delay.values(), default=0))


def _with_delays(req: Any, card: Any) -> Any:
    if hasattr(req, "delay_by_role"):
        return req
    warm = {str(k): int(v) for k, v in dict(getattr(req, "warmup_by_role", req)).items()}
    delay = {role: requirements_from_card(card).delay_by_role.get(role, 0) for role in warm}
    return WarmupRequirements(warm, delay, max(warm.values(), default=0), max(delay.values(), default=0))


def _follow(report: PreflightReport, template: Any) -> PreflightReport:
    if not is_naive(template) and getattr(template, "tzinfo", None) is not None and template.utcoffset() == 0:
        return report

    def conv(v: Any) -> Any:
        return like(template, v) if isinstance(v, datetime) else v

    report.window_start, report.window_end = conv(report.window_start), conv(report.window_end)
    if report.window is not None:
        report.window = follow_window(template, report.window)
    for r in report.tf_results.values():
        r.min_ts, r.max_ts = conv(r.min_ts), conv(r.max_ts)
        r.required_start, r.required_end = conv(r.required_start), conv(r.required_end)
        for g in r.gaps:
            g.start_ts, g.end_ts = conv(g.start_ts), conv(g.end_ts)
    return report


def _run(engine_requirements: Callable[[], Optional[Callable[[Any], Any]]]) -> Callable[..., PreflightReport]:
    def run_preflight_gate(
        idea_card: Any,
        data_loader: Any,
        window_start: Any,
        window_end: Any,
        gap_threshold_multiplier: float = 3.0,
        auto_sync_missing: bool = False,
        auto_sync_config: Optional[AutoSyncConfig] = None,
        *,
        warmup_requirements: Any = None,
        earliest_date: Any = _UNSET,
        **options: Any,
    ) -> PreflightReport:
        """The reference preflight gate (see the module docstring for what it adds to
        :func:`btcore.data.preflight.run_preflight_gate`, whose keyword options it accepts)."""
        req = warmup_requirements
        compute = engine_requirements() if req is None else None
        if compute is not None:
            req = compute(idea_card)
        req = requirements_from_card(idea_card) if req is None else _with_delays(req, idea_card)
        report = _pf.run_preflight_gate(
            idea_card, data_loader, window_start, window_end, gap_threshold_multiplier, auto_sync_missing,
            auto_sync_config, warmup_requirements=req,
            earliest_date=_REFERENCE_EARLIEST if earliest_date is _UNSET else earliest_date, **options,
        )
        return _follow(report, window_start)

    run_preflight_gate.__qualname__ = "run_preflight_gate"
    return run_preflight_gate


run_preflight_gate = _run(lambda: None)


def _bind_package(package_name: str) -> Dict[str, Any]:
    """Installed as ``<engine>.runtime``: use ``<engine>.execution_validation`` when it exists.

    Looked up at the first call, not at import: the engine's module may import this one.
    """
    parent = package_name.rpartition(".")[0]

    def engine_function() -> Optional[Callable[[Any], Any]]:
        if not parent:
            return None
        try:
            module = importlib.import_module(f"{parent}.execution_validation")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"{parent}.execution_validation", parent):
                raise  # the module exists but one of its own imports failed: say so
            return None
        fn = getattr(module, "compute_warmup_requirements", None)
        return fn if callable(fn) else None

    return {"run_preflight_gate": _run(engine_function)}
