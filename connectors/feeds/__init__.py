"""Job feeds: one Protocol (``FeedSource``), one registry from config ``kind`` to source."""

from connectors.feeds.base import FeedBatch, FeedSource, FetchContext
from connectors.feeds.registry import FEED_SOURCES, PUSH_KINDS, build_source

__all__ = ["FEED_SOURCES", "PUSH_KINDS", "FeedBatch", "FeedSource", "FetchContext", "build_source"]
