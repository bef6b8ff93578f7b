"""Run configuration of ``btcore run``: defaults, TOML file, command-line overrides, validation.

Precedence: built-in defaults < TOML file (``--config``) < command-line options. Paths in a TOML
file are relative to the file's folder. Every problem is a :class:`~btcore.errors.ConfigError`
whose message names the key and what is allowed.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping, Optional

from ..errors import ConfigError, TimeframeError
from ..timeframe import normalize_tf, to_epoch_ms, validate_tf_mapping
from .indicators import IndicatorSpec, parse_indicator_specs
from .rules import parse_rule

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

__all__ = ["RunConfig", "SAMPLE_PATH", "DEFAULT_INDICATORS", "DEFAULT_RULES", "load_toml", "build_config"]

SAMPLE_PATH = Path(__file__).resolve().parent / "sample" / "btcusdt_1m_2020-03.parquet"

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

# section -> allowed keys (the schema of the TOML file)
_SCHEMA: dict[str, tuple[str, ...]] = {
    "data": ("path", "symbol", "start", "end"),
    "timeframes": ("exec", "mtf", "htf"),
    "account": ("initial_equity", "size_fraction"),
    "costs": ("commission", "slippage"),
    "risk": ("stop_loss_pct", "take_profit_pct"),
    "strategy": RULE_KEYS + ("file", "function", "params"),
    "report": ("out", "plot"),
    "preflight": ("allow_failure",),
}


@dataclass(frozen=True)
class RunConfig:
    """Everything one ``btcore run`` needs, validated."""

    data_path: Path = SAMPLE_PATH
    symbol: str = "BTCUSDT"
    start: Optional[int] = None  # epoch ms, inclusive (exec bar open)
    end: Optional[int] = None  # epoch ms, exclusive (exec bar open)
    exec_tf: str = "15m"
    mtf: str = "1h"
    htf: str = "4h"
    initial_equity: float = 10_000.0
    size_fraction: float = 1.0
    commission: float = 0.001
    slippage: float = 0.0
    stop_loss_pct: Optional[float] = 0.03
    take_profit_pct: Optional[float] = 0.06
    indicators: tuple[IndicatorSpec, ...] = field(default_factory=lambda: tuple(parse_indicator_specs(DEFAULT_INDICATORS)))
    rules: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_RULES))
    strategy_file: Optional[Path] = None
    strategy_function: Optional[str] = None
    strategy_params: Mapping[str, Any] = field(default_factory=dict)
    out: Optional[Path] = None
    plot: bool = True
    allow_preflight_failure: bool = False
    is_sample: bool = True

    @property
    def tf_mapping(self) -> dict[str, str]:
        """Role → timeframe."""
        return {"exec": self.exec_tf, "mtf": self.mtf, "htf": self.htf}

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly resolved configuration (written into the report)."""
        return {
            "data": {"path": str(self.data_path), "symbol": self.symbol, "start_ms": self.start, "end_ms": self.end,
                     "bundled_sample": self.is_sample},
            "timeframes": self.tf_mapping,
            "account": {"initial_equity": self.initial_equity, "size_fraction": self.size_fraction},
            "costs": {"commission": self.commission, "slippage": self.slippage},
            "risk": {"stop_loss_pct": self.stop_loss_pct, "take_profit_pct": self.take_profit_pct},
            "indicators": [
                {"name": s.name, "type": s.type, "length": s.length, "source": s.source, "roles": list(s.roles)}
                for s in self.indicators
            ],
            "strategy": (
                {"file": str(self.strategy_file), "function": self.strategy_function, "params": dict(self.strategy_params)}
                if self.strategy_file is not None
                else dict(self.rules)
            ),
        }


def load_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file; a missing file or a syntax error is a one-line ConfigError."""
    try:
        with open(path, "rb") as fh:
            doc: dict[str, Any] = tomllib.load(fh)
            return doc
    except FileNotFoundError:
        raise ConfigError(f"config file {str(path)!r} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {str(path)!r}: {exc.strerror}") from None


def _number(section: str, key: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise ConfigError(f"{section}.{key} must be a number in [{lo}, {hi}], got {value!r}")
    return float(value)


def _optional_number(section: str, key: str, value: Any, lo: float, hi: float) -> Optional[float]:
    return None if value is None else _number(section, key, value, lo, hi)


def _time(key: str, value: Any) -> Optional[int]:
    if value is None:
        return None
    try:
        return to_epoch_ms(value)
    except (TimeframeError, ValueError) as exc:
        raise ConfigError(f"data.{key}: {exc}") from None


def _check_schema(doc: Mapping[str, Any]) -> None:
    for section, body in doc.items():
        if section == "indicators":
            continue
        if section not in _SCHEMA:
            raise ConfigError(
                f"unknown config section [{section}]; allowed: {', '.join(sorted(_SCHEMA))}, indicators"
            )
        if not isinstance(body, Mapping):
            raise ConfigError(f"[{section}] must be a table")
        unknown = sorted(set(body) - set(_SCHEMA[section]))
        if unknown:
            raise ConfigError(f"unknown key(s) {unknown} in [{section}]; allowed: {', '.join(_SCHEMA[section])}")


def build_config(doc: Mapping[str, Any], base_dir: Path, overrides: Mapping[str, Any]) -> RunConfig:
    """Merge a parsed TOML document and command-line ``overrides`` (None = not given) into a RunConfig.

    ``overrides`` keys: data, symbol, start, end, exec_tf, mtf, htf, initial_equity, size_fraction,
    commission, slippage, stop_loss_pct, take_profit_pct, strategy_file, out, plot,
    allow_preflight_failure.
    """
    _check_schema(doc)
    sec = {name: dict(doc.get(name, {})) for name in _SCHEMA}
    ov = {k: v for k, v in overrides.items() if v is not None}
    cfg = RunConfig()

    data_path: Optional[Path] = None
    if "data" in ov:
        data_path = Path(ov["data"])
    elif "path" in sec["data"]:
        data_path = base_dir / str(sec["data"]["path"])
    if data_path is not None:
        if not data_path.is_file():
            raise ConfigError(f"data file {str(data_path)!r} does not exist")
        cfg = replace(cfg, data_path=data_path, is_sample=False)

    symbol = ov.get("symbol", sec["data"].get("symbol", cfg.symbol))
    if not isinstance(symbol, str) or not symbol.strip():
        raise ConfigError(f"data.symbol must be a non-empty string, got {symbol!r}")
    start = _time("start", ov.get("start", sec["data"].get("start")))
    end = _time("end", ov.get("end", sec["data"].get("end")))
    if start is not None and end is not None and end <= start:
        raise ConfigError(f"data.end ({end} ms) must be after data.start ({start} ms)")

    given: dict[str, Any] = {
        role: ov.get(f"{role}_tf" if role == "exec" else role, sec["timeframes"].get(role, default))
        for role, default in (("exec", cfg.exec_tf), ("mtf", cfg.mtf), ("htf", cfg.htf))
    }
    try:
        validate_tf_mapping(given)
        tfs = {role: normalize_tf(tf) for role, tf in given.items()}
    except TimeframeError as exc:
        raise ConfigError(f"bad timeframes: {exc}") from None

    def pick(section: str, key: str) -> Any:
        return ov.get(key, sec[section].get(key, getattr(cfg, key)))

    initial_equity = _number("account", "initial_equity", pick("account", "initial_equity"), 1e-9, 1e15)
    size_fraction = _number("account", "size_fraction", pick("account", "size_fraction"), 1e-6, 1.0)
    commission = _number("costs", "commission", pick("costs", "commission"), 0.0, 0.5)
    slippage = _number("costs", "slippage", pick("costs", "slippage"), 0.0, 0.5)
    stop_loss = _optional_number("risk", "stop_loss_pct", pick("risk", "stop_loss_pct"), 0.0, 0.99)
    take_profit = _optional_number("risk", "take_profit_pct", pick("risk", "take_profit_pct"), 0.0, 100.0)
    indicators = cfg.indicators
    if "indicators" in doc:
        indicators = tuple(parse_indicator_specs(doc["indicators"]))

    strat = sec["strategy"]
    strategy_file = ov.get("strategy_file")
    if strategy_file is not None:
        strategy_file = Path(strategy_file)
    elif "file" in strat:
        strategy_file = base_dir / str(strat["file"])
    rules: dict[str, str] = {}
    if strategy_file is not None:
        if not strategy_file.is_file():
            raise ConfigError(f"strategy file {str(strategy_file)!r} does not exist")
        if any(k in strat for k in RULE_KEYS):
            raise ConfigError("[strategy] has both a Python file and rules; give one or the other")
    else:
        rules = {k: strat[k] for k in RULE_KEYS if k in strat} or dict(DEFAULT_RULES)
        if not (rules.get("long_entry") or rules.get("short_entry")):
            raise ConfigError("[strategy] needs long_entry and/or short_entry (or file = a Python strategy)")
        for key, text in rules.items():
            if not isinstance(text, str):
                raise ConfigError(f"strategy.{key} must be a string, got {text!r}")
            parse_rule(text)  # syntax errors surface before any data is loaded
    params = strat.get("params", {})
    if not isinstance(params, Mapping):
        raise ConfigError(f"strategy.params must be a table, got {params!r}")
    function = strat.get("function")
    if function is not None and not (isinstance(function, str) and function.isidentifier()):
        raise ConfigError(f"strategy.function must be a Python name, got {function!r}")

    report, pre = sec["report"], sec["preflight"]
    out = ov.get("out", report.get("out"))
    if out is not None and "out" not in ov:
        out = base_dir / str(out)
    plot = ov.get("plot", report.get("plot", True))
    if not isinstance(plot, bool):
        raise ConfigError(f"report.plot must be true or false, got {plot!r}")
    allow = ov.get("allow_preflight_failure", pre.get("allow_failure", False))
    if not isinstance(allow, bool):
        raise ConfigError(f"preflight.allow_failure must be true or false, got {allow!r}")
    return replace(
        cfg,
        symbol=symbol.strip(), start=start, end=end,
        exec_tf=tfs["exec"], mtf=tfs["mtf"], htf=tfs["htf"],
        indicators=indicators, rules=rules,
        strategy_file=strategy_file, strategy_function=function, strategy_params=dict(params),
        out=Path(out) if out is not None else None, plot=plot,
        allow_preflight_failure=allow,
        initial_equity=initial_equity, size_fraction=size_fraction, commission=commission, slippage=slippage,
        stop_loss_pct=stop_loss, take_profit_pct=take_profit,
    )
