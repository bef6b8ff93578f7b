"""Sweeps on executors give the serial table bit for bit; the feeds travel once per worker.

Threads share the feeds in memory, worker processes receive them once per chunk (one chunk per
worker and a half), and what cannot be pickled (a lambda, a local function) is refused with a
message naming what to do. The Dask and Ray executors are in their own files (real clusters).
"""

from __future__ import annotations

import pickle
import sys
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor

import pandas as pd
import pytest

from _sweep_cases import GRID, Cross, cross_function

from btcore.backtest import Backtest
from btcore.backtest.executors import executor_kind
from btcore.errors import ConfigError


@pytest.fixture(scope="module")
def sample():
    from btcore.backtest import load_sample

    return load_sample()


@pytest.fixture(scope="module")
def serial(sample):
    return Backtest(sample).optimize(GRID, maximize=None)


class Recording(Executor):
    """An Executor-like object (submit only) that runs each task here after a pickle round trip,
    as a worker process would, and records the size of what it was sent."""

    def __init__(self, max_workers: int = 3) -> None:
        self._max_workers = max_workers
        self.sent: list[int] = []

    def submit(self, fn, *args, **kwargs):  # type: ignore[override]
        blob = pickle.dumps((fn, args, kwargs))
        self.sent.append(len(blob))
        fn, args, kwargs = pickle.loads(blob)
        f: Future = Future()
        f.set_result(fn(*args, **kwargs))
        return f


def test_threads_give_the_serial_table(sample, serial):
    with ThreadPoolExecutor(2) as pool:
        table = Backtest(sample).optimize(GRID, maximize=None, executor=pool)
    pd.testing.assert_frame_equal(table, serial, check_exact=True)
    assert executor_kind(pool) == "threads"


def test_named_threads_and_processes_give_the_serial_table(sample, serial):
    for name in ("threads", "processes", "serial"):
        table = Backtest(sample).optimize(GRID, maximize=None, executor=name)
        pd.testing.assert_frame_equal(table, serial, check_exact=True)


def test_process_pool_gives_the_serial_table(sample, serial):
    with ProcessPoolExecutor(2) as pool:
        table = Backtest(sample).optimize(GRID, maximize=None, executor=pool)
    pd.testing.assert_frame_equal(table, serial, check_exact=True)


def test_generic_submit_sends_the_feeds_once_per_chunk(sample, serial):
    ex = Recording(max_workers=3)
    table = Backtest(sample).optimize(GRID, maximize=None, executor=ex)
    pd.testing.assert_frame_equal(table, serial, check_exact=True)
    # 6 combinations on 3 workers: 3 chunks of two (one per worker), not one message per run;
    # each message is dominated by the feeds (the 1m quote feed of the sample)
    assert len(ex.sent) == 3
    one_feed_set = len(pickle.dumps(Backtest(sample).run().feeds))
    assert all(size < 2 * one_feed_set for size in ex.sent)


def test_map_only_executor(sample, serial):
    class MapOnly:
        def map(self, fn, *iterables):
            return [fn(*args) for args in zip(*iterables)]

    table = Backtest(sample).optimize(GRID, maximize=None, executor=MapOnly())
    pd.testing.assert_frame_equal(table, serial, check_exact=True)


@pytest.mark.parametrize("strategy", [Cross, cross_function], ids=["class", "function"])
def test_importable_python_strategies_run_in_processes(sample, strategy):
    bt = Backtest(sample, strategy)
    grid = {"params.margin": [0.0, 0.003]}
    here = bt.optimize(grid, maximize=None)
    with ProcessPoolExecutor(2) as pool:
        there = bt.optimize(grid, maximize=None, executor=pool)
    pd.testing.assert_frame_equal(here, there, check_exact=True)


def test_lambda_or_local_strategy_is_refused_for_processes_with_what_to_do(sample):
    def local(view):
        return 0

    for strategy, what in ((lambda view: 0, "<lambda>"), (local, "local")):
        with pytest.raises(ConfigError, match=f"cannot be sent to worker processes: .*{what}.*top level of an "
                                              "importable module.*rules.*executor=None or a ThreadPoolExecutor"):
            Backtest(sample, strategy).optimize({"commission": [0.0]}, executor=Recording())
        # threads and serial need no pickling
        with ThreadPoolExecutor(1) as pool:
            assert len(Backtest(sample, strategy).optimize({"commission": [0.0]}, executor=pool)) == 1


@pytest.mark.parametrize("name, module", [("dask", "distributed"), ("ray", "ray.util.multiprocessing")])
def test_named_cluster_executor_without_its_extra_names_the_extra(sample, monkeypatch, name, module):
    monkeypatch.setitem(sys.modules, module, None)  # as if the extra were not installed
    with pytest.raises(ImportError, match=f"executor='{name}' needs the {name} extra: pip install 'btcore\\[{name}\\]'"):
        Backtest(sample).optimize({"commission": [0.0]}, executor=name)
