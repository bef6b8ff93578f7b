"""Build the compiled core: every ``btcore/_core/*.pyx`` becomes an extension module.

Compiler directives are set here, once. ``BTCORE_DEBUG_BUILD=1`` turns bounds checks, wraparound
checks and line tracing back on (for debugging and coverage of the compiled code).

``freethreading_compatible`` (Cython >= 3.1) declares every module safe without the GIL, so a
free-threaded interpreter (3.14t) does not re-enable the GIL on import. That is only true while
every shared mutable structure of the compiled core (first of all a feed set's bounded path-parse
cache) is safe under concurrent use; a new one must be made safe before it lands. No numpy C
API is used (no module cimports numpy), so numpy is neither a build requirement nor set up here.
"""

import os
from glob import glob

from setuptools import Extension, setup

try:
    from Cython.Build import cythonize
except ImportError as exc:  # pragma: no cover - PEP 517 installs Cython from build-system.requires
    raise SystemExit(
        "building btcore needs Cython >= 3.1; install it or build with 'pip install .'"
    ) from exc

DEBUG = os.environ.get("BTCORE_DEBUG_BUILD", "").strip() not in ("", "0")

directives = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": True,
    "embedsignature": True,
    "linetrace": DEBUG,
    "profile": False,
    "freethreading_compatible": True,
}
macros: list[tuple[str, str]] = []
if DEBUG:
    macros += [("CYTHON_TRACE", "1"), ("CYTHON_TRACE_NOGIL", "1")]

# Floating point exactly as written: no fused multiply-add contraction (gcc and clang contract
# a * b + c by default where the CPU has FMA, e.g. aarch64), so the compiled exchange and rules
# round like their pure-Python twins, bit for bit, on every platform. MSVC does not contract
# unless asked to.
FP = ["-ffp-contract=off"]

pyx_files = sorted(glob(os.path.join("btcore", "_core", "*.pyx")))
if not pyx_files:  # a source tree without the Cython sources would silently build a pure wheel
    raise SystemExit("no btcore/_core/*.pyx found: this source tree cannot build the compiled core")

extensions = [
    Extension(
        path[:-4].replace(os.sep, "."),
        [path],
        define_macros=macros,
        extra_compile_args=(["-O0", "-g"] if DEBUG else ["-O2"]) + FP if os.name != "nt" else [],
    )
    for path in pyx_files
]

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives=directives,
        nthreads=int(os.environ.get("BTCORE_BUILD_JOBS", "0")) or (os.cpu_count() or 1),
        quiet=True,
    ),
)
