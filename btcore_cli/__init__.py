"""Console entry point of the ``btcore`` command.

It lives outside the ``btcore`` package on purpose: Python imports a package before any of its
modules, and ``import btcore`` loads numpy and pandas (about half a second). Installing the
interrupt handler here, first, makes Ctrl-C during those imports exit 130 with one line like an
interrupt at any later moment (:func:`btcore.cli.main.main` then takes over with its own
handling, which removes a report being written).
"""

from __future__ import annotations

import os
import signal
import sys

__all__ = ["main"]


def _interrupted(signum: int, frame: object) -> None:
    os.write(2, b"\nbtcore: interrupted\n")
    os._exit(130)  # nothing is written yet: exit at once, without a traceback


def main() -> int:
    """Run ``btcore`` with ``sys.argv``; returns the exit code."""
    signal.signal(signal.SIGINT, _interrupted)
    from btcore.cli.main import main as run

    try:
        return run()
    finally:
        # The command is done (its report, if any, is complete): a Ctrl-C while the interpreter
        # shuts down must neither kill it by the default action nor run a handler half-way
        # through the teardown, so from here on SIGINT is ignored and the exit code stands.
        signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
