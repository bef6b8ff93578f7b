"""What the README promises works: its embedding example runs, and the version has one source."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import btcore

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _dist_env  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def _readme() -> str:
    if not README.is_file():
        pytest.fail(f"README.md not found next to the tests ({README})")
    return README.read_text(encoding="utf-8")


def _python_block_after(heading: str) -> str:
    text = _readme()
    start = text.find(heading)
    assert start >= 0, f"README has no section {heading!r}"
    match = re.search(r"```python\n(.*?)```", text[start:], re.S)
    assert match, f"README section {heading!r} has no python code block"
    return match.group(1)


def _write_1m_parquet(path: Path, n: int, seed: int) -> None:
    """Seeded 1-minute bars with a real gap, in the layout of the project's data file."""
    rng = np.random.default_rng(seed)
    ts = 1_577_836_800_000 + np.arange(n, dtype=np.int64) * 60_000
    ts = np.delete(ts, np.arange(700, 760))  # one hour missing, as in real exchange data
    close = 7_000.0 + np.cumsum(rng.normal(0.0, 3.0, len(ts)))
    open_ = np.concatenate([[close[0]], close[:-1]])
    spread = rng.uniform(0.5, 5.0, len(ts))
    pd.DataFrame({
        "ts": ts, "open": open_, "high": np.maximum(open_, close) + spread,
        "low": np.minimum(open_, close) - spread, "close": close, "volume": rng.uniform(1, 50, len(ts)),
    }).to_parquet(path)


def test_readme_embedding_example_runs(tmp_path: Path) -> None:
    code = _python_block_after("## Embedding btcore in an existing loop")
    lines = code.strip("\n").splitlines()
    assert len(lines) <= 25, f"the README example should stay short, it has {len(lines)} lines"
    data_files = set(re.findall(r'load_ohlcv\("([^"]+)"\)', code))
    assert data_files, "the example no longer loads a file; update this test"
    for name in data_files:
        _write_1m_parquet(tmp_path / name, n=3 * 24 * 60, seed=7)
    # report what the loop saw, so the test checks the example did real work
    script = tmp_path / "example.py"
    script.write_text(code + "\nprint('bars', len(BarLoop(feeds)), 'position', position)\n")
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=_dist_env.subprocess_env(),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, f"README example failed:\n{out.stderr}"
    # every 15-minute slot holding at least one 1m bar is one exec bar (the data ends on a full bar)
    ts = pd.read_parquet(tmp_path / sorted(data_files)[0])["ts"].to_numpy()
    assert int(out.stdout.split()[1]) == np.unique(ts // 900_000).size, out.stdout


def test_version_has_one_source() -> None:
    from btcore import _version

    assert btcore.__version__ == _version.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+([.-]?(a|b|rc|dev|post)\d*)?", btcore.__version__)
    pyproject = ROOT / "pyproject.toml"
    if pyproject.is_file():
        text = pyproject.read_text(encoding="utf-8")
        assert 'dynamic = ["version"]' in text
        assert 'version = { attr = "btcore._version.__version__" }' in text
        assert not re.search(r'^version\s*=\s*"', text, re.M), "a literal version in pyproject.toml"


def test_installed_metadata_matches_the_package() -> None:
    try:
        dist = importlib.metadata.distribution("btcore")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("btcore is not installed (an in-place build); nothing to compare")
    located = Path(str(dist.locate_file("btcore/__init__.py"))).resolve()
    if located != Path(btcore.__file__).resolve():
        pytest.skip("the imported btcore is not the installed distribution (in-place build)")
    assert dist.version == btcore.__version__


def test_changelog_has_the_current_version() -> None:
    changelog = ROOT / "CHANGELOG.md"
    if not changelog.is_file():
        pytest.skip("CHANGELOG.md is not beside the tests (tests copied without it)")
    assert f"[{btcore.__version__}]" in changelog.read_text(encoding="utf-8")
