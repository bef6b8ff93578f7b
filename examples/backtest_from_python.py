"""A backtest from Python on the bundled sample: rules, then a class strategy, then the report.

Run it from anywhere: ``python examples/backtest_from_python.py [report-folder]``. It writes the
report folder (default ``./btcore-example-report``) and ``chart.html`` (with bokeh installed:
``pip install 'btcore[plot]'``) only at the end, because it asks for them.
"""

from __future__ import annotations

import sys

from btcore.backtest import Backtest, Strategy, load_sample

EMAS = [{"name": "ema_fast", "type": "ema", "length": 20, "roles": ["exec", "htf"]},
        {"name": "ema_slow", "type": "ema", "length": 50, "roles": ["exec", "htf"]}]


class TrendCross(Strategy):
    """Long when the exec EMAs cross up while the 4h EMAs agree; out when they cross back."""

    min_gap = 0.0  # a parameter: Backtest(..., params={"min_gap": 0.002})

    def init(self) -> None:
        self.fast, self.slow = self.I("indicator.ema_fast"), self.I("indicator.ema_slow")
        self.fast_htf, self.slow_htf = self.I("indicator.ema_fast.htf"), self.I("indicator.ema_slow.htf")

    def next(self) -> None:
        f, s, fh, sh = self.fast.get(), self.slow.get(), self.fast_htf.get(), self.slow_htf.get()
        if f is None or s is None or fh is None or sh is None:
            return  # warming up
        if self.position == 0 and f > s * (1 + self.min_gap) and fh > sh:
            self.buy()
        elif self.position > 0 and f < s:
            self.close()


def main(out: str = "btcore-example-report") -> None:
    bars = load_sample()
    rules = Backtest(bars, {"long_entry": "indicator.ema_fast crosses_above indicator.ema_slow",
                            "long_exit": "indicator.ema_fast < indicator.ema_slow"}, indicators=EMAS).run()
    cls = Backtest(bars, TrendCross, indicators=EMAS, sizing="fee_inclusive", stop_loss_pct=0.04).run()
    for name, result in (("rules", rules), ("TrendCross", cls)):
        s = result.stats
        print(f"{name:>10}: {s['trades']} trades, return {s['total_return_pct']:.2f}%, Sharpe {s['sharpe']:.2f}, "
              f"max drawdown {s['max_drawdown_pct']:.2f}%, settings {result.spec.id}")
    print(cls.trades[["side", "entry_price", "exit_price", "pnl", "exit_reason"]].head())
    print("report:", cls.save(out, force=True))
    try:
        print("chart:", cls.plot("chart.html"))
    except ImportError as exc:  # bokeh is an optional extra
        print(exc)


if __name__ == "__main__":
    main(*sys.argv[1:2])
