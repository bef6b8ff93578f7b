"""Every error of the command is one line with exit 2, found before the run where it can be;
report folders are never mixed, overwritten or placed outside where they were asked for."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from btcore.cli.main import main

T0 = 1_704_067_200_000
MIN = 60_000


def _one_error_line(capsys) -> str:
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1, err
    assert "Traceback" not in err[0] and err[0].startswith("btcore: error: ")
    return err[0]


@pytest.fixture
def no_run(monkeypatch):
    """Fail the test if a backtest starts: these errors must be found before any data is read."""
    def refuse(*args, **kwargs):
        raise AssertionError("the backtest ran although the arguments were bad")

    monkeypatch.setattr("btcore.backtest.engine.run_backtest", refuse)


@pytest.mark.parametrize(
    "toml, fragment",
    [
        ("[costs]\ncommission = 'high'", "costs.commission must be a number in [0, 0.5], got 'high'"),
        ("[timeframes]\nexec = 15", "timeframes.exec must be a timeframe"),
        ("[report]\nplot = 'no'", "report.plot must be true or false, got 'no'"),
        ("[account]\ninitial_equity = [1]", "account.initial_equity must be a number"),
        ("[data]\nstart = 12:30:00", "data.start must be an ISO-8601 UTC time"),
        ("[strategy]\nlong_entry = 1", "strategy.long_entry must be a rule string, got 1"),
        ("[[indicators]]\nname = 'x'\ntype = 'ema'\nroles = 5", "roles must be a non-empty list"),
        ("risk = 3", "[risk] must be a table, got 3"),
        ("[costs\ncommission = 1", "is not valid TOML"),
    ],
)
def test_a_toml_value_of_the_wrong_type_is_one_line(tmp_path, capsys, no_run, toml, fragment):
    cfg = tmp_path / "run.toml"
    cfg.write_text(textwrap.dedent(toml) + "\n")
    assert main(["run", "-c", str(cfg), "-q"]) == 2
    assert fragment in _one_error_line(capsys)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--commission", "5"], "--commission must be a number in [0, 0.5], got 5.0"),
        (["--size", "0"], "--size must be a number in [1e-06, 1], got 0.0"),
        (["--start", "yesterday"], "--start must be an ISO-8601 UTC time"),
        (["--exec-tf", "7x"], "--exec-tf must be a timeframe"),
        (["--commission", "lots"], "argument --commission: invalid float value: 'lots'"),
        (["--sizing", "kelly"], "argument --sizing: invalid choice"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_options_are_one_line_naming_the_option(capsys, no_run, args, fragment):
    with pytest.raises(SystemExit) as info:
        code = main(["run", "-q", *args])
        raise SystemExit(code)
    assert info.value.code == 2
    assert fragment in _one_error_line(capsys)


def test_an_existing_file_or_folder_as_out_fails_before_the_run(tmp_path, capsys, no_run):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    assert main(["run", "-o", str(target), "-q"]) == 2
    assert "is an existing file" in _one_error_line(capsys)
    folder = tmp_path / "old-report"
    folder.mkdir()
    (folder / "chart.png").write_bytes(b"x")
    assert main(["run", "-o", str(folder), "-q"]) == 2
    assert "--force" in _one_error_line(capsys)
    assert (folder / "chart.png").read_bytes() == b"x"


def test_force_replaces_the_folder_whole(tmp_path):
    folder = tmp_path / "rep"
    folder.mkdir()
    (folder / "chart.png").write_bytes(b"stale chart of an earlier run")
    assert main(["run", "-o", str(folder), "-q", "--no-plot", "--force"]) == 0
    assert not (folder / "chart.png").exists() and (folder / "summary.json").is_file()


def test_a_folder_given_as_data_is_named_as_such(tmp_path, capsys, no_run):
    assert main(["run", "--data", str(tmp_path), "-q"]) == 2
    assert "is a folder" in _one_error_line(capsys)
    assert main(["health", str(tmp_path)]) == 2
    assert "is a folder" in _one_error_line(capsys)


def test_five_minute_bars_given_as_one_minute_data(tmp_path, capsys):
    ts = T0 + 5 * MIN * np.arange(2000, dtype=np.int64)
    close = 100.0 + np.sin(np.arange(2000) / 50.0)
    pd.DataFrame({"ts": ts, "open": close, "high": close + 0.1, "low": close - 0.1, "close": close,
                  "volume": 1.0}).to_csv(tmp_path / "m5.csv", index=False)
    assert main(["run", "--data", str(tmp_path / "m5.csv"), "-q", "-o", str(tmp_path / "r")]) == 2
    line = _one_error_line(capsys)
    assert "bars 5m apart given as timeframe '1m'" in line and "[TIMEFRAME_MISMATCH]" in line
    assert not (tmp_path / "r").exists()


def test_the_symbol_never_becomes_a_path_and_same_second_runs_get_their_own_folders(tmp_path, monkeypatch):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)

    monkeypatch.setattr("btcore.cli.main.datetime", Frozen)
    for _ in range(2):
        assert main(["run", "--symbol", "../../x", "-q", "--no-plot"]) == 0
    assert sorted(p.name for p in work.iterdir()) == ["btcore-report-x-15m-20240102-030405",
                                                      "btcore-report-x-15m-20240102-030405-2"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"] and sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b"]
    summary = json.loads((work / "btcore-report-x-15m-20240102-030405" / "summary.json").read_text())
    assert summary["run"]["symbol"] == "../../x"  # the label is kept, it just never names a path


def test_the_summary_always_shows_costs_sizing_risk_and_the_start(tmp_path, capsys):
    assert main(["run", "-o", str(tmp_path / "r"), "--no-plot"]) == 0
    out = capsys.readouterr().out
    assert "costs         commission 0.001 per side, slippage 0" in out
    assert "sizing        btcore (notional = size x equity, commission on top), size 1 of equity" in out
    assert "risk          stop loss off, take profit off" in out
    assert "start         first 15m bar where every role is ready (htf 4h needs 15 closed bars)" in out
    assert "period        2020-03-04T11:45:00Z to 2020-03-30T00:00:00Z" in out


def test_an_interrupt_while_the_report_is_written_leaves_no_folder(tmp_path, capsys, monkeypatch):
    import btcore.report as report

    real = report.write_csv
    calls = []

    def write_then_interrupt(path, df):
        real(path, df)
        calls.append(path.name)
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(report, "write_csv", write_then_interrupt)
    assert main(["run", "-o", str(tmp_path / "rep"), "-q", "--no-plot"]) == 130
    assert calls == ["trades.csv", "equity.csv"]
    assert list(tmp_path.iterdir()) == []  # neither the report nor its temporary folder
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert err == ["btcore: interrupted"]


def test_a_missing_data_file_in_the_config_is_named(tmp_path, capsys, no_run):
    cfg = tmp_path / "run.toml"
    cfg.write_text('[data]\npath = "nowhere.csv"\n')
    assert main(["run", "-c", str(cfg), "-q"]) == 2
    assert f"data file {str(tmp_path / 'nowhere.csv')!r} does not exist" in _one_error_line(capsys)
    assert main(["run", "-c", str(tmp_path / "missing.toml"), "-q"]) == 2
    assert "config file" in _one_error_line(capsys)
    (tmp_path / "adir.toml").mkdir()
    assert main(["run", "-c", str(tmp_path / "adir.toml"), "-q"]) == 2
    assert "is a folder" in _one_error_line(capsys)


def test_path_objects_resolve_inside_the_config_folder(tmp_path):
    sub = tmp_path / "cfgdir"
    sub.mkdir()
    (sub / "run.toml").write_text('[report]\nout = "out-here"\nplot = false\n')
    assert main(["run", "-c", str(sub / "run.toml"), "-q"]) == 0
    assert (sub / "out-here" / "summary.json").is_file()
    assert Path(sub / "out-here").resolve().parent == sub.resolve()
