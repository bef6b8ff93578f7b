"""``python -m btcore`` runs the ``btcore`` command (see :mod:`btcore.cli.main`)."""

import sys

from .cli.main import main

if __name__ == "__main__":
    sys.exit(main())
