"""Indicator metadata: reference ids, canonical params, provenance, validation, exports."""

from __future__ import annotations

import csv
import json
import subprocess
from datetime import datetime, timedelta, timezone
from enum import Enum
from pathlib import Path

import numpy as np
import pytest

from btcore.data import indicator_metadata as im
from btcore.data import provenance
from btcore.errors import DataError

UTC = timezone.utc


# the reference's verified test vectors (inventory §14.3)
@pytest.mark.parametrize(
    "args, expected",
    [
        (("ema", {"length": 20}, "close"), "37a896da78b4"),
        (("EMA", {"length": np.int64(20), "offset": None}, "Close"), "37a896da78b4"),
        (("ema", {"length": 20.0}, "close"), "3eb63aa18752"),
        (("macd", {"fast": 12, "slow": 26, "signal": 9}, "close"), "bcee8ace89d8"),
        (("ema", {}, "close"), "d150c4b16dca"),
    ],
)
def test_reference_feature_spec_ids(args, expected):
    assert im.compute_feature_spec_id(*args) == expected


def test_normalised_ids_make_20_equal_20_0():
    a = im.compute_feature_spec_id("ema", {"length": 20}, "close", normalize_numbers=True)
    b = im.compute_feature_spec_id("ema", {"length": 20.0}, "close", normalize_numbers=True)
    c = im.compute_feature_spec_id("ema", {"length": np.float32(20.0)}, "close", normalize_numbers=True)
    assert a == b == c == "37a896da78b4"
    assert im.params_equivalent({"length": 20}, {"length": 20.0})
    assert im.params_equivalent({"k": np.float32(0.1)}, {"k": 0.1})
    assert not im.params_equivalent({"length": 20}, {"length": 21})


class Mode(Enum):
    FAST = "fast"


def test_canonicalize_recurses_and_converts():
    params = {
        "b": {"z": np.int16(3), "a": [np.float64(1.5), (np.bool_(True), Path("x/y"))]},
        "a": np.array([1, 2]),
        "mode": Mode.FAST,
        "skip": None,
    }
    out = im.canonicalize_params(params)
    assert out == {"a": [1, 2], "b": {"a": [1.5, [True, "x/y"]], "z": 3}, "mode": "fast"}
    assert list(out) == ["a", "b", "mode"] and list(out["b"]) == ["a", "z"]
    assert type(out["b"]["z"]) is int
    json.dumps(out)  # nested numpy values no longer break serialisation
    assert im.canonicalize_params(None) == {} and im.canonicalize_params({}) == {}


def test_canonicalize_default_keeps_reference_float32_value():
    assert im.canonicalize_params({"k": np.float32(0.1)}) == {"k": 0.10000000149011612}
    assert im.canonicalize_params({"k": np.float32(0.1)}, normalize_numbers=True) == {"k": 0.1}


def test_unserialisable_params_are_a_data_error():
    with pytest.raises(DataError) as info:
        im.compute_feature_spec_id("ema", {"f": object()}, "close")
    assert info.value.error_code == "BAD_PARAMS"


def meta(key="ema_20", params=None, **kw):
    params = {"length": 20} if params is None else params
    fields = dict(
        indicator_key=key, feature_spec_id=im.compute_feature_spec_id("ema", params, "close"), indicator_type="ema",
        params=params, input_source="close", symbol="BTC", tf="15m", tf_role="exec", warmup_bars_declared=20,
        first_valid_idx_observed=19, start_bar_idx=19, end_bar_idx=99,
    )
    fields.update(kw)
    return im.IndicatorMetadata(**fields)


def test_metadata_validation_errors():
    with pytest.raises(ValueError, match="indicator_key cannot be empty"):
        meta(key="")
    with pytest.raises(DataError, match="must be 12 chars, got 3"):
        meta(feature_spec_id="abc")


def test_no_subprocess_per_instance(monkeypatch):
    im.IndicatorMetadata  # noqa: B018
    provenance.reset_provenance()

    def boom(*a, **k):
        raise AssertionError("subprocess started")

    monkeypatch.setattr(subprocess, "Popen", boom)
    for _ in range(3):
        m = meta()
    assert m.code_version and m.pandas_ta_version


def test_provenance_is_injectable_and_cached(monkeypatch):
    provenance.set_provenance(code_version="v1.2.3", pandas_ta_version="0.0-test")
    try:
        m = meta()
        assert (m.code_version, m.pandas_ta_version) == ("v1.2.3", "0.0-test")
    finally:
        provenance.reset_provenance()
    monkeypatch.setenv("BTCORE_CODE_VERSION", "env-version")
    provenance.reset_provenance()
    assert im.get_code_version() == "env-version"
    monkeypatch.delenv("BTCORE_CODE_VERSION")
    provenance.reset_provenance()


def test_code_version_from_git_files(tmp_path, monkeypatch):
    git = tmp_path / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "packed-refs").write_text("# pack\n0123456789abcdef0123456789abcdef01234567 refs/heads/main\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BTCORE_CODE_VERSION", raising=False)
    provenance.reset_provenance()
    try:
        assert im.get_code_version() == "0123456789ab"
        (git / "refs" / "heads" / "main").write_text("fedcba9876543210fedcba9876543210fedcba98\n")
        provenance.reset_provenance()
        assert im.get_code_version() == "fedcba987654"
    finally:
        provenance.reset_provenance()


def test_serialised_timestamps_are_converted_to_utc():
    plus2 = timezone(timedelta(hours=2))
    m = meta(start_ts=datetime(2020, 1, 1, 2, 0, tzinfo=plus2), end_ts=datetime(2020, 1, 2), computed_at_utc=datetime(2020, 1, 3, tzinfo=UTC))
    d = m.to_dict(serialize_datetime=True)
    assert d["start_ts"] == "2020-01-01T00:00:00Z"  # not 02:00Z
    assert d["end_ts"] == "2020-01-02T00:00:00Z"
    assert d["computed_at_utc"] == "2020-01-03T00:00:00Z"
    assert m.to_dict()["start_ts"] == datetime(2020, 1, 1, 2, 0, tzinfo=plus2)


@pytest.mark.parametrize(
    "arr, idx",
    [([], -1), ([np.nan, np.nan], -1), ([np.nan, 1.0, np.nan], 1), ([1, 2], 0),
     (np.array([np.nan, 2.0], dtype=np.float32), 1)],
)
def test_find_first_valid_idx(arr, idx):
    assert im.find_first_valid_idx(np.asarray(arr)) == idx


class Feed:
    def __init__(self, names, metadata):
        self.indicator_names = tuple(names)
        self.indicator_metadata = metadata


def test_validate_feature_spec_ids():
    good, float_param = meta("ema_20"), meta("ema_20f", params={"length": 20.0})
    wrong_key = meta("other")
    tampered = meta("rsi", feature_spec_id="000000000000")
    feed = Feed(
        ["ema_20", "ema_20f", "ema_x", "rsi", "missing"],
        {"ema_20": good, "ema_20f": float_param, "ema_x": wrong_key, "rsi": tampered, "extra": good},
    )
    r = im.validate_feature_spec_ids(feed)
    assert r.missing_metadata == ["missing"] and r.extra_metadata == ["extra"]
    assert r.key_mismatches == ["ema_x != other", "extra != ema_20"]
    assert r.id_mismatches == [{"indicator_key": "rsi", "stored_id": "000000000000", "recomputed_id": "37a896da78b4"}]
    assert not r.is_valid and not r.coverage_ok and not r.ids_consistent
    assert not im.validate_metadata_coverage(feed)


def test_stored_normalised_id_is_accepted():
    m = meta("e", params={"length": 20.0}, feature_spec_id="37a896da78b4")
    r = im.validate_feature_spec_ids(Feed(["e"], {"e": m}))
    assert r.is_valid


def test_works_with_feed_store():
    from btcore.feed import FeedStore

    n = 5
    ts = 1_577_836_800_000 + 900_000 * np.arange(n)
    arr = np.r_[np.nan, np.arange(1.0, n)]
    m = meta("ema_20", first_valid_idx_observed=im.find_first_valid_idx(arr))
    feed = FeedStore.from_arrays("15m", "BTC", ts, *(np.ones(n),) * 5, indicators={"ema_20": arr}, indicator_metadata={"ema_20": m})
    assert im.validate_metadata_coverage(feed)
    assert im.validate_feature_spec_ids(feed).is_valid


def test_exports(tmp_path):
    provenance.set_provenance(code_version="abc", pandas_ta_version="n/a")
    try:
        feed = Feed(["a", "b"], {"a": meta("a", start_ts=datetime(2020, 1, 1)), "b": meta("b", tf="1h")})
        jl = im.export_metadata_jsonl(feed, tmp_path / "x" / "m.jsonl")
        lines = jl.read_text(encoding="utf-8").splitlines()
        header = json.loads(lines[0])
        assert list(header) == ["_type", "code_version", "exported_at_utc", "pandas_ta_version", "schema_version"]
        assert header["code_version"] == "abc" and header["exported_at_utc"].endswith("Z")
        rows = [json.loads(x) for x in lines[1:]]
        assert [r["indicator_key"] for r in rows] == ["a", "b"]
        assert rows[0]["start_ts"] == "2020-01-01T00:00:00Z" and rows[1]["start_ts"] is None
        only_1h = im.export_metadata_jsonl(feed, tmp_path / "h.jsonl", filters={"tf": "1h", "nope": 1}, include_header=False)
        assert [json.loads(x)["indicator_key"] for x in only_1h.read_text().splitlines()] == ["b"]
        doc = json.loads(im.export_metadata_json(feed, tmp_path / "m.json").read_text())
        assert set(doc) == {"header", "indicators"} and "_type" not in doc["header"]
        with im.export_metadata_csv(feed, tmp_path / "m.csv").open(newline="") as fh:
            table = list(csv.reader(fh))
        assert table[0] == list(im.CSV_COLUMNS)
        assert table[1][3] == '{"length": 20}' and table[2][12] == ""
        empty = im.export_metadata_csv(feed, tmp_path / "e.csv", filters={"tf": "4h"})
        assert len(empty.read_text().splitlines()) == 1
    finally:
        provenance.reset_provenance()


def test_to_dict_with_numpy_params_is_json_safe_and_keeps_none():
    m = meta(params={"length": np.int64(20), "offset": None, "w": np.array([1.0, 2.0])})
    d = m.to_dict()
    assert d["params"] == {"length": 20, "offset": None, "w": [1.0, 2.0]}
    json.dumps(m.to_dict(serialize_datetime=True))
    assert m.feature_spec_id == im.compute_feature_spec_id("ema", {"length": 20, "w": [1.0, 2.0]}, "close")
