#!/usr/bin/env bash
# Platform checks of .ci/run, after the suite ran on the newest numpy/pandas/pyarrow/polars:
#
#   1. cibuildwheel's build list: CPython 3.11-3.14 and 3.14t on manylinux, musllinux, macOS and
#      Windows (ci/check_build_identifiers.py, with the cibuildwheel release ci/wheels.yml pins);
#   2. the light import, measured (tests/test_dist_import.py asserts that `import btcore` and
#      `btcore --help` load neither pandas nor pyarrow; timings here are information only);
#   3. the lowest versions pyproject.toml allows, installed together in a fresh venv
#      (ci/dependency_floors.py: numpy, pandas, pyarrow and the polars extra pinned to their
#      floors), then the test suite on them. The floor pandas (2.2) has the mixed aware/naive
#      ISO parsing bug that tests/test_data_timestamps.py guards against; the newest pandas ran
#      the same test in the main passes.
#
# Usage: bash ci/platform_checks.sh   (from any directory; uses the python on PATH, i.e. the CI
# venv with btcore installed)
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d "${TMPDIR:-/tmp}/btcore-platform.XXXXXX")
trap 'rm -rf "$work"' EXIT
quiet_pip() {  # pip, quietly, without this machine's notes about absent mirrors
  "$@" --quiet 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
  return "${PIPESTATUS[0]}"
}

echo "== platform: cibuildwheel build identifiers (cp311-cp314 and cp314t on every platform)"
python3 -m venv "$work/tools"
quiet_pip "$work/tools/bin/python" -m pip install "cibuildwheel==$(python ci/check_build_identifiers.py --version)"
PATH="$work/tools/bin:$PATH" python ci/check_build_identifiers.py

echo "== platform: light import (measured; tests/test_dist_import.py checks sys.modules)"
(cd "$work" && python - <<'PY'
import subprocess, sys, time

def best(cmd):
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return min(times)

start = best([sys.executable, "-c", "pass"])
light = best([sys.executable, "-c", "import btcore"]) - start
heavy = best([sys.executable, "-c", "import btcore, pandas, pyarrow"]) - start
helpt = best(["btcore", "--help"])
print(f"  import btcore {light:.3f} s (plus pandas and pyarrow: {heavy:.3f} s); btcore --help "
      f"{helpt:.3f} s wall, of which {start:.3f} s interpreter start (best of 3, loaded machine)")
PY
)
newest=$(python -c "import numpy, pandas, pyarrow, polars; print(f'numpy {numpy.__version__}, pandas {pandas.__version__}, pyarrow {pyarrow.__version__}, polars {polars.__version__}')")
echo "  the main passes ran on the newest: $newest"

echo "== platform: the lowest allowed numpy/pandas/pyarrow/polars together (ci/dependency_floors.py)"
python ci/dependency_floors.py > "$work/floors.txt"
python3 -m venv "$work/floors"
quiet_pip "$work/floors/bin/python" -m pip install --upgrade pip
# the floors first, as a user pinning them would; the constraints keep pip from upgrading them
# shellcheck disable=SC2046
quiet_pip "$work/floors/bin/python" -m pip install $(cat "$work/floors.txt")
quiet_pip "$work/floors/bin/python" -m pip install -c "$work/floors.txt" '.[test]'
"$work/floors/bin/python" ci/dependency_floors.py --check
(cd "$work" && "$work/floors/bin/python" - <<'PY'
import pandas as pd

s = pd.to_datetime(pd.Series(["2020-01-01T00:00:00+05:30", "2020-01-01T00:00:00"]), utc=True, format="ISO8601")
state = "misreads a naive string after an aware one" if s.iloc[1].hour != 0 else "parses mixed strings right"
print(f"  pandas {pd.__version__} by itself {state}; tests/test_data_timestamps.py runs on it below")
PY
)
# Everything but the strict type check, whose verdict depends on the numpy stubs' version (the
# typing contract is checked against the newest numpy in the main passes).
BTCORE_REQUIRE_EXTENSIONS=1 "$work/floors/bin/pytest" -q -p no:randomly --deselect tests/test_dist_mypy.py
