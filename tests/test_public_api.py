"""The drop-in surface: every name of the reference runtime's ``__all__`` is importable from btcore."""

from __future__ import annotations

import warnings

import pytest

import btcore

# Written out from the reference inventory (not taken from btcore), so the test fails if btcore
# drops or renames one; the compat conformance suite uses the same list.
from _reference_surface import PACKAGE_ALL as REFERENCE_ALL


def test_reference_names_are_importable_in_order() -> None:
    assert len(REFERENCE_ALL) == 58
    assert list(btcore.REFERENCE_NAMES) == REFERENCE_ALL
    for name in [*REFERENCE_ALL, *btcore.__all__, "SnapshotBuilder", "TimeframeCache", "create_not_ready_feature_snapshot"]:
        assert hasattr(btcore, name), name


def test_all_is_the_modern_api() -> None:
    assert len(btcore.__all__) == len(set(btcore.__all__))
    # deprecated classes and the reference's dict-shaped helpers are importable, not advertised
    for name in ("RuntimeSnapshot", "FeatureSnapshot", "SnapshotBuilder", "TimeframeCache", "create_not_ready_feature_snapshot",
                 "create_empty_rollup_dict", "quote_to_packet_dict", "create_state_tracker", "reset_signal_state"):
        assert name not in btcore.__all__, name
    for name in ("RuntimeSnapshotView", "BarLoop", "FeedStore", "align_feeds", "StateTracker", "load_ohlcv", "PathError"):
        assert name in btcore.__all__, name


def test_star_import_gives_every_public_name() -> None:
    ns: dict[str, object] = {}
    exec("from btcore import *", ns)  # noqa: S102 - the point of the test
    assert set(btcore.__all__) <= set(ns)


def test_signal_state_is_the_dataclass_not_the_enum() -> None:
    # the reference aliased SignalState/ActionState to the enums in one module; btcore keeps them apart
    assert btcore.SignalState is not btcore.SignalStateValue
    assert btcore.SignalState().value == btcore.SignalStateValue.NONE
    assert btcore.ActionState().value == btcore.ActionStateValue.IDLE


def test_errors_keep_the_builtin_bases() -> None:
    for cls in (btcore.DataError, btcore.PathError, btcore.TimeframeError, btcore.NotReadyError,
                btcore.IllegalTransitionError, btcore.ConfigError):
        assert issubclass(cls, ValueError) and issubclass(cls, btcore.BtcoreError)
    assert issubclass(btcore.UnknownKeyError, KeyError)
    assert str(btcore.UnknownKeyError("indicator 'x' is not declared")) == "indicator 'x' is not declared"


@pytest.mark.parametrize("name", ["SnapshotBuilder", "TimeframeCache"])
def test_deprecated_builders_warn(name: str) -> None:
    cls = getattr(btcore, name)
    with pytest.warns(DeprecationWarning, match="deprecated"):
        cls(*(("X", {"htf": "1h", "mtf": "1h", "exec": "1h"}) if name == "SnapshotBuilder" else ()))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        getattr(btcore, "RuntimeSnapshotView")  # current names never warn


def test_get_include_holds_the_pxd_files() -> None:
    from pathlib import Path

    root = Path(btcore.get_include())
    assert (root / "btcore" / "__init__.py").is_file()
    assert (root / "btcore" / "_core" / "view.pxd").is_file()
    assert (root / "btcore" / "_core" / "loop.pxd").is_file()
