"""Ctrl-C at any moment of ``btcore run`` exits 130 with one line, no traceback, and no report
folder that looks complete. Runs the installed console script in a subprocess."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _dist_env  # noqa: E402

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _command() -> list[str]:
    script = Path(sys.executable).with_name("btcore")
    if script.is_file():
        return [str(script)]
    found = shutil.which("btcore")
    if found is None:
        pytest.fail("the btcore console script is not installed beside this Python")
    return [found]


@pytest.fixture(scope="module")
def long_data(tmp_path_factory) -> Path:
    """Three years of 1m bars: a 1m-exec run over them takes several seconds (about 7 s here, a
    third of that for one year), well beyond the longest delay below, so every interrupt lands
    inside the run."""
    rng = np.random.default_rng(11)
    n = 3 * 525_600
    close = 7000 * np.exp(np.cumsum(rng.normal(0, 0.0008, n)))
    open_ = np.r_[close[0], close[:-1]]
    path = tmp_path_factory.mktemp("data") / "m1.parquet"
    pd.DataFrame({"ts": 1_577_836_800_000 + 60_000 * np.arange(n, dtype=np.int64), "open": open_,
                  "high": np.maximum(open_, close) * 1.0004, "low": np.minimum(open_, close) * 0.9996,
                  "close": close, "volume": 1.0}).to_parquet(path)
    return path


def _mapped(pid: int, fragment: str) -> bool:
    try:
        return fragment in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def _interrupt(tmp_path: Path, data: Path, when: str | float) -> tuple[int, str, Path]:
    out = tmp_path / "report"
    proc = subprocess.Popen([*_command(), "run", "--data", str(data), "--exec-tf", "1m", "--mtf", "5m", "--htf", "15m",
                             "-o", str(out), "-q"], cwd=tmp_path, env=_dist_env.subprocess_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if when == "imports":  # numpy's extension is being loaded: `import btcore` is under way
        deadline = time.monotonic() + 30
        while not _mapped(proc.pid, "numpy") and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.002)
    else:
        time.sleep(float(when))
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err, out


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc to see the import phase")
def test_ctrl_c_during_the_imports(tmp_path, long_data):
    code, err, out = _interrupt(tmp_path, long_data, "imports")
    assert code == 130, err
    assert [line for line in err.splitlines() if line.strip()] == ["btcore: interrupted"]
    assert not out.exists()


@pytest.mark.parametrize("delay", [0.3, 1.0, 2.0])
def test_ctrl_c_at_any_later_moment(tmp_path, long_data, delay):
    code, err, out = _interrupt(tmp_path, long_data, delay)
    assert code == 130, err  # the run takes longer than the longest delay, even on a fast machine
    assert "Traceback" not in err
    assert [line for line in err.splitlines() if line.strip()] == ["btcore: interrupted"]
    assert not out.exists()  # the report was never renamed into place
    assert [p.name for p in tmp_path.iterdir()] == []  # and its temporary folder is gone


def test_the_entry_point_module_imports_nothing_heavy():
    code = "import sys, btcore_cli; print(sorted(m for m in ('numpy', 'pandas', 'btcore') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env=_dist_env.subprocess_env(), cwd=os.path.dirname(sys.executable))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_a_finished_command_ignores_ctrl_c_while_the_interpreter_shuts_down():
    # Python restores the default SIGINT action during its teardown: a Ctrl-C then would kill the
    # process (exit -2) or run a handler half-way through the shutdown. The entry point leaves
    # SIGINT ignored once the command returned, so the command's own exit code stands.
    code = ("import signal, sys, btcore_cli\n"
            "sys.argv = ['btcore', '--version']\n"
            "try:\n    rc = btcore_cli.main()\nexcept SystemExit as exc:\n    rc = exc.code\n"
            "print(rc, signal.getsignal(signal.SIGINT) is signal.SIG_IGN)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env=_dist_env.subprocess_env(), cwd=os.path.dirname(sys.executable))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-2:] == ["0", "True"]
