"""The settings of one backtest: :class:`RunConfig` — frozen, validated, picklable, with a stable id.

One object serves the three ways in: ``Backtest(data, strategy, **settings)`` in Python, a TOML
file (:func:`btcore.backtest.config_file.build_config`) and the ``btcore run`` command (its
options override the file). Every field is checked in ``__post_init__``, so a bad value raises a
:class:`~btcore.errors.ConfigError` naming the field, the value and the allowed range whichever
way it came in (``RunConfig(commission=5.0)`` included). Field names are the keys of the TOML
file (docs/CLI.md).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional

from ..errors import ConfigError, TimeframeError
from ..timeframe import from_epoch_ms, normalize_tf, to_epoch_ms, validate_tf_mapping
from .._validate import bad_value, number_in, optional_fraction
from .indicators import IndicatorSpec, parse_indicator_specs
from .rules import parse_rule

__all__ = [
    "RunConfig", "FrozenMap", "SAMPLE_PATH", "DEFAULT_INDICATORS", "DEFAULT_RULES", "RULE_KEYS", "SIZINGS",
    "iso_ms",
]

#: Four weeks of real BTCUSDT 1m bars shipped with the package (see its README).
SAMPLE_PATH = Path(__file__).resolve().parents[1] / "cli" / "sample" / "btcusdt_1m_2020-03.parquet"

DEFAULT_INDICATORS: list[dict[str, Any]] = [
    {"name": "ema_fast", "type": "ema", "length": 20, "roles": ["exec", "mtf"]},
    {"name": "ema_slow", "type": "ema", "length": 50, "roles": ["exec", "mtf"]},
    {"name": "rsi", "type": "rsi", "length": 14, "roles": ["exec", "htf"]},
    {"name": "atr", "type": "atr", "length": 14, "roles": ["exec"]},
]
DEFAULT_RULES: dict[str, str] = {
    "long_entry": "indicator.ema_fast crosses_above indicator.ema_slow and indicator.rsi.htf < 70",
    "long_exit": "indicator.ema_fast < indicator.ema_slow",
    "short_entry": "indicator.ema_fast crosses_below indicator.ema_slow and indicator.rsi.htf > 30",
    "short_exit": "indicator.ema_fast > indicator.ema_slow",
}
RULE_KEYS = ("long_entry", "long_exit", "short_entry", "short_exit")
#: Sizing conventions: ``btcore`` (notional = fraction × equity, fee on top) and
#: ``fee_inclusive`` (notional + fee = fraction × equity, as backtesting.py and vectorbt size).
SIZINGS = ("btcore", "fee_inclusive")


def iso_ms(ms: Optional[int]) -> str:
    """ISO-8601 UTC text of epoch ms (``2020-03-06T04:00:00Z``), ``-`` for None."""
    return "-" if ms is None else from_epoch_ms(int(ms)).strftime("%Y-%m-%dT%H:%M:%SZ")


class FrozenMap(Mapping[str, Any]):
    """A read-only, picklable, hashable mapping (rules and strategy parameters of a RunConfig)."""

    __slots__ = ("_data",)
    _data: dict[str, Any]

    def __init__(self, data: Mapping[str, Any] = ()) -> None:  # type: ignore[assignment]
        object.__setattr__(self, "_data", dict(data))

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FrozenMap is read-only")

    def __hash__(self) -> int:
        return hash(json.dumps(self._data, sort_keys=True, default=str))

    def __eq__(self, other: object) -> bool:
        return dict(self._data) == (dict(other) if isinstance(other, Mapping) else other)

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (dict(self._data),))


def _text(name: str, value: Any, *, max_len: int = 64) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > max_len or not value.isprintable():
        raise bad_value(name, f"a non-empty printable string of at most {max_len} characters", value)
    return value.strip()


def _time(name: str, value: Any) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool):
        raise bad_value(name, "an ISO-8601 UTC time, a datetime or epoch ms", value)
    try:
        return to_epoch_ms(value)
    except (TimeframeError, ValueError, TypeError, OverflowError) as exc:
        raise bad_value(name, f"an ISO-8601 UTC time, a datetime or epoch ms ({exc})", value) from None


def _tf(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise bad_value(name, "a timeframe such as '15m', '1h', '4h', '1d'", value)
    try:
        return normalize_tf(value)
    except TimeframeError as exc:
        raise bad_value(name, f"a timeframe such as '15m', '1h', '4h', '1d' ({exc})", value) from None


def _path(name: str, value: Any) -> Optional[Path]:
    if value is None:
        return None
    if not isinstance(value, (str, Path)) or not str(value):
        raise bad_value(name, "a file path", value)
    return Path(value)


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise bad_value(name, "true or false", value)
    return value


def _indicators(value: Any) -> tuple[IndicatorSpec, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
        raise bad_value("indicators", "a list of indicator tables/dicts", value)
    entries = [
        {"name": e.name, "type": e.type, "length": e.length, "source": e.source, "roles": list(e.roles)}
        if isinstance(e, IndicatorSpec) else e
        for e in value
    ]
    return tuple(parse_indicator_specs(entries))


def _rules(value: Any) -> FrozenMap:
    if not isinstance(value, Mapping):
        raise bad_value("rules", f"a mapping of {', '.join(RULE_KEYS)} to rule strings", value)
    unknown = [k for k in value if k not in RULE_KEYS]
    if unknown:
        raise bad_value("rules", f"a mapping with keys among {', '.join(RULE_KEYS)}", dict(value))
    rules = {}
    for key in RULE_KEYS:
        text = value.get(key)
        if text is None or text == "":
            continue
        if not isinstance(text, str):
            raise bad_value(f"strategy.{key}", "a rule string", text)
        parse_rule(text)  # syntax errors surface before any data is loaded
        rules[key] = text
    if rules and not (rules.get("long_entry") or rules.get("short_entry")):
        raise ConfigError("the rules need long_entry and/or short_entry (exits alone never open a position)")
    return FrozenMap(rules)


def _params(value: Any) -> FrozenMap:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise bad_value("strategy_params", "a mapping of parameter names to values", value)
    return FrozenMap(value)


@dataclass(frozen=True)
class RunConfig:
    """Every setting of one backtest, validated on construction.

    Attributes
    ----------
    data_path : Path
        1m OHLCV file of the command and TOML runs (default: the bundled sample). Ignored by
        ``Backtest(data, ...)``, which is given its data.
    symbol : str
        Instrument label (a printable string; never used as a path).
    start, end : int or None
        Traded range as epoch ms (exec bar opens, ``end`` exclusive); ISO strings and datetimes
        are converted. None: from the first bar where every role is ready / to the last bar
        every role has closed.
    exec_tf, mtf, htf : str
        Timeframes, ``htf >= mtf >= exec``.
    initial_equity : float
        Account size, in ``[1e-9, 1e15]``.
    size_fraction : float
        Share of equity each entry commits, in ``[1e-6, 1]``.
    sizing : str
        ``"btcore"`` (notional = size_fraction × equity, commission on top) or
        ``"fee_inclusive"`` (notional + commission = size_fraction × equity).
    min_qty, min_notional, qty_step : float
        Exchange limits: entries below ``min_qty`` units or ``min_notional`` are rejected;
        quantities are rounded down to a multiple of ``qty_step`` (0 = any quantity).
    commission, slippage : float
        Fractions of notional per side, in ``[0, 0.5]``.
    stop_loss_pct, take_profit_pct : float or None
        Stop / target distance from the entry fill as a fraction; None (or 0) = off, the default.
    indicators : tuple of IndicatorSpec
        Indicators computed before the loop (dicts are parsed).
    rules : mapping
        ``long_entry``/``long_exit``/``short_entry``/``short_exit`` rule strings; empty when the
        strategy is Python code.
    strategy_file, strategy_function, strategy_params :
        A Python strategy file, the name to use in it, and its parameters.
    out, plot, allow_preflight_failure :
        Report folder, PNG chart switch, and whether a failing preflight gate stops the run.
    """

    data_path: Path = SAMPLE_PATH
    symbol: str = "BTCUSDT"
    start: Optional[int] = None
    end: Optional[int] = None
    exec_tf: str = "15m"
    mtf: str = "1h"
    htf: str = "4h"
    initial_equity: float = 10_000.0
    size_fraction: float = 1.0
    sizing: str = "btcore"
    min_qty: float = 0.0
    min_notional: float = 0.0
    qty_step: float = 0.0
    commission: float = 0.001
    slippage: float = 0.0
    stop_loss_pct: Optional[float] = None
    take_profit_pct: Optional[float] = None
    indicators: tuple[IndicatorSpec, ...] = field(default_factory=lambda: _indicators(DEFAULT_INDICATORS))
    rules: Mapping[str, str] = field(default_factory=lambda: FrozenMap(DEFAULT_RULES))
    strategy_file: Optional[Path] = None
    strategy_function: Optional[str] = None
    strategy_params: Mapping[str, Any] = field(default_factory=FrozenMap)
    out: Optional[Path] = None
    plot: bool = True
    allow_preflight_failure: bool = False

    def __post_init__(self) -> None:
        put = object.__setattr__
        data_path = _path("data_path", self.data_path)
        put(self, "data_path", data_path if data_path is not None else SAMPLE_PATH)
        put(self, "symbol", _text("symbol", self.symbol))
        start, end = _time("start", self.start), _time("end", self.end)
        if start is not None and end is not None and end <= start:
            raise bad_value("end", f"after start ({iso_ms(start)})", iso_ms(end))
        put(self, "start", start)
        put(self, "end", end)
        tfs = {"exec": _tf("exec_tf", self.exec_tf), "mtf": _tf("mtf", self.mtf), "htf": _tf("htf", self.htf)}
        try:
            validate_tf_mapping(tfs)
        except TimeframeError as exc:
            raise ConfigError(f"bad timeframes: {exc}") from None
        put(self, "exec_tf", tfs["exec"])
        put(self, "mtf", tfs["mtf"])
        put(self, "htf", tfs["htf"])
        put(self, "initial_equity", number_in("initial_equity", self.initial_equity, 1e-9, 1e15))
        put(self, "size_fraction", number_in("size_fraction", self.size_fraction, 1e-6, 1.0))
        if self.sizing not in SIZINGS:
            raise bad_value("sizing", " or ".join(repr(s) for s in SIZINGS), self.sizing)
        for name in ("min_qty", "min_notional", "qty_step"):
            put(self, name, number_in(name, getattr(self, name), 0.0, 1e15))
        put(self, "commission", number_in("commission", self.commission, 0.0, 0.5))
        put(self, "slippage", number_in("slippage", self.slippage, 0.0, 0.5))
        put(self, "stop_loss_pct", optional_fraction("stop_loss_pct", self.stop_loss_pct, 0.99))
        put(self, "take_profit_pct", optional_fraction("take_profit_pct", self.take_profit_pct, 100.0))
        if not (isinstance(self.indicators, tuple) and all(isinstance(s, IndicatorSpec) for s in self.indicators)):
            put(self, "indicators", _indicators(self.indicators))
        put(self, "rules", _rules(self.rules))
        put(self, "strategy_file", _path("strategy_file", self.strategy_file))
        if self.strategy_file is not None and self.rules:
            raise ConfigError("the strategy is both a Python file and rules; give one or the other")
        function = self.strategy_function
        if function is not None and not (isinstance(function, str) and function.isidentifier()):
            raise bad_value("strategy_function", "a Python name", function)
        put(self, "strategy_params", _params(self.strategy_params))
        put(self, "out", _path("out", self.out))
        put(self, "plot", _flag("plot", self.plot))
        put(self, "allow_preflight_failure", _flag("allow_preflight_failure", self.allow_preflight_failure))

    def __hash__(self) -> int:
        return hash(self.id)

    # ------------------------------------------------------------------ views of the settings

    @property
    def tf_mapping(self) -> dict[str, str]:
        """Role → timeframe."""
        return {"exec": self.exec_tf, "mtf": self.mtf, "htf": self.htf}

    @property
    def is_sample(self) -> bool:
        """True when the data is the bundled sample."""
        return self.data_path == SAMPLE_PATH

    def replace(self, **changes: Any) -> "RunConfig":
        """A copy with ``changes`` applied (validated like a new RunConfig)."""
        return replace(self, **changes)

    def canonical(self) -> dict[str, Any]:
        """The settings that decide the simulation, as plain JSON values (the input of :attr:`id`).

        Everything except the data source, the report folder, the chart switch and the preflight
        override: two runs with the same id on the same data give the same trades.
        """
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in ("data_path", "out", "plot", "allow_preflight_failure"):
                continue
            v = getattr(self, f.name)
            if f.name == "indicators":
                v = [{"name": s.name, "type": s.type, "length": s.length, "source": s.source, "roles": list(s.roles)}
                     for s in v]
            elif isinstance(v, Mapping):
                v = dict(v)
            elif isinstance(v, Path):
                v = v.name
            out[f.name] = v
        return out

    @property
    def id(self) -> str:
        """Stable 12-hex-digit id: SHA-256 of :meth:`canonical` as sorted, compact JSON."""
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]

    def costs_text(self) -> str:
        """One line on the costs (the printed summary always shows it)."""
        return f"commission {self.commission:g} per side, slippage {self.slippage:g}"

    def sizing_text(self) -> str:
        """One line on position sizing and the exchange limits."""
        how = ("notional = size x equity, commission on top" if self.sizing == "btcore"
               else "notional + commission = size x equity")
        limits = f"min qty {self.min_qty:g}, min notional {self.min_notional:g}, qty step {self.qty_step:g}"
        return f"{self.sizing} ({how}), size {self.size_fraction:g} of equity; {limits}"

    def risk_text(self) -> str:
        """One line on stops, targets and liquidation."""
        sl = f"{self.stop_loss_pct:g}" if self.stop_loss_pct else "off"
        tp = f"{self.take_profit_pct:g}" if self.take_profit_pct else "off"
        return f"stop loss {sl}, take profit {tp} (fractions of entry); liquidation at zero equity"

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly resolved settings in the sections of the TOML file (``config.json``)."""
        return {
            "id": self.id,
            "data": {"path": str(self.data_path), "symbol": self.symbol, "start_ms": self.start, "end_ms": self.end,
                     "start": iso_ms(self.start) if self.start is not None else None,
                     "end": iso_ms(self.end) if self.end is not None else None,
                     "bundled_sample": self.is_sample},
            "timeframes": self.tf_mapping,
            "account": {"initial_equity": self.initial_equity, "size_fraction": self.size_fraction,
                        "sizing": self.sizing, "min_qty": self.min_qty, "min_notional": self.min_notional,
                        "qty_step": self.qty_step},
            "costs": {"commission": self.commission, "slippage": self.slippage},
            "risk": {"stop_loss_pct": self.stop_loss_pct, "take_profit_pct": self.take_profit_pct},
            "indicators": self.canonical()["indicators"],
            "strategy": (
                {"file": str(self.strategy_file), "function": self.strategy_function, "params": dict(self.strategy_params)}
                if self.strategy_file is not None
                else dict(self.rules)
            ),
        }
