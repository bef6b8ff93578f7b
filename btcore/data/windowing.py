"""Run windows: how much data before and after the test range each timeframe needs.

One type, :class:`DataWindow` (``LoadWindow`` is the same class), computed by
:func:`compute_window` and used by preflight and by the loop's data preparation alike, so both
load exactly the same range. For each role (``exec`` — ``ltf`` is its old name —, ``mtf``,
``htf``) with timeframe ``tf`` and ``w`` warmup bars::

    safety(role) = max(safety.min_bars, ceil(w * safety.fraction)) + extra closes of the role
    start(role)  = test_start - (w + safety(role)) * tf
    start(1m)    = min over roles of start(role)     # the 1m feed must cover every warmup
    data_start   = start(1m)
    data_end     = test_end + tail_exec_bars * exec_tf + tail_span

MTF warmup counts (the reference's ``compute_data_window`` ignored it). The safety and tail
buffers are parameters; the defaults of :func:`compute_window` add none. Preflight passes
:data:`PREFLIGHT_SAFETY` (``max(10, ceil(5 %))`` bars, the reference preflight's rule).

The reference's functions are kept with their signatures: :func:`compute_load_window`,
:func:`compute_simple_load_window`, :func:`compute_data_window`,
:func:`compute_warmup_start_simple`, :func:`compute_warmup_bars`, :func:`compute_warmup_span`,
:func:`compute_safety_buffer_span`, :func:`compute_tail_buffer_span`; all return or use
:class:`DataWindow`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Dict, Mapping, Optional, Tuple

from ..errors import DataError
from ..timeframe import from_epoch_ms, normalize_tf, tf_duration, tf_ms
from ._timestamps import scalar_ms

__all__ = [
    "DEFAULT_HTF_SAFETY_CLOSES",
    "DEFAULT_MTF_SAFETY_CLOSES",
    "DEFAULT_TAIL_LTF_BARS",
    "DEFAULT_TAIL_FUNDING_INTERVALS",
    "FUNDING_INTERVAL_HOURS",
    "ROLES",
    "SafetyBuffer",
    "NO_SAFETY",
    "PREFLIGHT_SAFETY",
    "WarmupConfig",
    "DataWindow",
    "LoadWindow",
    "Window",
    "exec_tf_of",
    "compute_window",
    "compute_warmup_bars",
    "compute_warmup_span",
    "compute_safety_buffer_span",
    "compute_tail_buffer_span",
    "compute_load_window",
    "compute_simple_load_window",
    "compute_data_window",
    "compute_warmup_start_simple",
]

DEFAULT_HTF_SAFETY_CLOSES = 10
DEFAULT_MTF_SAFETY_CLOSES = 20
DEFAULT_TAIL_LTF_BARS = 2
DEFAULT_TAIL_FUNDING_INTERVALS = 1
FUNDING_INTERVAL_HOURS = 8
#: Roles in the order they are reported; ``ltf`` is accepted as the old name of ``exec``.
ROLES = ("exec", "mtf", "htf")


@dataclass(frozen=True)
class SafetyBuffer:
    """Extra bars before each role's warmup: ``max(min_bars, ceil(warmup * fraction))``."""

    min_bars: int = 0
    fraction: float = 0.0

    def bars(self, warmup_bars: int) -> int:
        """Safety bars for a role with ``warmup_bars`` warmup bars."""
        return max(int(self.min_bars), math.ceil(max(int(warmup_bars), 0) * float(self.fraction)))


NO_SAFETY = SafetyBuffer()
PREFLIGHT_SAFETY = SafetyBuffer(min_bars=10, fraction=0.05)


@dataclass
class WarmupConfig:
    """The reference's buffer settings (safety closes of HTF/MTF, tail bars and funding)."""

    htf_safety_closes: int = DEFAULT_HTF_SAFETY_CLOSES
    mtf_safety_closes: int = DEFAULT_MTF_SAFETY_CLOSES
    tail_ltf_bars: int = DEFAULT_TAIL_LTF_BARS
    tail_funding_intervals: int = DEFAULT_TAIL_FUNDING_INTERVALS


def _span_s(td: Optional[timedelta]) -> float:
    return td.total_seconds() if td else 0.0


@dataclass(frozen=True)
class DataWindow:
    """The data range a run needs: the test range plus warmup, safety and tail buffers.

    Every datetime is aware UTC. ``load_start``/``load_end`` are the reference ``LoadWindow``
    names of ``data_start``/``data_end``. Per-role details: ``tf_by_role``,
    ``warmup_bars_by_role``, ``safety_bars_by_role``, ``start_by_role`` (plus ``"1m"``: the 1m
    feed's start).
    """

    test_start: datetime
    test_end: datetime
    data_start: datetime
    data_end: datetime
    warmup_span: timedelta = timedelta(0)
    htf_warmup_span: Optional[timedelta] = None
    safety_buffer_span: timedelta = timedelta(0)
    tail_buffer_span: timedelta = timedelta(0)
    warmup_bars_by_tf: Dict[str, int] = field(default_factory=dict)
    max_lookback_bars: int = 0
    tf_by_role: Dict[str, str] = field(default_factory=dict)
    warmup_bars_by_role: Dict[str, int] = field(default_factory=dict)
    safety_bars_by_role: Dict[str, int] = field(default_factory=dict)
    start_by_role: Dict[str, datetime] = field(default_factory=dict)

    @property
    def load_start(self) -> datetime:
        return self.data_start

    @property
    def load_end(self) -> datetime:
        return self.data_end

    @property
    def data_start_ms(self) -> int:
        return scalar_ms(self.data_start)  # type: ignore[return-value]

    @property
    def data_end_ms(self) -> int:
        return scalar_ms(self.data_end)  # type: ignore[return-value]

    def start_for(self, role_or_tf: str) -> datetime:
        """Data start of a role (``exec``/``ltf``/``mtf``/``htf``), of ``"1m"``, or of a tf."""
        key = "exec" if role_or_tf == "ltf" else role_or_tf
        if key in self.start_by_role:
            return self.start_by_role[key]
        tf = normalize_tf(role_or_tf)
        starts = [self.start_by_role[r] for r, t in self.tf_by_role.items() if t == tf]
        if not starts:
            raise DataError(
                f"No role or timeframe {role_or_tf!r} in this window; known: "
                f"{sorted(self.start_by_role)} and timeframes {sorted(set(self.tf_by_role.values()))}",
                "UNKNOWN_ROLE",
            )
        return min(starts)

    def to_dict(self) -> Dict[str, Any]:
        """Union of the reference ``LoadWindow`` and ``DataWindow`` keys, plus per-role data."""
        d: Dict[str, Any] = {
            "test_start": self.test_start.isoformat(),
            "test_end": self.test_end.isoformat(),
            "load_start": self.data_start.isoformat(),
            "load_end": self.data_end.isoformat(),
            "data_start": self.data_start.isoformat(),
            "data_end": self.data_end.isoformat(),
            "warmup_span_seconds": _span_s(self.warmup_span),
            "safety_buffer_span_seconds": _span_s(self.safety_buffer_span),
            "tail_buffer_span_seconds": _span_s(self.tail_buffer_span),
            "warmup_bars_by_tf": dict(self.warmup_bars_by_tf),
            "max_lookback_bars": self.max_lookback_bars,
            "tf_by_role": dict(self.tf_by_role),
            "warmup_bars_by_role": dict(self.warmup_bars_by_role),
            "safety_bars_by_role": dict(self.safety_bars_by_role),
            "start_by_role": {k: v.isoformat() for k, v in self.start_by_role.items()},
        }
        if self.htf_warmup_span:
            d["htf_warmup_span_seconds"] = _span_s(self.htf_warmup_span)
        return d


#: The reference's two names for the one window type.
LoadWindow = DataWindow
Window = DataWindow


def exec_tf_of(tf_by_role: Mapping[str, str]) -> str:
    """The exec timeframe of a role mapping (``exec``, or its old name ``ltf``)."""
    tf = tf_by_role.get("exec") or tf_by_role.get("ltf")
    if not tf:
        raise DataError(
            f"tf_by_role must contain 'exec' or 'ltf' key; got {sorted(tf_by_role)}", "MISSING_EXEC_ROLE"
        )
    return tf


def _roles(tf_by_role: Mapping[str, str], warmup_by_role: Mapping[str, int]) -> Dict[str, Tuple[str, int]]:
    """role → (tf, warmup) with ``ltf`` folded into ``exec`` (for tfs and warmups alike)."""
    exec_tf = exec_tf_of(tf_by_role)
    out = {}
    for role in ROLES:
        tf = exec_tf if role == "exec" else tf_by_role.get(role)
        if not tf:
            continue
        w = warmup_by_role.get(role, 0) if role != "exec" else max(
            int(warmup_by_role.get("exec", 0) or 0), int(warmup_by_role.get("ltf", 0) or 0)
        )
        w = int(w or 0)
        if w < 0:
            raise DataError(f"warmup bars for role {role!r} must be >= 0, got {w}", "BAD_WARMUP")
        out[role] = (normalize_tf(tf), w)
    return out


def compute_window(
    window_start: Any,
    window_end: Any,
    tf_by_role: Mapping[str, str],
    warmup_bars_by_role: Optional[Mapping[str, int]] = None,
    *,
    safety: SafetyBuffer = NO_SAFETY,
    htf_safety_closes: int = 0,
    mtf_safety_closes: int = 0,
    tail_exec_bars: int = 0,
    tail_span: timedelta = timedelta(0),
) -> DataWindow:
    """The one window computation (see the module docstring for the formulas).

    Parameters
    ----------
    window_start, window_end :
        Test range (inclusive), anything :func:`btcore.timeframe.to_epoch_ms` accepts.
    tf_by_role : mapping
        ``exec`` (or ``ltf``) required; ``mtf``, ``htf`` optional.
    warmup_bars_by_role : mapping, optional
        Warmup bars per role (missing = 0).
    safety, htf_safety_closes, mtf_safety_closes :
        Safety bars added before each role's warmup.
    tail_exec_bars, tail_span :
        Data loaded after ``window_end``.
    """
    ws, we = scalar_ms(window_start, name="window_start"), scalar_ms(window_end, name="window_end")
    if ws is None or we is None or we < ws:
        raise DataError(
            f"Window end ({window_end!r}) must not be before window start ({window_start!r})",
            "INVALID_WINDOW",
        )
    roles = _roles(tf_by_role, warmup_bars_by_role or {})
    extra = {"htf": int(htf_safety_closes), "mtf": int(mtf_safety_closes), "exec": 0}
    safety_bars = {r: safety.bars(w) + extra[r] for r, (tf, w) in roles.items()}
    start_ms = {r: ws - (w + safety_bars[r]) * tf_ms(tf) for r, (tf, w) in roles.items()}
    start_ms["1m"] = min(start_ms.values())
    exec_tf, exec_w = roles["exec"]
    tail = tail_span + tail_exec_bars * tf_duration(exec_tf)
    htf = roles.get("htf")
    htf_span = tf_duration(htf[0]) * (htf[1] + safety_bars["htf"]) if htf and htf[1] else None
    warmup_by_tf: Dict[str, int] = {}
    for tf, w in roles.values():
        warmup_by_tf[tf] = max(warmup_by_tf.get(tf, 0), w)
    return DataWindow(
        test_start=from_epoch_ms(ws),
        test_end=from_epoch_ms(we),
        data_start=from_epoch_ms(start_ms["1m"]),
        data_end=from_epoch_ms(we) + tail,
        warmup_span=tf_duration(exec_tf) * (exec_w + safety_bars["exec"]),
        htf_warmup_span=htf_span,
        safety_buffer_span=timedelta(milliseconds=max(safety_bars[r] * tf_ms(tf) for r, (tf, _) in roles.items())),
        tail_buffer_span=tail,
        warmup_bars_by_tf=warmup_by_tf,
        max_lookback_bars=max((w for _, w in roles.values()), default=0),
        tf_by_role={r: tf for r, (tf, _) in roles.items()},
        warmup_bars_by_role={r: w for r, (_, w) in roles.items()},
        safety_bars_by_role=safety_bars,
        start_by_role={k: from_epoch_ms(v) for k, v in start_ms.items()},
    )


# --------------------------------------------------------------------------- reference API


def compute_warmup_bars(max_lookback: int) -> int:
    """Warmup bars for a lookback: the lookback itself, 0 if it is not positive."""
    return 0 if max_lookback <= 0 else int(max_lookback)


def compute_warmup_span(
    tf_mapping: Mapping[str, str], indicator_lookbacks: Mapping[str, int], warmup_config: Optional[WarmupConfig] = None
) -> timedelta:
    """Longest warmup over the roles; ``indicator_lookbacks`` is keyed by timeframe string."""
    lookbacks = {normalize_tf(k): v for k, v in indicator_lookbacks.items()}
    spans = [compute_warmup_bars(lookbacks.get(normalize_tf(tf), 0)) * tf_duration(tf) for tf in tf_mapping.values()]
    return max(spans, default=timedelta(0))


def compute_safety_buffer_span(tf_mapping: Mapping[str, str], warmup_config: Optional[WarmupConfig] = None) -> timedelta:
    """``max(htf_safety_closes * htf, mtf_safety_closes * mtf)`` (roles that are absent count 0)."""
    cfg = warmup_config or WarmupConfig()
    spans = [timedelta(0)]
    if tf_mapping.get("htf"):
        spans.append(cfg.htf_safety_closes * tf_duration(tf_mapping["htf"]))
    if tf_mapping.get("mtf"):
        spans.append(cfg.mtf_safety_closes * tf_duration(tf_mapping["mtf"]))
    return max(spans)


def compute_tail_buffer_span(tf_mapping: Mapping[str, str], warmup_config: Optional[WarmupConfig] = None) -> timedelta:
    """``tail_ltf_bars * exec + tail_funding_intervals * 8h``."""
    cfg = warmup_config or WarmupConfig()
    return cfg.tail_ltf_bars * tf_duration(exec_tf_of(tf_mapping)) + timedelta(
        hours=FUNDING_INTERVAL_HOURS * cfg.tail_funding_intervals
    )


def compute_load_window(
    test_start: Any,
    test_end: Any,
    tf_mapping: Mapping[str, str],
    indicator_lookbacks: Mapping[str, int],
    warmup_config: Optional[WarmupConfig] = None,
) -> DataWindow:
    """Reference ``LoadWindow`` arithmetic: ``load_start = test_start - warmup - safety``.

    ``warmup`` is the longest lookback span over the roles (lookbacks keyed by tf), ``safety``
    the HTF/MTF safety closes and ``load_end = test_end + tail``.
    """
    cfg = warmup_config or WarmupConfig()
    warmup = compute_warmup_span(tf_mapping, indicator_lookbacks, cfg)
    safety = compute_safety_buffer_span(tf_mapping, cfg)
    tail = compute_tail_buffer_span(tf_mapping, cfg)
    ts, te = from_epoch_ms(scalar_ms(test_start)), from_epoch_ms(scalar_ms(test_end))  # type: ignore[arg-type]
    lookbacks = {normalize_tf(k): v for k, v in indicator_lookbacks.items()}
    roles = {("exec" if r == "ltf" else r): normalize_tf(tf) for r, tf in tf_mapping.items()}
    warm_roles = {r: compute_warmup_bars(lookbacks.get(tf, 0)) for r, tf in roles.items()}
    return DataWindow(
        test_start=ts,
        test_end=te,
        data_start=ts - warmup - safety,
        data_end=te + tail,
        warmup_span=warmup,
        safety_buffer_span=safety,
        tail_buffer_span=tail,
        warmup_bars_by_tf={tf: compute_warmup_bars(lb) for tf, lb in lookbacks.items()},
        max_lookback_bars=max([0, *lookbacks.values()]),
        tf_by_role=roles,
        warmup_bars_by_role=warm_roles,
        start_by_role={r: ts - warm_roles[r] * tf_duration(tf) - safety for r, tf in roles.items()},
    )


def compute_simple_load_window(test_start: Any, test_end: Any, tf: str, max_lookback: int) -> DataWindow:
    """Single-timeframe :func:`compute_load_window` (no HTF/MTF safety; default tail)."""
    cfg = WarmupConfig(htf_safety_closes=0, mtf_safety_closes=0)
    return compute_load_window(test_start, test_end, {"htf": tf, "mtf": tf, "ltf": tf}, {tf: max_lookback}, cfg)


def compute_data_window(
    window_start: Any,
    window_end: Any,
    warmup_bars_by_role: Mapping[str, int],
    tf_by_role: Mapping[str, str],
    safety_buffer_bars: int = 0,
) -> DataWindow:
    """Window keyed by role, as the engine uses it: :func:`compute_window` with a fixed safety.

    Unlike the reference, MTF warmup and an ``ltf`` warmup key count.
    """
    return compute_window(
        window_start, window_end, tf_by_role, warmup_bars_by_role,
        safety=SafetyBuffer(min_bars=int(safety_buffer_bars)),
    )


def compute_warmup_start_simple(window_start: Any, warmup_bars: int, tf: str, safety_buffer_bars: int = 0) -> datetime:
    """``window_start - tf * (warmup_bars + safety_buffer_bars)`` as an aware UTC datetime."""
    ms = scalar_ms(window_start, name="window_start")
    return from_epoch_ms(ms - tf_ms(tf) * (int(warmup_bars) + int(safety_buffer_bars)))  # type: ignore[operator]
