"""btcore — the compiled per-bar core of a multi-timeframe backtest engine.

At every execution bar a strategy asks "what was known at this bar's close?": OHLCV and
indicators of the exec timeframe and of slower timeframes (forward-filled, never looking ahead),
1-minute rollups inside the bar, and exchange state. btcore answers in O(1) with no allocation,
records signal/action/gate state machines, and checks the data before the run.

``btcore.COMPILED`` tells whether the compiled core or the pure-Python twins are in use
(``BTCORE_NO_EXTENSIONS=1`` / ``BTCORE_REQUIRE_EXTENSIONS=1`` select; see :mod:`btcore._twin`).

``import btcore`` imports numpy but neither pandas nor pyarrow: the data-layer names
(``load_ohlcv``, ``DataHealthCheck``, ``run_preflight_gate``, ...) are bound on first use.
"""

from __future__ import annotations

import importlib as _importlib
from pathlib import Path as _Path
from typing import TYPE_CHECKING, Any

# The imports below bind the modern API (``__all__``) and, beside it, the reference runtime's
# names that are importable but not advertised (``REFERENCE_NAMES``).
from ._twin import COMPILED
from ._version import __version__
from .align import ROLLUP_FIELDS, Alignment, align_feeds
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
from .feed import FeatureArrays, FeedStore, MultiTFFeedStore, StructureStore, ZoneStore
from .loop import (
    SIGNAL_FLAT,
    SIGNAL_LONG,
    SIGNAL_NONE,
    SIGNAL_SHORT,
    BarLoop,
    CythonStrategy,
    LoopResult,
    signal_code,
)
from .rollup import (
    QUOTE_KEYS,
    ROLLUP_KEYS,
    ExecRollupBucket,
    QuoteState,
    create_empty_rollup_dict,
    quote_to_packet_dict,
)
from .state import (
    ACTION_TRANSITIONS,
    GATE_CODE_DESCRIPTIONS,
    SIGNAL_TRANSITIONS,
    ActionState,
    ActionStateValue,
    BlockState,
    GateCode,
    GateContext,
    GateResult,
    SignalState,
    SignalStateValue,
    StateTracker,
    StateTrackerConfig,
    create_block_state,
    create_state_tracker,
    evaluate_gates,
    evaluate_margin_gate,
    evaluate_warmup_gate,
    reset_action_state,
    reset_block_state,
    reset_signal_state,
    transition_action_state,
    transition_signal_state,
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
)
from .view import PathHandle, RuntimeSnapshotView, TFContext

if TYPE_CHECKING:  # type checkers see the real names; at runtime they load on first use
    from .compat.legacy import (
        RuntimeSnapshot,
        SnapshotBuilder,
        TimeframeCache,
        create_not_ready_feature_snapshot,
    )
    from .data import (
        AutoSyncConfig,
        AutoSyncResult,
        CoverageInfo,
        DataHealthCheck,
        DataHealthReport,
        DataWindow,
        GapInfo,
        GapRange,
        IndicatorMetadata,
        LoadWindow,
        LocalFileLoader,
        MetadataValidationResult,
        PreflightPlan,
        PreflightReport,
        PreflightStatus,
        SanityIssue,
        TFPreflightResult,
        ToolCallRecord,
        calculate_warmup_start,
        canonicalize_params,
        compute_data_window,
        compute_feature_spec_id,
        compute_load_window,
        export_metadata_csv,
        export_metadata_json,
        export_metadata_jsonl,
        find_first_valid_idx,
        get_code_version,
        get_pandas_ta_version,
        load_ohlcv,
        parse_tf_to_minutes,
        resample_ohlcv,
        run_preflight_gate,
        validate_feature_spec_ids,
        validate_metadata_coverage,
        validate_tf_data,
    )

#: Names bound on first use (PEP 562) because their modules import pandas/pyarrow: the data layer.
#: ``import btcore`` and the core (feeds, view, loop, state machines) never import either.
_LAZY_FROM_DATA = (
    "AutoSyncConfig", "AutoSyncResult", "CoverageInfo", "DataHealthCheck", "DataHealthReport",
    "DataWindow", "GapInfo", "GapRange", "IndicatorMetadata", "LoadWindow", "LocalFileLoader",
    "MetadataValidationResult", "PreflightPlan", "PreflightReport", "PreflightStatus",
    "SanityIssue", "TFPreflightResult", "ToolCallRecord", "calculate_warmup_start",
    "canonicalize_params", "compute_data_window", "compute_feature_spec_id", "compute_load_window",
    "export_metadata_csv", "export_metadata_json", "export_metadata_jsonl", "find_first_valid_idx",
    "get_code_version", "get_pandas_ta_version", "load_ohlcv", "parse_tf_to_minutes",
    "resample_ohlcv", "run_preflight_gate", "validate_feature_spec_ids",
    "validate_metadata_coverage", "validate_tf_data"
)
#: The deprecated materialised-snapshot classes, kept importable for engines written for the
#: reference runtime; they live in :mod:`btcore.compat.legacy` and load on first use.
_LAZY_FROM_LEGACY = ("RuntimeSnapshot", "SnapshotBuilder", "TimeframeCache", "create_not_ready_feature_snapshot")
_LAZY_SUBMODULES = ("data", "cli")


def __getattr__(name: str) -> Any:
    if name in _LAZY_FROM_DATA:
        value = getattr(_importlib.import_module(".data", __name__), name)
    elif name in _LAZY_FROM_LEGACY:
        value = getattr(_importlib.import_module(".compat.legacy", __name__), name)
    elif name in _LAZY_SUBMODULES:
        value = _importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # bound once: later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_FROM_DATA) | set(_LAZY_FROM_LEGACY) | set(_LAZY_SUBMODULES))


def get_include() -> str:
    """Directory to put on Cython's include path so a strategy can ``cimport btcore._core.view``.

    It is the folder that holds the installed ``btcore`` package (the ``.pxd`` files ship in the
    wheel), e.g. ``cythonize(..., include_path=[btcore.get_include()])``.
    """
    return str(_Path(__file__).resolve().parent.parent)


#: The reference runtime's ``__all__``, in its order: every name is importable from btcore (the
#: drop-in surface; ``btcore.compat`` has them in the reference runtime's module layout, see docs/MIGRATION.md).
REFERENCE_NAMES = (
    "Bar", "FeatureSnapshot", "ExchangeState", "RuntimeSnapshot", "HistoryConfig",
    "DEFAULT_HISTORY_CONFIG", "FeedStore", "MultiTFFeedStore", "RuntimeSnapshotView", "TFContext",
    "IndicatorMetadata", "canonicalize_params", "compute_feature_spec_id", "find_first_valid_idx",
    "get_pandas_ta_version", "get_code_version", "validate_metadata_coverage",
    "validate_feature_spec_ids", "MetadataValidationResult", "export_metadata_jsonl",
    "export_metadata_json", "export_metadata_csv", "PreflightStatus", "GapInfo",
    "TFPreflightResult", "PreflightReport", "ToolCallRecord", "AutoSyncConfig", "AutoSyncResult",
    "parse_tf_to_minutes", "calculate_warmup_start", "validate_tf_data", "run_preflight_gate",
    "QuoteState", "QUOTE_KEYS", "quote_to_packet_dict", "ExecRollupBucket", "ROLLUP_KEYS",
    "create_empty_rollup_dict", "SignalStateValue", "ActionStateValue", "GateCode", "GateResult",
    "GATE_CODE_DESCRIPTIONS", "SignalState", "transition_signal_state", "reset_signal_state",
    "ActionState", "transition_action_state", "reset_action_state", "GateContext",
    "evaluate_gates", "BlockState", "create_block_state", "reset_block_state", "StateTracker",
    "StateTrackerConfig", "create_state_tracker",
)

#: The modern API: what a new program uses. Reference-only names (the deprecated snapshot
#: classes, the reference runtime's dict-shaped helpers and metadata functions) are left out but stay
#: importable by name (see ``REFERENCE_NAMES``).
__all__ = [
    "COMPILED", "__version__", "get_include",
    # errors
    "BtcoreError", "ConfigError", "DataError", "ExtensionMissingError", "IllegalTransitionError",
    "NotReadyError", "PathError", "TimeframeError", "UnknownKeyError",
    # time
    "ceil_to_tf_close", "from_epoch_ms", "tf_duration", "tf_minutes", "tf_ms", "to_epoch_ms",
    "validate_tf_mapping",
    # bars, feeds, alignment
    "Bar", "ExchangeState", "HistoryConfig", "DEFAULT_HISTORY_CONFIG", "FeedStore", "MultiTFFeedStore",
    "FeatureArrays", "StructureStore", "ZoneStore", "Alignment", "align_feeds", "ROLLUP_FIELDS",
    # the view and the loop
    "RuntimeSnapshotView", "TFContext", "PathHandle", "BarLoop", "LoopResult", "CythonStrategy",
    "signal_code", "SIGNAL_NONE", "SIGNAL_LONG", "SIGNAL_SHORT", "SIGNAL_FLAT",
    # quotes and rollups
    "QuoteState", "ExecRollupBucket",
    # state machines and tracker
    "SignalState", "SignalStateValue", "ActionState", "ActionStateValue", "BlockState", "GateCode",
    "GateContext", "GateResult", "GATE_CODE_DESCRIPTIONS", "SIGNAL_TRANSITIONS", "ACTION_TRANSITIONS",
    "transition_signal_state", "transition_action_state", "evaluate_gates", "evaluate_warmup_gate",
    "evaluate_margin_gate", "StateTracker", "StateTrackerConfig",
    # data layer
    "load_ohlcv", "resample_ohlcv", "DataHealthCheck", "DataHealthReport", "GapRange", "CoverageInfo",
    "SanityIssue", "run_preflight_gate", "PreflightPlan", "PreflightReport", "PreflightStatus",
    "TFPreflightResult", "LocalFileLoader", "DataWindow", "LoadWindow", "compute_data_window",
    "compute_load_window", "IndicatorMetadata",
]
