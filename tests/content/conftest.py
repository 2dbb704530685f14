"""Fixtures for the pathway content tests: the shipped library, and throw-away copies to break."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot import content_check, pathways


@pytest.fixture(scope="session")
def shipped():
    """(library, loader problems) for the content in the repository."""
    return pathways.load(pathways.ROOT)


@pytest.fixture(scope="session")
def library(shipped):
    return shipped[0]


@pytest.fixture(scope="session")
def checked():
    return content_check.check(pathways.ROOT)


@pytest.fixture
def project(tmp_path: Path, monkeypatch):
    """A copy of schedules/ and content/ in a temporary root that tests may break."""
    for folder in ("schedules", "content"):
        shutil.copytree(pathways.ROOT / folder, tmp_path / folder)
    return tmp_path


@pytest.fixture
def edit_yaml():
    """edit_yaml(path, change): load a YAML file, let `change(data)` modify it, write it back."""

    def edit(path: Path, change) -> None:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    return edit
