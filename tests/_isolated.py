"""Run crash-prone checks in a child interpreter, so a segfault is a failing test, not a dead run.

The child runs with ``faulthandler`` on (a crash prints the C-level traceback), imports the same
btcore as the session (:func:`_dist_env.subprocess_env`) and starts outside the checkout. Two
ways to use it:

* :func:`run_cases` runs named snippets one after the other and returns each outcome (the
  repr of the snippet's ``result`` variable, or the exception class and message);
* :func:`run_function` calls ``module.function(kind)`` from a test helper module, typically a
  hypothesis property, and returns what it printed.

When the child dies, the assertion names the snippet (or function) running at the time and shows
the child's stderr, where faulthandler wrote the traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from _dist_env import subprocess_env

TESTS = str(Path(__file__).resolve().parent)

_CASES_DRIVER = r"""
import faulthandler, json, sys, traceback
faulthandler.enable()
sys.path.insert(0, {tests!r})
cases = json.loads(sys.stdin.read())
setup = {setup!r}
for name, code in cases:
    print("START " + name, flush=True)
    scope = {{}}
    try:
        exec(setup, scope)
        exec(code, scope)
        out = "ok: " + repr(scope.get("result"))
    except BaseException as exc:
        out = type(exc).__name__ + ": " + str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    print("DONE " + json.dumps([name, out]), flush=True)
"""


def _child(code: str, stdin: str = "", timeout: float = 300) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as cwd:
        return subprocess.run(
            [sys.executable, "-X", "faulthandler", "-c", code], input=stdin, capture_output=True,
            text=True, cwd=cwd, env=subprocess_env(), timeout=timeout,
        )


def _died(proc: subprocess.CompletedProcess[str], what: str) -> str:
    started = [ln[6:] for ln in proc.stdout.splitlines() if ln.startswith("START ")]
    last = started[-1] if started else "(before the first case)"
    return (f"child process died (exit code {proc.returncode}) while running {what} {last!r}\n"
            f"--- stderr ---\n{proc.stderr[-4000:]}")


def run_cases(cases: dict[str, str], setup: str = "") -> dict[str, str]:
    """Run each snippet (``result = ...`` gives its value) in one child; name -> outcome.

    An outcome is ``"ok: <repr of result>"`` or ``"<ExceptionClass>: <first line of message>"``.
    """
    driver = _CASES_DRIVER.format(tests=TESTS, setup=textwrap.dedent(setup))
    proc = _child(driver, json.dumps([[k, textwrap.dedent(v)] for k, v in cases.items()]))
    assert proc.returncode == 0, _died(proc, "case")
    out = dict(json.loads(ln[5:]) for ln in proc.stdout.splitlines() if ln.startswith("DONE "))
    assert set(out) == set(cases), f"cases without an outcome: {sorted(set(cases) - set(out))}"
    return out


def run_function(module: str, function: str, *args: str, timeout: float = 300) -> str:
    """Call ``module.function(*args)`` in a child; return its stdout (it must exit 0)."""
    code = (f"import faulthandler, sys\nfaulthandler.enable()\nsys.path.insert(0, {TESTS!r})\n"
            f"print('START {module}.{function}', flush=True)\n"
            f"import {module}\n{module}.{function}(*{list(args)!r})\n")
    proc = _child(code, timeout=timeout)
    assert proc.returncode == 0, _died(proc, "function")
    return proc.stdout


def examples_run(stdout: str) -> int:
    """The ``EXAMPLES <n>`` count a property printed (see tests/_adversarial.py)."""
    counts = [int(ln.split()[1]) for ln in stdout.splitlines() if ln.startswith("EXAMPLES ")]
    assert counts, f"the property printed no EXAMPLES line:\n{stdout[-2000:]}"
    return sum(counts)
