"""``Backtest.run()`` on the compiled core and on the pure twins gives the same backtest.

Each case runs in this process with the implementation the session selected and in a subprocess
with the other one; statistics (timings aside), trades, the equity curve, the signals and the
state tracker's statistics must be identical — on the bundled sample and on the 2020 file, with
rules (long and short, stops, targets, fee-inclusive sizing, a minimum notional, a liquidation)
and with a Python strategy that reads the live account. Two backtests run in two threads at once
give the results of serial runs (the compiled rules loop runs without the GIL).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pandas as pd
import pytest

import _dist_env
from _backtest_cases import CASES, DATA_2020, run_case

import btcore
from btcore import _twin

HERE = Path(__file__).resolve().parent


def _other_implementation(names: list[str]) -> dict:
    env = _dist_env.subprocess_env(keep_btcore_switches=False)
    if btcore.COMPILED:
        env["BTCORE_NO_EXTENSIONS"] = "1"
    else:
        try:
            _twin.load_compiled("_probe")
        except ImportError as exc:
            if os.environ.get("CI"):
                raise
            pytest.skip(f"the compiled core is not built here ({exc})")
        env["BTCORE_REQUIRE_EXTENSIONS"] = "1"
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    with tempfile.TemporaryDirectory() as cwd:  # not the checkout: its btcore/ would shadow the installed one
        proc = subprocess.run([sys.executable, "-c", "import _backtest_cases; _backtest_cases.main()", *names],
                              capture_output=True, timeout=600, env=env, cwd=cwd)
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    return pickle.loads(proc.stdout)


def _assert_same(a: dict, b: dict) -> None:
    assert a["compiled"] != b["compiled"]  # one of each, or the comparison proves nothing
    pd.testing.assert_series_equal(a["stats"], b["stats"], check_exact=True)
    pd.testing.assert_frame_equal(a["trades"], b["trades"], check_exact=True)
    pd.testing.assert_frame_equal(a["equity"], b["equity"], check_exact=True)
    pd.testing.assert_series_equal(a["signals"], b["signals"], check_exact=True)
    assert a["state_stats"] == b["state_stats"]


def _check(names: list[str]) -> dict:
    other = _other_implementation(names)
    here = {name: run_case(name) for name in names}
    for name in names:
        _assert_same(here[name], other[name])
    return here


def test_sample_backtests_are_identical_on_both_implementations():
    got = _check([n for n in CASES if n.startswith("sample_")])
    assert len(got["sample_default"]["trades"]) == 45  # the run docs/CLI.md shows
    assert got["sample_fee_inclusive_min_notional"]["stats"]["orders_rejected"] == {"below_min_notional": 16}
    assert len(got["sample_python_strategy"]["trades"]) > 0


@pytest.mark.slow
@pytest.mark.skipif(not DATA_2020.exists(), reason="2020 BTCUSDT data not present")
def test_2020_backtests_are_identical_on_both_implementations():
    got = _check([n for n in CASES if n.startswith("2020_")])
    liq = got["2020_liquidated_short"]
    assert liq["stats"]["liquidated"] and liq["trades"]["exit_reason"].tolist() == ["liquidation"]
    assert liq["stats"]["orders_rejected"] == {"account_liquidated": 1058}
    reasons = set(got["2020_default_sltp"]["trades"]["exit_reason"]) | set(got["2020_short_5m"]["trades"]["exit_reason"])
    assert {"stop_loss", "take_profit", "signal", "reverse"} <= reasons


def test_two_backtests_in_two_threads_match_serial_runs():
    names = ["sample_default", "sample_short_sltp"]
    serial = {name: run_case(name) for name in names}
    threaded: dict = {}
    barrier = threading.Barrier(len(names))

    def run(name: str) -> None:
        barrier.wait()
        for _ in range(3):
            threaded.setdefault(name, []).append(run_case(name))

    threads = [threading.Thread(target=run, args=(name,)) for name in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name in names:
        assert len(threaded[name]) == 3
        for outcome in threaded[name]:
            pd.testing.assert_frame_equal(outcome["trades"], serial[name]["trades"], check_exact=True)
            pd.testing.assert_frame_equal(outcome["equity"], serial[name]["equity"], check_exact=True)
            pd.testing.assert_series_equal(outcome["stats"], serial[name]["stats"], check_exact=True)
            assert outcome["state_stats"] == serial[name]["state_stats"]
