"""Indicator provenance: canonical params, feature-spec ids, validation and exports.

Feature-spec ids and ``20`` vs ``20.0``
---------------------------------------
:func:`compute_feature_spec_id` hashes exactly what the reference hashed, so stored ids stay
valid: ``("ema", {"length": 20}, "close")`` → ``37a896da78b4`` and
``("ema", {"length": 20.0}, "close")`` → ``3eb63aa18752`` (different, because JSON spells
``20`` and ``20.0`` differently). :func:`canonicalize_params` recurses into nested mappings and
sequences and turns numpy scalars/arrays into Python values, which the reference did not (it
raised ``TypeError`` on nested numpy values); for everything the reference accepted it returns
the same structure, hence the same ids.

Numeric normalisation is opt-in: ``canonicalize_params(p, normalize_numbers=True)`` writes
integral floats as ints (``20.0`` → ``20``) and float32 values by their shortest decimal
(``np.float32(0.1)`` → ``0.1``); ``compute_feature_spec_id(..., normalize_numbers=True)`` gives
the normalised id. :func:`params_equivalent` compares two parameter sets that way, and
:func:`validate_feature_spec_ids` accepts a stored id that matches either the reference id or
the normalised id (so ``20`` and ``20.0`` never count as a mismatch).

Provenance (``code_version``, ``pandas_ta_version``) comes from :mod:`btcore.data.provenance`:
computed once per process, injectable, never a subprocess per instance. Exported timestamps are
converted to UTC before they get their ``Z`` (naive = UTC).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path, PurePath
from typing import Any, Dict, List, Mapping, Optional

import numpy as np

from ..errors import DataError
from .provenance import get_code_version, get_pandas_ta_version, reset_provenance, set_provenance

__all__ = [
    "SCHEMA_VERSION",
    "IndicatorMetadata",
    "MetadataValidationResult",
    "canonicalize_params",
    "params_equivalent",
    "compute_feature_spec_id",
    "find_first_valid_idx",
    "validate_metadata_coverage",
    "validate_feature_spec_ids",
    "export_metadata_jsonl",
    "export_metadata_json",
    "export_metadata_csv",
    "format_utc",
    "get_code_version",
    "get_pandas_ta_version",
    "set_provenance",
    "reset_provenance",
]

SCHEMA_VERSION = "indicator-metadata-v1"
CSV_COLUMNS = (
    "indicator_key", "feature_spec_id", "indicator_type", "params_json", "input_source", "symbol",
    "tf", "tf_role", "warmup_bars_declared", "first_valid_idx_observed", "start_bar_idx",
    "end_bar_idx", "start_ts", "end_ts", "pandas_ta_version", "code_version", "computed_at_utc",
)


# --------------------------------------------------------------------------- canonical params


def _normalise_float(x: float, was_float32: bool) -> Any:
    if was_float32:
        x = float(str(np.float32(x)))  # shortest decimal that round-trips in float32
    if math.isfinite(x) and x == int(x):
        return int(x)
    return x


def _canon(value: Any, normalize: bool) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.generic):
        was32 = isinstance(value, np.floating) and value.dtype.itemsize < 8
        value = value.item()
        if normalize and isinstance(value, float):
            return _normalise_float(value, was32)
        return value
    if isinstance(value, np.ndarray):
        return [_canon(v, normalize) for v in value.tolist()] if value.dtype != object else [_canon(v, normalize) for v in value]
    if isinstance(value, Enum):
        return _canon(value.value, normalize)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k) if not isinstance(k, str) else k: _canon(v, normalize) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canon(v, normalize) for v in value]
    if normalize and isinstance(value, float):
        return _normalise_float(value, False)
    return value


def canonicalize_params(params: Optional[Mapping[str, Any]], *, normalize_numbers: bool = False) -> Dict[str, Any]:
    """Parameters as plain JSON-able Python values with sorted keys; ``None`` values dropped.

    Recurses into mappings, lists, tuples and arrays; numpy scalars become Python scalars, enums
    their value, paths strings. With ``normalize_numbers=True`` integral floats become ints and
    float32 values their shortest decimal (see the module docstring).
    """
    if not params:
        return {}
    out: Dict[str, Any] = {}
    for key in sorted(params, key=str):
        value = params[key]
        if value is None:
            continue
        out[key] = _canon(value, normalize_numbers)
    return out


def params_equivalent(a: Optional[Mapping[str, Any]], b: Optional[Mapping[str, Any]]) -> bool:
    """True when two parameter sets are equal after numeric normalisation (``20 == 20.0``)."""
    return canonicalize_params(a, normalize_numbers=True) == canonicalize_params(b, normalize_numbers=True)


def compute_feature_spec_id(
    indicator_type: str, params: Optional[Mapping[str, Any]], input_source: str, *, normalize_numbers: bool = False
) -> str:
    """12-hex-char sha256 id of ``(indicator_type, params, input_source)``, reference-identical
    by default (see the module docstring for ``normalize_numbers``)."""
    payload = {
        "indicator_type": str(indicator_type).lower(),
        "params": canonicalize_params(params, normalize_numbers=normalize_numbers),
        "input_source": str(input_source).lower(),
    }
    try:
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    except TypeError as exc:
        raise DataError(f"Indicator params are not JSON-serialisable: {exc}; params={params!r}", "BAD_PARAMS") from None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


# --------------------------------------------------------------------------- metadata record


def format_utc(value: Optional[datetime]) -> Optional[str]:
    """``YYYY-MM-DDTHH:MM:SSZ`` of the instant in UTC (naive = UTC); ``None`` stays ``None``."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class IndicatorMetadata:
    """Provenance of one indicator array of a feed (fields as in the reference)."""

    indicator_key: str
    feature_spec_id: str
    indicator_type: str
    params: Dict[str, Any]
    input_source: str
    symbol: str
    tf: str
    tf_role: str
    warmup_bars_declared: int
    first_valid_idx_observed: int
    start_bar_idx: int
    end_bar_idx: int
    start_ts: Optional[datetime] = None
    end_ts: Optional[datetime] = None
    pandas_ta_version: str = field(default_factory=get_pandas_ta_version)
    code_version: str = field(default_factory=get_code_version)
    computed_at_utc: datetime = field(default_factory=_utc_now)

    def __post_init__(self) -> None:
        if not self.indicator_key:
            raise DataError("indicator_key cannot be empty", "BAD_METADATA")
        if not self.feature_spec_id:
            raise DataError("feature_spec_id cannot be empty", "BAD_METADATA")
        if len(self.feature_spec_id) != 12:
            raise DataError(
                f"feature_spec_id must be 12 chars, got {len(self.feature_spec_id)} ({self.feature_spec_id!r})",
                "BAD_METADATA",
            )

    def to_dict(self, serialize_datetime: bool = False) -> Dict[str, Any]:
        """Fields as a dict (params deep-copied); with ``serialize_datetime`` timestamps are
        ``YYYY-MM-DDTHH:MM:SSZ`` strings in UTC."""
        d = dataclasses.asdict(self)
        if _has_numpy(self.params):  # JSON-safe copy; None values and key order kept as given
            d["params"] = {k: _canon(v, False) for k, v in self.params.items()}
        if serialize_datetime:
            for k in ("start_ts", "end_ts", "computed_at_utc"):
                d[k] = format_utc(d[k])
        return d

    def recompute_feature_spec_id(self, *, normalize_numbers: bool = False) -> str:
        return compute_feature_spec_id(self.indicator_type, self.params, self.input_source, normalize_numbers=normalize_numbers)


def _has_numpy(params: Any) -> bool:
    if isinstance(params, (np.generic, np.ndarray)):
        return True
    if isinstance(params, Mapping):
        return any(_has_numpy(v) for v in params.values())
    if isinstance(params, (list, tuple)):
        return any(_has_numpy(v) for v in params)
    return False


# --------------------------------------------------------------------------- validation


def find_first_valid_idx(arr: Any) -> int:
    """Index of the first non-NaN value; -1 if none or empty; 0 for non-float dtypes."""
    a = np.asarray(arr)
    if a.size == 0:
        return -1
    if a.dtype.kind not in "fc":
        return 0
    valid = ~np.isnan(a.reshape(-1))
    i = int(valid.argmax())
    return i if valid[i] else -1


@dataclass
class MetadataValidationResult:
    is_valid: bool
    coverage_ok: bool
    ids_consistent: bool
    missing_metadata: List[str] = field(default_factory=list)
    extra_metadata: List[str] = field(default_factory=list)
    id_mismatches: List[Dict[str, str]] = field(default_factory=list)
    key_mismatches: List[str] = field(default_factory=list)


def _indicator_keys(feed_store: Any) -> List[str]:
    names = getattr(feed_store, "indicator_names", None)
    if names is None:
        names = list(getattr(feed_store, "indicators", {}) or {})
    return list(names)


def _metadata_of(source: Any) -> Mapping[str, IndicatorMetadata]:
    if isinstance(source, Mapping):
        return source
    return getattr(source, "indicator_metadata", None) or {}


def validate_metadata_coverage(feed_store: Any) -> bool:
    """True when the feed's indicator names and metadata keys are the same set."""
    return set(_indicator_keys(feed_store)) == set(_metadata_of(feed_store))


def validate_feature_spec_ids(feed_store: Any) -> MetadataValidationResult:
    """Coverage plus: each entry's key matches its dict key and its id is the recipe's (the
    reference id or the normalised one). Missing/extra lists are sorted."""
    keys, meta = set(_indicator_keys(feed_store)), _metadata_of(feed_store)
    missing = sorted(keys - set(meta))
    extra = sorted(set(meta) - keys)
    id_mismatches: List[Dict[str, str]] = []
    key_mismatches: List[str] = []
    for key, m in meta.items():
        if m.indicator_key != key:
            key_mismatches.append(f"{key} != {m.indicator_key}")
        ref_id = m.recompute_feature_spec_id()
        if m.feature_spec_id != ref_id and m.feature_spec_id != m.recompute_feature_spec_id(normalize_numbers=True):
            id_mismatches.append({"indicator_key": key, "stored_id": m.feature_spec_id, "recomputed_id": ref_id})
    coverage_ok = not missing and not extra
    ids_ok = not id_mismatches and not key_mismatches
    return MetadataValidationResult(coverage_ok and ids_ok, coverage_ok, ids_ok, missing, extra, id_mismatches, key_mismatches)


# --------------------------------------------------------------------------- exports


def _header() -> Dict[str, str]:
    return {
        "schema_version": SCHEMA_VERSION,
        "pandas_ta_version": get_pandas_ta_version(),
        "code_version": get_code_version(),
        "exported_at_utc": format_utc(_utc_now()),  # type: ignore[dict-item]
    }


def _select(source: Any, filters: Optional[Mapping[str, Any]]) -> List[IndicatorMetadata]:
    items = list(_metadata_of(source).values())
    if not filters:
        return items
    return [
        m for m in items
        if all(getattr(m, k) == v for k, v in filters.items() if hasattr(m, k))
    ]


def _prepare(path: Any) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


def export_metadata_jsonl(feed_store: Any, output_path: Any, filters: Optional[Mapping[str, Any]] = None, include_header: bool = True) -> Path:
    """One JSON object per line (sorted keys): a header line, then one per indicator."""
    p = _prepare(output_path)
    lines = [json.dumps({**_header(), "_type": "header"}, sort_keys=True)] if include_header else []
    lines += [json.dumps({**m.to_dict(serialize_datetime=True), "_type": "indicator"}, sort_keys=True) for m in _select(feed_store, filters)]
    p.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return p


def export_metadata_json(feed_store: Any, output_path: Any, filters: Optional[Mapping[str, Any]] = None) -> Path:
    """``{"header": ..., "indicators": [...]}`` with ``indent=2, sort_keys=True``."""
    p = _prepare(output_path)
    doc = {"header": _header(), "indicators": [m.to_dict(serialize_datetime=True) for m in _select(feed_store, filters)]}
    p.write_text(json.dumps(doc, indent=2, sort_keys=True), encoding="utf-8")
    return p


def export_metadata_csv(feed_store: Any, output_path: Any, filters: Optional[Mapping[str, Any]] = None) -> Path:
    """CSV with the reference's columns (header row always written)."""
    p = _prepare(output_path)
    with p.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        for m in _select(feed_store, filters):
            d = m.to_dict(serialize_datetime=True)
            d["params_json"] = json.dumps(d["params"], sort_keys=True)
            w.writerow(["" if d[c] is None else d[c] for c in CSV_COLUMNS])
    return p
