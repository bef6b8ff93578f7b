"""What a worker of a sweep runs: a chunk of combinations over feeds prepared once.

:func:`run_chunk` is the one function every executor calls (in this process, in a thread, in a
worker process, on a Dask or Ray worker); its arguments are a :class:`Shared` (the feeds and the
strategy, sent to each worker once) and a list of :class:`Plan` (one small record per
combination). Everything here pickles by value except the strategy, which pickles by reference
(rules are text; a Python strategy must be importable).

A rules strategy runs on the group's shared feed set, which holds every distinct indicator of the
sweep under a column name of its own (``ema:20:close``): the rule program's paths are pointed at
the combination's columns, so one loop (one alignment of the 1m bars) serves every combination
and the bar loop runs without the GIL. Any other strategy reads indicators by their declared
names, so each distinct set of indicator values gets a feed set of its own, built from the shared
columns (nothing is recomputed).
"""

from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping, Optional

from ..errors import ConfigError
from ..feed import FeedStore, MultiTFFeedStore
from .engine import RULES, make_strategy, new_exchange, run_stats
from .exchange import simulate_range
from .feeds import ROLES, spec_warmups
from .rules import compile_rules
from .settings import RunConfig
from .strategy_files import strategy_folder_on_path

__all__ = ["Shared", "Plan", "run_chunk", "column_name", "remap_paths"]

_ROLE_ALIASES = {"exec": "exec", "ltf": "exec", "mtf": "mtf", "htf": "htf"}


def column_name(kind: str, length: int, source: str) -> str:
    """The shared feed column of one indicator definition (not an identifier: never a user's name)."""
    return f"{kind}:{length}:{source}"


@dataclass(frozen=True)
class Shared:
    """What every combination of a sweep reads: one feed set per group of timeframes, the strategy.

    ``strategy`` is :data:`~btcore.backtest.engine.RULES` for the settings' rules or strategy file.
    """

    feeds: tuple[MultiTFFeedStore, ...]
    strategy: Any


@dataclass(frozen=True)
class Plan:
    """One combination: its settings, strategy parameters, feed group and exec bar range."""

    index: int
    settings: RunConfig
    params: Mapping[str, Any]
    group: int
    lo: int
    hi: int


def remap_paths(paths: tuple[str, ...], cfg: RunConfig) -> tuple[str, ...]:
    """Rule paths with each declared indicator name replaced by its shared column name."""
    columns = {s.name: column_name(s.type, s.length, s.source) for s in cfg.indicators}
    out = []
    for path in paths:
        parts = path.split(".")
        if parts[0] == "indicator" and len(parts) in (2, 3) and parts[1] in columns and \
                (len(parts) == 2 or parts[2] in _ROLE_ALIASES):
            parts[1] = columns[parts[1]]
        out.append(".".join(parts))
    return tuple(out)


@lru_cache(maxsize=64)
def _program(rules: Any) -> Any:
    return compile_rules(rules)


def _rules_strategy(cfg: RunConfig, exchange: Any) -> Any:
    from .._twin import load

    impl = load("rules")
    prog = _program(cfg.rules)
    program = impl.RuleProgram(prog.code, prog.consts, len(prog.paths), prog.n_outputs)
    return impl.RuleStrategy(program, remap_paths(prog.paths, cfg), exchange)


def _own_feeds(shared: MultiTFFeedStore, cfg: RunConfig) -> MultiTFFeedStore:
    """The feed set a standalone run of ``cfg`` would build, from the shared columns."""
    if not cfg.indicators:
        return shared
    warm = spec_warmups(cfg.indicators)
    feeds: dict[str, FeedStore] = {}
    for role in ROLES:
        f = shared.get_feed(role)
        assert f is not None  # a sweep builds every role's feed
        arrays = {s.name: f.indicators[column_name(s.type, s.length, s.source)] for s in cfg.indicators
                  if role in s.roles}
        feeds[role] = FeedStore.from_arrays(f.tf, f.symbol, f.ts_open_ms, f.open, f.high, f.low, f.close, f.volume,
                                            indicators=arrays, warmup_bars=warm[role])
    return MultiTFFeedStore(feeds["exec"], htf_feed=feeds["htf"], mtf_feed=feeds["mtf"],
                            tf_mapping=dict(shared.tf_mapping), quote_feed=shared.quote_feed)


def _fresh(strategy: Any) -> Any:
    """A strategy object for one run: classes and functions as they are, an instance copied (runs
    must not share its state)."""
    if strategy is RULES or inspect.isclass(strategy) or inspect.isfunction(strategy) or inspect.ismethod(strategy):
        return strategy
    try:
        return copy.deepcopy(strategy)
    except Exception as exc:  # what a failing copy raises depends on the object
        raise ConfigError(f"a sweep runs each combination on its own copy of a strategy object, and "
                          f"{type(strategy).__name__} cannot be copied ({exc}); pass the class instead "
                          "(each run then creates its own instance)") from None


class _Loops:
    """The BarLoop of each feed set a chunk runs on (the last one for own feed sets)."""

    def __init__(self) -> None:
        self._shared: dict[int, Any] = {}
        self._own: Optional[tuple[Any, Any]] = None

    def shared(self, group: int, feeds: MultiTFFeedStore) -> Any:
        from ..loop import BarLoop

        loop = self._shared.get(group)
        if loop is None:
            loop = self._shared[group] = BarLoop(feeds)
        return loop

    def own(self, key: Any, make: Any) -> Any:
        from ..loop import BarLoop

        if self._own is None or self._own[0] != key:
            self._own = (key, BarLoop(make()))
        return self._own[1]


def _run(shared: Shared, plan: Plan, loops: _Loops) -> dict[str, Any]:
    cfg = plan.settings
    feeds = shared.feeds[plan.group]
    rules = shared.strategy is RULES and cfg.strategy_file is None
    if rules:
        loop = loops.shared(plan.group, feeds)
    else:
        loop = loops.own((plan.group, cfg.indicators), lambda: _own_feeds(feeds, cfg))
    exchange = new_exchange(cfg, loop, plan.hi)
    if rules:
        strategy = _rules_strategy(cfg, exchange)
        simulate_range(loop, strategy, exchange, plan.lo, plan.hi)
    else:
        with strategy_folder_on_path(cfg.strategy_file):
            strategy, _ = make_strategy(cfg, _fresh(shared.strategy), plan.params, exchange, check_paths=False)
            simulate_range(loop, strategy, exchange, plan.lo, plan.hi)
    exchange.finish()
    return run_stats(cfg, loop.feeds.exec_feed, exchange, plan.lo, plan.hi)


def run_chunk(shared: Shared, plans: list[Plan]) -> list[tuple[int, dict[str, Any]]]:
    """Run ``plans`` in order; returns ``(plan.index, stats)`` for each."""
    loops = _Loops()
    return [(plan.index, _run(shared, plan, loops)) for plan in plans]
