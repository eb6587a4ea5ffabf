"""robots.txt as the browser feed reads it, over real HTTP on 127.0.0.1 (no browser)."""

from __future__ import annotations

import pytest

from bidflow.errors import FeedError
from connectors.feeds.browser import USER_AGENT, is_upwork, robots_verdict
from tests.connectors.browser.conftest import JobSite
from tests.connectors.servers import unused_port


@pytest.mark.parametrize(
    ("url", "upwork"),
    [
        ("https://www.upwork.com/nx/search/jobs/", True),
        ("https://UPWORK.com", True),
        ("https://upwork.com.:8443/x", True),
        ("https://a.b.upwork.com/", True),
        ("https://notupwork.com/", False),
        ("https://upwork.com.jobs.example/", False),
        ("https://jobs.example/?next=https://upwork.com/", False),
        ("not a url", False),
    ],
)
def test_upwork_hosts(url: str, upwork: bool) -> None:
    assert is_upwork(url) is upwork


@pytest.mark.parametrize(
    ("robots", "path", "allowed"),
    [
        ("User-agent: bidflow\nDisallow: /jobs\n", "/jobs/python", False),
        ("User-agent: bidflow\nDisallow: /jobs\n", "/about", True),
        ("User-agent: otherbot\nDisallow: /\n", "/jobs", True),
        ("User-agent: *\nDisallow: /\n", "/jobs", False),
        ("User-agent: *\nDisallow: /\n\nUser-agent: bidflow\nAllow: /jobs\n", "/jobs", True),
        ("", "/jobs", True),
    ],
)
def test_rules_for_bidflow_apply(site: JobSite, robots: str, path: str, allowed: bool) -> None:
    site.robots(robots)

    verdict = robots_verdict(site.base_url + path, timeout_s=5)

    assert verdict.allowed is allowed
    assert site.paths == ["/robots.txt"]
    assert site.requests[0].headers["user-agent"] == USER_AGENT


@pytest.mark.parametrize(
    ("status", "allowed"), [(404, True), (410, True), (401, False), (403, False), (503, False)]
)
def test_what_an_http_status_means(site: JobSite, status: int, allowed: bool) -> None:
    site.robots("User-agent: *\nDisallow: /\n", status=status)

    verdict = robots_verdict(f"{site.base_url}/jobs", timeout_s=5)

    assert verdict.allowed is allowed
    if status in (401, 403):
        why = f"{site.base_url}/robots.txt answers HTTP {status}, which forbids every page"
        assert verdict.why == why
    elif status >= 500:  # RFC 9309: an unavailable robots.txt means complete disallow
        assert (
            verdict.why
            == f"{site.base_url}/robots.txt answers HTTP {status}; waiting until it can be read"
        )


def test_a_site_that_cannot_be_reached_is_a_feed_error(site: JobSite) -> None:
    url = f"http://127.0.0.1:{unused_port()}"
    with pytest.raises(FeedError, match=rf"^{url}/robots.txt: cannot reach the site"):
        robots_verdict(f"{url}/jobs", timeout_s=5)


def test_robots_txt_is_followed_through_redirects_but_never_to_upwork(site: JobSite) -> None:
    site.robots("User-agent: *\nDisallow: /jobs\n", path="/moved/robots.txt")
    site.redirect("/robots.txt", "/moved/robots.txt")
    assert not robots_verdict(f"{site.base_url}/jobs", timeout_s=5).allowed

    site.redirect("/robots.txt", "https://www.upwork.com/robots.txt")
    with pytest.raises(FeedError, match=r"^https://www\.upwork\.com/robots\.txt: .*`upwork_api`"):
        robots_verdict(f"{site.base_url}/jobs", timeout_s=5)
