"""Type checking of the public API, as a user of the installed package sees it.

Scope (what "mypy clean" means for btcore):

1. ``test_public_api_usage_is_strict_clean``: a small program written the way the README tells
   users to embed btcore (timeframes, value types, feeds, the bar loop, errors) passes
   ``mypy --strict``. This checks the annotations, ``py.typed`` and the stubs users rely on.
2. ``test_public_types_are_visible``: each line of ``MISUSES`` is a wrong use of a public name and
   must be reported. If a public name were ``Any`` (an untyped twin binding, a missing
   ``py.typed``), strict user code would type-check *anything*; this test catches that.
3. ``test_pure_modules_are_strict_clean``: ``mypy --strict`` on every public pure-Python module
   of the package (``btcore``, ``btcore.<name>``, ``btcore.data.<name>``, plus the twin selector
   ``btcore._twin`` and ``btcore._version``), imports followed silently, one test per module.
   The CLI (``btcore.cli``) is an application, not API, and is out of scope; a module listed in
   ``NOT_YET_STRICT`` is skipped with the reason shown (and, once clean, skipped with a notice to
   remove it from the list). pandas and pyarrow are ``Any`` in every check, whether or not
   pandas-stubs is installed (see ``tests/_dist_env.py``).

The whole package is configured strict in ``pyproject.toml`` (``[tool.mypy]``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import btcore

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _dist_env  # noqa: E402


# module -> why it is not strict-clean yet (the owner's work item)
NOT_YET_STRICT: dict[str, str] = {}


def _public_pure_modules() -> list[str]:
    pkg = Path(btcore.__file__).parent
    found = ["btcore", "btcore._twin", "btcore._version"]
    found += [f"btcore.{p.stem}" for p in sorted(pkg.glob("*.py")) if not p.stem.startswith("_")]
    for sub in ("data", "compat"):
        if (pkg / sub / "__init__.py").is_file():
            found.append(f"btcore.{sub}")
            found += [f"btcore.{sub}.{p.stem}" for p in sorted((pkg / sub).glob("*.py"))
                      if not p.stem.startswith("_")]
    return found


STRICT_MODULES = _public_pure_modules()

USAGE = '''
from __future__ import annotations

from typing import Optional

import numpy as np

import btcore
from btcore.errors import BtcoreError, DataError, TimeframeError
from btcore.feed import FeedStore, MultiTFFeedStore
from btcore.loop import BarLoop, LoopResult
from btcore.types import ExchangeState, HistoryConfig
from btcore.view import RuntimeSnapshotView


def exec_feed(n: int) -> FeedStore:
    ts = np.arange(n, dtype=np.int64) * btcore.tf_ms("15m")
    close = 100.0 + np.cumsum(np.ones(n))
    return FeedStore.from_arrays("15m", "BTCUSDT", ts, close, close + 1.0, close - 1.0, close,
                                 np.ones(n))


def main() -> int:
    minutes: int = btcore.tf_minutes("1h")
    start_ms: int = btcore.to_epoch_ms("2020-01-01T00:00:00Z")
    when = btcore.from_epoch_ms(start_ms)
    print(minutes, when.isoformat(), btcore.__version__, btcore.COMPILED)
    config = HistoryConfig(bars_exec_count=3)
    flat = ExchangeState.flat(10_000.0)
    print(config.requires_history, flat)
    feed = exec_feed(64)
    feeds = MultiTFFeedStore(feed)
    idx: Optional[int] = feed.get_last_closed_idx_at_or_before(start_ms)
    name: str = feed.tf
    n_bars: int = feed.length
    last_close_ms = int(feed.ts_close_ms[-1])
    print(len(feed), idx, feeds, name, n_bars, last_close_ms)
    def strategy(view: RuntimeSnapshotView) -> Optional[str]:
        close = view.close
        return "LONG" if close is not None and close > 100.0 else None

    result: LoopResult = BarLoop(feeds).run(strategy)
    print(result.n_long, result.signals.sum())
    try:
        btcore.tf_ms("7x")
    except TimeframeError as exc:
        print("bad timeframe:", exc)
    except (DataError, BtcoreError):
        return 1
    return 0
'''

# Each line is a wrong use of a public name; mypy must report an error on every one of them.
MISUSES = [
    'bad_tf: str = btcore.tf_ms("15m")',
    'bad_ms: str = btcore.to_epoch_ms(0)',
    'bad_dt: int = btcore.from_epoch_ms(0)',
    'bad_cfg = HistoryConfig(bars_exec_count="3")',
    'bad_feed: int = FeedStore.from_arrays("15m", "X", np.zeros(1, np.int64), np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1))',
    'bad_err: KeyError = DataError("x")',
    'def bad_len(feed: FeedStore) -> str: return feed.length',
    'bad_loop: int = BarLoop(MultiTFFeedStore(FeedStore.from_arrays("15m", "X", np.zeros(1, np.int64), np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1))))',
    'def bad_view(view: RuntimeSnapshotView) -> str: return view.close',
]

MISUSE_HEADER = '''
import numpy as np
import btcore
from btcore.errors import DataError
from btcore.feed import FeedStore, MultiTFFeedStore
from btcore.loop import BarLoop
from btcore.types import HistoryConfig
from btcore.view import RuntimeSnapshotView
'''

@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for the module's runs (numpy's stubs are analysed once, not three times)."""
    return tmp_path_factory.mktemp("mypy_cache")


def _mypy(tmp: Path, cache: Path, *args: str) -> tuple[int, list[str]]:
    """Run mypy on the btcore this session imports; return (exit code, output lines)."""
    config = _dist_env.write_mypy_config(tmp)
    env = _dist_env.subprocess_env(keep_btcore_switches=False)
    env["MYPY_CACHE_DIR"] = str(cache)
    cmd = [sys.executable, "-m", "mypy", "--config-file", str(config), "--no-error-summary",
           "--show-error-codes", "--no-color-output", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp, env=env, timeout=600)
    return out.returncode, [ln for ln in (out.stdout + out.stderr).splitlines() if ln.strip()]


def test_public_api_usage_is_strict_clean(tmp_path: Path, cache_dir: Path) -> None:
    program = tmp_path / "uses_btcore.py"
    program.write_text(textwrap.dedent(USAGE))
    code, lines = _mypy(tmp_path, cache_dir, "--strict", str(program))
    assert code == 0, "mypy --strict on a program using the public API:\n" + "\n".join(lines)


def test_public_types_are_visible(tmp_path: Path, cache_dir: Path) -> None:
    header = textwrap.dedent(MISUSE_HEADER).lstrip("\n")
    first = header.count("\n") + 1
    program = tmp_path / "misuses.py"
    program.write_text(header + "\n".join(MISUSES) + "\n")
    _, lines = _mypy(tmp_path, cache_dir, "--strict", str(program))
    flagged = {int(m.group(1)) for ln in lines if (m := re.match(r".*misuses\.py:(\d+): error:", ln))}
    unseen = [use for i, use in enumerate(MISUSES) if first + i not in flagged]
    assert not unseen, (
        "mypy accepted these wrong uses of public names (their types are invisible, e.g. Any):\n"
        + "\n".join(unseen) + "\nmypy said:\n" + "\n".join(lines)
    )


@pytest.fixture(scope="module")
def strict_report(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> tuple[int, list[str]]:
    """One ``mypy --strict`` run over every module of ``STRICT_MODULES``."""
    args = [a for m in STRICT_MODULES for a in ("-m", m)]
    return _mypy(tmp_path_factory.mktemp("mypy"), cache_dir, "--strict", "--follow-imports=silent", *args)


def _module_file(module: str) -> str:
    path = Path(btcore.__file__).parents[1].joinpath(*module.split("."))
    return (path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).as_posix()


@pytest.mark.parametrize("module", STRICT_MODULES)
def test_pure_modules_are_strict_clean(module: str, strict_report: tuple[int, list[str]]) -> None:
    code, lines = strict_report
    rel = _module_file(module).rsplit("/btcore/", 1)[-1]
    mine = [ln for ln in lines if ln.replace(os.sep, "/").split(":", 1)[0].endswith("btcore/" + rel)]
    if module in NOT_YET_STRICT:
        if not mine:
            pytest.skip(f"{module} is strict-clean now: remove it from NOT_YET_STRICT")
        pytest.skip(f"not strict-clean yet ({len(mine)} errors): {NOT_YET_STRICT[module]}")
    assert not mine, f"mypy --strict -m {module}:\n" + "\n".join(mine)
    if code != 0:  # an error mypy did not tie to one of the files (configuration, crash)
        listed = tuple("btcore/" + _module_file(m).rsplit("/btcore/", 1)[-1] for m in STRICT_MODULES)
        other = [ln for ln in lines if not ln.replace(os.sep, "/").split(":", 1)[0].endswith(listed)]
        assert not other, "mypy failed:\n" + "\n".join(other)
