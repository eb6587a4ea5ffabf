"""RssSource reading feeds served over real HTTP on 127.0.0.1, and from files."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from bidflow.config import RssFeedConfig
from bidflow.samples.generator import RSS_COUNT, SampleJob
from connectors.feeds.registry import build_source
from connectors.feeds.rss import RssSource
from tests.connectors.feed_builders import rss_document, rss_item
from tests.connectors.servers import FeedServer
from tests.factories import agency_config, fetch_context

_AMOUNT = re.compile(r"\$([\d,.]+)(K?)")


def _dollars(text: str) -> float:
    """The last amount in the generator's budget text ("Less than $500", "$1.5K"), read
    independently of the parser under test."""
    number, kilo = _AMOUNT.findall(text)[-1]
    return float(number.replace(",", "")) * (1000 if kilo else 1)


def _expected_pricing(
    job: SampleJob,
) -> tuple[str | None, float | None, tuple[float, float] | None]:
    """(job_type, budget, hourly range) as the generator's RSS writes them for ``job``."""
    budget = None
    if job.budget not in (None, "N/A") and job.job_type != "Hourly":
        budget = _dollars(job.budget)
    rate = None
    amounts = _AMOUNT.findall(job.hourly_rate or "")
    if job.job_type != "Fixed" and " - " in (job.hourly_rate or "") and len(amounts) == 2:
        rate = (float(amounts[0][0]), float(amounts[1][0]))
    job_type = "hourly" if rate else "fixed" if budget is not None else None
    return job_type, budget, rate


def test_generator_feed_over_http_matches_the_generated_jobs(
    feed_server: FeedServer, sample_jobs: list[SampleJob], sample_rss: bytes
) -> None:
    url = feed_server.route("/ab/feed/jobs/rss", sample_rss)

    batch = RssSource(name="upwork", location=url).fetch(fetch_context())

    assert [request.path for request in feed_server.requests] == ["/ab/feed/jobs/rss"]
    assert batch.source == "upwork"
    assert batch.problems == []
    assert len(batch.jobs) == RSS_COUNT == 220
    for made, read in zip(sample_jobs, batch.jobs, strict=True):
        job_type, budget, rate = _expected_pricing(made)
        assert (read.source, read.external_id, read.url) == ("upwork", made.url, made.url)
        assert read.title == made.title
        assert read.description == made.description
        assert (read.job_type, read.budget) == (job_type, budget), made
        assert (read.hourly_min, read.hourly_max) == (rate or (None, None)), made
        assert read.skills == list(made.skills)
        assert read.category == made.category
        assert read.client_country == made.client.country
        assert read.posted_at == made.posted_at
    assert sum(job.budget is not None for job in batch.jobs) > 50
    assert sum(job.hourly_min is not None for job in batch.jobs) > 30


def test_atom_feed(feed_server: FeedServer) -> None:
    atom = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Jobs</title><id>urn:jobs</id><updated>2026-11-20T14:03:00Z</updated>
  <entry>
    <title type="html">Build a Q&amp;amp;A bot &amp;lt;fast&amp;gt;</title>
    <id>urn:uuid:1</id>
    <link href="https://jobs.example/1"/>
    <published>2026-11-20T13:00:00Z</published>
    <updated>2026-11-20T13:30:00Z</updated>
    <content type="html">&lt;p&gt;We need a bot.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Budget&lt;/b&gt;: $1,200
      &lt;br/&gt;&lt;b&gt;Skills&lt;/b&gt;: Python,  OpenAI API&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Plain &lt;title&gt;</title>
    <id>urn:uuid:2</id>
    <link href="https://jobs.example/2"/>
    <updated>2026-11-19T09:15:00Z</updated>
    <summary>Line one &lt;b&gt; stays
Line two</summary>
  </entry>
</feed>
"""
    url = feed_server.route("/atom", atom.encode(), content_type="application/atom+xml")

    batch = RssSource(name="atom", location=url).fetch(fetch_context())

    assert batch.problems == []
    first, second = batch.jobs
    assert (first.title, first.external_id, first.url) == (
        "Build a Q&A bot <fast>",
        "urn:uuid:1",
        "https://jobs.example/1",
    )
    assert first.description == "We need a bot."
    assert (first.job_type, first.budget, first.skills) == (
        "fixed",
        1200.0,
        ["Python", "OpenAI API"],
    )
    assert first.posted_at == datetime(2026, 11, 20, 13, 0, tzinfo=UTC)
    assert (second.title, second.description) == ("Plain <title>", "Line one <b> stays\nLine two")
    assert second.posted_at == datetime(2026, 11, 19, 9, 15, tzinfo=UTC)
    assert (second.job_type, second.budget, second.skills) == (None, None, [])


def test_local_file_path_and_relative_config_path(tmp_path: Path, sample_rss: bytes) -> None:
    path = tmp_path / "feeds" / "jobs.rss"
    path.parent.mkdir()
    path.write_bytes(sample_rss)

    direct = RssSource(name="file", location=str(path)).fetch(fetch_context())
    feed = RssFeedConfig(name="local", kind="rss", url="feeds/jobs.rss")
    configured = build_source(feed, agency_config().with_base_dir(tmp_path)).fetch(fetch_context())

    assert len(direct.jobs) == len(configured.jobs) == 220
    assert configured.source == "local"
    assert [job.title for job in configured.jobs] == [job.title for job in direct.jobs]


@pytest.mark.parametrize(
    "title",
    [
        "Landing page fix &lt;img src=x onerror=alert(1)&gt; now",
        "<![CDATA[Landing page fix <img src=x onerror=alert(1)> now]]>",
    ],
    ids=["escaped", "cdata"],
)
def test_markup_in_a_title_is_kept_as_text(feed_server: FeedServer, title: str) -> None:
    url = feed_server.route(
        "/rss", rss_document(rss_item(title, "https://jobs.example/9")).encode()
    )
    (job,) = RssSource(name="t", location=url).fetch(fetch_context()).jobs
    assert job.title == "Landing page fix <img src=x onerror=alert(1)> now"


def test_double_escaped_title_is_decoded_once_more(feed_server: FeedServer) -> None:
    item = rss_item("SEO &amp;amp; Marketing - Upwork", "https://jobs.example/3")
    url = feed_server.route("/rss", rss_document(item).encode())
    (job,) = RssSource(name="t", location=url).fetch(fetch_context()).jobs
    assert job.title == "SEO & Marketing"


def test_lines_like_fields_inside_the_description_stay_in_it(feed_server: FeedServer) -> None:
    body = escape(
        "We are hiring.<br />\nLocation: fully remote<br />\nBudget: flexible, see below<br />\n"
        "Thanks!<br /><br /><b>Budget</b>: $700<br /><b>Country</b>: Canada\n"
        '<br /><a href="https://jobs.example/4">click to apply</a>'
    )
    url = feed_server.route(
        "/rss", rss_document(rss_item("Hiring", "https://jobs.example/4", body)).encode()
    )

    (job,) = RssSource(name="t", location=url).fetch(fetch_context()).jobs

    assert job.description == (
        "We are hiring.\nLocation: fully remote\nBudget: flexible, see below\nThanks!"
    )
    assert (job.budget, job.client_country) == (700.0, "Canada")


_LATIN1_ITEM = rss_item("Café crème brûlée", "https://jobs.example/fr", "Résumé naïve à 5 °C")


@pytest.mark.parametrize(
    ("declaration", "content_type", "problems"),
    [
        ('<?xml version="1.0" encoding="ISO-8859-1"?>', "application/rss+xml", 0),
        ('<?xml version="1.0"?>', "text/xml; charset=iso-8859-1", 0),
        ('<?xml version="1.0"?>', "application/rss+xml", 1),
    ],
    ids=["declared", "http-charset", "undeclared"],
)
def test_latin1_feeds_are_decoded(
    feed_server: FeedServer, declaration: str, content_type: str, problems: int
) -> None:
    payload = rss_document(_LATIN1_ITEM, declaration).encode("latin-1")
    url = feed_server.route("/fr.rss", payload, content_type=content_type)

    batch = RssSource(name="fr", location=url).fetch(fetch_context())

    assert [(job.title, job.description) for job in batch.jobs] == [
        ("Café crème brûlée", "Résumé naïve à 5 °C")
    ]
    assert len(batch.problems) == problems
    if problems:
        assert batch.problems[0].startswith(f"{url}: ")
        assert "windows-1252" in batch.problems[0]
        assert "damage" not in batch.problems[0]


def test_items_that_cannot_be_jobs_are_skipped_with_a_problem(feed_server: FeedServer) -> None:
    items = (
        rss_item("Good one", "https://jobs.example/1")
        + "<item><title>   </title><link>https://jobs.example/2</link></item>\n"
        + "<item><title>No address</title><description>x</description></item>\n"
        + rss_item("Good two", "https://jobs.example/4")
    )
    url = feed_server.route("/rss", rss_document(items).encode())

    batch = RssSource(name="t", location=url).fetch(fetch_context())

    assert [job.title for job in batch.jobs] == ["Good one", "Good two"]
    assert batch.problems == [
        f"{url}: item 2: has no title; skipped",
        f"{url}: item 3: 'No address' has neither guid nor link; skipped",
    ]


def test_five_megabyte_description_is_read(feed_server: FeedServer) -> None:
    paragraph = "We need a careful developer for a large migration project. " * 20
    lines = [paragraph] * (5_200_000 // len(paragraph))
    body = "<br />\n".join(lines) + "<br /><br /><b>Budget</b>: $9,000"
    url = feed_server.route(
        "/big.rss", rss_document(rss_item("Big", "https://x.example/1", escape(body))).encode()
    )

    (job,) = RssSource(name="big", location=url).fetch(fetch_context()).jobs

    assert len(job.description) > 5_000_000
    assert job.description.count("\n") == len(lines) - 1
    assert job.budget == 9000.0
    assert len(job.raw["summary"]) <= 20_000
