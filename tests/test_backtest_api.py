"""``Backtest(data, strategy, **settings).run()`` from Python: data kinds, strategy kinds, results.

The README's example runs on the bundled sample and on a polars frame, writes nothing, and gives
the trades ``btcore run`` gives with the same settings.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from btcore.backtest import Backtest, CheckFailed, Result, RunConfig, Strategy, load_sample
from btcore.cli.main import main
from btcore.errors import ConfigError, DataError
from btcore.loop import CythonStrategy

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _dist_env  # noqa: E402

README = Path(__file__).resolve().parents[1] / "README.md"
RULES = {"long_entry": "indicator.ema_fast crosses_above indicator.ema_slow",
         "long_exit": "indicator.ema_fast < indicator.ema_slow"}
EMAS = [{"name": "ema_fast", "type": "ema", "length": 20, "roles": ["exec"]},
        {"name": "ema_slow", "type": "ema", "length": 50, "roles": ["exec"]}]


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return load_sample()


@pytest.fixture(scope="module")
def rules_result(sample) -> Result:
    return Backtest(sample, RULES, indicators=EMAS).run()


def _readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.find("## Backtest from Python")
    assert start >= 0, "README has no 'Backtest from Python' section"
    block = re.search(r"```python\n(.*?)```", text[start:], re.S)
    assert block, "the README section has no python example"
    return block.group(1)


def test_readme_example_runs_on_the_bundled_sample_and_writes_nothing(tmp_path):
    code = _readme_example()
    assert len(code.strip().splitlines()) <= 20
    script = tmp_path / "example.py"
    script.write_text(code + "\nprint('TRADES', len(result.trades), 'EQUITY', len(result.equity))\n")
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=_dist_env.subprocess_env(),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    found = re.search(r"TRADES (\d+) EQUITY (\d+)", out.stdout)
    assert found and int(found.group(1)) > 0 and int(found.group(2)) > 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["example.py"]  # nothing else written


def test_same_trades_as_btcore_run_with_the_same_settings(tmp_path, monkeypatch, rules_result):
    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / "run.toml"
    cfg.write_text(textwrap.dedent("""
        [[indicators]]
        name = "ema_fast"
        type = "ema"
        length = 20
        roles = ["exec"]
        [[indicators]]
        name = "ema_slow"
        type = "ema"
        length = 50
        roles = ["exec"]
        [strategy]
        long_entry = "indicator.ema_fast crosses_above indicator.ema_slow"
        long_exit = "indicator.ema_fast < indicator.ema_slow"
    """))
    assert main(["run", "-c", str(cfg), "-o", str(tmp_path / "rep"), "-q", "--no-plot"]) == 0
    cli = pd.read_csv(tmp_path / "rep" / "trades.csv")
    mine = rules_result.trades
    assert len(cli) == len(mine) > 5
    np.testing.assert_array_equal(cli["entry_price"].to_numpy(), mine["entry_price"].to_numpy())
    np.testing.assert_array_equal(cli["exit_price"].to_numpy(), mine["exit_price"].to_numpy())
    np.testing.assert_allclose(cli["pnl"].to_numpy(), mine["pnl"].to_numpy(), rtol=1e-12)
    assert list(cli["entry_time"]) == [t.isoformat() for t in mine["entry_time"]]
    assert list(cli.columns) == list(mine.columns)


@pytest.mark.parametrize("kind", [pytest.param("polars", marks=pytest.mark.polars), "pyarrow",
                                  pytest.param("polars_lazy", marks=pytest.mark.polars), "path"])
def test_polars_arrow_and_paths_give_the_same_trades(kind, sample, rules_result, tmp_path):
    if kind == "polars":
        import polars as pl

        data = pl.from_pandas(sample)
    elif kind == "polars_lazy":
        import polars as pl

        data = pl.from_pandas(sample).lazy()
    elif kind == "pyarrow":
        data = pa.Table.from_pandas(sample)
    else:
        data = tmp_path / "m1.parquet"
        sample.to_parquet(data)
    res = Backtest(data, RULES, indicators=EMAS).run()
    pd.testing.assert_frame_equal(res.trades, rules_result.trades)
    pd.testing.assert_frame_equal(res.equity, rules_result.equity)


def test_result_frames_have_utc_indexes_and_the_report_columns(rules_result):
    r = rules_result
    assert isinstance(r.equity.index, pd.DatetimeIndex) and str(r.equity.index.tz) == "UTC"
    assert isinstance(r.trades.index, pd.DatetimeIndex) and str(r.trades.index.tz) == "UTC"
    assert list(r.equity.columns) == ["time", "ts_close_ms", "close", "equity", "drawdown_pct", "position"]
    assert list(r.trades.columns)[:3] == ["entry_time", "exit_time", "side"]
    assert (r.equity.index == r.signals.index).all() and set(r.signals.unique()) <= {0, 1, 2, -1}
    assert r.stats["trades"] == len(r.trades) and r.stats["final_equity"] == r.equity["equity"].iloc[-1]
    assert r.stats["final_equity"] == pytest.approx(10_000.0 + r.trades["pnl"].sum(), rel=1e-12)
    assert {"sortino", "calmar", "sqn", "kelly", "expectancy_pct", "max_drawdown_duration"} <= set(r.stats.index)
    assert r.state_stats and r.spec.id == r.spec.replace().id and r.preflight["passed"]
    assert r.spec.start == int(r.equity["ts_close_ms"].iloc[0]) - 15 * 60_000
    assert "Result BTCUSDT" in repr(r)


def test_a_bad_setting_fails_at_construction_naming_it(sample):
    with pytest.raises(ConfigError, match=r"commission must be a number in \[0, 0.5\], got 5.0"):
        Backtest(sample, RULES, indicators=EMAS, commission=5.0)
    with pytest.raises(ConfigError, match="unknown setting"):
        Backtest(sample, RULES, comission=0.001)
    with pytest.raises(DataError, match="accepted: pandas DataFrame"):
        Backtest([1, 2, 3], RULES, indicators=EMAS).run()
    with pytest.raises(ConfigError, match="unknown indicator 'nope'"):
        Backtest(sample, {"long_entry": "indicator.nope > 1"}, indicators=EMAS).run()


# --------------------------------------------------------------------------- strategy kinds


def _cross(view):
    f, s = view.get("indicator.ema_fast"), view.get("indicator.ema_slow")
    if f is None or s is None:
        return None
    return "LONG" if f > s else "FLAT"


class CrossClass(Strategy):
    margin = 0.0

    def init(self):
        self.fast, self.slow = self.I("indicator.ema_fast"), self.I("indicator.ema_slow")

    def next(self):
        f, s = self.fast.get(), self.slow.get()
        if f is None or s is None:
            return
        if f > s * (1 + self.margin) and self.position <= 0:
            self.buy()
        elif f < s and self.position > 0:
            self.close()


class DuckClass:
    def init(self, view):
        self.fast, self.slow = view.compile("indicator.ema_fast"), view.compile("indicator.ema_slow")

    def next(self, view):
        f, s = self.fast.get(), self.slow.get()
        return None if f is None or s is None else ("LONG" if f > s else "FLAT")


class CyCross(CythonStrategy):
    def prepare(self, view):
        self.fast, self.slow = view.compile("indicator.ema_fast"), view.compile("indicator.ema_slow")

    def on_bar(self, view):
        f, s = self.fast.get(), self.slow.get()
        return 0 if f is None or s is None else (1 if f > s else 2)


@pytest.fixture(scope="module")
def level_result(sample):
    rules = {"long_entry": "indicator.ema_fast > indicator.ema_slow", "long_exit": "indicator.ema_fast < indicator.ema_slow"}
    return Backtest(sample, rules, indicators=EMAS).run()


@pytest.mark.parametrize("strategy", [_cross, CrossClass, CrossClass(), DuckClass, CyCross, CyCross()],
                         ids=["function", "class", "instance", "duck", "cython_class", "cython_instance"])
def test_every_strategy_kind_trades_like_the_equivalent_rules(strategy, sample, level_result):
    res = Backtest(sample, strategy, indicators=EMAS).run()
    pd.testing.assert_frame_equal(res.trades, level_result.trades)


def test_class_parameters_and_run_overrides(sample, level_result):
    res = Backtest(sample, CrossClass, params={"margin": 0.0}, indicators=EMAS).run()
    pd.testing.assert_frame_equal(res.trades, level_result.trades)
    wide = Backtest(sample, CrossClass, indicators=EMAS).run(margin=0.01)
    assert len(wide.trades) < len(level_result.trades)
    with pytest.raises(ConfigError, match="no parameter 'nope'"):
        Backtest(sample, CrossClass, params={"nope": 1}, indicators=EMAS).run()


def test_a_strategy_with_its_own_stops(sample):
    class WithStops(Strategy):
        def next(self):
            close = self.view.get("price.mark.close")
            if self.position == 0 and close is not None:
                self.buy(stop_loss=close * 0.99, take_profit=close * 1.02)

    res = Backtest(sample, WithStops, indicators=[]).run()
    assert set(res.trades["exit_reason"]) <= {"stop_loss", "take_profit", "end_of_data"}
    assert (res.trades["exit_reason"] == "stop_loss").sum() > 3 and (res.trades["exit_reason"] == "take_profit").sum() > 3


def test_a_strategy_file_imports_a_module_beside_it(tmp_path, sample, level_result):
    (tmp_path / "helper_mod_for_btcore.py").write_text("def decide(f, s):\n    return 'LONG' if f > s else 'FLAT'\n")
    (tmp_path / "strat.py").write_text(textwrap.dedent("""
        from helper_mod_for_btcore import decide

        def strategy(view):
            f, s = view.get("indicator.ema_fast"), view.get("indicator.ema_slow")
            return None if f is None or s is None else decide(f, s)
    """))
    before = list(sys.path)
    res = Backtest(sample, tmp_path / "strat.py", indicators=EMAS).run()
    pd.testing.assert_frame_equal(res.trades, level_result.trades)
    assert sys.path == before  # the folder is on the path only during the run
    sys.modules.pop("helper_mod_for_btcore", None)


def test_a_prebuilt_feed_set_is_used_as_it_is(sample, level_result):
    from btcore.backtest.feeds import build_feeds

    feeds, _ = build_feeds(RunConfig(indicators=EMAS), sample)
    res = Backtest(feeds, {"long_entry": "indicator.ema_fast > indicator.ema_slow",
                           "long_exit": "indicator.ema_fast < indicator.ema_slow"}).run()
    pd.testing.assert_frame_equal(res.trades, level_result.trades)
    assert res.preflight["passed"]


# --------------------------------------------------------------------------- account realism


def _minutes(close: np.ndarray, t0: int = 1_704_067_200_000) -> pd.DataFrame:
    open_ = np.r_[close[0], close[:-1]]
    return pd.DataFrame({"ts": t0 + 60_000 * np.arange(len(close), dtype=np.int64), "open": open_,
                         "high": np.maximum(open_, close) * 1.0005, "low": np.minimum(open_, close) * 0.9995,
                         "close": close, "volume": 1.0})


def test_a_bankrupt_account_stops_at_zero_and_never_recovers():
    # a short-only rule into a tripling market, then a crash it would have profited from
    n = 3000
    path = np.r_[np.linspace(100, 320, 1500), np.linspace(320, 60, n - 1500)]
    res = Backtest(_minutes(path), {"short_entry": "true"}, indicators=[], exec_tf="15m", mtf="1h", htf="1h",
                   commission=0.001).run()
    eq = res.equity["equity"]
    assert (eq >= 0).all() and eq.iloc[-1] == 0.0
    assert res.stats["liquidated"] is True and res.stats["total_return_pct"] == -100.0
    assert res.stats["max_drawdown_pct"] == -100.0
    assert res.trades["exit_reason"].iloc[-1] == "liquidation"
    first_zero = int(np.argmax(eq.to_numpy() == 0))
    assert (eq.iloc[first_zero:] == 0).all()
    # the rule keeps asking for a short; after the liquidation every order is refused
    assert res.stats["orders_rejected"]["account_liquidated"] == int((res.signals.iloc[first_zero:] == -1).sum()) > 0
    assert res.trades["exit_time"].iloc[-1] <= eq.index[first_zero]


def test_stops_and_targets_are_off_unless_asked(sample):
    res = Backtest(sample, {"long_entry": "true"}, indicators=[]).run()
    assert len(res.trades) == 1 and res.trades["exit_reason"].iloc[0] == "end_of_data"
    assert res.context["risk"].startswith("stop loss off, take profit off")
    stopped = Backtest(sample, {"long_entry": "true"}, indicators=[], stop_loss_pct=0.03, take_profit_pct=0.06).run()
    assert len(stopped.trades) > 5


# --------------------------------------------------------------------------- default start


def test_the_default_run_passes_its_own_preflight_on_a_file_starting_off_the_hour(sample, tmp_path):
    late = sample[sample["ts"] >= pd.Timestamp("2020-03-02T13:07Z").value // 1_000_000].reset_index(drop=True)
    res = Backtest(late).run()  # the default 15m/1h/4h strategy and indicators
    assert res.preflight["passed"] and res.stats["trades"] > 0
    first = res.equity["ts_close_ms"].iloc[0] - 15 * 60_000
    # rsi(14) on 4h needs 15 closed 4h bars; the first (partial) 4h bar opens at 12:00
    ready = pd.Timestamp("2020-03-02T12:00Z") + 15 * pd.Timedelta("4h")
    assert pd.Timestamp(first, unit="ms", tz="UTC") == ready - pd.Timedelta("15min")
    assert "every role is ready" in res.context["start_note"]


def test_slow_timeframes_on_a_year_starting_on_january_first():
    rng = np.random.default_rng(3)
    n = 366 * 1440
    close = 7000 * np.exp(np.cumsum(rng.normal(0, 0.0008, n)))
    df = _minutes(close, t0=1_577_836_800_000)  # 2020-01-01, a Wednesday
    res = Backtest(df, exec_tf="4h", mtf="1d", htf="1w").run()
    assert res.preflight["passed"], res.preflight["message"]
    assert res.stats["exec_bars"] > 1000


def test_an_explicit_start_before_the_warmup_fails_the_preflight_unless_allowed(sample):
    with pytest.raises(CheckFailed, match="STARTS_TOO_LATE"):
        Backtest(sample, start="2020-03-02").run()
    res = Backtest(sample, start="2020-03-02", allow_preflight_failure=True).run()
    assert res.preflight_failed and "early bars read None" in res.context["start_note"]

