"""Job feeds: one Protocol (``FeedSource``), one registry from config ``kind`` to source."""

from __future__ import annotations

from collections.abc import Callable

from bidflow.config import AgencyConfig, FeedConfig, FilesFeedConfig, RssFeedConfig
from connectors.feeds.base import FeedBatch, FeedSource
from connectors.feeds.files import FilesSource
from connectors.feeds.rss import RssSource

SourceFactory = Callable[[FeedConfig, AgencyConfig], FeedSource]


def _rss(feed: FeedConfig, agency: AgencyConfig) -> FeedSource:
    assert isinstance(feed, RssFeedConfig)
    url = (
        feed.url if feed.url.startswith(("http://", "https://")) else str(agency.resolve(feed.url))
    )
    return RssSource(name=feed.name, location=url)


def _files(feed: FeedConfig, agency: AgencyConfig) -> FeedSource:
    assert isinstance(feed, FilesFeedConfig)
    return FilesSource(
        name=feed.name,
        path=agency.resolve(feed.path),
        format=feed.format,
        mapping=feed.mapping,
        html_descriptions=feed.html,
    )


FEED_SOURCES: dict[str, SourceFactory] = {"rss": _rss, "files": _files}


def build_source(feed: FeedConfig, agency: AgencyConfig) -> FeedSource:
    """The source that reads ``feed``."""
    return FEED_SOURCES[feed.kind](feed, agency)


__all__ = ["FEED_SOURCES", "FeedBatch", "FeedSource", "build_source"]
