"""What the compiled core (``btcore._core``) and its pure-Python twin (``btcore._pure``) share.

Tables, constants, field names, the path grammar and the argument checks live here once; both
twins import from this package and never from each other, so ``_pure`` is only the fallback.
"""
