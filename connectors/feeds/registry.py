"""The registry of feed kinds: config ``kind`` -> a function building its source.

Built-in kinds are registered exactly like any other would be: one entry each.
"""

from __future__ import annotations

from collections.abc import Callable

from bidflow.config import AgencyConfig, FeedConfig, FilesFeedConfig, RssFeedConfig
from bidflow.config.feeds import BrowserFeedConfig, EmailFeedConfig, UpworkApiFeedConfig
from connectors.feeds.base import FeedSource
from connectors.feeds.email_alerts import EmailAlertSource
from connectors.feeds.files import FilesSource
from connectors.feeds.rss import RssSource
from connectors.feeds.upwork_api import UpworkApiSource

SourceFactory = Callable[[FeedConfig, AgencyConfig], FeedSource]

# Kinds whose jobs arrive by push (the web app's webhook), never by polling.
PUSH_KINDS: frozenset[str] = frozenset({"webhook"})


def _rss(feed: FeedConfig, agency: AgencyConfig) -> FeedSource:
    assert isinstance(feed, RssFeedConfig)
    remote = feed.url.startswith(("http://", "https://"))
    location = feed.url if remote else str(agency.resolve(feed.url))
    return RssSource(name=feed.name, location=location, labels=feed.labels)


def _files(feed: FeedConfig, agency: AgencyConfig) -> FeedSource:
    assert isinstance(feed, FilesFeedConfig)
    return FilesSource(
        name=feed.name,
        path=agency.resolve(feed.path),
        format=feed.format,
        mapping=feed.mapping,
        html_descriptions=feed.html,
    )


def _upwork_api(feed: FeedConfig, agency: AgencyConfig) -> FeedSource:
    assert isinstance(feed, UpworkApiFeedConfig)
    return UpworkApiSource.from_config(feed)


def _email(feed: FeedConfig, agency: AgencyConfig) -> FeedSource:
    assert isinstance(feed, EmailFeedConfig)
    return EmailAlertSource.from_config(feed)


def _browser(feed: FeedConfig, agency: AgencyConfig) -> FeedSource:
    assert isinstance(feed, BrowserFeedConfig)
    # Imported here: Playwright is heavy, and most agencies never configure a browser feed.
    from connectors.feeds.browser import BrowserSource

    return BrowserSource(
        name=feed.name,
        url=feed.url,
        selectors=feed.selectors,
        wait_for=feed.wait_for,
        login_state=agency.resolve(feed.login_state) if feed.login_state else None,
        logged_out_selector=feed.logged_out_selector,
        min_interval=feed.min_interval,
        jitter=feed.jitter,
        respect_robots=feed.respect_robots,
        timeout=feed.timeout,
    )


FEED_SOURCES: dict[str, SourceFactory] = {
    "rss": _rss,
    "files": _files,
    "upwork_api": _upwork_api,
    "email": _email,
    "browser": _browser,
}


def build_source(feed: FeedConfig, agency: AgencyConfig) -> FeedSource:
    """The source that reads ``feed``."""
    return FEED_SOURCES[feed.kind](feed, agency)
