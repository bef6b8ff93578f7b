"""Shared fixtures: every twin-dependent test runs on the compiled core and the pure twins.

``twin`` is parametrised over the available implementations: ``compiled`` and ``pure`` normally,
``pure`` only under ``BTCORE_NO_EXTENSIONS=1``. Under ``BTCORE_REQUIRE_EXTENSIONS=1`` a missing
compiled build is an error, never a silent reduction to ``pure``.
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import Callable

import pytest
from hypothesis import HealthCheck, settings

from btcore import _twin

settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev", deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("BTCORE_HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def _available_kinds() -> list[str]:
    if _twin.NO_EXTENSIONS:
        return ["pure"]
    try:
        _twin.load_compiled("_probe")
    except ImportError:
        if _twin.REQUIRE_EXTENSIONS:
            raise
        return ["pure"]
    return ["compiled", "pure"]


IMPL_KINDS = _available_kinds()


def load_impl(kind: str, name: str) -> ModuleType:
    """Module ``name`` of implementation ``kind`` (``"compiled"`` or ``"pure"``)."""
    return _twin.load_compiled(name) if kind == "compiled" else _twin.load_pure(name)


@pytest.fixture(params=IMPL_KINDS)
def impl_kind(request: pytest.FixtureRequest) -> str:
    """``"compiled"`` or ``"pure"``: the implementation under test."""
    return str(request.param)


@pytest.fixture
def twin(impl_kind: str) -> Callable[[str], ModuleType]:
    """``twin("view")`` → the module of the implementation under test."""
    return lambda name: load_impl(impl_kind, name)


@pytest.fixture
def both() -> Callable[[str], tuple[ModuleType, ModuleType]]:
    """``both("view")`` → ``(compiled, pure)`` modules, for differential tests.

    The compiled module is imported directly (whatever ``BTCORE_NO_EXTENSIONS`` selects for the
    public API), so differential tests run in both CI passes.
    """

    def get(name: str) -> tuple[ModuleType, ModuleType]:
        try:
            compiled = _twin.load_compiled(name)
        except ImportError as exc:
            if _twin.REQUIRE_EXTENSIONS or os.environ.get("CI"):
                raise
            pytest.skip(f"compiled btcore not built here ({exc}); differential test needs it")
        return compiled, _twin.load_pure(name)

    return get
