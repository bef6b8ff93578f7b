"""Sweeps on a real local Ray instance (two CPUs) give the serial table bit for bit.

Ray is started and stopped here, once for the file (it is slow to start); the sweep puts the
feeds in Ray's object store once and each task of a ``ray.util.multiprocessing.Pool`` reads them
there. Needs the ``ray`` extra (the test extra installs it where Ray publishes wheels).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from _sweep_cases import GRID, compiled_here, cross_function

from btcore.backtest import Backtest

ray = pytest.importorskip("ray", reason="the ray extra is not installed: pip install 'btcore[ray]'")

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    from ray.util.multiprocessing import Pool

    # workers import the installed btcore (not the checkout's sources) and the test helpers
    env = {k: os.environ[k] for k in ("BTCORE_NO_EXTENSIONS", "BTCORE_REQUIRE_EXTENSIONS") if k in os.environ}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH")) if p)
    old_cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("ray"))
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": env})
        p = Pool(2)
        try:
            yield p
        finally:
            p.terminate()
            ray.shutdown()
    finally:
        os.chdir(old_cwd)


@pytest.fixture(scope="module")
def sample():
    from btcore.backtest import load_sample

    return load_sample()


def test_ray_pool_gives_the_serial_table(pool, sample):
    serial = Backtest(sample).optimize(GRID, maximize="sharpe")
    on_ray = Backtest(sample).optimize(GRID, maximize="sharpe", executor=pool)
    pd.testing.assert_frame_equal(on_ray, serial, check_exact=True)


def test_ray_python_function_strategy(pool, sample):
    bt = Backtest(sample, cross_function)
    grid = {"params.margin": [0.0, 0.003]}
    pd.testing.assert_frame_equal(bt.optimize(grid, maximize=None, executor=pool), bt.optimize(grid, maximize=None),
                                  check_exact=True)


def test_ray_workers_run_the_selected_implementation(pool):
    from btcore import COMPILED

    assert set(pool.map(compiled_here, range(2))) == {COMPILED}
