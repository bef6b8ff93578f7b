"""``Backtest.optimize`` and ``btcore.backtest.sweep``: the table, its rows, the grid's checks.

Every row must be the statistics of a standalone ``Backtest(...).run()`` with that combination's
settings, bit for bit (on the implementation the session selected: the suite runs on both):
with rules (indicator lengths, costs, stops, timeframes) and with Python strategies (a class and
a function with parameters).
"""

from __future__ import annotations

import pandas as pd
import pytest

from _sweep_cases import COST_GRID, GRID, Cross, assert_row_is_run, cross_function, same

from btcore.backtest import Backtest, RunConfig, sweep
from btcore.backtest.sweep import STAT_COLUMNS
from btcore.errors import ConfigError


@pytest.fixture(scope="module")
def sample():
    from btcore.backtest import load_sample

    return load_sample()


def _run_of(bt: Backtest, values: dict) -> pd.Series:
    """The stats of a standalone run of ``bt`` with grid ``values`` (length and plain settings)."""
    settings = {k: v for k, v in bt.settings.__dict__.items() if k != "data_path"}
    settings["indicators"] = [{"name": s.name, "type": s.type, "length": s.length, "source": s.source,
                               "roles": list(s.roles)} for s in bt.settings.indicators]
    for key, value in values.items():
        if key.startswith("indicators."):
            _, name, fld = key.split(".")
            next(e for e in settings["indicators"] if e["name"] == name)[fld] = value
        else:
            settings[key] = value
    return Backtest(bt.data, **settings).run().stats


def test_table_has_grid_columns_then_stats_one_row_per_combination(sample):
    bt = Backtest(sample)
    table = bt.optimize(GRID, maximize=None)
    assert list(table.columns) == [*GRID, *STAT_COLUMNS]
    assert len(table) == 6 and table.index.name == "combination"
    assert table[list(GRID)].values.tolist() == [[8, 40], [8, 60], [8, 90], [20, 40], [20, 60], [20, 90]]
    assert "loop_seconds" not in table.columns and "bars_per_second" not in table.columns


def test_every_row_is_the_standalone_run_bit_for_bit(sample):
    bt = Backtest(sample)
    table = bt.optimize(GRID, maximize=None)
    for _, row in table.iterrows():
        values = {k: row[k] for k in GRID}
        assert_row_is_run(row, _run_of(bt, values))
    # the rows differ (the grid reaches the runs)
    assert table["total_return_pct"].nunique() > 1


def test_cost_and_stop_grid_rows_are_runs(sample):
    bt = Backtest(sample)
    table = bt.optimize(COST_GRID, maximize=None)
    for _, row in table.iterrows():
        assert_row_is_run(row, bt.__class__(sample, commission=row["commission"],
                                            stop_loss_pct=row["stop_loss_pct"]).run().stats)
    assert not same(table["fees_paid"].iloc[0], table["fees_paid"].iloc[-1])


def test_timeframe_grid_groups_feeds_and_matches_runs(sample):
    bt = Backtest(sample)
    table = bt.optimize({"exec_tf": ["15m", "30m"], "indicators.ema_slow.length": [30, 50]}, maximize=None)
    for _, row in table.iterrows():
        assert_row_is_run(row, _run_of(bt, {"exec_tf": row["exec_tf"],
                                            "indicators.ema_slow.length": row["indicators.ema_slow.length"]}))
    assert set(table["exec_bars"].tolist()) != {table["exec_bars"].iloc[0]}


@pytest.mark.parametrize("strategy", [Cross, cross_function], ids=["class", "function"])
def test_python_strategy_rows_are_runs(sample, strategy):
    bt = Backtest(sample, strategy)
    table = bt.optimize({"indicators.ema_fast.length": [10, 20], "params.margin": [0.0, 0.002]}, maximize=None)
    for _, row in table.iterrows():
        ind = [{"name": s.name, "type": s.type, "length": row["indicators.ema_fast.length"] if s.name == "ema_fast"
                else s.length, "source": s.source, "roles": list(s.roles)} for s in bt.settings.indicators]
        expected = Backtest(sample, strategy, params={"margin": row["params.margin"]}, indicators=ind).run().stats
        assert_row_is_run(row, expected)
    assert table["trades"].nunique() > 1


def test_maximize_sorts_best_first_nan_last_and_rerun_gives_the_row(sample):
    bt = Backtest(sample)
    table = bt.optimize(GRID, maximize="total_return_pct")
    values = table["total_return_pct"].tolist()
    assert values == sorted(values, reverse=True)
    best = bt.rerun(table.iloc[0])
    assert_row_is_run(table.iloc[0], best.stats)
    assert len(best.trades) == table.iloc[0]["trades"]
    assert table.attrs["grid_keys"] == list(GRID) and table.attrs["maximize"] == "total_return_pct"
    never = {"long_entry": "indicator.ema_fast > 1e12"}  # no trade: flat equity, Sharpe NaN
    ranked = bt.optimize({"rules": [never, dict(bt.settings.rules)], "commission": [0.0, 0.001]}, maximize="sharpe")
    assert ranked["sharpe"].iloc[:2].notna().all() and ranked["sharpe"].iloc[2:].isna().all()
    assert ranked.index.tolist()[2:] == [0, 1]  # NaN rows last, in grid order


def test_maximize_callable_adds_objective(sample):
    table = Backtest(sample).optimize(GRID, maximize=lambda r: -abs(r["max_drawdown_pct"]))
    assert list(table.columns)[-1] == "objective"
    assert table["objective"].tolist() == sorted(table["objective"].tolist(), reverse=True)
    assert table["objective"].iloc[0] == -abs(table["max_drawdown_pct"].iloc[0])


def test_constraint_receives_the_values_and_filters(sample):
    seen = []

    def keep(values):
        seen.append(dict(values))
        return values["indicators.ema_fast.length"] * 4 < values["indicators.ema_slow.length"]

    table = Backtest(sample).optimize(GRID, maximize=None, constraint=keep)
    assert len(seen) == 6 and set(seen[0]) == set(GRID)
    assert table[list(GRID)].values.tolist() == [[8, 40], [8, 60], [8, 90], [20, 90]]


@pytest.mark.parametrize("grid, match", [
    ({}, "non-empty mapping"),
    ({"nope": [1]}, "unknown grid key 'nope'; allowed: a setting"),
    ({"data_path": ["x.csv"]}, "unknown grid key 'data_path'"),
    ({"indicators.ema_fast.window": [3]}, "'window' is not an indicator field; allowed: length, type"),
    ({"indicators.ema_mid.length": [3]}, "no indicator named 'ema_mid'; declared: \\['ema_fast'"),
    ({"commission": []}, "grid\\['commission'\\] has no values"),
    ({"commission": "0.1"}, "grid\\['commission'\\] must be a non-empty list"),
    ({"commission": [0.001, 0.9]}, "grid combination \\{'commission': 0.9\\}: commission must be a number in \\[0, 0.5\\]"),
    ({"indicators.ema_fast.length": [0]}, "length must be an integer >= 1, got 0"),
    ({"params.margin": [0.1]}, "params.\\* are a Python strategy's parameters"),
])
def test_bad_grids_name_the_key_and_what_is_allowed(sample, grid, match):
    with pytest.raises(ConfigError, match=match):
        Backtest(sample).optimize(grid)


def test_bad_maximize_and_constraint(sample):
    with pytest.raises(ConfigError, match="maximize must be a statistic .*got 'sharp'"):
        Backtest(sample).optimize(GRID, maximize="sharp")
    with pytest.raises(ConfigError, match="constraint must be a function"):
        Backtest(sample).optimize(GRID, constraint=3)
    with pytest.raises(ConfigError, match="the constraint leaves no combination"):
        Backtest(sample).optimize(GRID, constraint=lambda v: False)
    with pytest.raises(ConfigError, match="not a known name; allowed: serial, threads"):
        Backtest(sample).optimize(GRID, executor="cluster")
    with pytest.raises(ConfigError, match="executor must be None, a concurrent.futures Executor"):
        Backtest(sample).optimize(GRID, executor=object())


def test_numpy_grid_values_are_plain_numbers(sample):
    import numpy as np

    table = Backtest(sample).optimize({"indicators.ema_fast.length": np.arange(10, 30, 10)}, maximize=None)
    assert table["indicators.ema_fast.length"].tolist() == [10, 20]


def test_sweep_specs_rows_in_order_with_settings_id(sample):
    specs = [RunConfig(commission=0.0), {"commission": 0.002, "exec_tf": "30m"}]
    table = sweep(specs, data=sample)
    assert list(table.columns) == ["settings_id", *STAT_COLUMNS]
    assert table["settings_id"].tolist() == [RunConfig(commission=0.0).id, RunConfig(commission=0.002, exec_tf="30m").id]
    assert_row_is_run(table.iloc[1], Backtest(sample, commission=0.002, exec_tf="30m").run().stats)
    with pytest.raises(ConfigError, match="specs is empty"):
        sweep([], data=sample)
    with pytest.raises(ConfigError, match="specs\\[0\\] must be a RunConfig"):
        sweep([3], data=sample)
    with pytest.raises(ConfigError, match="specs\\[0\\]: .*unexpected keyword"):
        sweep([{"comission": 0.1}], data=sample)


def test_rule_reading_an_undeclared_indicator_fails_before_running(sample):
    with pytest.raises(ConfigError, match="unknown indicator 'ema_mid'"):
        Backtest(sample, {"long_entry": "indicator.ema_mid > 0"}).optimize({"commission": [0.0]})


def test_prebuilt_feeds_sweep_costs(sample):
    bt = Backtest(sample)
    feeds = bt.run().feeds
    table = Backtest(feeds).optimize({"commission": [0.0, 0.002]}, maximize=None)
    for _, row in table.iterrows():
        assert_row_is_run(row, Backtest(feeds, commission=row["commission"]).run().stats)


STRATEGY_FILE = '''
class Strategy:
    def __init__(self, low=30.0):
        self.low = low

    def prepare(self, view):
        self.rsi = view.compile("indicator.rsi")

    def on_bar(self, view):
        rsi = self.rsi.get()
        if rsi is None:
            return None
        side = view.exchange.position_side
        if side is None and rsi < self.low:
            return "LONG"
        if side == "long" and rsi > 60:
            return "FLAT"
        return None
'''


def test_strategy_file_params_and_indicator_grid_rows_are_runs(sample, tmp_path):
    path = tmp_path / "rsi_file.py"
    path.write_text(STRATEGY_FILE)
    bt = Backtest(sample, str(path))
    table = bt.optimize({"params.low": [25.0, 40.0], "indicators.rsi.length": [7, 14]}, maximize=None)
    for _, row in table.iterrows():
        run = bt.rerun(row)
        assert run.spec.strategy_params["low"] == row["params.low"]
        assert_row_is_run(row, run.stats)
    assert table["trades"].nunique() > 1


def test_start_end_and_sizing_grid(sample):
    bt = Backtest(sample)
    table = bt.optimize({"start": ["2020-03-10", "2020-03-15"], "sizing": ["btcore", "fee_inclusive"]},
                        maximize=None)
    # a grid key that is also a statistic's name gets the column grid.<key>
    assert list(table.columns[:3]) == ["grid.start", "sizing", "start"]
    for _, row in table.iterrows():
        run = Backtest(sample, start=row["grid.start"], sizing=row["sizing"]).run()
        assert_row_is_run(row, run.stats)
        assert_row_is_run(row, bt.rerun(row).stats)
    assert table["grid.start"].tolist() == ["2020-03-10", "2020-03-10", "2020-03-15", "2020-03-15"]
    assert table["start"].iloc[-1] >= pd.Timestamp("2020-03-15", tz="UTC")


def test_strategy_instances_are_copied_per_run_and_uncopyable_ones_refused(sample):
    import threading

    class Counting(Cross):
        def init(self):
            super().init()
            self.runs = getattr(self, "runs", 0) + 1
            assert self.runs == 1, "a run saw another run's object"

    table = Backtest(sample, Counting()).optimize({"commission": [0.0, 0.001, 0.002]}, maximize=None)
    assert len(table) == 3

    class Locked(Cross):
        lock = threading.Lock()

    obj = Locked()
    obj.own_lock = threading.Lock()  # a lock cannot be copied
    with pytest.raises(ConfigError, match="cannot be copied .*pass the class instead"):
        Backtest(sample, obj).optimize({"commission": [0.0]})
