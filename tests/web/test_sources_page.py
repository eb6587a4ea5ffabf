"""The Sources page: configured feeds joined with the health the pollers and webhook stored."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bidflow.config import Role
from bidflow.db import session_scope
from bidflow.settings import Settings
from bidflow.store.sources import record_failure, record_success
from bidflow.types import utcnow
from bidflow.wording import span
from tests.factories import agency_dict, write_config
from tests.web.desk import DeskClient, add_users
from web.app import create_app

FEEDS = [
    {"name": "news", "kind": "rss", "url": "https://example.test/feed.xml", "poll_every": "5m"},
    {"name": "alerts", "kind": "webhook", "secret_env": "ALERTS_SECRET"},
    {"name": "dump", "kind": "files", "path": "jobs.csv", "enabled": False},
]
HOSTILE_ERROR = "<script>alert(1)</script> returned HTTP 500"


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config", agency_dict(feeds=FEEDS))


@pytest.fixture
def desk(sqlite_url: str, config_path: Path) -> Iterator[DeskClient]:
    add_users(sqlite_url)
    with DeskClient(create_app(Settings(database_url=sqlite_url, config=config_path))) as client:
        client.sign_in(Role.SALES_LEAD)
        yield client


def seed_health(url: str) -> None:
    """news read fine 3 min ago; alerts failed 3 pushes in a row; "gone" left the config."""
    now = utcnow()
    with session_scope(url) as session:
        record_success(
            session=session,
            name="news",
            kind="rss",
            status="ok",
            fetched=40,
            new=6,
            newest_posted_at=now - timedelta(minutes=12),
            cursor={"etag": "abc"},
            now=now - timedelta(minutes=3),
        )
        for _ in range(3):
            record_failure(session=session, name="alerts", kind="webhook", error=HOSTILE_ERROR)
        record_failure(session=session, name="gone", kind="rss", error="404", now=now)


def row(page: str, name: str) -> str:
    """The table row of feed ``name``."""
    match = re.search(rf'<tr id="source-{name}"[^>]*>.*?</tr>', page, re.DOTALL)
    assert match is not None, f"no row for {name}"
    return match.group(0)


def cell_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_page_lists_feeds_with_their_health(desk: DeskClient, sqlite_url: str) -> None:
    seed_health(sqlite_url)

    page = desk.get("/sources")

    assert page.status_code == 200
    names = re.findall(r'<tr id="source-([^"]+)"', page.text)
    assert names == ["news", "alerts", "dump", "gone"]
    news = row(page.text, "news")
    assert '<span class="badge tone-good">ok</span>' in news
    assert re.search(r'<time datetime="[0-9T:.+-]+" title="[^"]+">3 min ago</time>', news)
    assert "every 5 min" in news
    assert "40 / 6" in cell_text(news)
    assert '<td class="lag">12 min</td>' in news
    assert '<td class="failures">0</td>' in news


def test_failing_feed_shows_failures_in_red(desk: DeskClient, sqlite_url: str) -> None:
    seed_health(sqlite_url)

    alerts = row(desk.get("/sources").text, "alerts")

    assert '<td class="failures failing">3</td>' in alerts
    assert '<span class="badge tone-bad">error</span>' in alerts
    assert "pushed to <code>/hooks/jobs/alerts</code>" in alerts
    assert "never" in cell_text(alerts)  # no success yet
    assert '<td class="lag">—</td>' in alerts


def test_error_text_is_escaped(desk: DeskClient, sqlite_url: str) -> None:
    seed_health(sqlite_url)

    page = desk.get("/sources").text

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; returned HTTP 500" in row(page, "alerts")


def test_unpolled_disabled_and_removed_feeds(desk: DeskClient, sqlite_url: str) -> None:
    seed_health(sqlite_url)

    page = desk.get("/sources").text

    dump = row(page, "dump")
    assert '<span class="badge tone-neutral">never polled</span>' in dump
    assert "disabled" in cell_text(dump)
    gone = row(page, "gone")
    assert gone.startswith('<tr id="source-gone" class="removed">')
    assert "removed from config" in cell_text(gone)
    assert 'class="removed"' not in row(page, "news")


def test_unreadable_config_still_shows_stored_health(
    desk: DeskClient, sqlite_url: str, config_path: Path
) -> None:
    seed_health(sqlite_url)
    config_path.write_text("feeds: [\n", encoding="utf-8")

    page = desk.get("/sources").text

    assert "The agency config cannot be read:" in page
    assert re.findall(r'<tr id="source-([^"]+)"', page) == ["alerts", "gone", "news"]
    assert "removed from config" not in page


def test_navigation_links_to_sources(desk: DeskClient) -> None:
    assert '<a href="/sources">Sources</a>' in desk.get("/queue").text


@pytest.mark.parametrize(
    ("length", "shown"),
    [
        (timedelta(seconds=30), "under 1 min"),
        (timedelta(minutes=12, seconds=59), "12 min"),
        (timedelta(hours=5), "5 h"),
        (timedelta(days=3), "3 d"),
    ],
)
def test_span(length: timedelta, shown: str) -> None:
    assert span(length) == shown
