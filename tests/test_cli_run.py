"""End to end: ``btcore run`` / ``preflight`` / ``health`` on generated data with known answers.

The generated 1m data is flat except for a few minutes placed so that exactly one trade happens
at prices that can be written down by hand from the documented conventions (signal at an exec
close, market fill at the next exec open, commission on both sides, stop resolved on 1m bars).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import btcore
from btcore.cli.main import main

T0 = 1_704_067_200_000  # 2024-01-01 00:00 UTC, a Monday
MIN = 60_000
N_MIN = 480  # eight hours of 1m bars: 96 exec bars of 5m, 16 HTF bars of 30m


def _write_data(path: Path, events: dict[int, tuple[float, float, float, float]], base: list[float]) -> Path:
    """1m bars flat at ``base[m]`` except the minutes in ``events`` (open, high, low, close)."""
    rows = []
    for m in range(N_MIN):
        o, h, lo, c = events.get(m, (base[m],) * 4)
        rows.append((T0 + m * MIN, o, h, lo, c, 1.0))
    df = pd.DataFrame(rows, columns=["ts", "open", "high", "low", "close", "volume"])
    if path.suffix == ".csv":
        df.to_csv(path, index=False)
    else:
        df.to_parquet(path, index=False)
    return path


def _config(tmp: Path, data: Path, strategy: str, extra: str = "") -> Path:
    cfg = tmp / "run.toml"
    cfg.write_text(textwrap.dedent(f"""
        indicators = []
        [data]
        path = "{data.name}"
        symbol = "TESTUSDT"
        [timeframes]
        exec = "5m"
        mtf = "15m"
        htf = "30m"
        [account]
        initial_equity = 10000.0
        [costs]
        commission = 0.001
        slippage = 0.0
        [risk]
        stop_loss_pct = 0.02
        take_profit_pct = 0
        [strategy]
        {strategy}
        [report]
        plot = false
        {extra}
    """))
    return cfg


def _long_data(tmp: Path, suffix: str = ".csv") -> Path:
    base = [100.0] * 335 + [106.5] * 15 + [104.0] * (N_MIN - 350)
    events = {
        334: (100.0, 106.0, 100.0, 106.0),  # exec bar 66 (minutes 330-334) closes at 106 > 105
        335: (106.5, 107.0, 106.0, 106.5),  # bar 67 opens at 106.5: the entry fill
        350: (106.0, 106.0, 103.0, 104.0),  # bar 70: the 2 % stop at 106.5 * 0.98 is touched
    }
    return _write_data(tmp / f"long{suffix}", events, base)


def _read_report(out: Path) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    summary = json.loads((out / "summary.json").read_text())
    trades = pd.read_csv(out / "trades.csv")
    equity = pd.read_csv(out / "equity.csv")
    for name in ("state_tracker.json", "preflight.json", "health.json", "indicators.json", "config.json"):
        json.loads((out / name).read_text())
    assert (out / "report.html").read_text().startswith("<!DOCTYPE html>")
    return summary, trades, equity


def test_rule_strategy_long_with_stop_matches_hand_computed_fills(tmp_path, capsys):
    cfg = _config(tmp_path, _long_data(tmp_path), 'long_entry = "price.mark.close > 105"')
    out = tmp_path / "report"
    assert main(["run", "--config", str(cfg), "--out", str(out), "--quiet"]) == 0
    summary, trades, equity = _read_report(out)
    assert len(trades) == 1
    t = trades.iloc[0]
    entry, stop = 106.5, 106.5 * 0.98
    qty = 10_000.0 / entry
    fees = 10_000.0 * 0.001 + qty * stop * 0.001
    assert t["side"] == "long" and t["exit_reason"] == "stop_loss"
    assert t["entry_price"] == pytest.approx(entry) and t["exit_price"] == pytest.approx(stop)
    assert t["entry_time"] == "2024-01-01T05:35:00+00:00"  # open of exec bar 67
    assert t["exit_time"] == "2024-01-01T05:50:00+00:00"  # the 1m bar that touched the stop
    assert t["pnl"] == pytest.approx(qty * (stop - entry) - fees)
    final = 10_000.0 + qty * (stop - entry) - fees
    assert summary["summary"]["final_equity"] == pytest.approx(final, abs=0.01)
    assert summary["summary"]["trades"] == 1
    # without indicators every role is ready once it has closed a bar: the first 30m HTF bar closes
    # at 00:30, so trading starts with the 5m exec bar closing then (bar 5)
    assert equity["ts_close_ms"].iloc[0] == T0 + 30 * MIN
    assert equity["equity"].iloc[-1] == pytest.approx(final)
    assert capsys.readouterr().out == ""


PY_STRATEGY = '''
def strategy(view):
    close = view.get("price.mark.close")
    if close is None:
        return None
    if close < 95:
        return "SHORT"
    if close > 99 and view.exchange.has_position:
        return "FLAT"
    return None
'''


def test_python_strategy_short_matches_hand_computed_fills(tmp_path):
    base = [100.0] * 355 + [94.5] * 25 + [100.2] * (N_MIN - 380)
    events = {354: (100.0, 100.0, 94.0, 94.0), 379: (94.5, 100.0, 94.5, 100.0)}
    data = _write_data(tmp_path / "short.parquet", events, base)
    (tmp_path / "strat.py").write_text(PY_STRATEGY)
    cfg = _config(tmp_path, data, 'file = "strat.py"', "[preflight]\nallow_failure = false")
    out = tmp_path / "rep"
    assert main(["run", "--config", str(cfg), "--out", str(out), "--slippage", "0.001", "--stop-loss", "0.5", "-q"]) == 0
    _, trades, _ = _read_report(out)
    assert len(trades) == 1
    t = trades.iloc[0]
    entry, exit_ = 94.5 * 0.999, 100.2 * 1.001  # a short sells lower and buys back higher
    qty = 10_000.0 / entry
    fees = 10_000.0 * 0.001 + qty * exit_ * 0.001
    assert t["side"] == "short" and t["exit_reason"] == "signal"
    assert t["entry_price"] == pytest.approx(entry) and t["exit_price"] == pytest.approx(exit_)
    assert t["entry_time"] == "2024-01-01T05:55:00+00:00" and t["exit_time"] == "2024-01-01T06:20:00+00:00"
    assert t["pnl"] == pytest.approx(qty * (entry - exit_) - fees)


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


@pytest.mark.parametrize(
    "args, rule, fragment",
    [
        ([], "price.nowhere.close > 1", "price.nowhere.close"),
        ([], "indicator.nope > 1", "unknown indicator 'nope'"),
        (["--exec-tf", "1h", "--mtf", "15m"], "price.mark.close > 1", "hierarchy"),
        (["--htf", "7x"], "price.mark.close > 1", "7x"),
        (["--data", "does-not-exist.csv"], "price.mark.close > 1", "does-not-exist.csv"),
    ],
)
def test_bad_config_gives_one_line_and_exit_2(tmp_path, capsys, args, rule, fragment):
    cfg = _config(tmp_path, _long_data(tmp_path), f'long_entry = "{rule}"')
    code = main(["run", "--config", str(cfg), "--out", str(tmp_path / "r"), "-q", *args])
    assert code == 2
    line = _one_error_line(capsys)
    assert line.startswith("btcore: error:") and fragment in line


def test_wrong_columns_give_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"ts": [T0, T0 + MIN], "price": [1.0, 2.0]}).to_csv(bad, index=False)
    assert main(["run", "--data", str(bad), "-q"]) == 2
    line = _one_error_line(capsys)
    assert "MISSING_COLUMNS" in line and "open" in line


HTF_SMA = '\n[[indicators]]\nname = "slow"\ntype = "sma"\nlength = 4\nroles = ["htf"]\n'


def _with_htf_warmup(cfg: Path) -> Path:
    cfg.write_text(cfg.read_text().replace("indicators = []\n", "") + HTF_SMA)
    return cfg


def test_preflight_failure_stops_the_run_unless_allowed(tmp_path, capsys):
    cfg = _with_htf_warmup(_config(tmp_path, _long_data(tmp_path), 'long_entry = "price.mark.close > 105"'))
    out = tmp_path / "r"
    # trading from the first bar leaves no room for the three 30m bars the HTF sma(4) needs before it
    assert main(["run", "--config", str(cfg), "--out", str(out), "-q", "--start", "2024-01-01"]) == 1
    line = _one_error_line(capsys)
    assert "preflight failed" in line and "STARTS_TOO_LATE" in line
    assert not out.exists()
    assert main(["run", "--config", str(cfg), "--out", str(out), "-q", "--start", "2024-01-01",
                 "--allow-preflight-failure"]) == 0
    assert json.loads((out / "preflight.json").read_text())["passed"] is False


def test_health_and_preflight_subcommands(tmp_path, capsys):
    data = _long_data(tmp_path)
    assert main(["health", str(data), "--json"]) == 0
    health = json.loads(capsys.readouterr().out)
    assert health["passed"] is True and health["total_missing_bars"] == 0
    gappy = tmp_path / "gappy.csv"
    df = pd.read_csv(data)
    df.drop(index=range(100, 110)).to_csv(gappy, index=False)
    assert main(["health", str(gappy)]) == 1
    assert "10 missing" in capsys.readouterr().out
    cfg = _with_htf_warmup(_config(tmp_path, data, 'long_entry = "price.mark.close > 105"'))
    assert main(["preflight", str(data), "--config", str(cfg)]) == 0
    assert "PASSED" in capsys.readouterr().out
    assert main(["preflight", str(data), "--config", str(cfg), "--start", "2024-01-01T01:00", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] is False and "STARTS_TOO_LATE" in report["error_codes"]
    # the default ema_slow(50) on the 15m MTF needs 12.5 hours: eight hours of data never get there
    assert main(["preflight", str(data), "--exec-tf", "5m", "--mtf", "15m", "--htf", "30m"]) == 2
    assert "never becomes ready" in _one_error_line(capsys)


def test_bundled_sample_run_writes_the_whole_report(tmp_path, capsys):
    out = tmp_path / "sample"
    assert main(["run", "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    summary, trades, equity = _read_report(out)
    assert printed["summary"] == summary["summary"]
    assert summary["summary"]["trades"] == len(trades) > 0
    assert len(equity) == summary["summary"]["exec_bars"]
    # equity is cash plus open P&L: flat stretches equal the running sum of closed trades' P&L
    flat_end = equity[equity["position"] == 0]["equity"].iloc[-1]
    assert flat_end == pytest.approx(10_000.0 + trades["pnl"].sum())
    tracker = json.loads((out / "state_tracker.json").read_text())
    assert tracker
    meta = json.loads((out / "indicators.json").read_text())
    assert {m["indicator_key"] for m in meta} == {"ema_fast", "ema_slow", "rsi", "atr"}
    assert all(len(m["feature_spec_id"]) == 12 for m in meta)
    assert all(m["feature_spec_id"] in (out / "report.html").read_text() for m in meta)
    html = (out / "report.html").read_text()
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert not (out / "chart.png").exists() and "pip install" in html
    else:
        assert (out / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "data:image/png;base64," in html


def test_module_entry_point_in_a_subprocess(tmp_path):
    cfg = _config(tmp_path, _long_data(tmp_path, ".parquet"), 'long_entry = "price.mark.close > 105"')
    env = dict(os.environ, PYTHONPATH=str(Path(btcore.__file__).resolve().parents[1]))
    proc = subprocess.run(
        [sys.executable, "-m", "btcore", "run", "--config", str(cfg), "--out", str(tmp_path / "sub"), "--json", "-q"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["summary"]["trades"] == 1
    assert set(result["files"]) >= {"summary.json", "trades.csv", "equity.csv", "report.html"}
    _read_report(tmp_path / "sub")


CLASS_STRATEGY = '''
class Strategy:
    def __init__(self, level):
        self.level = level
        self.prepared = False

    def prepare(self, view):
        self.close = view.compile("price.mark.close")
        self.prepared = True

    def on_bar(self, view):
        assert self.prepared
        close = self.close.get()
        if close is not None and close > self.level:
            return type("Sig", (), {"direction": "LONG", "stop_loss": 104.0, "take_profit": None})()
        return None
'''


def _single_trade(tmp_path: Path, strategy: str, files: dict[str, str]):
    """Run ``strategy`` (the [strategy] body) on the long data; return the summary and its one trade."""
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    cfg = _config(tmp_path, _long_data(tmp_path), strategy)
    out = tmp_path / "single"
    assert main(["run", "--config", str(cfg), "--out", str(out), "-q"]) == 0
    summary, trades, _ = _read_report(out)
    (t,) = trades.itertuples()
    return summary, t


def test_python_strategy_class_with_params_and_its_own_stop(tmp_path):
    _, t = _single_trade(tmp_path, 'file = "cls.py"\n[strategy.params]\nlevel = 105', {"cls.py": CLASS_STRATEGY})
    # the signal's absolute stop (104) replaces the 2 % stop; bar 70's minute 350 opens at 106
    # and trades down to 103, so the stop fills at its level
    assert t.entry_price == pytest.approx(106.5) and t.stop_loss == 104.0
    assert t.exit_reason == "stop_loss" and t.exit_price == pytest.approx(104.0)


def test_a_failing_user_strategy_is_one_line_naming_the_place(tmp_path, capsys):
    (tmp_path / "bad.py").write_text("def strategy(view):\n    return view.no_such_thing\n")
    cfg = _config(tmp_path, _long_data(tmp_path), 'file = "bad.py"')
    assert main(["run", "--config", str(cfg), "--out", str(tmp_path / "r"), "-q"]) == 2
    line = _one_error_line(capsys)
    assert "AttributeError" in line and "bad.py:2" in line
    (tmp_path / "syntax.py").write_text("def strategy(view)\n    return 1\n")
    cfg = _config(tmp_path, _long_data(tmp_path), 'file = "syntax.py"')
    assert main(["run", "--config", str(cfg), "-q"]) == 2
    assert "SyntaxError" in _one_error_line(capsys)


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "run" in capsys.readouterr().err


REAL_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "btcusdt_1m_2020.parquet"


@pytest.mark.slow
@pytest.mark.skipif(not REAL_DATA.is_file(), reason="real BTCUSDT 2020 data file not present")
def test_real_data_fills_are_prices_of_the_1m_file(tmp_path):
    out = tmp_path / "june"
    assert main(["run", "--data", str(REAL_DATA), "--start", "2020-06-01", "--end", "2020-07-01",
                 "--slippage", "0", "--out", str(out), "--no-plot", "-q"]) == 0
    _, trades, equity = _read_report(out)
    assert len(trades) > 5
    raw = pd.read_parquet(REAL_DATA).set_index("ts")
    for t in trades.itertuples():
        entry_ms = int(pd.Timestamp(t.entry_time).value // 1_000_000)
        exit_ms = int(pd.Timestamp(t.exit_time).value // 1_000_000)
        assert entry_ms % (15 * MIN) == 0 and t.entry_price == raw.loc[entry_ms, "open"]
        if t.exit_reason in ("signal", "reverse"):
            assert t.exit_price == raw.loc[exit_ms, "open"]
        elif t.exit_reason in ("stop_loss", "take_profit"):
            bar = raw.loc[exit_ms]
            level = t.stop_loss if t.exit_reason == "stop_loss" else t.take_profit
            assert t.exit_price in (pytest.approx(level), bar["open"])
            assert bar["low"] - 1e-9 <= t.exit_price <= bar["high"] + 1e-9
    assert equity["ts_close_ms"].iloc[0] >= pd.Timestamp("2020-06-01", tz="UTC").value // 1_000_000


def test_without_matplotlib_everything_else_is_written_and_the_fix_is_named(tmp_path, capsys, monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    cfg = _config(tmp_path, _long_data(tmp_path), 'long_entry = "price.mark.close > 105"')
    cfg.write_text(cfg.read_text().replace("plot = false", "plot = true"))
    out = tmp_path / "noplot"
    assert main(["run", "--config", str(cfg), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "pip install 'btcore[plot]'" in printed
    assert not (out / "chart.png").exists()
    _read_report(out)
    assert "pip install" in (out / "report.html").read_text()


def test_roles_sharing_the_exec_timeframe_read_their_own_indicators(tmp_path):
    data = _long_data(tmp_path)
    cfg = _config(tmp_path, data, 'long_entry = "indicator.px.htf > 105 and indicator.px.mtf > 105"')
    text = cfg.read_text().replace("indicators = []\n", "")
    text = text.replace('mtf = "15m"', 'mtf = "5m"').replace('htf = "30m"', 'htf = "5m"')
    cfg.write_text(text + '\n[[indicators]]\nname = "px"\ntype = "sma"\nlength = 1\nroles = ["mtf", "htf"]\n')
    out = tmp_path / "single"
    assert main(["run", "--config", str(cfg), "--out", str(out), "-q"]) == 0
    _, trades, _ = _read_report(out)
    (t,) = trades.itertuples()  # the same single trade as with 5m/15m/30m: sma(1) is the close
    assert t.entry_price == 106.5 and t.exit_price == pytest.approx(106.5 * 0.98)


CYTHON_BASE_STRATEGY = '''
from btcore.loop import CythonStrategy


class Strategy(CythonStrategy):
    def prepare(self, view):
        self.close = view.compile("price.mark.close")

    def on_bar(self, view):
        close = self.close.get()
        return 1 if close is not None and close > 105 else 0
'''


def test_a_cython_strategy_subclass_goes_to_the_loop_unwrapped(tmp_path):
    summary, t = _single_trade(tmp_path, 'file = "cy.py"', {"cy.py": CYTHON_BASE_STRATEGY})
    assert summary["run"]["strategy"] == "CythonStrategy Strategy from cy.py"
    # the same single hand-computed trade as the rule strategy
    assert t.entry_price == 106.5 and t.exit_price == pytest.approx(106.5 * 0.98)


def _random_walk(path: Path, n: int, seed: int, perturb_from: int = -1) -> Path:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.002, n)))
    if perturb_from >= 0:  # a different future: same past, other prices from this minute on
        close[perturb_from:] *= np.exp(np.cumsum(np.random.default_rng(seed + 1).normal(0.0, 0.004, n - perturb_from)))
    open_ = np.r_[close[0], close[:-1]]
    spread = np.abs(rng.normal(0.0, 0.001, n)) * close
    df = pd.DataFrame({"ts": T0 + MIN * np.arange(n), "open": open_, "high": np.maximum(open_, close) + spread,
                       "low": np.minimum(open_, close) - spread, "close": close, "volume": 1.0})
    df.to_parquet(path, index=False)
    return path


def test_changing_the_future_changes_nothing_before_it(tmp_path):
    n, cut = 7200, 6000  # five days of 1m bars; the future changes from minute 6000 on
    t_cut = T0 + cut * MIN
    runs = []
    for name, perturb in (("same", -1), ("other", cut)):
        data = _random_walk(tmp_path / f"{name}.parquet", n, seed=7, perturb_from=perturb)
        out = tmp_path / name
        args = ["run", "--data", str(data), "--exec-tf", "5m", "--mtf", "15m", "--htf", "1h", "--out", str(out), "-q",
                "--no-plot", "--stop-loss", "0.004", "--take-profit", "0.008"]
        assert main(args) == 0
        runs.append(_read_report(out))
    (_, trades_a, eq_a), (_, trades_b, eq_b) = runs
    t_ms = lambda col: pd.to_datetime(col, utc=True).dt.as_unit("ms").astype("int64")  # noqa: E731
    done_a = trades_a[t_ms(trades_a["exit_time"]) < t_cut]
    done_b = trades_b[t_ms(trades_b["exit_time"]) < t_cut]
    assert len(done_a) > 3
    pd.testing.assert_frame_equal(done_a.reset_index(drop=True), done_b.reset_index(drop=True))
    entered_a = trades_a[t_ms(trades_a["entry_time"]) < t_cut][["entry_time", "side", "entry_price"]]
    entered_b = trades_b[t_ms(trades_b["entry_time"]) < t_cut][["entry_time", "side", "entry_price"]]
    pd.testing.assert_frame_equal(entered_a.reset_index(drop=True), entered_b.reset_index(drop=True))
    before = eq_a["ts_close_ms"] <= t_cut
    pd.testing.assert_frame_equal(eq_a[before], eq_b[eq_b["ts_close_ms"] <= t_cut])
    assert not eq_a["equity"].equals(eq_b["equity"])  # the future did change


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.skipif(not (EXAMPLES / "config.toml").is_file(), reason="examples/ not beside the tests")
@pytest.mark.parametrize("args", [["--config", str(EXAMPLES / "config.toml")],
                                  ["--strategy-file", str(EXAMPLES / "python_strategy.py")]])
def test_the_shipped_examples_run_on_the_bundled_sample(tmp_path, args):
    out = tmp_path / "example"
    assert main(["run", *args, "--out", str(out), "--no-plot", "-q"]) == 0
    summary, trades, _ = _read_report(out)
    assert summary["summary"]["trades"] == len(trades) > 0


def test_a_strategy_file_imports_a_module_beside_it(tmp_path):
    (tmp_path / "levels_for_btcore_test.py").write_text("LEVEL = 105\n")
    strat = "from levels_for_btcore_test import LEVEL\n\ndef strategy(view):\n" \
            "    close = view.get('price.mark.close')\n    return 'LONG' if close is not None and close > LEVEL else None\n"
    try:
        _, t = _single_trade(tmp_path, 'file = "near.py"', {"near.py": strat})
    finally:
        sys.modules.pop("levels_for_btcore_test", None)
    assert t.entry_price == 106.5 and t.exit_reason == "stop_loss"
