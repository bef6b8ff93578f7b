"""``result.save(folder)`` and the report folder: complete or absent, never mixed or overwritten."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pandas as pd
import pytest

from btcore.backtest import Backtest, Result, load_sample
from btcore.errors import ConfigError
from btcore.report import safe_name, write_report
from btcore.report import files as report_files

FILES = {"summary.json", "trades.csv", "equity.csv", "state_tracker.json", "preflight.json", "health.json",
         "indicators.json", "config.json", "report.html"}


@pytest.fixture(scope="module")
def result() -> Result:
    return Backtest(load_sample(), {"long_entry": "indicator.ema_fast crosses_above indicator.ema_slow",
                                    "long_exit": "indicator.ema_fast < indicator.ema_slow"}).run()


def test_save_writes_the_report_and_reads_back_the_result(tmp_path, result):
    out = result.save(tmp_path / "rep", plot=False)
    assert out == tmp_path / "rep" and {p.name for p in out.iterdir()} == FILES
    summary = json.loads((out / "summary.json").read_text())
    assert summary["summary"]["trades"] == len(result.trades)
    assert summary["summary"]["final_equity"] == result.stats["final_equity"]
    assert summary["summary"]["start"] == int(result.stats["start"].value // 1_000_000)
    assert summary["run"]["costs"] and summary["run"]["sizing"] and summary["run"]["risk"]
    trades = pd.read_csv(out / "trades.csv")
    assert list(trades.columns) == list(result.trades.columns)
    assert trades["entry_time"].iloc[0] == result.trades["entry_time"].iloc[0].isoformat()
    equity = pd.read_csv(out / "equity.csv")
    assert list(equity.columns) == list(result.equity.columns) and len(equity) == len(result.equity)
    config = json.loads((out / "config.json").read_text())
    assert config["id"] == result.spec.id
    assert [p.name for p in tmp_path.iterdir()] == ["rep"]  # no temporary folder left beside it


def test_an_existing_folder_is_refused_or_replaced_whole(tmp_path, result):
    out = tmp_path / "rep"
    out.mkdir()
    (out / "chart.png").write_bytes(b"old chart of another run")
    with pytest.raises(ConfigError, match="already exists and is not empty"):
        result.save(out, plot=False)
    assert (out / "chart.png").exists()
    result.save(out, plot=False, force=True)
    assert not (out / "chart.png").exists()  # nothing of the old run stays beside the new summary
    assert {p.name for p in out.iterdir()} == FILES
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="is an existing file"):
        result.save(tmp_path / "file", force=True)


def test_unique_names_never_mix_two_runs(tmp_path, result):
    base = tmp_path / "btcore-report-X"
    outs = []
    threads = [threading.Thread(target=lambda: outs.append(write_report(result, base, plot=False, unique=True).out))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(p.name for p in outs) == ["btcore-report-X", "btcore-report-X-2", "btcore-report-X-3",
                                            "btcore-report-X-4"]
    assert all({p.name for p in o.iterdir()} == FILES for o in outs)


def test_an_interrupted_save_leaves_no_folder(tmp_path, result, monkeypatch):
    calls = []

    def interrupt(path, obj):
        calls.append(path.name)
        if len(calls) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr("btcore.report.write_json", interrupt)
    with pytest.raises(KeyboardInterrupt):
        result.save(tmp_path / "rep", plot=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("symbol, name", [("../../x", "x"), ("BTC/USDT", "BTC-USDT"), (".hidden", "hidden"),
                                          ("a b\\c", "a-b-c"), ("...", "report")])
def test_a_symbol_never_becomes_a_path(symbol, name):
    assert safe_name(symbol) == name
    assert "/" not in safe_name(symbol) and not safe_name(symbol).startswith(".")


def test_the_staged_folder_is_hidden_and_marked(tmp_path):
    stage = report_files.StagedFolder(tmp_path / "rep")
    assert stage.path.parent == tmp_path and stage.path.name.startswith(".rep.partial-")
    stage.discard()
    assert not Path(stage.path).exists()
