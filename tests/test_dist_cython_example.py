"""The Cython strategy example compiles against the INSTALLED btcore and matches its Python twin.

``examples/cython_strategy/strategy.pyx`` cimports ``btcore._core.view`` and ``btcore._core.loop``
from wherever ``import btcore`` resolves (site-packages for a wheel: this proves the ``.pxd``
files ship and are usable), is built with cythonize + setuptools into a temporary directory, and
runs through ``btcore.loop.BarLoop`` on small generated multi-timeframe data. Its signals must equal
those of the same rules written as a plain Python strategy reading the view by path.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Optional

import numpy as np
import pytest

import btcore
from btcore import _twin

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _dist_env  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "cython_strategy"
HOUR_MS = 3_600_000


def _compiled_loop() -> ModuleType:
    """The compiled loop module, whatever ``BTCORE_NO_EXTENSIONS`` selects for the public API.

    A Cython strategy cimports the compiled core, so it always runs on the compiled loop; under
    ``BTCORE_NO_EXTENSIONS=1`` its signals are then compared with the pure loop's.
    """
    try:
        return _twin.load_compiled("loop")
    except ImportError as exc:
        if _twin.REQUIRE_EXTENSIONS or btcore.COMPILED:
            raise
        pytest.skip(f"the compiled core is not built here ({exc}); a Cython strategy needs it")


@pytest.fixture(scope="module")
def example_module(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """Build the example with its own setup.py against the imported btcore; import the result."""
    _compiled_loop()
    if not (EXAMPLE / "strategy.pyx").is_file():
        pytest.fail(f"the Cython example is missing: {EXAMPLE / 'strategy.pyx'}")
    out = tmp_path_factory.mktemp("cython_example")
    # build a copy: cythonize writes the generated C beside the .pyx
    src = out / "src"
    shutil.copytree(EXAMPLE, src, ignore=shutil.ignore_patterns("*.c", "*.so", "*.pyd", "build"))
    # the build must import (and so take .pxd files from) the same btcore as this session
    env = _dist_env.subprocess_env()
    cmd = [sys.executable, str(src / "setup.py"), "--quiet", "build_ext",
           "--build-lib", str(out / "lib"), "--build-temp", str(out / "tmp")]
    proc = subprocess.run(cmd, cwd=out, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"building the Cython example failed:\n{proc.stdout}\n{proc.stderr}"
    built = [p for p in (out / "lib").iterdir() if p.name.startswith("strategy.") and p.suffix in (".so", ".pyd")]
    assert len(built) == 1, f"expected one compiled module, found {sorted(p.name for p in (out / 'lib').iterdir())}"
    spec = importlib.util.spec_from_file_location("strategy", built[0])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sma(x: np.ndarray, n: int) -> np.ndarray:
    out = np.full(x.shape, np.nan)
    c = np.cumsum(np.insert(x, 0, 0.0))
    out[n - 1:] = (c[n:] - c[:-n]) / n
    return out


def _feed(tf: str, ts: np.ndarray, close: np.ndarray, indicators: dict[str, np.ndarray]) -> Any:
    from btcore.feed import FeedStore

    rng_open = np.concatenate([[close[0]], close[:-1]])
    return FeedStore.from_arrays(tf, "BTCUSDT", ts, rng_open, np.maximum(rng_open, close) + 1.0,
                                 np.minimum(rng_open, close) - 1.0, close, np.ones_like(close),
                                 indicators=indicators)


def _feeds(n_exec: int, seed: int) -> Any:
    """15m exec bars and 1h HTF bars over the same (gap-free) random walk, with SMAs."""
    from btcore.feed import MultiTFFeedStore

    rng = np.random.default_rng(seed)
    close15 = 20_000.0 + np.cumsum(rng.normal(0.0, 40.0, n_exec))
    ts15 = 1_577_836_800_000 + np.arange(n_exec, dtype=np.int64) * (HOUR_MS // 4)
    exec_feed = _feed("15m", ts15, close15, {"sma_fast": _sma(close15, 5), "sma_slow": _sma(close15, 20)})
    close1h = close15[3::4]  # the close of the last 15m bar of each hour
    ts1h = ts15[::4][: len(close1h)]
    htf_feed = _feed("1h", ts1h, close1h, {"sma_slow": _sma(close1h, 6)})
    return MultiTFFeedStore(exec_feed, htf_feed=htf_feed)


def python_trend_cross(view: Any) -> Optional[str]:
    """The example's rules written as a plain Python strategy (reads the view by path)."""
    fast = view.get("indicator.sma_fast")
    slow = view.get("indicator.sma_slow")
    trend = view.get("indicator.sma_slow.htf")
    close = view.close
    if fast is None or slow is None or trend is None or close is None:
        return None
    if fast > slow and close > trend:
        return "LONG"
    if fast < slow and close < trend:
        return "SHORT"
    return None


def test_example_cimports_the_installed_btcore(example_module: ModuleType) -> None:
    strategy = example_module.TrendCross()
    assert isinstance(strategy, _compiled_loop().CythonStrategy)
    assert type(strategy).__module__ == "strategy"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_example_signals_equal_the_python_strategy(example_module: ModuleType, seed: int) -> None:
    from btcore.loop import BarLoop  # the public one: pure under BTCORE_NO_EXTENSIONS=1

    feeds = _feeds(n_exec=400, seed=seed)
    cython_result = _compiled_loop().BarLoop(feeds).run(example_module.TrendCross())
    python_result = BarLoop(feeds).run(python_trend_cross)
    assert cython_result.signals.dtype == np.int8
    np.testing.assert_array_equal(cython_result.signals, python_result.signals)
    # the data must exercise every branch, or equality would prove little
    codes = set(np.unique(cython_result.signals).tolist())
    assert {0, 1, -1} <= codes, codes
    # nothing before the first HTF close (the trend filter is not ready there)
    first_htf_close = feeds.htf_feed.ts_close_ms[0]
    assert not cython_result.signals[feeds.exec_feed.ts_close_ms < first_htf_close].any()


def test_example_rejects_an_undeclared_indicator(example_module: ModuleType) -> None:
    from btcore.errors import UnknownKeyError

    with pytest.raises(UnknownKeyError, match="no_such_sma"):
        _compiled_loop().BarLoop(_feeds(n_exec=64, seed=0)).run(example_module.TrendCross(fast="no_such_sma"))
