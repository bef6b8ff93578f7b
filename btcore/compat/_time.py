"""The compat layer's datetime convention: naive UTC out, naive UTC or aware in, never host-local.

The reference runtime handed its engine naive datetimes (``pd.Timestamp(...).to_pydatetime()`` of
naive ``datetime64`` data) and the engine stamps trades and equity points with them, then hashes
those records for its determinism checks. So every datetime that the compat layer derives from
data (feed and view timestamps) is a naive :class:`~datetime.datetime` holding **UTC** wall time.
Where the reference returned the caller's own arithmetic (windows, ``ceil_to_tf_close``), the
result follows the caller's input: naive in, naive UTC out; aware in, aware out (same zone).

Naive input always means UTC here, as everywhere in btcore; nothing depends on the ``TZ``
variable or the host's zone (the reference read naive Python datetimes as host-local time).
The modern API (:mod:`btcore` outside ``btcore.compat``) returns aware UTC datetimes.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from typing import Any

from ..timeframe import to_epoch_ms

__all__ = ["naive_utc", "like", "is_naive", "follow_window"]

_EPOCH = datetime(1970, 1, 1)


def naive_utc(ms: Any) -> datetime:
    """Naive datetime holding the UTC wall time of epoch milliseconds ``ms``."""
    ms = int(ms)
    return _EPOCH + timedelta(0, ms // 1000, (ms % 1000) * 1000)


def is_naive(value: Any) -> bool:
    """True for a naive datetime (or pandas Timestamp) and for any non-datetime input."""
    return not (isinstance(value, datetime) and value.tzinfo is not None)


def like(template: Any, value: datetime) -> datetime:
    """``value`` (aware UTC) in the convention of ``template``: naive UTC if ``template`` is a
    naive datetime, a string or a number; aware in ``template``'s zone otherwise."""
    if isinstance(template, datetime) and template.tzinfo is not None:
        return value.astimezone(template.tzinfo)
    return naive_utc(to_epoch_ms(value))


def follow_window(template: Any, window: Any) -> Any:
    """A btcore window dataclass with every datetime (``start_by_role`` included) converted like
    ``template`` (see :func:`like`); aware UTC windows pass through unchanged for aware input."""
    if not is_naive(template) and template.tzinfo is timezone.utc:
        return window
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(window):
        v = getattr(window, f.name)
        if isinstance(v, datetime):
            changes[f.name] = like(template, v)
        elif isinstance(v, dict) and any(isinstance(x, datetime) for x in v.values()):
            changes[f.name] = {k: like(template, x) if isinstance(x, datetime) else x for k, x in v.items()}
    return dataclasses.replace(window, **changes)
