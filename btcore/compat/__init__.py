"""The reference runtime's layout on top of btcore: swap an engine's runtime package in one step.

An engine written against the reference runtime (``src/backtest/runtime/`` of plife507/TRADE)
keeps every import and call unchanged when its runtime package's ``__init__.py`` becomes::

    from btcore.compat import install; install(__name__)

and the package's other files are deleted. :func:`install` serves the reference's submodules
(``feed_store``, ``snapshot_view``, ``cache``, ``rollup_bucket``, ``state_tracker``, ``quote_state``,
``types``, ``timeframe``, ``preflight``, ``data_health``, ``windowing``, ``indicator_metadata``,
``state_types``, ``signal_state``, ``action_state``, ``gate_state``, ``block_state``,
``snapshot_builder``) from the modules of the same name here. What differs from the modern API:

* **Datetimes** from data (feed and view timestamps) are naive datetimes holding UTC wall time,
  as the reference returned them, so an engine's trade and equity hashes do not change; naive
  input always means UTC, never host-local (:mod:`btcore.compat._time`).
* :class:`~btcore.compat.feed_store.FeedStore` adds the reference engine's quote-feed calls
  (``get_1m_indices_for_exec`` by time, ``_get_ts_close_ms_at``) and the reference constructor;
  :class:`~btcore.compat.feed_store.MultiTFFeedStore` registers its exec feed so the 1m feed of the
  same run can find it (:func:`link_quote_feed` makes that link explicit).
* ``preflight.run_preflight_gate`` computes warmups with the engine's own
  ``compute_warmup_requirements`` when the engine has one, and its report's
  ``computed_warmup_requirements`` always has ``delay_by_role``.
* The deprecated materialised-snapshot classes live in :mod:`btcore.compat.legacy`.

Everything else is the btcore object itself (same class, same behaviour as ``btcore.<name>``);
``docs/MIGRATION.md`` lists every behaviour a swapped-in engine sees differently, with the reason.
Importing this package is light: submodules load when first used.
"""

from __future__ import annotations

from typing import Any

from ._install import REFERENCE_EXPORTS, SUBMODULES, _package_getattr, install, installed_packages

__all__ = ["install", "installed_packages", "link_quote_feed", "SUBMODULES", "REFERENCE_EXPORTS",
           *(name for name, _ in REFERENCE_EXPORTS)]

_SOURCE = dict(REFERENCE_EXPORTS)


def link_quote_feed(quote_feed: Any, exec_feed: Any) -> None:
    """Tell a 1m quote feed which exec feed its ``get_1m_indices_for_exec`` indices refer to.

    Needed only when the link cannot be found on its own (see
    :meth:`btcore.compat.feed_store.FeedStore.get_1m_indices_for_exec`).
    """
    from .feed_store import link_quote_feed as link

    link(quote_feed, exec_feed)


__getattr__ = _package_getattr(__name__)  # reference names and submodules, loaded on first use


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SOURCE) | set(SUBMODULES))
