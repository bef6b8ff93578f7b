"""The reference ``cache`` module (deprecated; its engine never used it in the hot loop)."""

from __future__ import annotations

from .legacy import TimeframeCache, build_close_ts_map, build_close_ts_map_from_df

__all__ = ["TimeframeCache", "build_close_ts_map", "build_close_ts_map_from_df"]
