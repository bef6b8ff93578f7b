# cython: language_level=3
"""Smallest compiled module: its presence tells that the extensions were built and importable."""

def compiled() -> bool:
    """Return True (only the compiled build has this module)."""
    return True
