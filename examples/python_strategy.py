"""An example strategy file for ``btcore run --strategy-file examples/python_strategy.py``.

``btcore run`` imports this file and uses, in order: the object named by ``strategy.function``
in the config, a class ``Strategy`` (created with the ``[strategy.params]`` table as keyword
arguments), or a function ``strategy(view)`` / ``strategy(view, params)``.

Per exec bar the strategy gets the view (what was known at the bar's close) and returns
``None``/``0`` (nothing), ``"LONG"``/``1``, ``"SHORT"``/``-1``, ``"FLAT"``/``2``, or an object
with a ``direction`` attribute holding one of those strings; such an object may also carry
absolute ``stop_loss`` / ``take_profit`` prices for the order it opens.

It needs the indicators ``rsi`` (exec and htf) and ``atr`` (exec) of the default configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass
class Signal:
    direction: str
    stop_loss: Optional[float] = None
    take_profit: Optional[float] = None


class Strategy:
    """RSI mean reversion in the direction of the 4h RSI, with ATR-based stop and target."""

    def __init__(self, rsi_low: float = 30.0, rsi_high: float = 70.0, atr_stop: float = 2.0, atr_target: float = 3.0):
        self.rsi_low, self.rsi_high = rsi_low, rsi_high
        self.atr_stop, self.atr_target = atr_stop, atr_target

    def prepare(self, view) -> None:
        # Resolve every path once; handle.get() then costs no string work per bar.
        self.rsi = view.compile("indicator.rsi")
        self.rsi_htf = view.compile("indicator.rsi.htf")
        self.atr = view.compile("indicator.atr")
        self.close = view.compile("price.mark.close")

    def on_bar(self, view):
        rsi, rsi_htf, atr, close = self.rsi.get(), self.rsi_htf.get(), self.atr.get(), self.close.get()
        if rsi is None or rsi_htf is None or atr is None or close is None:
            return None  # indicators still warming up
        position = view.exchange.position_side if view.exchange is not None else None
        if position is None:
            if rsi < self.rsi_low and rsi_htf > 50:
                return Signal("LONG", close - self.atr_stop * atr, close + self.atr_target * atr)
            if rsi > self.rsi_high and rsi_htf < 50:
                return Signal("SHORT", close + self.atr_stop * atr, close - self.atr_target * atr)
        elif position == "long" and rsi > 55:
            return "FLAT"
        elif position == "short" and rsi < 45:
            return "FLAT"
        return None
