"""The grid of :meth:`Backtest.optimize`: keys, values, combinations — validated before any run.

A grid key names a setting of :class:`~btcore.backtest.RunConfig` (``commission``,
``stop_loss_pct``, ``exec_tf`` ...), a field of a declared indicator
(``indicators.<name>.<field>``, field one of :data:`INDICATOR_FIELDS`) or a parameter of a
Python strategy (``params.<name>``). Combinations are the Cartesian product of the values in the
order the keys are given (the first key varies slowest); every combination becomes a complete,
validated :class:`RunConfig` before anything runs, so a bad value fails at once with a
:class:`~btcore.errors.ConfigError` naming the key.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, fields
from typing import Any, Callable, Iterable, Mapping, Optional

import numpy as np

from ..errors import ConfigError
from .indicators import INDICATORS
from .settings import RunConfig

__all__ = ["INDICATOR_FIELDS", "NOT_SWEPT", "Combination", "grid_keys_allowed", "expand_grid"]

#: Fields of an indicator a grid can vary.
INDICATOR_FIELDS = ("length", "type", "source", "roles")
#: Settings that do not decide a simulation, so a grid cannot vary them.
NOT_SWEPT = ("data_path", "out", "plot")


@dataclass(frozen=True)
class Combination:
    """One point of a grid: its values by grid key, its settings and its strategy parameters."""

    values: Mapping[str, Any]
    settings: RunConfig
    params: Mapping[str, Any]


def grid_keys_allowed(cfg: RunConfig) -> str:
    """Text listing the grid keys a backtest with settings ``cfg`` accepts (for error messages)."""
    settings = [f.name for f in fields(RunConfig) if f.name not in NOT_SWEPT]
    names = [s.name for s in cfg.indicators]
    ind = f"indicators.<name>.<{'|'.join(INDICATOR_FIELDS)}> with name in {names}" if names else \
        "no indicators.* key (no indicator is declared)"
    return f"a setting ({', '.join(settings)}), {ind}, or params.<name> (a Python strategy's parameter)"


def _plain(value: Any) -> Any:
    """numpy scalars (``np.arange`` values) as the Python numbers the settings validate."""
    return value.item() if isinstance(value, np.generic) else value


def _values(key: str, values: Any) -> list[Any]:
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise ConfigError(f"grid[{key!r}] must be a non-empty list, tuple, range or array of values, got {values!r:.80}")
    out = [_plain(v) for v in values]
    if not out:
        raise ConfigError(f"grid[{key!r}] has no values; give at least one")
    return out


def _check_key(key: Any, cfg: RunConfig, python_strategy: bool) -> None:
    if not isinstance(key, str):
        raise ConfigError(f"grid keys must be strings, got {key!r}; allowed: {grid_keys_allowed(cfg)}")
    parts = key.split(".")
    if parts[0] == "indicators" and len(parts) == 3:
        names = [s.name for s in cfg.indicators]
        if parts[1] not in names:
            raise ConfigError(f"grid key {key!r}: no indicator named {parts[1]!r}; declared: {names or 'none'}")
        if parts[2] not in INDICATOR_FIELDS:
            raise ConfigError(f"grid key {key!r}: {parts[2]!r} is not an indicator field; "
                              f"allowed: {', '.join(INDICATOR_FIELDS)}")
        return
    if parts[0] == "params" and len(parts) == 2 and parts[1].isidentifier():
        if not python_strategy and cfg.strategy_file is None:
            raise ConfigError(f"grid key {key!r}: params.* are a Python strategy's parameters, and this "
                              "backtest's strategy is rules; vary the rules' indicators or settings instead")
        return
    if len(parts) == 1 and key in {f.name for f in fields(RunConfig)} and key not in NOT_SWEPT:
        return
    raise ConfigError(f"unknown grid key {key!r}; allowed: {grid_keys_allowed(cfg)}")


def _settings(cfg: RunConfig, values: Mapping[str, Any]) -> tuple[RunConfig, dict[str, Any]]:
    changes: dict[str, Any] = {}
    indicators: dict[str, dict[str, Any]] = {s.name: {"name": s.name, "type": s.type, "length": s.length, "source": s.source,
                           "roles": list(s.roles)} for s in cfg.indicators}
    params: dict[str, Any] = {}
    for key, value in values.items():
        parts = key.split(".")
        if parts[0] == "indicators" and len(parts) == 3:
            entry = indicators[parts[1]]
            if parts[2] == "type" and f"indicators.{parts[1]}.source" not in values and \
                    entry["source"] == INDICATORS[entry["type"]][1]:
                del entry["source"]  # the old type's default source: the new type takes its own
            entry[parts[2]] = value
            changes["indicators"] = list(indicators.values())
        elif parts[0] == "params" and len(parts) == 2:
            params[parts[1]] = value
        else:
            changes[key] = value
    if params and cfg.strategy_file is not None:
        changes["strategy_params"] = {**cfg.strategy_params, **params}
    return cfg.replace(**changes) if changes else cfg, params


def expand_grid(cfg: RunConfig, grid: Any, constraint: Optional[Callable[[dict[str, Any]], Any]] = None,
                *, python_strategy: bool = False) -> tuple[list[str], list[Combination]]:
    """Grid keys and the combinations to run (those ``constraint`` keeps), each fully validated.

    Parameters
    ----------
    cfg : RunConfig
        The backtest's settings; each combination replaces the swept values in a copy.
    grid : mapping of str to iterable
        Grid key → values (see the module docstring for the keys).
    constraint : callable, optional
        ``constraint(values) -> bool`` with ``values`` a dict of grid key → value of one
        combination; combinations for which it returns a false value are left out.
    python_strategy : bool
        The strategy is Python code (``params.*`` keys are allowed).

    Raises
    ------
    ConfigError
        An empty or non-mapping grid, an unknown key, a key without values, a value the setting
        rejects (the message names the grid key and the combination), a constraint that is not
        callable, or a constraint that leaves no combination.
    """
    if not isinstance(grid, Mapping) or not grid:
        raise ConfigError(f"grid must be a non-empty mapping of grid key -> values, got {grid!r:.80}; "
                          f"keys: {grid_keys_allowed(cfg)}")
    if constraint is not None and not callable(constraint):
        raise ConfigError(f"constraint must be a function of the combination's values returning True to run it, "
                          f"got {constraint!r:.80}")
    keys = list(grid)
    for key in keys:
        _check_key(key, cfg, python_strategy)
    columns = [_values(k, grid[k]) for k in keys]
    out: list[Combination] = []
    for combo in itertools.product(*columns):
        values = dict(zip(keys, combo))
        if constraint is not None and not constraint(dict(values)):
            continue
        try:
            settings, params = _settings(cfg, values)
        except ConfigError as exc:
            raise ConfigError(f"grid combination {values}: {exc}") from None
        out.append(Combination(values, settings, params))
    if not out:
        raise ConfigError("the constraint leaves no combination of the grid to run")
    return keys, out
