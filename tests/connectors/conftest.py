"""Fixtures shared by the connector tests: real HTTP servers on 127.0.0.1 and sample feeds."""

from __future__ import annotations

from tests.connectors.fake_openai import fake_openai
from tests.connectors.feed_builders import sample_jobs, sample_rss
from tests.connectors.servers import feed_server

__all__ = ["fake_openai", "feed_server", "sample_jobs", "sample_rss"]
