"""Data layer: loaders, data health, preflight gate, run windows and indicator metadata.

Pure Python over numpy/pandas (pyarrow for Parquet). Every timestamp is int64 epoch ms UTC; every
input problem is a :class:`btcore.errors.DataError` with a stable ``error_code``.

Submodules: :mod:`~btcore.data.loaders`, :mod:`~btcore.data.health`,
:mod:`~btcore.data.preflight` (types in ``preflight_types``, checks in ``preflight_checks``),
:mod:`~btcore.data.windowing`, :mod:`~btcore.data.indicator_metadata`,
:mod:`~btcore.data.provenance`.
"""

from __future__ import annotations

from .health import CoverageInfo, DataHealthCheck, DataHealthReport, GapRange, SanityIssue
from .indicator_metadata import (
    IndicatorMetadata,
    MetadataValidationResult,
    canonicalize_params,
    compute_feature_spec_id,
    export_metadata_csv,
    export_metadata_json,
    export_metadata_jsonl,
    find_first_valid_idx,
    get_code_version,
    get_pandas_ta_version,
    params_equivalent,
    set_provenance,
    validate_feature_spec_ids,
    validate_metadata_coverage,
)
from .loaders import load_ohlcv, normalize_ohlcv, resample_ohlcv, slice_ohlcv
from .preflight import (
    AutoSyncConfig,
    AutoSyncResult,
    GapInfo,
    LocalFileLoader,
    PreflightPlan,
    PreflightReport,
    PreflightStatus,
    RunSpec,
    TFPreflightResult,
    ToolCallRecord,
    WarmupRequirements,
    calculate_warmup_start,
    parse_tf_to_minutes,
    run_preflight_gate,
    validate_tf_data,
)
from .windowing import (
    DataWindow,
    LoadWindow,
    SafetyBuffer,
    compute_data_window,
    compute_load_window,
    compute_warmup_start_simple,
    compute_window,
)

__all__ = [
    # loaders
    "load_ohlcv", "normalize_ohlcv", "resample_ohlcv", "slice_ohlcv",
    # health
    "CoverageInfo", "DataHealthCheck", "DataHealthReport", "GapRange", "SanityIssue",
    # preflight
    "AutoSyncConfig", "AutoSyncResult", "GapInfo", "LocalFileLoader", "PreflightPlan",
    "PreflightReport", "PreflightStatus", "RunSpec", "TFPreflightResult", "ToolCallRecord",
    "WarmupRequirements", "calculate_warmup_start", "parse_tf_to_minutes", "run_preflight_gate",
    "validate_tf_data",
    # windowing
    "DataWindow", "LoadWindow", "SafetyBuffer", "compute_data_window", "compute_load_window",
    "compute_warmup_start_simple", "compute_window",
    # indicator metadata
    "IndicatorMetadata", "MetadataValidationResult", "canonicalize_params", "compute_feature_spec_id",
    "export_metadata_csv", "export_metadata_json", "export_metadata_jsonl", "find_first_valid_idx",
    "get_code_version", "get_pandas_ta_version", "params_equivalent", "set_provenance",
    "validate_feature_spec_ids", "validate_metadata_coverage",
]
