"""Sweeps on a real local Dask cluster (two worker processes) give the serial table bit for bit.

The cluster is started and stopped here, once for the file; the sweep scatters the feeds to
every worker once and sends one small task per chunk of combinations. Needs the ``dask``
extra (the test extra installs it).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import pytest

from _sweep_cases import GRID, Cross

from btcore.backtest import Backtest

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed: pip install 'btcore[dask]'")

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    # Workers start in a folder outside the checkout (its btcore/ would shadow the installed
    # build) with the test helpers importable, as a user's cluster imports their strategies.
    old_cwd, old_path = os.getcwd(), os.environ.get("PYTHONPATH")
    os.chdir(tmp_path_factory.mktemp("dask"))
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(HERE), old_path) if p)
    try:
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=40)
        with cluster, distributed.Client(cluster) as c:
            yield c
    finally:
        os.chdir(old_cwd)
        if old_path is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old_path


@pytest.fixture(scope="module")
def sample():
    from btcore.backtest import load_sample

    return load_sample()


def test_dask_client_gives_the_serial_table(client, sample):
    serial = Backtest(sample).optimize(GRID, maximize="sharpe")
    on_dask = Backtest(sample).optimize(GRID, maximize="sharpe", executor=client)
    pd.testing.assert_frame_equal(on_dask, serial, check_exact=True)
    # the runs happened on the workers, in the implementation this session selected
    from btcore import COMPILED

    assert set(client.run(lambda: __import__("btcore").COMPILED).values()) == {COMPILED}


def test_dask_python_strategy_and_get_executor(client, sample):
    bt = Backtest(sample, Cross)
    grid = {"params.margin": [0.0, 0.003], "commission": [0.0, 0.001]}
    serial = bt.optimize(grid, maximize=None)
    pd.testing.assert_frame_equal(bt.optimize(grid, maximize=None, executor=client), serial, check_exact=True)
    pd.testing.assert_frame_equal(bt.optimize(grid, maximize=None, executor=client.get_executor()), serial,
                                  check_exact=True)


def test_named_dask_uses_the_current_client(client, sample):
    serial = Backtest(sample).optimize({"commission": [0.0, 0.002]}, maximize=None)
    table = Backtest(sample).optimize({"commission": [0.0, 0.002]}, maximize=None, executor="dask")
    pd.testing.assert_frame_equal(table, serial, check_exact=True)
    assert sys.modules["distributed"].get_client() is client
