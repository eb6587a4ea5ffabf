"""A job site on 127.0.0.1 for the browser feed, and polling it the way the ingest flow does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

from bidflow.config.feeds import BrowserSelectors
from connectors.chromium import launch_chromium
from connectors.feeds.base import FeedBatch
from connectors.feeds.browser import UPWORK_UNREACHABLE, BrowserSource
from tests.connectors.browser.pages import SELECTORS
from tests.connectors.servers import Reply, Request, serve
from tests.factories import fetch_context

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
HTML = "text/html; charset=utf-8"


class JobSite:
    """Per-path answers a test sets (a page, a redirect, or a function of the request); every
    other path, robots.txt included, is 404."""

    def __init__(self) -> None:
        self.answers: dict[str, Callable[[Request], Reply]] = {}
        self.requests: list[Request] = []
        self.base_url = ""

    def answer(self, request: Request) -> Reply:
        self.requests.append(request)
        found = self.answers.get(request.path.split("?")[0])
        return found(request) if found else Reply(status=404, body=b"not found")

    def page(self, path: str, body: bytes, *, status: int = 200, delay_s: float = 0.0) -> str:
        reply = Reply(status=status, body=body, headers={"Content-Type": HTML}, delay_s=delay_s)
        return self.handle(path, lambda _request: reply)

    def redirect(self, path: str, location: str) -> str:
        return self.handle(path, lambda _request: Reply(status=302, headers={"Location": location}))

    def robots(self, text: str, *, status: int = 200, path: str = "/robots.txt") -> None:
        reply = Reply(status=status, body=text.encode(), headers={"Content-Type": "text/plain"})
        self.handle(path, lambda _request: reply)

    def handle(self, path: str, answer: Callable[[Request], Reply]) -> str:
        self.answers[path] = answer
        return self.base_url + path

    @property
    def paths(self) -> list[str]:
        # Chromium may fetch /favicon.ico from its browser process, past page routing, at a
        # moment of its choosing; it is not a request the source makes, so it is not counted.
        return [request.path for request in self.requests if request.path != "/favicon.ico"]


@pytest.fixture
def site() -> Iterator[JobSite]:
    job_site = JobSite()
    with serve(job_site.answer) as server:
        job_site.base_url = server.url("")
        yield job_site


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One Chromium for a test module, lent to its sources (each poll gets a fresh context):
    starting one per poll costs about two seconds."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, extra_args=[UPWORK_UNREACHABLE])
        try:
            yield browser
        finally:
            browser.close()


def source(
    url: str,
    selectors: BrowserSelectors = SELECTORS,
    *,
    browser: Browser | None = None,
    **options: Any,
) -> BrowserSource:
    """A browser feed on ``url``, in ``browser`` when given (else a Chromium of its own per
    poll); no jitter unless a test asks, so intervals are exact."""
    options.setdefault("uniform", lambda _low, _high: 0.0)
    if browser is not None:
        options["open_browser"] = lambda: nullcontext(browser)
    return BrowserSource(name="board", url=url, selectors=selectors, **options)


def poll(feed: BrowserSource, **context: Any) -> FeedBatch:
    """One fetch in this thread (where a lent browser lives)."""
    context.setdefault("now", NOW)
    return feed.fetch(fetch_context(**context))


def poll_in_worker(feed: BrowserSource, **context: Any) -> FeedBatch:
    """One fetch in a worker thread, as the ingest flow runs sources (no event loop there)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(poll, feed, **context).result()
