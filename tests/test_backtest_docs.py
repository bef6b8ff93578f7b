"""The examples of docs/BACKTEST.md run as written (the class example on the bundled sample)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _dist_env  # noqa: E402

DOC = Path(__file__).resolve().parents[1] / "docs" / "BACKTEST.md"


def _blocks() -> list[str]:
    if not DOC.is_file():
        pytest.fail(f"docs/BACKTEST.md not found next to the tests ({DOC})")
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def _run(tmp_path: Path, code: str) -> str:
    script = tmp_path / "example.py"
    script.write_text(code)
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=_dist_env.subprocess_env(),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_sample_example_saves_a_report_and_a_chart(tmp_path):
    code = _blocks()[0]
    assert len(code.strip().splitlines()) <= 22
    if importlib.util.find_spec("bokeh") is None:  # a platform without the plot extra: plot() says why
        out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=_dist_env.subprocess_env(),
                             capture_output=True, text=True, timeout=300)
        assert out.returncode != 0 and "pip install 'btcore[plot]'" in out.stderr
        assert (tmp_path / "my-report" / "summary.json").is_file()
        return
    _run(tmp_path, code)
    assert (tmp_path / "my-report" / "summary.json").is_file()
    assert (tmp_path / "chart.html").read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html>")


def test_the_strategy_class_example_trades(tmp_path):
    code = next(b for b in _blocks() if "class RsiReversion" in b)
    code = "from btcore.backtest import load_sample\nbars = load_sample()\n" + code
    out = _run(tmp_path, code + "\nprint('TRADES', len(result.trades), set(result.trades['exit_reason']))\n")
    found = re.search(r"TRADES (\d+) (.*)", out)
    assert found and int(found.group(1)) > 3 and "stop_loss" in found.group(2)


def test_the_python_example_file_runs(tmp_path):
    example = Path(__file__).resolve().parents[1] / "examples" / "backtest_from_python.py"
    if not example.is_file():
        pytest.fail(f"examples/backtest_from_python.py not found next to the tests ({example})")
    out = subprocess.run([sys.executable, str(example), str(tmp_path / "rep")], cwd=tmp_path,
                         env=_dist_env.subprocess_env(), capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "TrendCross:" in out.stdout and (tmp_path / "rep" / "summary.json").is_file()
    assert (tmp_path / "chart.html").is_file() == (importlib.util.find_spec("bokeh") is not None)
