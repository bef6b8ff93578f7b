# cython: language_level=3
"""Smallest compiled module: its presence tells that the extensions were built and importable."""

cdef extern from *:
    """
    /* CYTHON_TRACE is 1 only in a BTCORE_DEBUG_BUILD=1 build (see setup.py), whose directives
       also turn bounds, wraparound and initialisation checks on. */
    #if defined(CYTHON_TRACE) && CYTHON_TRACE
    static int btcore_debug_build(void) { return 1; }
    #else
    static int btcore_debug_build(void) { return 0; }
    #endif
    """
    int btcore_debug_build()


def compiled() -> bool:
    """Return True (only the compiled build has this module)."""
    return True


def debug_build() -> bool:
    """True for a ``BTCORE_DEBUG_BUILD=1`` build (bounds and initialisation checks on)."""
    return bool(btcore_debug_build())
