"""The sweep examples of the README and docs/SWEEPS.md run as written. The README's prints the
same table serially and on a real local Dask cluster (two worker processes, started and stopped
by the example's script)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _dist_env  # noqa: E402

README = Path(__file__).resolve().parents[1] / "README.md"


def _example() -> str:
    if not README.is_file():
        pytest.fail(f"README.md not found next to the tests ({README})")
    found = re.search(r"## Parameter sweeps.*?```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert found, "README has no python block under '## Parameter sweeps'"
    return found.group(1)


def _run(tmp_path: Path, name: str, code: str) -> str:
    script = tmp_path / f"{name}.py"
    script.write_text(code)
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=_dist_env.subprocess_env(),
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, f"{name} failed:\n{out.stderr[-3000:]}"
    return out.stdout


def test_readme_sweep_prints_the_same_table_serially_and_on_dask(tmp_path):
    pytest.importorskip("distributed", reason="the dask extra is not installed: pip install 'btcore[dask]'")
    code = _example()
    assert code.count("executor=None") == 1 and len(code.strip().splitlines()) <= 12
    serial = _run(tmp_path, "serial", code)
    on_dask = _run(tmp_path, "on_dask", textwrap.dedent("""\
        from distributed import Client, LocalCluster

        if __name__ == "__main__":
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \\
                    Client(cluster) as client:
                assert len(client.scheduler_info()["workers"]) == 2
        """) + textwrap.indent(code.replace("executor=None", "executor=client"), " " * 8))
    assert on_dask == serial
    rows = [line for line in serial.splitlines() if re.match(r"^\d+\s", line)]
    assert len(rows) == 10 and "sharpe" in serial.splitlines()[0]


def test_sweeps_doc_call_and_heatmap_run(tmp_path):
    doc = Path(__file__).resolve().parents[1] / "docs" / "SWEEPS.md"
    if not doc.is_file():
        pytest.fail(f"docs/SWEEPS.md not found next to the tests ({doc})")
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    call, plot = blocks[0], next(b for b in blocks if "heatmap(" in b)
    check = textwrap.dedent("""
        assert len(table) == 100 and table.index.name == "combination"
        assert best.stats["sharpe"] == table.iloc[0]["sharpe"] and len(best.trades) == table.iloc[0]["trades"]
        print("ROWS", len(table))
        """)
    code = call + check
    if importlib.util.find_spec("bokeh") is not None:
        code += plot + "\nprint('PAGE', open('sharpe.html', encoding='utf-8').read(15))\n"
    out = _run(tmp_path, "doc", code)
    assert "ROWS 100" in out
    if "PAGE" in out:
        assert "<!DOCTYPE html>" in out
