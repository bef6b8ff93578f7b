"""From a 1m frame to the feeds of a run, and the exec bar range it trades.

Everything here runs once per run and is vectorised: resampling, indicators, the first bar
where every role is ready, the last bar every role has closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

import numpy as np
from numpy.typing import NDArray
import pandas as pd

from ..errors import ConfigError
from ..feed import FeedStore, MultiTFFeedStore
from ..timeframe import tf_ms
from .indicators import IndicatorSpec, compute_indicator, indicator_metadata
from .settings import RunConfig, iso_ms

__all__ = ["ROLES", "build_feeds", "role_feeds", "RunRange", "run_range", "minute_frame_of", "warmup_by_role",
           "role_warmups", "spec_warmups", "resampled", "feed_of"]

ROLES = ("exec", "mtf", "htf")


def resampled(df1: pd.DataFrame, tf: str) -> pd.DataFrame:
    """The 1m frame at timeframe ``tf`` (the frame itself for 1m)."""
    from ..data.loaders import resample_ohlcv

    return df1 if tf_ms(tf) == 60_000 else resample_ohlcv(df1, tf)


def feed_of(tf: str, symbol: str, df: pd.DataFrame, **kwargs: Any) -> FeedStore:
    """A FeedStore of the OHLCV frame ``df`` (``kwargs``: indicators, metadata, warmup)."""
    return FeedStore.from_arrays(
        tf, symbol, df["ts"].to_numpy(), df["open"].to_numpy(), df["high"].to_numpy(),
        df["low"].to_numpy(), df["close"].to_numpy(), df["volume"].to_numpy(), **kwargs,
    )


def build_feeds(cfg: RunConfig, df1: pd.DataFrame) -> tuple[MultiTFFeedStore, list[Any]]:
    """Resample the 1m frame to the exec/MTF/HTF timeframes, compute indicators, build the feeds.

    Returns the :class:`MultiTFFeedStore` (1m quote feed attached) and the indicator metadata
    records (one per indicator and role). Every role gets its own feed, also when its timeframe
    equals a faster role's (the view reads a role without a feed as absent); such roles share
    the resampled frame and the computed values.
    """
    tfs = cfg.tf_mapping
    frames: dict[str, pd.DataFrame] = {}
    values: dict[tuple[str, str], NDArray[Any]] = {}
    feeds: dict[str, FeedStore] = {}
    records: list[Any] = []
    for role in ROLES:
        tf = tfs[role]
        if tf not in frames:
            frames[tf] = resampled(df1, tf)
        df = frames[tf]
        if len(df) == 0:
            raise ConfigError(
                f"the data has no complete {tf} bar for role {role!r} ({len(df1)} 1m bars); "
                "use more data or a shorter timeframe"
            )
        arrays: dict[str, NDArray[Any]] = {}
        meta: dict[str, Any] = {}
        for spec in cfg.indicators:
            if role not in spec.roles:
                continue
            if (spec.name, tf) not in values:
                values[(spec.name, tf)] = compute_indicator(df, spec)
            arrays[spec.name] = values[(spec.name, tf)]
            meta[spec.name] = indicator_metadata(spec, arrays[spec.name], cfg.symbol, tf, role, df["ts"].to_numpy())
        records.extend(meta.values())
        warmup = max((s.warmup_bars for s in cfg.indicators if role in s.roles), default=0)
        feeds[role] = feed_of(tf, cfg.symbol, df, indicators=arrays, indicator_metadata=meta, warmup_bars=warmup)
    multi = MultiTFFeedStore(
        feeds["exec"], htf_feed=feeds["htf"], mtf_feed=feeds["mtf"], tf_mapping=dict(tfs),
        quote_feed=feed_of("1m", cfg.symbol, df1),
    )
    return multi, records


def role_feeds(feeds: MultiTFFeedStore) -> dict[str, FeedStore]:
    """Role → feed; a role without its own feed reads the next faster one."""
    mtf = feeds.mtf_feed if feeds.mtf_feed is not None else feeds.exec_feed
    return {"exec": feeds.exec_feed, "mtf": mtf, "htf": feeds.htf_feed if feeds.htf_feed is not None else mtf}


def role_warmups(feeds: MultiTFFeedStore, warmups: Optional[Mapping[str, int]] = None) -> dict[str, int]:
    """Warmup bars of each role: ``warmups`` (role → bars of its timeframe) or the feeds' own."""
    return {role: int(warmups[role]) if warmups is not None else f.warmup_bars for role, f in role_feeds(feeds).items()}


def spec_warmups(specs: Sequence[IndicatorSpec]) -> dict[str, int]:
    """Warmup bars of each role for indicators ``specs`` (what :func:`build_feeds` gives each feed)."""
    return {role: max((s.warmup_bars for s in specs if role in s.roles), default=0) for role in ROLES}


def warmup_by_role(feeds: MultiTFFeedStore, warmups: Optional[Mapping[str, int]] = None) -> dict[str, int]:
    """Bars of each role needed before the first traded bar: its warmup minus the bar that
    completes it (the first traded bar's own values, or the role's bar closed by then)."""
    return {role: max(w - 1, 0) for role, w in role_warmups(feeds, warmups).items()}


def minute_frame_of(feeds: MultiTFFeedStore) -> Optional[pd.DataFrame]:
    """The canonical 1m frame of a feed set's quote feed (None without one), over its arrays."""
    q = feeds.quote_feed
    if q is None:
        return None
    # views of the feed's immutable arrays (no copy: the 1m bars are held once, by the feed)
    return pd.DataFrame({"ts": q.ts_open_ms, "open": q.open, "high": q.high, "low": q.low, "close": q.close,
                         "volume": q.volume}, copy=False)


@dataclass(frozen=True)
class RunRange:
    """Exec bars ``[lo, hi)`` to trade and why the run starts where it does."""

    lo: int
    hi: int
    start_note: str


def _ready_ms(feeds: MultiTFFeedStore, warmups: Optional[Mapping[str, int]]) -> tuple[int, str]:
    """Earliest exec close at which every role shows a bar with valid indicators (and the reason)."""
    ready, why = -(2**62), ""
    bars = role_warmups(feeds, warmups)
    for role, f in role_feeds(feeds).items():
        need = max(bars[role], 1)
        if f.length < need:
            raise ConfigError(
                f"the {role} role ({f.tf}) never becomes ready: its indicators need {need} {f.tf} bars and "
                f"the data has {f.length}; use more data, a shorter {role} timeframe or shorter indicators"
            )
        at = int(f.ts_close_ms[need - 1])
        if at > ready:
            ready, why = at, f"{role} {f.tf} needs {need} closed bar{'s' if need > 1 else ''}"
    return ready, why


def run_range(cfg: RunConfig, feeds: MultiTFFeedStore, warmups: Optional[Mapping[str, int]] = None) -> RunRange:
    """Exec bar range to trade (``warmups``: role → warmup bars instead of the feeds' own, see
    :func:`spec_warmups`).

    Default start: the first exec bar at whose close every role is ready — the exec bar holds its
    indicators' warmup, each slower role has closed enough bars for its indicators (at least one).
    Default end: the last exec bar that closes no later than the last complete bar of every role.
    ``cfg.start`` / ``cfg.end`` (exec bar opens, end exclusive) replace them.

    Raises
    ------
    ConfigError
        No bar is left to trade; the message names the options and the data's span in ISO time.
    """
    ex = feeds.exec_feed
    ts_open, ts_close = ex.ts_open_ms, ex.ts_close_ms
    roles = role_feeds(feeds).values()
    ready, why = _ready_ms(feeds, warmups)
    if cfg.start is None:
        lo = int(np.searchsorted(ts_close, ready, "left"))
        note = f"first {ex.tf} bar where every role is ready ({why})" if lo < len(ex) else ""
    else:
        lo = int(np.searchsorted(ts_open, int(cfg.start), "left"))
        note = "as asked (--start / data.start)"
        if lo < len(ex) and int(ts_close[lo]) < ready:
            note += f"; before every role is ready ({why}): early bars read None"
    if cfg.end is None:
        last_close = min(int(f.ts_close_ms[-1]) for f in roles)
        hi = int(np.searchsorted(ts_close, last_close, side="right"))
    else:
        hi = int(np.searchsorted(ts_open, int(cfg.end), "left"))
    if hi <= lo:
        asked = f" between --start {iso_ms(cfg.start)} and --end {iso_ms(cfg.end)}" if cfg.start or cfg.end else ""
        raise ConfigError(
            f"no {ex.tf} bar left to trade{asked}: the first bar where every role is ready closes at "
            f"{iso_ms(ready)} ({why}); the data covers {iso_ms(int(ts_open[0]))} to {iso_ms(int(ts_close[-1]))}"
        )
    return RunRange(lo, hi, note)
