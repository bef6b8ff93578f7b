"""A miniature of the reference backtest engine, using its runtime the way the inventory says.

Nothing here knows about btcore: it imports ``.runtime.*`` by submodule, builds a
``MultiTFFeedStore`` then the 1m quote feed, and per exec bar (warmup bars included) it does what
the reference engine's ``run()`` does at 17089c5 (inventory-newer §5.2): bar timestamps from the
exec feed, tracker hooks, the bar's 1m range from ``quote_feed.get_1m_indices_for_exec`` for
fills and TP/SL, ``_accumulate_1m_quotes`` with ``QuoteState`` built from the arrays via
``_get_ts_close_ms_at``, ``freeze``/``reset``, one ``RuntimeSnapshotView(..., incremental_state=)``
at the exec close (look-ahead asserts), then the 1m evaluation sub-loop with a new view per 1m
bar whose mark price is that 1m close, strategy called until the first signal. Orders fill at
the next bar's first 1m open; TP/SL are checked on the 1m bars of the range.

``positional=True`` replaces the runtime's 1m range by the reference runtime's formula
``(i * m, i * m + m - 1)``, to show what it reads.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any, Callable, Optional

from .runtime.feed_store import FeedStore, MultiTFFeedStore
from .runtime.quote_state import QuoteState
from .runtime.rollup_bucket import ExecRollupBucket, create_empty_rollup_dict
from .runtime.snapshot_view import RuntimeSnapshotView
from .runtime.state_tracker import create_state_tracker
from .runtime.timeframe import TF_MINUTES
from .runtime.types import Bar, FeatureSnapshot, HistoryConfig


class Signal:
    def __init__(self, direction: str, stop_loss: float, take_profit: float) -> None:
        self.direction, self.metadata = direction, {"stop_loss": stop_loss, "take_profit": take_profit}


class Exchange:
    """Just enough simulator for the view's exchange accessors and one position at a time."""

    def __init__(self, equity: float) -> None:
        self.equity_usdt = self.available_balance_usdt = equity
        self.unrealized_pnl_usdt = 0.0
        self.entries_disabled = False
        self.position: Any = None
        self.pending: Any = None
        self.trades: list[dict] = []


class Position:
    def __init__(self, side: str, entry: float, ts: Any, sl: float, tp: float, size_usdt: float) -> None:
        self.side, self.entry_price, self.entry_ts, self.sl, self.tp = side, entry, ts, sl, tp
        self.size_usdt = size_usdt


class MiniEngine:
    def __init__(self, exec_df, htf_df, m1_df, symbol: str, tf: str, htf_tf: str, sim_start: int,
                 incremental_state: Any = None, positional: bool = False, record: bool = False) -> None:
        self.config_tf, self.symbol, self.sim_start = tf, symbol, sim_start
        self.exec_df, self.htf_df, self.m1_df, self.htf_tf = exec_df, htf_df, m1_df, htf_tf
        self.state = incremental_state
        self.positional = positional
        self.record = [] if record else None
        self._tracker = create_state_tracker(warmup_bars=0, max_positions=1)
        self._bucket = ExecRollupBucket()
        self._current_rollups = create_empty_rollup_dict()
        self._history_config = HistoryConfig()

    # ------------------------------------------------------------------ the engine's builders

    def _build_feed_stores(self) -> None:
        ind = [c for c in self.exec_df.columns if c not in ("timestamp", "open", "high", "low", "close", "volume")]
        self._exec_feed = FeedStore.from_dataframe(self.exec_df, self.config_tf, self.symbol, indicator_columns=ind)
        self._htf_feed = FeedStore.from_dataframe(self.htf_df, self.htf_tf, self.symbol, indicator_columns=["rsi"])
        self._feeds = MultiTFFeedStore(exec_feed=self._exec_feed, htf_feed=self._htf_feed, mtf_feed=None,
                                       tf_mapping={"htf": self.htf_tf, "mtf": self.config_tf, "ltf": self.config_tf})

    def _build_quote_feed(self) -> None:
        self._quote_feed = FeedStore.from_dataframe(self.m1_df, "1m", self.symbol, indicator_columns=[])
        self._bucket.reset()
        self._last_1m_idx = -1

    def _range(self, i: int) -> tuple[int, int]:
        minutes = TF_MINUTES.get(self.config_tf.lower(), 15)
        if self.positional:
            start, end = i * minutes, i * minutes + minutes - 1
        else:
            start, end = self._quote_feed.get_1m_indices_for_exec(i, minutes)
        return start, min(end, self._quote_feed.length - 1)

    def _accumulate_1m_quotes(self, exec_ts_close: Any) -> None:
        q = self._quote_feed
        end = q.get_last_closed_idx_at_or_before(exec_ts_close)
        if end is None:
            return
        for idx in range(self._last_1m_idx + 1, end + 1):
            quote = QuoteState(
                ts_ms=q._get_ts_close_ms_at(idx), last=float(q.close[idx]), open_1m=float(q.open[idx]),
                high_1m=float(q.high[idx]), low_1m=float(q.low[idx]), mark=float(q.close[idx]),
                mark_source="approx_from_ohlcv_1m", volume_1m=float(q.volume[idx]),
            )
            self._bucket.accumulate(quote)
        self._last_1m_idx = max(self._last_1m_idx, end)

    def _view(self, i: int, htf_idx: int, rollups: dict, mark: float, source: str) -> Any:
        return RuntimeSnapshotView(
            feeds=self._feeds, exec_idx=i, htf_idx=htf_idx, mtf_idx=None, exchange=self._exchange,
            mark_price=mark, mark_price_source=source, history_config=self._history_config, history_ready=True,
            rollups=rollups, incremental_state=self.state,
        )

    # ------------------------------------------------------------------ the exchange's bar step

    def _process_bar(self, bar: Bar, rng: tuple[int, int]) -> int:
        ex, q = self._exchange, self._quote_feed
        fills = 0
        rows = range(rng[0], rng[1] + 1)
        if ex.pending is not None:
            side, sl, tp = ex.pending
            price, ts = (float(q.open[rows[0]]), q.get_ts_open_datetime(rows[0])) if rows else (bar.open, bar.ts_open)
            ex.position, ex.pending = Position(side, price, ts, sl, tp, ex.equity_usdt), None
            fills += 1
        pos = ex.position
        if pos is not None:
            hit = None
            for j in rows:
                lo, hi = float(q.low[j]), float(q.high[j])
                if pos.side == "long" and lo <= pos.sl or pos.side == "short" and hi >= pos.sl:
                    hit = (pos.sl, "sl", q.get_ts_close_datetime(j))
                elif pos.side == "long" and hi >= pos.tp or pos.side == "short" and lo <= pos.tp:
                    hit = (pos.tp, "tp", q.get_ts_close_datetime(j))
                if hit:
                    break
            if hit is None and not rows:  # no 1m bars: the exec bar's own range (the reference's fallback)
                if pos.side == "long" and bar.low <= pos.sl or pos.side == "short" and bar.high >= pos.sl:
                    hit = (pos.sl, "sl", bar.ts_close)
            if hit:
                price, reason, ts = hit
                ret = (price / pos.entry_price - 1) * (1 if pos.side == "long" else -1)
                ex.equity_usdt *= 1 + ret
                ex.available_balance_usdt = ex.equity_usdt
                ex.trades.append({"side": pos.side, "entry_ts": pos.entry_ts, "entry": pos.entry_price,
                                  "exit_ts": ts, "exit": price, "reason": reason, "equity": ex.equity_usdt})
                ex.position = None
        return fills

    # ------------------------------------------------------------------ run

    def run(self, strategy: Callable[[Any, dict], Optional[Signal]], params: Optional[dict] = None) -> dict:
        self._build_feed_stores()
        self._build_quote_feed()
        self._exchange = Exchange(10_000.0)
        ex_feed, htf_feed, tracker = self._exec_feed, self._htf_feed, self._tracker
        htf_idx = 0  # the reference engine's forward-fill index starts at 0
        equity, prev_bar = [], None
        for i in range(ex_feed.length):
            bar = Bar(self.symbol, self.config_tf, ex_feed.get_ts_open_datetime(i), ex_feed.get_ts_close_datetime(i),
                      float(ex_feed.open[i]), float(ex_feed.high[i]), float(ex_feed.low[i]), float(ex_feed.close[i]),
                      float(ex_feed.volume[i]))
            if self.state is not None:
                self.state.exec.update(i, {"high": bar.high})
            tracker.on_bar_start(i)
            tracker.on_warmup_check(i >= self.sim_start, self.sim_start)
            tracker.on_history_check(True, i)
            rng = self._range(i) if self._quote_feed.length else None
            for _ in range(self._process_bar(bar, rng if rng else (0, -1))):
                tracker.on_order_filled()
            hit = htf_feed.get_idx_at_ts_close(bar.ts_close)  # exact-match forward fill, as the engine
            if hit is not None:
                htf_idx = hit
            if i < self.sim_start:
                FeatureSnapshot(self.config_tf, bar.ts_close, bar, {})
                prev_bar = bar
                continue
            self._accumulate_1m_quotes(bar.ts_close)
            rollups = self._bucket.freeze()
            self._current_rollups = rollups
            self._bucket.reset()
            snapshot = self._view(i, htf_idx, rollups, bar.close, "close")
            assert snapshot.ts_close == bar.ts_close  # the engine's look-ahead guards
            assert snapshot.exec_ctx.ts_close == bar.ts_close
            signal, sub_rows = None, range(rng[0], rng[1] + 1) if rng else range(0)
            for sub in sub_rows:
                price = float(self._quote_feed.close[sub])
                view = self._view(i, htf_idx, rollups, price, "1m_close")
                if self.record is not None:
                    self.record.append((i, sub, htf_idx, view.get("indicator.mark_price"), view.get_feature("ema_fast"),
                                        view.get("indicator.rsi.htf"), view.rollup_min_1m, view.rollup_bars_1m,
                                        view.get("structure.hi.value") if self.state is not None else None))
                if self._exchange.entries_disabled and self._exchange.position is None:
                    continue
                signal = strategy(view, params or {})
                if signal is not None:
                    break
            direction = {"LONG": 1, "SHORT": -1}.get(getattr(signal, "direction", None), 0)
            tracker.on_signal_evaluated(direction)
            tracker.on_position_check(1 if self._exchange.position is not None else 0)
            if signal is not None and self._exchange.position is None and self._exchange.pending is None:
                side = "long" if signal.direction == "LONG" else "short"
                self._exchange.pending = (side, signal.metadata["stop_loss"], signal.metadata["take_profit"])
                tracker.on_sizing_computed(self._exchange.equity_usdt)
                tracker.on_order_submitted()
            equity.append((bar.ts_close, self._exchange.equity_usdt))
            tracker.on_bar_end()
            prev_bar = bar
        return {"trades": self._exchange.trades, "equity": equity, "stats": tracker.summary_stats(),
                "prev_bar": prev_bar}


def mark_price_strategy(view: Any, params: dict) -> Optional[Signal]:
    """Conditions as the engine's rule compiler writes them: ``indicator.mark_price`` against
    indicators, HTF RSI, and the 1m rollup for the stop."""
    mark = view.get("indicator.mark_price")
    fast, slow = view.get_feature("ema_fast"), view.get("indicator.ema_slow")
    rsi_htf = view.get_feature("rsi", "htf")
    low_1m = view.get_rollup("px.rollup.min_1m")
    if None in (mark, fast, slow, rsi_htf) or low_1m is None or math.isinf(low_1m):
        return None
    if view.has_position:
        return None
    if mark > fast > slow and rsi_htf < 70:
        return Signal("LONG", stop_loss=min(low_1m, mark * 0.995), take_profit=mark * 1.01)
    if mark < fast < slow and rsi_htf > 30:
        return Signal("SHORT", stop_loss=mark * 1.005, take_profit=mark * 0.99)
    return None


def digest(result: dict) -> str:
    """The engine's determinism hash: repr of the trades and the equity curve."""
    return hashlib.sha256(repr((result["trades"], result["equity"])).encode()).hexdigest()
