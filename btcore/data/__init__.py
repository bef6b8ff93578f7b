"""Data layer: loaders, data health, preflight gate, run windows and indicator metadata.

Pure Python over numpy/pandas (pyarrow for Parquet). Every timestamp is int64 epoch ms UTC; every
input problem is a :class:`btcore.errors.DataError` with a stable ``error_code``.

Submodules: :mod:`~btcore.data.loaders`, :mod:`~btcore.data.health`,
:mod:`~btcore.data.preflight` (types in ``preflight_types``, checks in ``preflight_checks``),
:mod:`~btcore.data.windowing`, :mod:`~btcore.data.indicator_metadata`,
:mod:`~btcore.data.provenance`, :mod:`~btcore.data.convert` (pandas / polars / Arrow / numpy
input and export).

The names below load with their submodule on first use, so ``import btcore.data`` alone imports
neither pandas nor pyarrow.
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # type checkers see the real names; at runtime each loads with its module
    from .health import (
        CoverageInfo,
        DataHealthCheck,
        DataHealthReport,
        GapRange,
        SanityIssue,
    )
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
    from .loaders import (
        load_ohlcv,
        normalize_ohlcv,
        resample_ohlcv,
        slice_ohlcv,
    )
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
    from .convert import (
        ACCEPTED_KINDS,
        EXPORT_KINDS,
        as_pandas,
        decimals_to_float64,
        to_frame,
        to_ohlcv_frame,
    )

# Submodule -> the names it provides. Bound on first use (PEP 562): most of these modules import
# pandas, and ``import btcore`` must not.
_NAMES_BY_MODULE: dict[str, tuple[str, ...]] = {
    "health": (
        "CoverageInfo", "DataHealthCheck", "DataHealthReport", "GapRange", "SanityIssue"
    ),
    "indicator_metadata": (
        "IndicatorMetadata", "MetadataValidationResult", "canonicalize_params",
        "compute_feature_spec_id", "export_metadata_csv", "export_metadata_json",
        "export_metadata_jsonl", "find_first_valid_idx", "get_code_version",
        "get_pandas_ta_version", "params_equivalent", "set_provenance", "validate_feature_spec_ids",
        "validate_metadata_coverage"
    ),
    "loaders": (
        "load_ohlcv", "normalize_ohlcv", "resample_ohlcv", "slice_ohlcv"
    ),
    "preflight": (
        "AutoSyncConfig", "AutoSyncResult", "GapInfo", "LocalFileLoader", "PreflightPlan",
        "PreflightReport", "PreflightStatus", "RunSpec", "TFPreflightResult", "ToolCallRecord",
        "WarmupRequirements", "calculate_warmup_start", "parse_tf_to_minutes", "run_preflight_gate",
        "validate_tf_data"
    ),
    "windowing": (
        "DataWindow", "LoadWindow", "SafetyBuffer", "compute_data_window", "compute_load_window",
        "compute_warmup_start_simple", "compute_window"
    ),
    "convert": (
        "ACCEPTED_KINDS", "EXPORT_KINDS", "as_pandas", "decimals_to_float64", "to_frame", "to_ohlcv_frame"
    ),
}
_MODULE_OF = {name: module for module, names in _NAMES_BY_MODULE.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # bound once: later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULE_OF))


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
    # conversion between pandas, polars, Arrow, numpy
    "ACCEPTED_KINDS", "EXPORT_KINDS", "as_pandas", "decimals_to_float64", "to_frame", "to_ohlcv_frame",
    # indicator metadata
    "IndicatorMetadata", "MetadataValidationResult", "canonicalize_params", "compute_feature_spec_id",
    "export_metadata_csv", "export_metadata_json", "export_metadata_jsonl", "find_first_valid_idx",
    "get_code_version", "get_pandas_ta_version", "params_equivalent", "set_provenance",
    "validate_feature_spec_ids", "validate_metadata_coverage",
]
