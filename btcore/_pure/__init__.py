"""Pure-Python twins of the compiled core, same public names, signatures and docstrings."""
