"""RunConfig: one validated, frozen, picklable settings object with a stable id; the TOML reader."""

from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcore.backtest import RunConfig, build_config
from btcore.backtest.config_file import SCHEMA
from btcore.backtest.settings import DEFAULT_RULES, SAMPLE_PATH
from btcore.errors import ConfigError


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"commission": 5.0}, "commission must be a number in [0, 0.5], got 5.0"),
        ({"commission": float("nan")}, "commission must be a number in [0, 0.5]"),
        ({"slippage": -0.1}, "slippage must be a number in [0, 0.5], got -0.1"),
        ({"initial_equity": 0}, "initial_equity must be a number in [1e-09, 1e+15]"),
        ({"size_fraction": 1.5}, "size_fraction must be a number in [1e-06, 1], got 1.5"),
        ({"stop_loss_pct": 2.0}, "stop_loss_pct must be None, 0 (off) or a number in (0, 0.99]"),
        ({"take_profit_pct": True}, "take_profit_pct must be None"),
        ({"sizing": "kelly"}, "sizing must be 'btcore' or 'fee_inclusive', got 'kelly'"),
        ({"qty_step": -1}, "qty_step must be a number in [0, 1e+15]"),
        ({"min_notional": "5"}, "min_notional must be a number"),
        ({"exec_tf": 15}, "exec_tf must be a timeframe"),
        ({"exec_tf": "1h", "mtf": "15m"}, "hierarchy"),
        ({"symbol": ""}, "symbol must be a non-empty printable string"),
        ({"symbol": "a\nb"}, "symbol must be a non-empty printable string"),
        ({"start": "2020-02-30"}, "start must be an ISO-8601 UTC time"),
        ({"start": "2020-02-02", "end": "2020-02-01"}, "end must be after start"),
        ({"rules": {"long_exit": "indicator.rsi > 70"}}, "long_entry and/or short_entry"),
        ({"rules": {"long_entry": "indicator.rsi >"}}, "bad rule"),
        ({"rules": {"buy": "indicator.rsi > 70"}}, "rules must be a mapping with keys among"),
        ({"indicators": [{"name": "x", "type": "macd"}]}, "unknown indicator type"),
        ({"plot": "yes"}, "plot must be true or false"),
        ({"strategy_function": "not a name"}, "strategy_function must be a Python name"),
    ],
)
def test_bad_values_raise_config_error_naming_field_and_range(kwargs, fragment):
    with pytest.raises(ConfigError) as info:
        RunConfig(**kwargs)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_defaults_trade_without_hidden_risk_and_values_are_normalised():
    cfg = RunConfig(exec_tf="15M".lower(), start="2020-03-01", take_profit_pct=0, stop_loss_pct=0)
    assert cfg.stop_loss_pct is None and cfg.take_profit_pct is None  # stops are off unless asked
    assert RunConfig().stop_loss_pct is None and RunConfig().take_profit_pct is None
    assert cfg.start == 1_583_020_800_000 and cfg.sizing == "btcore"
    assert dict(cfg.rules) == DEFAULT_RULES and cfg.data_path == SAMPLE_PATH and cfg.is_sample


def test_frozen_picklable_and_replace_validates():
    cfg = RunConfig(commission=0.0005, strategy_params={"n": [1, 2]})
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.commission = 0.1  # type: ignore[misc]
    with pytest.raises(TypeError):
        cfg.rules["long_entry"] = "x"  # type: ignore[index]
    back = pickle.loads(pickle.dumps(cfg))
    assert back == cfg and back.id == cfg.id and hash(back) == hash(cfg)
    with pytest.raises(ConfigError, match="commission"):
        cfg.replace(commission=1.0)


def test_id_is_stable_across_processes_and_follows_the_simulation_settings(tmp_path):
    cfg = RunConfig(commission=0.0005, indicators=[{"name": "e", "type": "ema", "length": 9}])
    code = ("from btcore.backtest import RunConfig; print(RunConfig(commission=0.0005, "
            "indicators=[{'name': 'e', 'type': 'ema', 'length': 9}]).id)")
    for seed in ("0", "12345"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                             env={**os.environ, "PYTHONHASHSEED": seed}, cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == cfg.id
    assert len(cfg.id) == 12 and int(cfg.id, 16) >= 0
    assert cfg.replace(out=Path("elsewhere"), plot=False, allow_preflight_failure=True).id == cfg.id
    for change in ({"commission": 0.0006}, {"sizing": "fee_inclusive"}, {"exec_tf": "5m"}, {"rules": {"long_entry": "true"}},
                   {"stop_loss_pct": 0.02}, {"qty_step": 0.001}):
        assert cfg.replace(**change).id != cfg.id, change


def test_the_texts_the_summary_prints_name_costs_sizing_and_risk():
    cfg = RunConfig(commission=0.002, slippage=0.0001, sizing="fee_inclusive", stop_loss_pct=0.05, min_notional=5)
    assert cfg.costs_text() == "commission 0.002 per side, slippage 0.0001"
    assert "fee_inclusive" in cfg.sizing_text() and "min notional 5" in cfg.sizing_text()
    assert cfg.risk_text().startswith("stop loss 0.05, take profit off")


# --------------------------------------------------------------------------- TOML


@pytest.mark.parametrize(
    "doc, fragment",
    [
        ({"timeframes": {"exec": "1h", "mtf": "15m"}}, "hierarchy"),
        ({"timeframes": {"exec": "15M"}}, "month"),
        ({"nonsense": {}}, "unknown config section"),
        ({"costs": {"fee": 0.1}}, "unknown key"),
        ({"costs": {"commission": -1}}, "costs.commission must be a number in [0, 0.5], got -1"),
        ({"costs": {"commission": "0.001"}}, "costs.commission must be a number in [0, 0.5], got '0.001'"),
        ({"account": {"sizing": 1}}, "account.sizing must be 'btcore' or 'fee_inclusive', got 1"),
        ({"timeframes": {"exec": 15}}, "timeframes.exec must be a timeframe"),
        ({"data": {"path": "missing.csv"}}, "does not exist"),
        ({"data": {"path": 5}}, "data.path must be a file path string, got 5"),
        ({"data": {"start": "2020-02-30"}}, "data.start must be an ISO-8601 UTC time"),
        ({"data": {"start": "2020-02-02", "end": "2020-02-01"}}, "must be after"),
        ({"data": "x"}, "[data] must be a table"),
        ({"report": {"plot": "yes"}}, "report.plot must be true or false, got 'yes'"),
        ({"strategy": {"long_exit": "indicator.rsi > 70"}}, "long_entry"),
        ({"strategy": {"long_entry": "indicator.rsi >"}}, "bad rule"),
        ({"strategy": {"long_entry": 3}}, "strategy.long_entry must be a rule string, got 3"),
        ({"strategy": {"file": "nope.py"}}, "does not exist"),
        ({"strategy": {"params": [1]}}, "strategy.params must be a mapping"),
        ({"indicators": {"name": "x"}}, "array of tables"),
        ({"indicators": [{"name": "x", "type": "ema", "length": "9"}]}, "length must be an integer"),
    ],
)
def test_bad_configs_raise_one_clear_error(doc, fragment, tmp_path: Path):
    with pytest.raises(ConfigError) as info:
        build_config(doc, tmp_path, {})
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_command_line_overrides_are_named_by_their_option(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"^--commission must be a number in \[0, 0.5\], got 5.0$"):
        build_config({}, tmp_path, {"commission": 5.0}, {"commission": "--commission"})
    with pytest.raises(ConfigError, match="is a folder"):
        build_config({}, tmp_path, {"data_path": tmp_path}, {"data_path": "--data"})
    cfg = build_config({"costs": {"commission": 0.002}}, tmp_path, {"commission": 0.003})
    assert cfg.commission == 0.003  # the option wins over the file


_WRONG = st.one_of(st.integers(-5, 5), st.floats(allow_nan=True), st.text(max_size=5), st.booleans(),
                   st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
_KEYS = [(section, key) for section, keys in SCHEMA.items() for key in keys]


@given(st.sampled_from(_KEYS), _WRONG)
def test_any_value_of_any_key_gives_a_config_or_a_one_line_config_error(tmp_path_factory, where, value):
    section, key = where
    try:
        cfg = build_config({section: {key: value}}, tmp_path_factory.getbasetemp(), {})
    except ConfigError as exc:
        assert "\n" not in str(exc) and str(exc)
    else:
        assert isinstance(cfg, RunConfig)
