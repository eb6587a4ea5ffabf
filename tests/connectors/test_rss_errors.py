"""RssSource when a feed cannot be read: broken XML, not a feed at all, HTTP failures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bidflow.errors import FeedError
from bidflow.samples.generator import SampleJob
from connectors.feeds.rss import RssSource
from tests.connectors.feed_builders import rss_document, rss_item
from tests.connectors.servers import FeedServer, unused_port
from tests.factories import fetch_context


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.rss"
    with pytest.raises(FeedError) as caught:
        RssSource(name="file", location=str(path)).fetch(fetch_context())
    assert str(caught.value) == f"{path}: cannot read the feed file (No such file or directory)"


def test_truncated_feed_keeps_the_items_before_the_damage(
    feed_server: FeedServer, sample_jobs: list[SampleJob], sample_rss: bytes
) -> None:
    starts = [match.start() for match in re.finditer(rb"<item>", sample_rss)]
    cut = sample_rss.index(b"<description>", starts[100]) + 300  # inside item 101's text
    payload = sample_rss[:cut]
    url = feed_server.route("/broken.rss", payload)

    batch = RssSource(name="broken", location=url).fetch(fetch_context())

    assert [job.title for job in batch.jobs] == [job.title for job in sample_jobs[:100]]
    last_line = payload.count(b"\n") + 1
    assert batch.problems == [
        f"{url}: feed is malformed XML (line {last_line}: no element found); read the"
        " 100 complete items in it",
        f"{url}: item 101 is cut off where the feed breaks; skipped",
    ]


def test_damage_after_a_complete_item_keeps_every_item(feed_server: FeedServer) -> None:
    items = rss_item("One", "https://jobs.example/1") + rss_item("Two", "https://jobs.example/2")
    url = feed_server.route(
        "/cut.rss", rss_document(items).removesuffix("</channel></rss>\n").encode()
    )

    batch = RssSource(name="cut", location=url).fetch(fetch_context())

    assert [job.title for job in batch.jobs] == ["One", "Two"]
    assert len(batch.problems) == 1
    assert batch.problems[0].startswith(f"{url}: feed is malformed XML (line ")


def test_an_undefined_entity_mid_feed_loses_no_item(feed_server: FeedServer) -> None:
    # "&nbsp;" is not an XML entity, yet real feeds are full of it; the lenient parser copes.
    items = (
        rss_item("One", "https://jobs.example/1")
        + rss_item("Two&nbsp;too", "https://jobs.example/2")
        + rss_item("Three", "https://jobs.example/3")
    )
    url = feed_server.route("/nbsp.rss", rss_document(items).encode())

    batch = RssSource(name="nbsp", location=url).fetch(fetch_context())

    assert [job.title for job in batch.jobs] == ["One", "Two too", "Three"]
    assert len(batch.problems) == 1
    assert batch.problems[0].startswith(f"{url}: feed is malformed XML (line ")


@pytest.mark.parametrize(
    "payload",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        b'{"jobs": []}',
        b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Log in</body></html>",
        b"",
    ],
    ids=["png", "json", "html-page", "empty"],
)
def test_not_a_feed_is_a_feed_error_naming_the_url(feed_server: FeedServer, payload: bytes) -> None:
    url = feed_server.route("/feed", payload, content_type="application/octet-stream")
    with pytest.raises(FeedError) as caught:
        RssSource(name="junk", location=url).fetch(fetch_context())
    assert str(caught.value).startswith(f"{url}: not an RSS or Atom feed")


def test_empty_channel_is_an_empty_batch(feed_server: FeedServer) -> None:
    batch = RssSource(
        name="quiet", location=feed_server.route("/rss", rss_document("").encode())
    ).fetch(fetch_context())
    assert (batch.jobs, batch.problems) == ([], [])


@pytest.mark.parametrize(("status", "reason"), [(500, "Internal Server Error"), (404, "Not Found")])
def test_http_error_is_a_feed_error_naming_the_url(
    feed_server: FeedServer, status: int, reason: str
) -> None:
    url = feed_server.route("/rss", b"oops", status=status, content_type="text/plain")
    with pytest.raises(FeedError) as caught:
        RssSource(name="down", location=url).fetch(fetch_context())
    assert str(caught.value) == f"{url}: cannot fetch the feed (HTTP {status} {reason})"


def test_connection_refused_is_a_feed_error_naming_the_url() -> None:
    url = f"http://127.0.0.1:{unused_port()}/rss"
    with pytest.raises(FeedError) as caught:
        RssSource(name="off", location=url, timeout_s=2).fetch(fetch_context())
    assert str(caught.value).startswith(f"{url}: cannot fetch the feed (")
    assert "refused" in str(caught.value).lower()
