"""A TOML run configuration (plus command-line overrides) turned into one :class:`RunConfig`.

Precedence: built-in defaults < TOML file < overrides (the ``btcore run`` options). Paths in a
TOML file are relative to the file's folder. Every problem is one :class:`~btcore.errors.ConfigError`
line naming where the value came from: the TOML key (``costs.commission``) or, for overrides,
the label the caller gives (the command passes its option names, e.g. ``--commission``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Mapping, Optional

from ..errors import ConfigError
from .settings import DEFAULT_RULES, RULE_KEYS, RunConfig

__all__ = ["SCHEMA", "load_toml", "build_config", "check_input_file"]

#: section -> (TOML key -> RunConfig field); ``indicators`` is a top-level array of tables.
SCHEMA: dict[str, dict[str, str]] = {
    "data": {"path": "data_path", "symbol": "symbol", "start": "start", "end": "end"},
    "timeframes": {"exec": "exec_tf", "mtf": "mtf", "htf": "htf"},
    "account": {k: k for k in ("initial_equity", "size_fraction", "sizing", "min_qty", "min_notional", "qty_step")},
    "costs": {"commission": "commission", "slippage": "slippage"},
    "risk": {"stop_loss_pct": "stop_loss_pct", "take_profit_pct": "take_profit_pct"},
    "strategy": {**{k: k for k in RULE_KEYS}, "file": "strategy_file", "function": "strategy_function",
                 "params": "strategy_params"},
    "report": {"out": "out", "plot": "plot"},
    "preflight": {"allow_failure": "allow_preflight_failure"},
}
_PATH_FIELDS = ("data_path", "strategy_file", "out")


def load_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file; a missing file, a folder or a syntax error is a one-line ConfigError."""
    try:
        with open(path, "rb") as fh:
            doc: dict[str, Any] = tomllib.load(fh)
            return doc
    except FileNotFoundError:
        raise ConfigError(f"config file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {str(path)!r} is a folder; give a .toml file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {str(path)!r}: {exc}") from None


def check_input_file(what: str, path: Path) -> Path:
    """``path`` if it is an existing file; a ConfigError saying what it is otherwise."""
    if path.is_dir():
        raise ConfigError(f"{what} {str(path)!r} is a folder; give a file")
    if not path.is_file():
        raise ConfigError(f"{what} {str(path)!r} does not exist")
    return path


def _check_schema(doc: Mapping[str, Any]) -> None:
    for section, body in doc.items():
        if section == "indicators":
            if not isinstance(body, list):
                raise ConfigError(f"'indicators' must be an array of tables ([[indicators]]), got {body!r}")
            continue
        if section not in SCHEMA:
            raise ConfigError(f"unknown config section [{section}]; allowed: {', '.join(sorted(SCHEMA))}, indicators")
        if not isinstance(body, Mapping):
            raise ConfigError(f"[{section}] must be a table, got {body!r}")
        unknown = sorted(set(body) - set(SCHEMA[section]))
        if unknown:
            raise ConfigError(f"unknown key(s) {unknown} in [{section}]; allowed: {', '.join(SCHEMA[section])}")


def build_config(
    doc: Mapping[str, Any],
    base_dir: Path,
    overrides: Mapping[str, Any],
    override_labels: Optional[Mapping[str, str]] = None,
) -> RunConfig:
    """Merge a parsed TOML document and ``overrides`` (RunConfig field → value, None = not given).

    ``override_labels`` names each override field in messages (default: the field name). Input
    files (data, strategy) must exist; the report folder is checked by whoever writes it.

    Raises
    ------
    ConfigError
        One line naming the key or option, the value and what is allowed.
    """
    _check_schema(doc)
    labels: dict[str, str] = {}
    values: dict[str, Any] = {}
    for section, keys in SCHEMA.items():
        body = doc.get(section, {})
        for key, name in keys.items():
            if key in body:
                values[name], labels[name] = body[key], f"{section}.{key}"
    for name in _PATH_FIELDS:
        if name in values:
            if not isinstance(values[name], str) or not values[name]:
                raise ConfigError(f"{labels[name]} must be a file path string, got {values[name]!r}")
            values[name] = base_dir / values[name]
    rules = {k: values.pop(k) for k in RULE_KEYS if k in values}
    given_labels = dict(override_labels or {})
    for name, value in overrides.items():
        if value is not None:
            values[name], labels[name] = value, given_labels.get(name, name)
            if name == "strategy_file":
                rules = {}  # a strategy file given on the command line replaces the file's rules
    if "strategy_file" in values:
        if rules:
            raise ConfigError("[strategy] has both a Python file and rules; give one or the other")
        values["rules"] = {}
    else:
        values["rules"] = rules or dict(DEFAULT_RULES)
        labels.setdefault("rules", "[strategy]")
    if "indicators" in doc:
        values["indicators"], labels["indicators"] = doc["indicators"], "indicators"
    for name in ("data_path", "strategy_file"):
        if name in values:
            check_input_file("data file" if name == "data_path" else "strategy file", Path(values[name]))
    try:
        return RunConfig(**values)
    except ConfigError as exc:
        raise _relabel(exc, labels) from None


def _relabel(exc: ConfigError, labels: Mapping[str, str]) -> ConfigError:
    name = getattr(exc, "field", None)
    if name is None or name not in labels or labels[name] == name:
        return exc
    return ConfigError(f"{labels[name]} must be {getattr(exc, 'allowed', '?')}, got {getattr(exc, 'value', None)!r}")
