"""What the compiled exchange and its pure twin share: arguments, event codes, records, reports.

Nothing here runs per bar. Both implementations of :class:`SimExchange` check their arguments
with :func:`check_args` (same messages, same exception classes), record the same per-bar bytes
(:data:`FILL_MASK` ... :data:`SIZED`) and closed trades as the same tuples (:data:`TRADE_FIELDS`),
and turn those records into the public arrays, dicts and counts with the functions below, so the
two can only differ in the simulation itself — which the differential tests compare bit for bit.

Per exec bar the exchange keeps the equity (float64), the side held (int8) and one byte of order
events: bits 0-2 the fill at the bar's open, bits 3-5 the signal at its close (``EVENT_NONE``,
``EVENT_DONE`` or ``2 + k`` for ``REJECT_REASONS[k]``), bit 6 set when that signal sized an entry.
The rest of what the state tracker and the reports need (exposure, sizing budget, the two event
arrays) is derived from these and the trades after the run.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np
from numpy.typing import NDArray

from ._validate import bad_value, number_in, optional_fraction
from .errors import ConfigError
from .types import ExchangeState

__all__ = [
    "EVENT_NONE", "EVENT_DONE", "REJECT_REASONS", "EXIT_REASONS", "SIDE_NAMES", "TRADE_FIELDS",
    "FILL_MASK", "SIG_SHIFT", "SIZED", "reject_code", "reject_reason", "check_args", "keep_int64",
    "trade_dicts", "fill_events", "signal_events", "sizing_budget", "exposure", "orders_rejected",
    "position_state", "flat_state", "LIQUIDATED_STATE", "optional_price", "check_replay", "check_range",
]

EVENT_NONE = 0
EVENT_DONE = 1
REJECT_REASONS = (
    "no_next_bar", "no_price", "insufficient_equity", "below_min_qty", "below_min_notional", "account_liquidated",
)
#: ``exit_reason`` of a trade by its code (the order the trade tuples use).
EXIT_REASONS = ("signal", "reverse", "stop_loss", "take_profit", "liquidation", "end_of_data")
SIDE_NAMES = {1: "long", -1: "short"}
#: A closed trade as both implementations record it (``exit_reason`` as its EXIT_REASONS index).
TRADE_FIELDS = ("entry_idx", "exit_idx", "exit_ts_ms", "side", "qty", "entry_price", "exit_price", "stop_loss",
                "take_profit", "fees", "pnl", "exit_reason")
FILL_MASK = 0x07
SIG_SHIFT = 3
SIZED = 0x40


def reject_code(reason: str) -> int:
    """Event code of a rejection reason."""
    return 2 + REJECT_REASONS.index(reason)


def reject_reason(code: int) -> str:
    """Rejection reason of an event code ``>= 2``."""
    return REJECT_REASONS[int(code) - 2]


def keep_int64(name: str, a: Any, n: int) -> NDArray[np.int64]:
    """``a`` as a C-contiguous int64[n] the exchange may keep: a read-only array (the
    alignment's) is kept as it is, anything else is copied so the caller cannot change it later."""
    try:
        arr = np.asarray(a)
    except Exception:  # noqa: BLE001 - anything numpy cannot read is the caller's mistake
        raise ConfigError(f"{name} must be an int64[{n}] array, got {type(a).__name__}") from None
    if arr.dtype.kind not in "iu" or arr.shape != (n,):
        raise ConfigError(f"{name} must be an int64[{n}] array, got {arr.dtype}{list(arr.shape)}")
    if arr.dtype == np.int64 and arr.flags.c_contiguous and not arr.flags.writeable:
        return arr
    out = np.array(arr, dtype=np.int64, copy=True)
    out.flags.writeable = False
    return out


def check_args(exec_feed: Any, quote_feed: Any, m1_start: Any, m1_end: Any, initial_equity: Any, commission: Any,
               slippage: Any, size_fraction: Any, stop_loss_pct: Any, take_profit_pct: Any, sizing: Any,
               min_qty: Any, min_notional: Any, qty_step: Any, end: Any) -> dict[str, Any]:
    """The validated constructor arguments of either SimExchange (ConfigError naming the bad one)."""
    from .feed import FeedStore

    if not isinstance(exec_feed, FeedStore) or len(exec_feed) == 0:
        raise ConfigError(f"exec_feed must be a non-empty btcore.feed.FeedStore, got {exec_feed!r:.80}")
    if quote_feed is not None and not isinstance(quote_feed, FeedStore):
        raise ConfigError(f"quote_feed must be a btcore.feed.FeedStore or None, got {quote_feed!r:.80}")
    n = len(exec_feed)
    if end is None:
        end_i = n
    elif isinstance(end, bool) or not isinstance(end, (int, np.integer)) or not 0 <= int(end) <= n:
        raise bad_value("end", f"an exec bar index in [0, {n}]", end)
    else:
        end_i = int(end)
    out: dict[str, Any] = {
        "n": n, "end": end_i,
        "initial_equity": number_in("initial_equity", initial_equity, 0.0, 1e15, lo_open=True),
        "commission": number_in("commission", commission, 0.0, 0.5),
        "slippage": number_in("slippage", slippage, 0.0, 0.5),
        "size_fraction": number_in("size_fraction", size_fraction, 0.0, 1.0, lo_open=True),
        "stop_loss_pct": optional_fraction("stop_loss_pct", stop_loss_pct, 0.99) or 0.0,
        "take_profit_pct": optional_fraction("take_profit_pct", take_profit_pct, 100.0) or 0.0,
        "min_qty": number_in("min_qty", min_qty, 0.0, 1e15),
        "min_notional": number_in("min_notional", min_notional, 0.0, 1e15),
        "qty_step": number_in("qty_step", qty_step, 0.0, 1e15),
    }
    if sizing not in ("btcore", "fee_inclusive"):
        raise bad_value("sizing", "'btcore' or 'fee_inclusive'", sizing)
    out["sizing"] = sizing
    out["m1_start"] = out["m1_end"] = None
    if quote_feed is not None:
        starts, ends = keep_int64("m1_start", m1_start, n), keep_int64("m1_end", m1_end, n)
        nq = len(quote_feed)
        if n and ((starts < 0).any() or (ends > nq).any() or (starts > ends).any()):
            raise ConfigError(f"m1_start/m1_end must be int64[{n}] row ranges inside the {nq}-row quote feed")
        out["m1_start"], out["m1_end"] = starts, ends
    return out


def _index(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= int(value) <= hi:
        raise bad_value(name, f"an int in [{lo}, {hi}]", value)
    return int(value)


def check_range(loop: Any, loop_type: type, exchange: Any, exchange_type: type, start: Any, end: Any
                ) -> tuple[int, int]:
    """The validated arguments of ``simulate_range`` (each twin passes its own loop and exchange
    classes): ``0 <= start <= end <= loop.end``, ``end`` the exchange's own end (its last bar is
    where a signal finds no next bar), the exchange built on the loop's exec feed."""
    if not isinstance(exchange, exchange_type):
        raise ConfigError(f"exchange must be a {exchange_type.__module__}.SimExchange, got {type(exchange).__name__}")
    if not isinstance(loop, loop_type):
        raise ConfigError(f"loop must be a {loop_type.__module__}.BarLoop, got {type(loop).__name__}")
    if loop.feeds.exec_feed is not exchange.exec_feed:
        raise ConfigError("the exchange was built on another exec feed than the loop's")
    s = _index("start", start, 0, loop.end)
    e = _index("end", end, s, loop.end)
    if e != exchange.end:
        raise ConfigError(f"end={e} but the exchange was built with end={exchange.end}; build it with end={e}")
    return s, e


def check_replay(n: int, signals: Any, start: Any, end: Any, history_start: Any) -> tuple[NDArray[np.int8], int, int, int]:
    """The validated arguments of ``replay_tracker`` for an exchange of ``n`` exec bars."""
    arr = np.ascontiguousarray(signals)
    if arr.dtype != np.int8 or arr.shape != (n,):
        raise ConfigError(f"signals must be the loop's int8[{n}] signal array, got {arr.dtype}{list(arr.shape)}")
    s = _index("start", start, 0, n)
    e = _index("end", end, s, n)
    return arr, s, e, _index("history_start", history_start, 0, 2**62)


# --------------------------------------------------------------------------- records -> reports


def trade_dicts(records: Sequence[tuple[Any, ...]], ts_open_ms: NDArray[Any]) -> list[dict[str, Any]]:
    """Closed trades (TRADE_FIELDS tuples) as the dicts of ``trades.csv``."""
    out = []
    for e, x, exit_ts, side, qty, entry, exit_, sl, tp, fees, pnl, reason in records:
        out.append({
            "entry_idx": int(e), "exit_idx": int(x), "entry_ts_ms": int(ts_open_ms[e]), "exit_ts_ms": int(exit_ts),
            "side": SIDE_NAMES[int(side)], "qty": qty, "entry_price": entry, "exit_price": exit_,
            "stop_loss": sl or None, "take_profit": tp or None, "fees": fees, "pnl": pnl,
            "return_pct": 100.0 * pnl / (qty * entry), "exit_reason": EXIT_REASONS[int(reason)],
        })
    return out


def fill_events(events: NDArray[np.uint8]) -> NDArray[np.int8]:
    """What happened at each bar's open: EVENT_NONE, EVENT_DONE or a rejection code."""
    out: NDArray[np.int8] = (events & FILL_MASK).astype(np.int8)
    return out


def signal_events(events: NDArray[np.uint8]) -> NDArray[np.int8]:
    """What happened to each bar's signal: EVENT_NONE, EVENT_DONE or a rejection code."""
    out: NDArray[np.int8] = ((events >> SIG_SHIFT) & FILL_MASK).astype(np.int8)
    return out


def sizing_budget(events: NDArray[np.uint8], equity: NDArray[np.float64], size_fraction: float) -> NDArray[np.float64]:
    """Notional budget of each entry signal (``size_fraction`` × the equity at that close; NaN: none)."""
    sized = (events & SIZED) != 0
    out = np.full(len(events), np.nan)
    out[sized] = size_fraction * equity[sized]
    return out


def exposure(position: NDArray[np.int8], equity: NDArray[np.float64], close: NDArray[np.float64],
             held: Sequence[tuple[int, float, float]]) -> NDArray[np.float64]:
    """Notional of the position held at each close in percent of the equity (0 when flat).

    ``held`` lists ``(entry_idx, qty, entry_price)`` of every position in bar order (closed
    trades, then the open one). The position is marked at the last usable close since its entry
    (the entry fill before one), as the exchange marks it.
    """
    n = len(position)
    out = np.zeros(n)
    bars = np.flatnonzero(position)
    if not bars.size or not held:
        return out
    entries = np.array([h[0] for h in held], dtype=np.int64)
    qty = np.array([h[1] for h in held], dtype=np.float64)
    price = np.array([h[2] for h in held], dtype=np.float64)
    k = np.searchsorted(entries, bars, side="right") - 1
    ok = (close > 0.0) & (close < np.inf)
    last_ok = np.maximum.accumulate(np.where(ok, np.arange(n), -1))[bars]
    mark = np.where(last_ok >= entries[k], close[np.maximum(last_ok, 0)], price[k])
    out[bars] = 100.0 * (qty[k] * mark) / equity[bars]
    return out


def orders_rejected(events: NDArray[np.uint8]) -> dict[str, int]:
    """Rejected orders by reason: the signals' first, then the fills' (each in code order)."""
    out: dict[str, int] = {}
    for codes_all in (signal_events(events), fill_events(events)):
        codes, counts = np.unique(codes_all[codes_all >= 2], return_counts=True)
        for code, count in zip(codes.tolist(), counts.tolist()):
            out[reject_reason(code)] = out.get(reject_reason(code), 0) + int(count)
    return out


# --------------------------------------------------------------------------- account snapshots

#: The account after a liquidation: nothing left, entries refused.
LIQUIDATED_STATE = ExchangeState(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, entries_disabled=True,
                                 entries_disabled_reason="account_liquidated")


def flat_state(cash: float, liquidated: bool) -> ExchangeState:
    """The account without a position."""
    return LIQUIDATED_STATE if liquidated else ExchangeState.flat(cash)


def position_state(cash: float, side: int, qty: float, entry: float, mark: float) -> ExchangeState:
    """The account holding ``qty`` at ``entry``, marked at ``mark``."""
    unreal = side * qty * (mark - entry)
    equity = cash + unreal
    used = qty * entry
    return ExchangeState(equity, cash, used, equity - used, equity - used, 0.0, True, SIDE_NAMES[side], qty * mark,
                         qty, entry, unreal)


def optional_price(name: str, value: Optional[Any]) -> float:
    """An absolute stop/target price given with an order: 0.0 for None (none), else a float."""
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ConfigError(f"{name} must be a price (a number) or None, got {value!r}")
    return float(value)
