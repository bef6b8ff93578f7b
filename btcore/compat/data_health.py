"""The reference ``data_health`` module: btcore's vectorised coverage, gap and sanity checks."""

from __future__ import annotations

from ..data.health import (
    FUNDING_INTERVAL_TOLERANCE,
    CoverageInfo,
    DataHealthCheck,
    DataHealthReport,
    GapRange,
    SanityIssue,
)

__all__ = ["FUNDING_INTERVAL_TOLERANCE", "GapRange", "CoverageInfo", "SanityIssue", "DataHealthReport",
           "DataHealthCheck"]
