"""Content hashes and canonical keys: the same posting gets the same identity from any feed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bidflow.fingerprint import canonical_key, content_hash, content_hash_of_tidy
from connectors.feeds.parsing import tidy_text


@pytest.mark.parametrize(
    ("url", "external_id", "key"),
    [
        (
            "https://www.upwork.com/jobs/~01134729726958722752?source=rss",
            None,
            "upwork:~01134729726958722752",
        ),
        (
            "https://www.upwork.com/freelance-jobs/apply/X_~021882069234363981687/?r=1",
            None,
            "upwork:~021882069234363981687",
        ),
        (None, "~01ABCDEF0123456789", "upwork:~01abcdef0123456789"),
        ("https://Jobs.Example.com/post/12/", None, "url:jobs.example.com/post/12"),
        ("https://jobs.example.com", None, "url:jobs.example.com/"),
        ("https://user:pw@jobs.example.com:8443/a/b", None, "url:jobs.example.com/a/b"),
        (
            "https://jobs.example.com/post/12/?utm_source=x&id=5#top",
            None,
            "url:jobs.example.com/post/12?id=5",
        ),
        ("https://jobs.example.com/post/12?ref=feed", None, "url:jobs.example.com/post/12"),
        ("http://[::1/broken", None, None),
        ("mailto:jobs@example.com", None, None),
        (None, "alert-1", None),
    ],
)
def test_canonical_key(url: str | None, external_id: str | None, key: str | None) -> None:
    assert canonical_key(url, external_id) == key


def test_content_hash_ignores_case_and_spacing_only() -> None:
    base = content_hash("Django API", "Build it.\n\nSoon")
    assert content_hash("django  api", "build it. soon ") == base
    assert content_hash("Django API", "Build it later") != base


@given(title=st.text(max_size=80), description=st.text(max_size=400))
def test_the_fast_hash_of_tidy_text_equals_the_full_hash(title: str, description: str) -> None:
    tidy_title = " ".join(title.split())
    tidy_description = tidy_text(description)
    assert content_hash_of_tidy(tidy_title, tidy_description) == content_hash(
        tidy_title, tidy_description
    )
