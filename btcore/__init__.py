"""btcore — the compiled per-bar core of a multi-timeframe backtest engine.

At every execution bar a strategy asks "what was known at this bar's close?": OHLCV and
indicators of the exec timeframe and of slower timeframes (forward-filled, never looking ahead),
1-minute rollups inside the bar, and exchange state. btcore answers in O(1) with no allocation,
records signal/action/gate state machines, and checks the data before the run.

``btcore.COMPILED`` tells whether the compiled core or the pure-Python twins are in use
(``BTCORE_NO_EXTENSIONS=1`` / ``BTCORE_REQUIRE_EXTENSIONS=1`` select; see :mod:`btcore._twin`).
"""

from __future__ import annotations

from ._twin import COMPILED
from ._version import __version__
from .errors import (
    BtcoreError,
    ConfigError,
    DataError,
    ExtensionMissingError,
    IllegalTransitionError,
    NotReadyError,
    PathError,
    TimeframeError,
    UnknownKeyError,
)
from .timeframe import (
    ceil_to_tf_close,
    from_epoch_ms,
    tf_duration,
    tf_minutes,
    tf_ms,
    to_epoch_ms,
    validate_tf_mapping,
)
from .types import (
    DEFAULT_HISTORY_CONFIG,
    Bar,
    ExchangeState,
    FeatureSnapshot,
    HistoryConfig,
    RuntimeSnapshot,
    create_not_ready_feature_snapshot,
)

__all__ = [
    "COMPILED",
    "__version__",
    # errors
    "BtcoreError",
    "ConfigError",
    "DataError",
    "ExtensionMissingError",
    "IllegalTransitionError",
    "NotReadyError",
    "PathError",
    "TimeframeError",
    "UnknownKeyError",
    # time
    "ceil_to_tf_close",
    "from_epoch_ms",
    "tf_duration",
    "tf_minutes",
    "tf_ms",
    "to_epoch_ms",
    "validate_tf_mapping",
    # types
    "Bar",
    "DEFAULT_HISTORY_CONFIG",
    "ExchangeState",
    "FeatureSnapshot",
    "HistoryConfig",
    "RuntimeSnapshot",
    "create_not_ready_feature_snapshot",
]
