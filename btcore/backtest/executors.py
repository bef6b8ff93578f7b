"""Where the runs of a sweep go: here, threads, worker processes, a Dask cluster or Ray.

The plans are cut into one chunk per worker (interleaved, so long and short runs mix), and every chunk is one call of
:func:`btcore.backtest.sweep_run.run_chunk` with the shared feeds — so the feeds travel to each
worker once, not once per run:

* ``None``: one chunk, in this process.
* a name: ``"threads"``, ``"processes"``, ``"dask"``, ``"ray"`` (:func:`named_executor`).
* a ``concurrent.futures.ThreadPoolExecutor``: one chunk per thread, the feeds shared in memory
  (nothing is copied; the compiled rules loop releases the GIL, so threads use every core).
* a Dask ``distributed.Client``: the feeds scattered once to every worker (``broadcast=True``),
  then one task per chunk that receives the worker's copy.
* a ``ray.util.multiprocessing.Pool``: the feeds put in Ray's object store once; each task gets
  the object's reference and reads it there (shared memory on a node).
* anything else with ``submit`` (``ProcessPoolExecutor``, ``client.get_executor()``, loky ...)
  or ``map``: one task per worker, each carrying the feeds.

Whatever the executor, the rows come back in the order of the plans and are the same bit for bit.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import pickle
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, Iterator, Sequence

from ..errors import ConfigError
from .engine import RULES
from .sweep_run import Plan, Shared, run_chunk

__all__ = ["run_plans", "executor_kind", "check_picklable", "named_executor", "EXECUTOR_NAMES"]



def executor_kind(executor: Any) -> str:
    """``serial``, ``threads``, ``dask``, ``ray`` or ``submit`` / ``map`` (a generic executor).

    Raises
    ------
    ConfigError
        ``executor`` has neither ``submit`` nor ``map``.
    """
    if executor is None:
        return "serial"
    if isinstance(executor, ThreadPoolExecutor):
        return "threads"
    module = type(executor).__module__ or ""
    if module.split(".")[0] == "distributed" and hasattr(executor, "scatter"):
        return "dask"
    if module.startswith("ray.util.multiprocessing"):
        return "ray"
    if callable(getattr(executor, "submit", None)):
        return "submit"
    if callable(getattr(executor, "map", None)):
        return "map"
    raise ConfigError(f"executor must be None, a concurrent.futures Executor (or any object with submit or map), "
                      f"a Dask distributed.Client or a ray.util.multiprocessing.Pool; got {type(executor).__name__}")


def check_picklable(strategy: Any) -> None:
    """ConfigError unless ``strategy`` can be sent to another process (by reference, importable).

    Lambdas and functions or classes defined inside a function cannot: pickle refers to code by
    its module and name, and worker processes import it from there.
    """
    if strategy is RULES:
        return
    target = strategy if (inspect.isclass(strategy) or inspect.isfunction(strategy)) else type(strategy)
    qualname = getattr(target, "__qualname__", "")
    problem = ""
    if "<lambda>" in qualname or "<locals>" in qualname:
        problem = f"{qualname} is a lambda or is defined inside a function"
    else:
        try:
            pickle.dumps(strategy)
        except Exception as exc:  # what pickle raises depends on the object
            problem = f"it cannot be pickled ({type(exc).__name__}: {exc})"
    if problem:
        raise ConfigError(
            f"the strategy cannot be sent to worker processes: {problem}. Define it at the top level of an "
            "importable module (a .py file the workers can import), give the strategy as rules (a dict), or run "
            "with executor=None or a ThreadPoolExecutor, which need no pickling")


def _workers(executor: Any, kind: str) -> int:
    if kind == "dask":
        return max(int(sum(executor.nthreads().values())), 1)
    if kind == "ray":
        return max(len(getattr(executor, "_actor_pool", ()) or ()), 1)
    count = getattr(executor, "_max_workers", None)  # concurrent.futures executors
    return int(count) if isinstance(count, int) and count > 0 else (os.cpu_count() or 1)


def _chunks(plans: Sequence[Plan], n: int) -> list[list[Plan]]:
    n = max(1, min(n, len(plans)))
    return [list(plans[k::n]) for k in range(n)]  # interleaved: long and short runs mixed


def _ray_chunk(ref: Any, plans: list[Plan]) -> list[tuple[int, dict[str, Any]]]:
    import ray

    return run_chunk(ray.get(ref), plans)


def _dispatch(executor: Any, kind: str, shared: Shared, chunks: list[list[Plan]]) -> list[Any]:
    if kind == "dask":
        ref = executor.scatter(shared, broadcast=True, hash=False)
        futures = [executor.submit(run_chunk, ref, chunk, pure=False) for chunk in chunks]
        return list(executor.gather(futures))
    if kind == "ray":
        import ray

        ref = ray.put(shared)
        return list(executor.starmap(_ray_chunk, [(ref, chunk) for chunk in chunks]))
    if kind == "map":
        return list(executor.map(run_chunk, [shared] * len(chunks), chunks))
    futures = [executor.submit(run_chunk, shared, chunk) for chunk in chunks]
    return [f.result() for f in futures]


def run_plans(shared: Shared, plans: Sequence[Plan], executor: Any = None) -> list[dict[str, Any]]:
    """The statistics of every plan, in plan order, run on ``executor`` (see the module docstring).

    Raises
    ------
    ConfigError
        An unsupported executor, or a strategy the executor's workers cannot receive.
    ImportError
        A Ray pool without Ray importable here (``pip install 'btcore[ray]'``).
    """
    if isinstance(executor, str):
        with named_executor(executor) as made:
            return run_plans(shared, plans, made)
    kind = executor_kind(executor)
    if kind == "serial":
        rows = run_chunk(shared, list(plans))
    else:
        if kind != "threads":
            check_picklable(shared.strategy)
        chunks = _chunks(plans, _workers(executor, kind))  # one per worker: one loop, one copy of the feeds
        rows = [row for part in _dispatch(executor, kind, shared, chunks) for row in part]
    by_index = dict(rows)
    return [by_index[p.index] for p in plans]


#: Executors a sweep can start (and stop) itself, by name.
EXECUTOR_NAMES = ("serial", "threads", "processes", "dask", "ray")


def _require(module: str, extra: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"executor={extra!r} needs the {extra} extra: pip install 'btcore[{extra}]' ({exc})") from None


@contextlib.contextmanager
def named_executor(name: str) -> Iterator[Any]:
    """The executor ``name`` (one of :data:`EXECUTOR_NAMES`) for the duration of a sweep.

    ``threads`` / ``processes``: a pool of ``os.cpu_count()`` workers; ``dask``: the current
    Dask client if there is one, else a local cluster (closed afterwards); ``ray``: a
    ``ray.util.multiprocessing.Pool`` on the running Ray instance (or a local one).

    Raises
    ------
    ConfigError
        Any other name.
    ImportError
        ``dask`` / ``ray`` without the extra installed (the message names it).
    """
    if name == "serial":
        yield None
    elif name == "threads":
        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            yield pool
    elif name == "processes":
        with ProcessPoolExecutor(os.cpu_count() or 1) as procs:
            yield procs
    elif name == "dask":
        distributed = _require("distributed", "dask")
        try:
            yield distributed.get_client()
        except ValueError:  # no client yet: a local cluster for this sweep
            with distributed.Client() as client:
                yield client
    elif name == "ray":
        ray_pool = _require("ray.util.multiprocessing", "ray")
        pool = ray_pool.Pool()
        try:
            yield pool
        finally:
            pool.terminate()
    else:
        raise ConfigError(f"executor {name!r} is not a known name; allowed: {', '.join(EXECUTOR_NAMES)} "
                          "or an executor object")
