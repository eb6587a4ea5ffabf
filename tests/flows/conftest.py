"""Flows run against the session's Prefect test server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bidflow.samples.generator import write_sample_feeds
from bidflow.types import utcnow

DEMO_CONFIG = Path(__file__).resolve().parents[2] / "bidflow" / "samples" / "agency.yaml"


@pytest.fixture(autouse=True)
def _prefect(prefect_harness: None) -> Iterator[None]:
    yield


@pytest.fixture
def sample_agency(tmp_path: Path) -> Path:
    """The demo agency config beside freshly generated sample feeds."""
    folder = tmp_path / "agency"
    write_sample_feeds(folder, anchor=utcnow())
    shutil.copyfile(DEMO_CONFIG, folder / "agency.yaml")
    return folder / "agency.yaml"
