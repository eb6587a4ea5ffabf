"""What the browser feed refuses or reports instead of jobs: Upwork, robots.txt, the minimum
interval, sign-in walls, CAPTCHAs, blocks and timeouts."""

from __future__ import annotations

import json
import time
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Playwright

from bidflow.errors import FeedError
from connectors import chromium as launcher
from connectors.chromium import launch_chromium
from connectors.feeds import browser as browser_module
from tests.connectors.browser.conftest import NOW, JobSite, poll, poll_in_worker, source
from tests.connectors.browser.pages import (
    SIGN_IN_FORM,
    board,
    challenge_page,
    document,
    login_page,
)
from tests.connectors.servers import Reply, Request, unused_port

pytestmark = pytest.mark.browser


def no_browser() -> AbstractContextManager[Browser]:
    raise AssertionError("a browser was started")


@pytest.mark.parametrize(
    "url",
    [
        "https://www.upwork.com/nx/search/jobs/?q=django",
        "https://upwork.com/",
        "http://WWW.UPWORK.COM./ab/jobs",
        "https://someone@community.upwork.com:443/t5/jobs",
        "https://upwork.com\\@jobs.example/",  # a browser reads the host as upwork.com
    ],
)
def test_upwork_is_refused_before_anything_is_asked(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_http(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("robots.txt was requested")

    monkeypatch.setattr(httpx, "Client", no_http)

    with pytest.raises(FeedError) as refused:
        poll(source(url, open_browser=no_browser))

    message = str(refused.value)
    assert "Upwork counts any script that collects data from its site as a bot" in message
    assert "prohibits scraping" in message
    assert "`upwork_api`" in message and "alert emails" in message and "RSS" in message


def test_a_redirect_to_upwork_is_refused_without_reaching_it(
    site: JobSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = site.redirect("/jobs", "https://www.upwork.com/nx/search/jobs/?q=django")
    switches: list[str] = []

    def launch(playwright: Playwright, **options: Any) -> Browser:
        switches.extend(options["extra_args"])
        return launch_chromium(playwright, **options)

    monkeypatch.setattr(launcher, "launch_chromium", launch)

    with pytest.raises(FeedError, match=r"^https://www\.upwork\.com/nx/search/.*`upwork_api`"):
        poll_in_worker(source(url))

    assert site.paths == ["/robots.txt", "/jobs"]
    # The source's own Chromium resolves no Upwork host, so the redirect goes nowhere.
    assert switches == [
        "--host-resolver-rules=MAP upwork.com ~NOTFOUND, MAP *.upwork.com ~NOTFOUND"
    ]


def test_a_script_sending_the_page_to_upwork_is_refused(site: JobSite, chromium: Browser) -> None:
    script = "<script>location.replace('https://upwork.com/freelance-jobs/');</script>"
    url = site.page("/jobs", document(script))

    with pytest.raises(FeedError, match=r"^https://upwork\.com/freelance-jobs/: bidflow does not"):
        poll(source(url, browser=chromium))


def test_robots_disallowing_the_page_blocks_it_unloaded(site: JobSite) -> None:
    site.robots("User-agent: *\nAllow: /\n\nUser-agent: bidflow\nDisallow: /jobs\n")
    url = site.page("/jobs", board())
    cursor = {"next_allowed_at": NOW.isoformat(), "last_count": 20}

    batch = poll(source(url, open_browser=no_browser), cursor=cursor)

    assert (batch.status, batch.jobs, batch.cursor) == ("blocked", [], cursor)
    assert batch.problems == [
        f"{url}: {site.base_url}/robots.txt disallows this page for bidflow; not loaded."
        " Ask the site's owner, or use a feed."
    ]
    assert site.paths == ["/robots.txt"]
    assert site.requests[0].headers["user-agent"] == browser_module.USER_AGENT


def test_robots_can_be_ignored_where_the_terms_allow(site: JobSite, chromium: Browser) -> None:
    site.robots("User-agent: *\nDisallow: /\n")
    url = site.page("/jobs", board())

    batch = poll(source(url, browser=chromium, respect_robots=False))

    assert (batch.status, len(batch.jobs)) == ("ok", 19)
    assert "/robots.txt" not in site.paths


def test_polling_again_too_soon_waits(site: JobSite, chromium: Browser) -> None:
    url = site.page("/jobs", board())
    asked: list[tuple[float, float]] = []

    def uniform(low: float, high: float) -> float:
        asked.append((low, high))
        return high

    feed = source(url, browser=chromium, uniform=uniform, jitter=0.2, respect_robots=False)
    first = poll(feed)
    assert first.cursor is not None
    # 5 minutes, stretched by the largest jitter the source asked for (+20%).
    assert asked == [(-0.2, 0.2)]
    assert first.cursor["next_allowed_at"] == (NOW + timedelta(minutes=6)).isoformat()

    soon = poll(feed, cursor=first.cursor, now=NOW + timedelta(minutes=5, seconds=59))

    assert (soon.status, soon.jobs, soon.problems) == ("waiting", [], [])
    assert soon.cursor == first.cursor
    assert site.paths == ["/jobs"]

    later = poll(feed, cursor=first.cursor, now=NOW + timedelta(minutes=6))
    assert (later.status, len(later.jobs)) == ("ok", 19)
    assert site.paths == ["/jobs", "/jobs"]


def test_a_slower_crawl_delay_in_robots_wins(site: JobSite, chromium: Browser) -> None:
    site.robots("User-agent: *\nCrawl-delay: 900\n")
    url = site.page("/jobs", board())

    batch = poll(source(url, browser=chromium))

    assert batch.cursor is not None
    assert batch.cursor["next_allowed_at"] == (NOW + timedelta(minutes=15)).isoformat()


def _members_only(request: Request) -> Reply:
    """The board for the signed-in session cookie; everyone else is sent to /login."""
    if "session=s3cret" in request.headers.get("cookie", ""):
        return Reply(body=board(), headers={"Content-Type": "text/html"})
    return Reply(status=302, headers={"Location": "/login?next=/jobs"})


def _login_state(path: Path, value: str) -> Path:
    cookie: dict[str, Any] = {"name": "session", "value": value, "domain": "127.0.0.1", "path": "/"}
    cookie |= {"expires": -1, "httpOnly": True, "secure": False, "sameSite": "Lax"}
    path.write_text(json.dumps({"cookies": [cookie], "origins": []}), encoding="utf-8")
    return path


def test_the_login_state_signs_the_page_in(
    site: JobSite, chromium: Browser, tmp_path: Path
) -> None:
    url = site.handle("/jobs", _members_only)
    site.page("/login", login_page())
    state = _login_state(tmp_path / "board-login.json", "s3cret")

    batch = poll(source(url, browser=chromium, login_state=state))

    assert (batch.status, len(batch.jobs), batch.problems[1:]) == ("ok", 19, [])
    assert "session=s3cret" in site.requests[-1].headers["cookie"]


def test_sent_to_a_login_page_is_logged_out(
    site: JobSite, chromium: Browser, tmp_path: Path
) -> None:
    url = site.handle("/jobs", _members_only)
    site.page("/login", login_page())
    state = _login_state(tmp_path / "board-login.json", "expired")

    batch = poll(source(url, browser=chromium, login_state=state, wait_for="li.job"))

    assert (batch.status, batch.jobs) == ("logged_out", [])
    assert batch.problems == [
        f"{url}: the site sent bidflow to sign in ({site.base_url}/login?next=/jobs); sign in"
        f" with `playwright codegen --save-storage={state} {url}`"
    ]
    assert batch.cursor is not None and "last_count" not in batch.cursor

    anonymous = poll(source(url, browser=chromium))
    assert anonymous.status == "logged_out"
    assert anonymous.problems[0].endswith(
        f"`playwright codegen --save-storage=login.json {url}` and set login_state to that file"
    )


def test_a_sign_in_form_in_place_means_logged_out_only_with_a_login_state(
    site: JobSite, chromium: Browser, tmp_path: Path
) -> None:
    url = site.page("/jobs", board(header=SIGN_IN_FORM))  # an expired session, not sent away
    state = _login_state(tmp_path / "state.json", "expired")

    with_state = poll(
        source(url, browser=chromium, login_state=state, logged_out_selector=".login-form")
    )
    public = poll(source(url, browser=chromium, logged_out_selector=".login-form"))

    assert (with_state.status, with_state.jobs) == ("logged_out", [])
    assert "the login state has expired" in with_state.problems[0]
    assert (public.status, len(public.jobs)) == ("ok", 19)


def test_a_missing_login_state_file_says_how_to_make_one(site: JobSite, tmp_path: Path) -> None:
    url = site.page("/jobs", board())
    missing = tmp_path / "nowhere" / "login.json"

    with pytest.raises(FeedError) as error:
        poll(source(url, login_state=missing, open_browser=no_browser))

    assert str(error.value) == (
        f"board: no login state at {missing}; sign in once and save it with"
        f" `playwright codegen --save-storage={missing} {url}`, or remove login_state from"
        " feed 'board'"
    )
    assert site.paths == []


def test_a_challenge_page_is_a_captcha_without_waiting_out_the_timeout(
    site: JobSite, chromium: Browser
) -> None:
    url = site.page("/jobs", challenge_page(), status=403)
    started = time.monotonic()

    batch = poll(source(url, browser=chromium, wait_for="li.job", timeout=timedelta(seconds=20)))

    assert time.monotonic() - started < 10
    assert (batch.status, batch.jobs) == ("captcha", [])
    assert "human-verification challenge (CAPTCHA)" in batch.problems[0]


def test_too_many_requests_is_blocked(site: JobSite, chromium: Browser) -> None:
    url = site.page("/jobs", document("<h1>Slow down</h1>"), status=429)

    batch = poll(source(url, browser=chromium))

    assert (batch.status, batch.jobs) == ("blocked", [])
    assert batch.problems == [
        f"{url}: the site refused the page (HTTP 429); raise min_interval and check that its"
        " terms allow automated reading"
    ]


@pytest.mark.parametrize(
    ("status", "delay_s", "expected"),
    [
        (404, 0.0, r"cannot load the page \(HTTP 404\)"),
        (200, 3.0, r"the page did not load in 1s"),
    ],
)
def test_a_page_that_cannot_be_read_is_a_feed_error(
    site: JobSite, chromium: Browser, status: int, delay_s: float, expected: str
) -> None:
    url = site.page("/jobs", board(), status=status, delay_s=delay_s)

    with pytest.raises(FeedError, match=rf"^{url}: {expected}"):
        poll(source(url, browser=chromium, timeout=timedelta(seconds=1)))


def test_a_site_that_is_down_is_a_feed_error(chromium: Browser) -> None:
    url = f"http://127.0.0.1:{unused_port()}/jobs"

    with pytest.raises(
        FeedError, match=rf"^{url}: cannot load the page in Chromium \(.*CONNECTION_REFUSED"
    ):
        # robots.txt off: with it on, the unreachable robots.txt is reported first (own test)
        poll(source(url, browser=chromium, respect_robots=False))
