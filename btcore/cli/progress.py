"""A hand-written progress bar on stderr, shown only for runs that take more than a moment."""

from __future__ import annotations

import sys
import time
from typing import Optional, TextIO

__all__ = ["Progress"]


class Progress:
    """Progress of ``total`` steps; prints nothing until ``delay`` seconds have passed.

    ``update(done)`` is cheap (one clock read) and redraws at most ten times a second.
    """

    def __init__(self, total: int, label: str = "backtest", *, enabled: bool = True,
                 delay: float = 1.0, stream: Optional[TextIO] = None) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.enabled = enabled
        self.delay = delay
        self.stream = stream if stream is not None else sys.stderr
        self.t0 = time.perf_counter()
        self._last_draw = 0.0
        self._drawn = False

    def update(self, done: int) -> None:
        """Report ``done`` steps completed."""
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.t0 < self.delay or now - self._last_draw < 0.1:
            return
        self._last_draw = now
        self._draw(done, now)

    def _draw(self, done: int, now: float) -> None:
        frac = min(max(done / self.total, 0.0), 1.0)
        width = 30
        filled = int(frac * width)
        elapsed = now - self.t0
        eta = elapsed * (1.0 - frac) / frac if frac > 0 else 0.0
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(
            f"\r{self.label} [{bar}] {100 * frac:5.1f}% {done:,}/{self.total:,} bars"
            f"  {elapsed:5.1f}s elapsed, ~{eta:4.1f}s left "
        )
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        """Draw the completed bar (if anything was drawn) and end the line."""
        if self._drawn:
            self._draw(self.total, time.perf_counter())
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
