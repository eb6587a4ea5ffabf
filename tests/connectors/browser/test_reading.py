"""Reading a job board page in Chromium: every field, odd items, known jobs, layout changes."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser

from bidflow.errors import FeedError
from bidflow.fingerprint import content_hash
from tests.connectors.browser.conftest import NOW, JobSite, poll, poll_in_worker, source
from tests.connectors.browser.pages import (
    HOSTILE_TITLE,
    SELECTORS,
    board,
    document,
    headings_board,
    redesigned_board,
)

pytestmark = pytest.mark.browser


def test_reads_every_field_of_every_item(site: JobSite) -> None:
    url = site.page("/board/latest", board())

    # As in production: a Chromium of the source's own, in a worker thread.
    batch = poll_in_worker(source(url))

    assert (batch.status, batch.source, batch.already_known) == ("ok", "board", 0)
    assert batch.problems == [f"{url}: item 6: missing 'title'; skipped"]
    assert len(batch.jobs) == 19
    jobs = {job.title: job for job in batch.jobs}
    first = jobs["Build a Django REST API"]
    # Absolute, without fragment or utm_ parameters; other parameters kept.
    assert first.url == first.external_id == f"{site.base_url}/jobs/1?ref=7"
    assert first.description == "We need help with a web app."
    assert (first.job_type, first.budget, first.hourly_min) == ("fixed", 500.0, None)
    assert first.posted_at == NOW - timedelta(minutes=5)
    assert first.proposals_bucket == "5 to 10"
    assert (first.client_country, first.client_total_spent) == ("Germany", 10_000.0)
    assert first.client_payment_verified is True
    assert first.skills == ["Python", "Django"]
    assert first.source == "board"

    hourly = jobs["Hourly React work"]
    assert (hourly.job_type, hourly.budget) == ("hourly", None)
    assert (hourly.hourly_min, hourly.hourly_max) == (25.0, 35.0)

    assert HOSTILE_TITLE in jobs  # markup the client typed as text stays text
    hostile = jobs[HOSTILE_TITLE]
    assert hostile.description == "Line one.\nLine two."

    unlinked = jobs["No link on this one"]
    expected_hash = content_hash("No link on this one", "Write a scraper for my shop.")
    assert (unlinked.url, unlinked.external_id) == (None, expected_hash)

    bare = jobs["Budget not stated"]
    assert {bare.job_type, bare.budget, bare.proposals_bucket, bare.client_country} == {None}
    assert jobs["Dated posting"].posted_at == datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
    assert jobs["Unverified client"].client_payment_verified is False
    assert jobs["Unverified client"].client_total_spent is None
    assert jobs["Relative link"].url == f"{site.base_url}/board/jobs/9"
    assert jobs["Relative link"].skills == []
    assert jobs["Badge-less client"].client_payment_verified is None
    assert jobs["Badge-less client"].posted_at == NOW - timedelta(days=1)
    assert batch.cursor == {
        "next_allowed_at": (NOW + timedelta(minutes=5)).isoformat(),
        "last_count": 20,
    }
    # One page load; Chromium identifies itself as bidflow, not as a person's browser.
    pages = [r for r in site.requests if r.path == "/board/latest"]
    assert len(pages) == 1
    assert pages[0].headers["user-agent"].startswith("bidflow/")


def test_jobs_already_stored_are_counted_not_read(site: JobSite, chromium: Browser) -> None:
    url = site.page("/board", board())
    asked: list[str] = []

    def known(ids: Collection[str]) -> set[str]:
        asked.extend(ids)
        return {f"{site.base_url}/jobs/{n}" for n in range(11, 21)}

    batch = poll(source(url, browser=chromium), known=known)

    assert batch.already_known == 10
    assert len(batch.jobs) == 9
    assert all("Plain job" not in job.title for job in batch.jobs)
    assert len(asked) == 20  # one question for the whole page


def test_layout_change_after_a_good_poll(site: JobSite, chromium: Browser) -> None:
    url = site.page("/board", board())
    first = poll(source(url, browser=chromium))
    assert (first.status, len(first.jobs)) == ("ok", 19)
    assert first.cursor is not None
    site.page("/board", redesigned_board())

    later = NOW + timedelta(hours=1)
    second = poll(source(url, browser=chromium), cursor=first.cursor, now=later)

    assert (second.status, second.jobs) == ("layout_changed", [])
    assert len(second.problems) == 1
    assert "selectors.item 'li.job' matched nothing" in second.problems[0]
    assert "last poll found 20 jobs" in second.problems[0]
    # The count stays, so the next poll still says the layout changed until selectors are fixed.
    assert second.cursor == {
        "next_allowed_at": (later + timedelta(minutes=5)).isoformat(),
        "last_count": 20,
    }


def test_an_empty_page_on_the_first_poll_is_not_a_layout_change(
    site: JobSite, chromium: Browser
) -> None:
    url = site.page("/board", redesigned_board())

    batch = poll(source(url, browser=chromium))

    assert (batch.status, batch.jobs) == ("ok", [])
    assert batch.problems == [f"{url}: selectors.item 'li.job' matched nothing on the page"]
    assert batch.cursor is not None and batch.cursor["last_count"] == 0


def test_title_missing_in_every_item_is_a_layout_change(site: JobSite, chromium: Browser) -> None:
    url = site.page("/board", headings_board())

    batch = poll(source(url, browser=chromium))

    assert (batch.status, batch.jobs) == ("layout_changed", [])
    assert "selectors.title '.title' is missing in all 5 items" in batch.problems[0]


def test_a_selector_that_is_not_css_is_named(site: JobSite, chromium: Browser) -> None:
    url = site.page("/board", board())
    selectors = SELECTORS.model_copy(update={"budget": "span[[budget"})

    with pytest.raises(FeedError, match=r"selectors\.budget 'span\[\[budget' is not CSS"):
        poll(source(url, selectors, browser=chromium))


def test_jobs_behind_a_script_are_read_after_wait_for(site: JobSite, chromium: Browser) -> None:
    # The list arrives 300 ms after the page has loaded, as on boards that render in JS.
    items = board().decode().split('<ul id="jobs">')[1].split("</ul></body>")[0]
    script = (
        "<script>setTimeout(() => { document.getElementById('jobs').innerHTML = "
        f"{json.dumps(items)}; }}, 300);</script>"
    )
    url = site.page("/board", document(f'<ul id="jobs"></ul>{script}'))

    batch = poll(source(url, wait_for="li.job", browser=chromium))

    assert (batch.status, len(batch.jobs)) == ("ok", 19)
