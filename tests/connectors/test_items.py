"""normalize_item turns any item into a valid job or one clear ValueError, for tidy and for
hostile items alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bidflow.fingerprint import canonical_key
from bidflow.models import JobBase
from bidflow.samples.generator import write_sample_feeds
from bidflow.types import utcnow
from connectors.feeds.items import DEFAULT_MAPPING, normalize_item

NOW = utcnow()


def _valid(job: JobBase) -> None:
    assert JobBase.model_validate(dict(vars(job))) == job


def test_sample_items_build_jobs_that_validate(tmp_path: Path) -> None:
    feeds = write_sample_feeds(tmp_path, anchor=NOW)
    for item in json.loads(feeds.json_path.read_text()):
        job, _ = normalize_item(item, DEFAULT_MAPPING, source="sample", fetched_at=NOW)
        _valid(job)


def test_text_longer_than_its_column_is_cut() -> None:
    item = {"id": "1", "title": "T", "experience_level": "E" * 80, "proposals": "P" * 80}
    job, _ = normalize_item(item, DEFAULT_MAPPING, source="s" * 100, fetched_at=NOW)
    _valid(job)
    assert len(job.experience_level or "") == 32 and len(job.proposals_bucket or "") == 32


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=40),
    st.lists(st.text(max_size=10), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@given(st.dictionaries(st.sampled_from(sorted(set(DEFAULT_MAPPING.values()))), _VALUES))
def test_any_item_either_fails_cleanly_or_validates(fields: dict[str, Any]) -> None:
    item = {"title": "A job", **fields}
    try:
        job, _ = normalize_item(item, DEFAULT_MAPPING, source="fuzz", fetched_at=NOW)
    except ValueError:
        return
    _valid(job)


def test_very_long_urls_get_a_bounded_canonical_key() -> None:
    key = canonical_key("https://jobs.example.com/" + "x" * 2000)
    assert key is not None and len(key) <= 512 and key.startswith("url-sha256:")
