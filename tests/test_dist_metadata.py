"""Package metadata as a package index shows it: URLs, authors, classifiers, Python versions, and a
README whose links work there (absolute, into the project's repository).

The installed distribution's metadata is read (what a wheel or sdist carries), not pyproject.toml.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
HOME = "https://github.com/btcore-dev/btcore"
SUPPORTED = ("3.11", "3.12", "3.13", "3.14")


@pytest.fixture(scope="module")
def meta() -> Any:
    return md.metadata("btcore")


def test_project_urls_point_to_one_home(meta: Any) -> None:
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert {"Homepage", "Documentation", "Repository", "Issues", "Changelog"} <= set(urls), urls
    for label, url in urls.items():
        assert url.startswith(HOME), (label, url)


def test_authors_and_license(meta: Any) -> None:
    assert meta["Author"] or meta["Author-email"]
    assert meta["License-Expression"] == "MIT"


def test_classifiers_state_versions_and_free_threading(meta: Any) -> None:
    classifiers = set(meta.get_all("Classifier"))
    assert {f"Programming Language :: Python :: {v}" for v in SUPPORTED} <= classifiers
    versions = {c.rsplit(" :: ", 1)[1] for c in classifiers if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)}
    assert versions == set(SUPPORTED)
    assert any(c.startswith("Programming Language :: Python :: Free Threading :: ") for c in classifiers)
    assert "Typing :: Typed" in classifiers
    assert meta["Requires-Python"] == ">=3.11"
    assert f"{sys.version_info[0]}.{sys.version_info[1]}" in SUPPORTED


def test_dependency_floors_and_extras(meta: Any) -> None:
    requires = meta.get_all("Requires-Dist")
    runtime = sorted(r for r in requires if "extra ==" not in r)
    assert runtime == ["numpy>=2.0", "pandas>=2.2.2", "pyarrow>=16"]
    assert any(r.startswith("polars>=") and 'extra == "polars"' in r for r in requires)
    assert set(meta.get_all("Provides-Extra")) >= {"polars", "test", "test-core", "plot"}


def test_readme_links_are_absolute() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r"^\[[^\]]+\]:\s*(\S+)", text, re.M)
    assert links, "README has no links; update this test"
    relative = [u for u in links if not u.startswith(("https://", "http://", "#"))]
    assert relative == [], f"relative links break on the package index page: {relative}"
    for url in links:
        if url.startswith(HOME):
            path = url[len(HOME):].split("/main/", 1)[-1]
            assert (ROOT / path).exists(), f"README links to {url}, but {path} is not in the repository"
