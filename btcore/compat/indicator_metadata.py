"""The reference ``indicator_metadata`` module: ids, validation and exports (btcore's; same ids)."""

from __future__ import annotations

from ..data.indicator_metadata import (
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
    validate_feature_spec_ids,
    validate_metadata_coverage,
)

__all__ = [
    "IndicatorMetadata", "canonicalize_params", "compute_feature_spec_id", "find_first_valid_idx",
    "get_pandas_ta_version", "get_code_version", "validate_metadata_coverage", "validate_feature_spec_ids",
    "MetadataValidationResult", "export_metadata_jsonl", "export_metadata_json", "export_metadata_csv",
]
