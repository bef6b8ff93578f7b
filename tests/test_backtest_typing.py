"""``mypy --strict`` on the backtest and report layers (the public ``btcore.backtest`` API), as a
user of the installed package sees them, in one run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import btcore

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _dist_env  # noqa: E402

USAGE = '''
from __future__ import annotations

import pandas as pd

from btcore.backtest import Backtest, Result, RunConfig, Strategy


class Cross(Strategy):
    def next(self) -> None:
        if self.position == 0:
            self.buy(stop_loss=None)


def main() -> float:
    cfg: RunConfig = RunConfig(commission=0.0005)
    settings_id: str = cfg.id
    result: Result = Backtest(None, Cross, exec_tf="1h").run()
    stats: pd.Series = result.stats
    return float(stats["sharpe"]) + len(settings_id)
'''


def _mypy(tmp: Path, *args: str) -> tuple[int, list[str]]:
    config = _dist_env.write_mypy_config(tmp)
    env = _dist_env.subprocess_env(keep_btcore_switches=False)
    env["MYPY_CACHE_DIR"] = str(tmp / "cache")
    out = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(config), "--strict", "--no-error-summary",
                          "--no-color-output", *args], capture_output=True, text=True, cwd=tmp, timeout=600, env=env)
    return out.returncode, [ln for ln in (out.stdout + out.stderr).splitlines() if ln.strip()]


def test_backtest_and_report_layers_are_strict_clean(tmp_path: Path) -> None:
    assert (Path(btcore.__file__).parent / "backtest" / "api.py").is_file()
    code, lines = _mypy(tmp_path, "--follow-imports=silent", "-p", "btcore.backtest", "-p", "btcore.report")
    assert code == 0, "\n".join(lines)
    program = tmp_path / "uses_backtest.py"
    program.write_text(textwrap.dedent(USAGE))
    code, lines = _mypy(tmp_path, str(program))
    assert code == 0, "\n".join(lines)
