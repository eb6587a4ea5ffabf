"""A web page of jobs read in Chromium, for sites whose terms permit it. Never upwork.com.

One poll: refuse Upwork, honour the minimum interval and robots.txt, load the page once, read
every item in one ``page.evaluate``, and say why when the page shows no jobs (signed out, a
CAPTCHA, a changed layout, a block). Playwright's sync API: sources run in worker threads.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import httpx
from playwright.sync_api import Browser, BrowserContext, Request
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bidflow import __version__
from bidflow.config.feeds import BrowserSelectors
from bidflow.config.rulesets import PROPOSAL_BUCKETS
from bidflow.errors import FeedError
from bidflow.fingerprint import content_hash
from connectors.chromium import running_chromium
from connectors.feeds.base import FeedBatch, FetchContext, SourceStatus
from connectors.feeds.items import IDENTITY_MAPPING, add_new_items
from connectors.feeds.parsing import tidy_text

USER_AGENT = f"bidflow/{__version__} (+job feed reader)"
UPWORK_POLICY = (
    "bidflow does not read upwork.com pages: Upwork counts any script that collects data from its"
    " site as a bot, prohibits scraping, and penalises the account up to a permanent block. Read"
    " Upwork jobs through the `upwork_api` feed (the official API), Upwork's job-alert emails"
    " (an `email` feed) or an RSS re-publisher (an `rss` feed)."
)
# Chromium resolves no Upwork host at all, so even a redirect there fails before a request leaves.
UPWORK_UNREACHABLE = "--host-resolver-rules=MAP upwork.com ~NOTFOUND, MAP *.upwork.com ~NOTFOUND"
_LOGIN_URL = re.compile(r"(?<![a-z])(?:log|sign)[-_]?in(?!g)", re.IGNORECASE)
_HOURLY = re.compile(r"/\s*h(?:ou)?r\b|\bhourly\b|\bper\s+hour\b", re.IGNORECASE)
_UNVERIFIED = re.compile(r"\bun-?verified\b|\bnot verified\b", re.IGNORECASE)
_CHALLENGE = (
    'iframe[src*="recaptcha"], iframe[src*="hcaptcha.com"],'
    ' iframe[src*="challenges.cloudflare.com"], #challenge-form'
)
# Returns {bad: selector key} or {base, items: [{field: text}|{error}], challenge, signedOut}.
_READ_PAGE = """({selectors: sel, challenge, signedOut}) => {
  const bad = Object.entries(sel).find(([, css]) => {
    try { if (css) document.createDocumentFragment().querySelector(css); return false; }
    catch (e) { return true; }
  });
  if (bad) return {bad: bad[0]};
  const text = (el) => (el ? (el.innerText || el.textContent || "").trim() : null);
  const one = (node, key) => (sel[key] ? node.querySelector(sel[key]) : null);
  const href = (el) => {
    const a = el && (el.closest("a[href]") || el.querySelector("a[href]"));
    return a ? a.getAttribute("href") : null;
  };
  const plain = ["description", "budget", "proposals", "client_country", "client_spent",
                 "client_verified"];
  const items = Array.from(document.querySelectorAll(sel.item), (node) => {
    try {
      const title = one(node, "title"), posted = one(node, "posted");
      const out = {title: text(title), link: href(sel.link ? one(node, "link") : title),
                   posted: text(posted), posted_at: posted && posted.getAttribute("datetime"),
                   skills: sel.skills ? Array.from(node.querySelectorAll(sel.skills), text) : null};
      for (const key of plain) out[key] = text(one(node, key));
      return out;
    } catch (e) { return {error: String((e && e.message) || e)}; }
  });
  const words = document.body ? document.body.innerText : "";
  return {base: document.baseURI, items,
          challenge: document.querySelector(challenge) !== null
            || /verify (?:that )?you(?: are|'re) (?:a )?human/i.test(words),
          signedOut: signedOut ? document.querySelector(signedOut) !== null : false};
}"""


def is_upwork(url: str) -> bool:
    """Whether ``url`` is on upwork.com or one of its subdomains (read as a browser would)."""
    try:
        host = urlsplit(url.strip().replace("\\", "/")).hostname or ""
    except ValueError:
        return False
    return host.rstrip(".") == "upwork.com" or host.rstrip(".").endswith(".upwork.com")


def refuse_upwork(url: str) -> None:
    """Raise FeedError (with Upwork's policy and the allowed ways) when ``url`` is on Upwork."""
    if is_upwork(url):
        raise FeedError(f"{url}: {UPWORK_POLICY}")


@dataclass(frozen=True)
class RobotsVerdict:
    """What the site's robots.txt says about one page for bidflow's user agent."""

    allowed: bool
    crawl_delay_s: float | None = None
    why: str = ""


def robots_verdict(url: str, *, timeout_s: float) -> RobotsVerdict:
    """Read ``/robots.txt`` of ``url``'s site the way RFC 9309 says: 4xx means no rules (401 and
    403 aside, which forbid everything), and a file that cannot be reached or fails with 5xx
    means "assume complete disallow" until it can be read again. A site that cannot be reached
    at all is a FeedError, like any other feed that is down."""
    parts = urlsplit(url)
    robots_url = urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))
    hooks: dict[str, list[Callable[..., Any]]] = {"request": [lambda r: refuse_upwork(str(r.url))]}
    try:
        with httpx.Client(timeout=timeout_s, follow_redirects=True, event_hooks=hooks) as client:
            response = client.get(robots_url, headers={"User-Agent": USER_AGENT})
    except httpx.HTTPError as exc:
        # The site itself is unreachable: a failed poll (counted, alerted), not a "no".
        raise FeedError(
            f"{robots_url}: cannot reach the site ({str(exc) or type(exc).__name__})"
        ) from None
    if response.status_code >= 500:
        why = f"{robots_url} answers HTTP {response.status_code}; waiting until it can be read"
        return RobotsVerdict(False, why=why)
    if response.status_code in (401, 403):
        why = f"{robots_url} answers HTTP {response.status_code}, which forbids every page"
        return RobotsVerdict(False, why=why)
    if response.status_code >= 400:
        return RobotsVerdict(True)
    parser = RobotFileParser(robots_url)
    parser.parse(response.text.splitlines())
    if not parser.can_fetch(USER_AGENT, url):
        return RobotsVerdict(False, why=f"{robots_url} disallows this page for bidflow")
    delay = parser.crawl_delay(USER_AGENT)
    return RobotsVerdict(True, crawl_delay_s=float(delay) if delay is not None else None)


def own_chromium() -> AbstractContextManager[Browser]:
    """A Chromium of the poll's own, closed after it, that cannot reach Upwork."""
    return running_chromium(extra_args=[UPWORK_UNREACHABLE])


@dataclass
class LoadedPage:
    """One load of the page: the document's HTTP status, the URL it ended on, whether the
    ``wait_for`` selector never came, and the evaluate() result (see ``_READ_PAGE``)."""

    status: int | None
    final_url: str
    waited_in_vain: bool
    data: dict[str, Any]


@dataclass
class BrowserSource:
    """A job list on a web page, read in Chromium with CSS selectors, politely and at most once
    per ``min_interval`` (± ``jitter``). ``login_state`` is a Playwright storage-state file."""

    name: str
    url: str
    selectors: BrowserSelectors
    wait_for: str | None = None
    login_state: Path | None = None
    logged_out_selector: str | None = None
    min_interval: timedelta = timedelta(minutes=5)
    jitter: float = 0.2
    respect_robots: bool = True
    timeout: timedelta = timedelta(seconds=30)
    uniform: Callable[[float, float], float] = field(default=random.uniform, repr=False)
    # Where pages are opened: by default a Chromium per poll; a long-lived one can be lent.
    open_browser: Callable[[], AbstractContextManager[Browser]] = field(
        default=own_chromium, repr=False
    )

    def fetch(self, context: FetchContext) -> FeedBatch:
        refuse_upwork(self.url)  # before anything else, so Upwork is never even asked
        cursor = dict(context.cursor)
        if (allowed_at := _moment(cursor.get("next_allowed_at"))) and context.now < allowed_at:
            return FeedBatch(source=self.name, status="waiting", cursor=cursor)
        self._check_login_state()
        robots = RobotsVerdict(True)
        if self.respect_robots:
            robots = robots_verdict(self.url, timeout_s=self.timeout.total_seconds())
        if not robots.allowed:
            problem = f"{self.url}: {robots.why}; not loaded. Ask the site's owner, or use a feed."
            return FeedBatch(source=self.name, status="blocked", problems=[problem], cursor=cursor)
        page = self._load()
        interval = max(self.min_interval.total_seconds(), robots.crawl_delay_s or 0.0)
        interval *= 1 + self.uniform(-self.jitter, self.jitter)
        cursor["next_allowed_at"] = (context.now + timedelta(seconds=interval)).isoformat()
        batch = FeedBatch(source=self.name, cursor=cursor)
        status, problem = self._judge(page, int(cursor.get("last_count") or 0))
        if status != "ok" or problem:
            batch.status = status
            batch.problems.append(f"{self.url}: {problem}")
        if status == "ok":
            cursor["last_count"] = len(page.data["items"])
            self._read_items(page.data, context, batch)
        return batch

    def _check_login_state(self) -> None:
        if self.login_state is not None and not self.login_state.is_file():
            raise FeedError(
                f"{self.name}: no login state at {self.login_state}; sign in once and save it with"
                f" `playwright codegen --save-storage={self.login_state} {self.url}`, or remove"
                f" login_state from feed '{self.name}'"
            )

    def _load(self) -> LoadedPage:
        """Load the page in a fresh browser context and read it; browser and context are closed
        however it goes."""
        upwork: list[str] = []
        try:
            with self.open_browser() as browser:
                state = str(self.login_state) if self.login_state else None
                context = browser.new_context(user_agent=USER_AGENT, storage_state=state)
                try:
                    return self._read(context, upwork)
                finally:
                    context.close()
        except PlaywrightError as exc:
            if upwork:
                raise FeedError(f"{upwork[0]}: {UPWORK_POLICY}") from None
            if isinstance(exc, PlaywrightTimeout):
                seconds = self.timeout.total_seconds()
                raise FeedError(f"{self.url}: the page did not load in {seconds:g}s") from None
            raise FeedError(
                f"{self.url}: cannot load the page in Chromium ({_line(exc)})"
            ) from None

    def _read(self, context: BrowserContext, upwork: list[str]) -> LoadedPage:
        context.set_default_timeout(self.timeout.total_seconds() * 1000)
        page = context.new_page()

        def note_upwork(request: Request) -> None:
            if request.frame == page.main_frame and request.is_navigation_request():
                if is_upwork(request.url):
                    upwork.append(request.url)

        page.on("request", note_upwork)
        # Ask the site for the page only (Chromium may still fetch a favicon on its own).
        page.route("**/favicon.ico", lambda route: route.abort())
        response = page.goto(self.url)
        waited_in_vain = False
        if self.wait_for and not self._sent_to_login(page.url):
            # A challenge or a sign-in form stands in for the jobs: no need to wait them out.
            signs = [self.wait_for, _CHALLENGE, self._signed_out_selector()]
            try:
                page.wait_for_selector(", ".join(s for s in signs if s), state="attached")
            except PlaywrightTimeout:
                waited_in_vain = True
        args = {
            "selectors": self.selectors.model_dump(),
            "challenge": _CHALLENGE,
            "signedOut": self._signed_out_selector(),
        }
        data: dict[str, Any] = page.evaluate(_READ_PAGE, args)
        if upwork or is_upwork(page.url):
            raise FeedError(f"{upwork[0] if upwork else page.url}: {UPWORK_POLICY}")
        if "bad" in data:
            css = self.selectors.model_dump()[data["bad"]]
            raise FeedError(f"feed '{self.name}': selectors.{data['bad']} {css!r} is not CSS")
        status = response.status if response else None
        return LoadedPage(status, page.url, waited_in_vain, data)

    def _signed_out_selector(self) -> str | None:
        # Without a login state, signed out is how the page is meant to be read.
        return self.logged_out_selector if self.login_state else None

    def _sent_to_login(self, final_url: str) -> bool:
        return bool(_LOGIN_URL.search(final_url)) and not _LOGIN_URL.search(self.url)

    def _judge(self, page: LoadedPage, last_count: int) -> tuple[SourceStatus, str]:
        """The poll's status and, unless all is well, a line saying what a person can do."""
        items, data = page.data["items"], page.data
        file = self.login_state or "login.json"
        again = f"sign in with `playwright codegen --save-storage={file} {self.url}`" + (
            "" if self.login_state else " and set login_state to that file"
        )
        if self._sent_to_login(page.final_url):
            return "logged_out", f"the site sent bidflow to sign in ({page.final_url}); {again}"
        if data["signedOut"]:
            return "logged_out", f"the login state has expired (the page shows a sign-in); {again}"
        if not items and data["challenge"]:
            return "captcha", (
                "the site shows a human-verification challenge (CAPTCHA) instead of jobs;"
                " bidflow never solves these: poll less often or ask the site for a feed"
            )
        if page.status in (403, 429):
            return "blocked", (
                f"the site refused the page (HTTP {page.status}); raise min_interval and check"
                " that its terms allow automated reading"
            )
        if page.status is not None and page.status >= 400:
            raise FeedError(f"{self.url}: cannot load the page (HTTP {page.status})")
        if not items and last_count:
            return "layout_changed", (
                f"selectors.item {self.selectors.item!r} matched nothing, though the last poll"
                f" found {last_count} jobs; the page's layout has likely changed: update selectors"
            )
        if not items and page.waited_in_vain:
            raise FeedError(f"{self.url}: {self.wait_for!r} did not appear in the page in time")
        if not items:
            return "ok", f"selectors.item {self.selectors.item!r} matched nothing on the page"
        if all(item.get("title") is None for item in items):
            return "layout_changed", (
                f"selectors.title {self.selectors.title!r} is missing in all {len(items)} items;"
                " the page's layout has likely changed: update selectors"
            )
        return "ok", ""

    def _read_items(self, data: Mapping[str, Any], context: FetchContext, batch: FeedBatch) -> None:
        """Each new item as a Job in ``batch``; an item that cannot be read becomes a problem."""
        items: dict[int, dict[str, Any]] = {}
        for number, found in enumerate(data["items"], start=1):
            if "error" in found:
                batch.problems.append(f"{self.url}: item {number}: {found['error']}; skipped")
            else:
                items[number] = _job_fields(found, data["base"])
        labelled = [
            (f"{self.url}: item {number}", item, item["external_id"])
            for number, item in items.items()
        ]
        add_new_items(batch, labelled, IDENTITY_MAPPING, context=context)


def _job_fields(found: Mapping[str, Any], base: str) -> dict[str, Any]:
    """The texts read from one item as job fields, keyed for ``normalize_item``."""
    title, description = found.get("title") or "", found.get("description") or ""
    url = _canonical_link(base, found.get("link"))
    budget, verified = found.get("budget"), found.get("client_verified")
    return {
        "external_id": url or content_hash(" ".join(title.split()), tidy_text(description)),
        "url": url,
        "title": title,
        "description": description,
        "hourly_rate" if budget and _HOURLY.search(budget) else "budget": budget,
        "posted_at": found.get("posted_at"),
        "posted": found.get("posted"),
        "proposals": _bucket(found.get("proposals")),
        "client_country": found.get("client_country"),
        "client_total_spent": found.get("client_spent"),
        # A badge that is there says "verified" unless its text says otherwise.
        "client_payment_verified": None if verified is None else not _UNVERIFIED.search(verified),
        "skills": [skill for skill in found.get("skills") or [] if skill],
    }


def _bucket(text: str | None) -> str | None:
    """The proposals bucket a text names ("Proposals: 5 to 10" → "5 to 10"), as the rules
    compare them; other text as it is."""
    if not text:
        return None
    return next((b for b in PROPOSAL_BUCKETS if b.casefold() in text.casefold()), text[:32])


def _canonical_link(base: str, href: str | None) -> str | None:
    """An item's link as an absolute http(s) URL without fragment or ``utm_`` parameters."""
    if not href:
        return None
    parts = urlsplit(urljoin(base, href.strip()))
    if parts.scheme not in ("http", "https"):
        return None  # "javascript:void(0)", "mailto:" and the like are not job pages
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k[:4] != "utm_"]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _moment(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _line(exc: BaseException) -> str:
    """The first line of an error: Playwright appends a multi-line call log."""
    return (getattr(exc, "message", None) or str(exc)).strip().splitlines()[0]
