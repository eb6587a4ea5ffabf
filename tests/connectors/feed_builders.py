"""Small RSS documents for tests, and the generator's sample feed as session fixtures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bidflow.samples.generator import RSS_COUNT, SampleJob, generate_jobs, write_rss

ANCHOR = datetime(2026, 11, 20, 14, 3, 27, tzinfo=UTC)


def rss_document(items: str, declaration: str = '<?xml version="1.0" encoding="UTF-8"?>') -> str:
    """An RSS 2.0 feed around ``items`` (already XML)."""
    return (
        f'{declaration}\n<rss version="2.0"><channel><title>Jobs</title>'
        f"<link>https://jobs.example/</link><description>d</description>\n{items}</channel></rss>\n"
    )


def rss_item(title: str, link: str, description: str = "A job.") -> str:
    """One ``<item>``; ``title`` and ``description`` are XML text (escape them yourself)."""
    return (
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<description>{description}</description></item>\n"
    )


@pytest.fixture(scope="session")
def sample_jobs() -> list[SampleJob]:
    """The generator's postings, as many as its RSS feed holds."""
    return generate_jobs(count=RSS_COUNT, anchor=ANCHOR)


@pytest.fixture(scope="session")
def sample_rss(sample_jobs: list[SampleJob], tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """``sample_jobs`` written by the generator as an Upwork-layout RSS feed."""
    path: Path = tmp_path_factory.mktemp("feeds") / "jobs.rss"
    write_rss(sample_jobs, path, anchor=ANCHOR)
    return path.read_bytes()
