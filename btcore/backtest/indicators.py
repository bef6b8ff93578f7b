"""Indicators of a backtest, computed once per timeframe before the loop.

Everything is vectorised over whole columns (pandas/numpy); nothing runs per bar. Values before
an indicator's first valid bar are NaN, which the view reads as None, so a rule comparing a
not-yet-valid indicator is simply false.

Conventions (the common ones, so results can be cross-checked against other tools):

``sma``
    Arithmetic mean of the last ``length`` values; first valid at index ``length - 1``.
``ema``
    ``alpha = 2 / (length + 1)``, seeded with the SMA of the first ``length`` values (first valid
    at index ``length - 1``), then ``ema[i] = alpha * x[i] + (1 - alpha) * ema[i-1]``.
``rsi``
    Wilder's RSI: average gain and loss seeded with the mean of the first ``length`` changes, then
    smoothed with ``alpha = 1 / length``; ``100 - 100 / (1 + avg_gain / avg_loss)`` (100 when there
    was no loss). First valid at index ``length``.
``atr``
    Wilder's ATR of the true range ``max(high - low, |high - prev_close|, |low - prev_close|)``
    (the first bar's true range is ``high - low``), seeded with the mean of the first ``length``
    true ranges, then ``alpha = 1 / length``. First valid at index ``length - 1``.
``roc``
    Rate of change in percent, ``100 * (x[i] / x[i - length] - 1)``.
``highest`` / ``lowest``
    Rolling maximum of the highs / minimum of the lows over ``length`` bars (Donchian channel).
``stdev``
    Rolling population standard deviation of the source over ``length`` bars.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
from numpy.typing import NDArray
import pandas as pd

from ..errors import ConfigError

__all__ = [
    "IndicatorSpec", "INDICATORS", "SOURCES", "compute_indicator", "indicator_metadata", "parse_indicator_specs",
]

SOURCES = ("open", "high", "low", "close", "volume", "hl2", "hlc3", "ohlc4")


def _source(df: pd.DataFrame, source: str) -> pd.Series:
    if source == "hl2":
        return (df["high"] + df["low"]) / 2.0
    if source == "hlc3":
        return (df["high"] + df["low"] + df["close"]) / 3.0
    if source == "ohlc4":
        return (df["open"] + df["high"] + df["low"] + df["close"]) / 4.0
    return df[source].astype(np.float64)


def _seeded_ewm(x: pd.Series, length: int, alpha: float, first: int) -> NDArray[Any]:
    """Recursive average of ``x`` seeded with the mean of ``x[first - length + 1 : first + 1]``.

    Rows before ``first`` are NaN. pandas' ``ewm(adjust=False)`` starts at the first non-NaN value,
    so masking the warm-up rows and planting the seed there gives the textbook recursion without a
    Python loop.
    """
    n = len(x)
    out = np.full(n, np.nan)
    if n <= first:
        return out
    seeded = x.to_numpy(dtype=np.float64, copy=True)
    seeded[:first] = np.nan
    seeded[first] = float(np.mean(x.to_numpy()[first - length + 1 : first + 1]))
    out[:] = pd.Series(seeded).ewm(alpha=alpha, adjust=False).mean().to_numpy()
    out[:first] = np.nan
    return out


def _f64(values: Any) -> NDArray[Any]:
    """``values`` (a pandas result, untyped) as a float64 array."""
    out: NDArray[Any] = np.asarray(values, dtype=np.float64)
    return out


def _sma(df: pd.DataFrame, length: int, source: str) -> NDArray[Any]:
    return _f64(_source(df, source).rolling(length, min_periods=length).mean())


def _ema(df: pd.DataFrame, length: int, source: str) -> NDArray[Any]:
    return _seeded_ewm(_source(df, source), length, 2.0 / (length + 1.0), length - 1)


def _rsi(df: pd.DataFrame, length: int, source: str) -> NDArray[Any]:
    delta = _source(df, source).diff()
    gain = _seeded_ewm(delta.clip(lower=0.0), length, 1.0 / length, length)
    loss = _seeded_ewm((-delta).clip(lower=0.0), length, 1.0 / length, length)
    with np.errstate(divide="ignore", invalid="ignore"):
        rsi = 100.0 - 100.0 / (1.0 + gain / loss)
    rsi[(loss == 0.0) & ~np.isnan(gain)] = 100.0
    out: NDArray[Any] = rsi
    return out


def _atr(df: pd.DataFrame, length: int, source: str) -> NDArray[Any]:
    high, low, prev_close = df["high"], df["low"], df["close"].shift(1)
    ranges = pd.concat([high - low, (high - prev_close).abs(), (low - prev_close).abs()], axis=1)
    true_range: pd.Series = ranges.max(axis=1, skipna=True)
    return _seeded_ewm(true_range, length, 1.0 / length, length - 1)


def _roc(df: pd.DataFrame, length: int, source: str) -> NDArray[Any]:
    x = _source(df, source)
    return _f64(100.0 * (x / x.shift(length) - 1.0))


def _highest(df: pd.DataFrame, length: int, source: str) -> NDArray[Any]:
    return _f64(df["high"].rolling(length, min_periods=length).max())


def _lowest(df: pd.DataFrame, length: int, source: str) -> NDArray[Any]:
    return _f64(df["low"].rolling(length, min_periods=length).min())


def _stdev(df: pd.DataFrame, length: int, source: str) -> NDArray[Any]:
    return _f64(_source(df, source).rolling(length, min_periods=length).std(ddof=0))


# type -> (function, default source, warm-up bars as a function of length)
INDICATORS: Mapping[str, tuple[Callable[[pd.DataFrame, int, str], NDArray[Any]], str, Callable[[int], int]]] = {
    "sma": (_sma, "close", lambda n: n),
    "ema": (_ema, "close", lambda n: n),
    "rsi": (_rsi, "close", lambda n: n + 1),
    "atr": (_atr, "hlc", lambda n: n),
    "roc": (_roc, "close", lambda n: n + 1),
    "highest": (_highest, "high", lambda n: n),
    "lowest": (_lowest, "low", lambda n: n),
    "stdev": (_stdev, "close", lambda n: n),
}
_FIXED_SOURCE = {"atr", "highest", "lowest"}  # these read high/low/close themselves
ROLES = ("exec", "mtf", "htf")


@dataclass(frozen=True)
class IndicatorSpec:
    """One configured indicator: ``name`` is the key strategies read (``indicator.<name>``)."""

    name: str
    type: str
    length: int
    source: str
    roles: tuple[str, ...]

    @property
    def warmup_bars(self) -> int:
        """Bars of its own timeframe the indicator needs before its first valid value."""
        return INDICATORS[self.type][2](self.length)

    @property
    def params(self) -> dict[str, int]:
        """Parameters that define the values (the input of the feature spec id)."""
        return {"length": self.length}


def compute_indicator(df: pd.DataFrame, spec: IndicatorSpec) -> NDArray[Any]:
    """Values of ``spec`` over the OHLCV frame ``df`` (float64, same length, NaN while warming up)."""
    fn = INDICATORS[spec.type][0]
    return np.ascontiguousarray(fn(df, spec.length, spec.source), dtype=np.float64)


def indicator_metadata(spec: IndicatorSpec, values: NDArray[Any], symbol: str, tf: str, role: str,
                       ts_open_ms: NDArray[Any]) -> Any:
    """Provenance record of one computed indicator (:class:`btcore.data.indicator_metadata.IndicatorMetadata`).

    The feature spec id hashes the type, the parameters and the input source, so the report
    says exactly which computation produced each column.
    """
    from ..data.indicator_metadata import IndicatorMetadata, compute_feature_spec_id, find_first_valid_idx
    from ..timeframe import from_epoch_ms

    n = len(values)
    first = int(find_first_valid_idx(values))
    return IndicatorMetadata(
        indicator_key=spec.name,
        feature_spec_id=compute_feature_spec_id(spec.type, spec.params, spec.source),
        indicator_type=spec.type,
        params=spec.params,
        input_source=spec.source,
        symbol=symbol,
        tf=tf,
        tf_role=role,
        warmup_bars_declared=spec.warmup_bars,
        first_valid_idx_observed=first,
        start_bar_idx=max(first, 0),
        end_bar_idx=max(n - 1, 0),
        start_ts=from_epoch_ms(int(ts_open_ms[max(first, 0)])) if n else None,
        end_ts=from_epoch_ms(int(ts_open_ms[-1])) if n else None,
        pandas_ta_version="not_used",  # computed by btcore.backtest.indicators with pandas/numpy
    )


def parse_indicator_specs(entries: object) -> list[IndicatorSpec]:
    """Validate the ``[[indicators]]`` tables of a run configuration.

    Each entry needs ``name`` and ``type``; ``length`` (default 14), ``source`` and ``roles``
    (default all of exec, mtf, htf) are optional.

    Raises
    ------
    ConfigError
        Naming the entry and the bad value (unknown type, bad length, duplicate name, ...).
    """
    if not isinstance(entries, list):
        raise ConfigError(f"'indicators' must be a list of tables, got {type(entries).__name__}")
    specs: list[IndicatorSpec] = []
    seen: set[str] = set()
    for k, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise ConfigError(f"indicators[{k}] must be a table, got {entry!r}")
        unknown = sorted(set(entry) - {"name", "type", "length", "source", "roles"})
        if unknown:
            raise ConfigError(
                f"indicators[{k}] has unknown key(s) {unknown}; allowed: name, type, length, source, roles"
            )
        name = entry.get("name")
        if not isinstance(name, str) or not name.isidentifier():
            raise ConfigError(f"indicators[{k}].name must be an identifier like 'ema_fast', got {name!r}")
        if name in seen:
            raise ConfigError(f"indicator name {name!r} is declared twice")
        seen.add(name)
        kind = str(entry.get("type", "")).lower()
        if kind not in INDICATORS:
            raise ConfigError(
                f"unknown indicator type {entry.get('type')!r} for {name!r}; allowed: {', '.join(INDICATORS)}"
            )
        length = entry.get("length", 14)
        if isinstance(length, bool) or not isinstance(length, int) or length < 1:
            raise ConfigError(f"indicator {name!r}: length must be an integer >= 1, got {length!r}")
        source = str(entry.get("source", INDICATORS[kind][1])).lower()
        if kind in _FIXED_SOURCE:
            source = INDICATORS[kind][1]
        elif source not in SOURCES:
            raise ConfigError(f"indicator {name!r}: unknown source {source!r}; allowed: {', '.join(SOURCES)}")
        roles = entry.get("roles", list(ROLES))
        if isinstance(roles, str):
            roles = [roles]
        bad = [r for r in roles if r not in ROLES] if isinstance(roles, list) else [roles]
        if bad or not roles:
            raise ConfigError(f"indicator {name!r}: roles must be a non-empty list of {', '.join(ROLES)}, got {roles!r}")
        specs.append(IndicatorSpec(name, kind, int(length), source, tuple(dict.fromkeys(roles))))
    return specs
