"""Pure twin of the probe module: tells which implementation ``btcore._twin.load`` returned."""


def compiled() -> bool:
    """Return False (this is the pure-Python twin)."""
    return False


def debug_build() -> bool:
    """False: the pure-Python twin has no compiled build (Python checks every index itself)."""
    return False
