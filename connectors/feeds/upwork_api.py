"""Upwork's official GraphQL API as a feed: every saved search, newest first, read page by page
until the first job already stored."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from bidflow import __version__
from bidflow.config.feeds import UpworkApiFeedConfig, UpworkSearch
from bidflow.config.rulesets import PROPOSAL_BUCKETS
from bidflow.errors import FeedError
from bidflow.fingerprint import content_hash
from bidflow.models import JobBase
from connectors.feeds.base import FeedBatch, FetchContext
from connectors.feeds.parsing import parse_datetime, tidy_text
from connectors.feeds.upwork_auth import (
    AccessTokens,
    OAuthClient,
    TokenStore,
    limiter_for,
    post_with_retries,
)

JOB_URL = "https://www.upwork.com/jobs/"
USER_AGENT = f"bidflow/{__version__} (+Upwork GraphQL API client)"
# The filter is the only variable part and travels as a GraphQL variable, never inside the text.
SEARCH_QUERY = """
query bidflowJobSearch($filter: MarketplaceJobPostingsSearchFilter) {
  marketplaceJobPostingsSearch(
    marketPlaceJobFilter: $filter
    searchType: USER_JOBS_SEARCH
    sortAttributes: [{field: RECENCY}]
  ) {
    totalCount
    edges {
      cursor
      node {
        id ciphertext title description category subcategory
        skills { name prettyName }
        experienceLevel duration durationLabel engagement
        amount { rawValue currency displayValue }
        hourlyBudgetType
        hourlyBudgetMin { rawValue currency displayValue }
        hourlyBudgetMax { rawValue currency displayValue }
        weeklyBudget { rawValue currency displayValue }
        totalApplicants freelancersToHire premium enterprise applied
        createdDateTime publishedDateTime renewedDateTime
        relevance { effectiveCandidates uniqueImpressions hoursInactive publishTime }
        client {
          totalHires totalPostedJobs totalSpent { rawValue currency } verificationStatus
          totalReviews totalFeedback location { country city timezone }
          memberSinceDateTime hasFinancialPrivacy
        }
      }
    }
    pageInfo { endCursor hasNextPage }
  }
}
"""
_LEVELS = {"ENTRY_LEVEL": "Entry level", "INTERMEDIATE": "Intermediate", "EXPERT": "Expert"}
# Fewest applicants of each marketplace proposals bucket, in the buckets' order.
_BUCKET_FLOORS = tuple(zip((0, 5, 10, 15, 20, 50), PROPOSAL_BUCKETS, strict=True))


@dataclass
class UpworkApiSource:
    """A feed of the official API: one poll reads all of ``searches`` and yields each job once."""

    name: str
    searches: Sequence[UpworkSearch]
    oauth: OAuthClient
    api_url: str
    tenant_id: str | None = None
    requests_per_second: float = 10.0
    page_size: int = 50
    max_pages: int = 10
    timeout_s: float = 30.0

    @classmethod
    def from_config(cls, feed: UpworkApiFeedConfig) -> UpworkApiSource:
        return cls(
            name=feed.name,
            searches=feed.searches,
            oauth=OAuthClient.from_config(feed),
            api_url=feed.api_url,
            tenant_id=feed.tenant_id,
            requests_per_second=feed.requests_per_second,
            page_size=feed.page_size,
            max_pages=feed.max_pages,
        )

    def fetch(self, context: FetchContext) -> FeedBatch:
        # The cursor only informs people; which jobs are new is decided by ``context.known``.
        previous = context.cursor.get("newest")
        poll = _Poll(context, FeedBatch(source=self.name), dict(previous or {}))
        with httpx.Client(timeout=self.timeout_s, headers={"User-Agent": USER_AGENT}) as http:
            api = _Api(self, AccessTokens(TokenStore(context.home, self.name), self.oauth, http))
            for search in self.searches:
                self._read_search(search, api, poll)
        poll.batch.cursor = {"newest": poll.newest}
        return poll.batch

    def _read_search(self, search: UpworkSearch, api: _Api, poll: _Poll) -> None:
        """Newest first, page after page; stops after the page holding a job stored before."""
        batch, after = poll.batch, None
        for page in range(1, self.max_pages + 1):
            connection = api.search(search_filter(search, after=after, first=self.page_size))
            edges = connection.get("edges")
            nodes = [e.get("node") if isinstance(e, Mapping) else e for e in _list(edges)]
            keys = [_node_key(node) for node in nodes]
            first_key = next(filter(None, keys), None)
            if page == 1 and first_key:
                poll.newest[search.name] = first_key
            known = poll.context.known([key for key in keys if key]) if first_key else set()
            for index, (node, key) in enumerate(zip(nodes, keys, strict=True), start=1):
                where = f"{self.name}: search '{search.name}' page {page} node {index}"
                if key in known:
                    batch.already_known += 1
                    continue
                if key in poll.yielded:
                    continue  # an earlier search of this poll found it
                try:
                    job, notes = node_to_job(node, source=self.name)
                except ValueError as exc:
                    batch.problems.append(f"{where}: {exc}; skipped")
                    continue
                poll.yielded.add(job.external_id)
                batch.jobs.append(job)
                batch.problems.extend(f"{where} ({job.external_id}): {note}" for note in notes)
            info = connection.get("pageInfo")
            info = info if isinstance(info, Mapping) else {}
            if known or not info.get("hasNextPage") or not info.get("endCursor"):
                return
            after = str(info["endCursor"])
        if search.name in (poll.context.cursor.get("newest") or {}):
            batch.problems.append(
                f"{self.name}: search '{search.name}' has more than {self.max_pages} pages of new"
                " jobs; older ones were not read (raise max_pages or poll more often)"
            )


@dataclass
class _Poll:
    """One poll in progress: its context, what it yields, each search's newest job id, and
    the ids yielded so far (a job two searches find is yielded once)."""

    context: FetchContext
    batch: FeedBatch
    newest: dict[str, str]
    yielded: set[str] = field(default_factory=set)


class _Api:
    """One poll's GraphQL calls: Bearer token, tenant, shared rate limit, retries, and one token
    refresh after a 401."""

    def __init__(self, source: UpworkApiSource, tokens: AccessTokens) -> None:
        self.source, self.tokens, self.http = source, tokens, tokens.http
        self.limiter = limiter_for(source.api_url, source.requests_per_second)

    def search(self, search_filter: dict[str, Any]) -> Mapping[str, Any]:
        """The ``marketplaceJobPostingsSearch`` connection for one page."""
        body = {"query": SEARCH_QUERY, "variables": {"filter": search_filter}}
        token = self.tokens.current()
        response = self._post(token, body)
        if response.status_code == 401:
            response = self._post(self.tokens.refresh(stale=token), body)
        return self._connection(response)

    def _post(self, token: str, body: dict[str, Any]) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        if self.source.tenant_id:
            headers["X-Upwork-API-TenantId"] = self.source.tenant_id
        return post_with_retries(
            self.http,
            self.source.api_url,
            feed=self.source.name,
            limiter=self.limiter,
            json_body=body,
            headers=headers,
        )

    def _connection(self, response: httpx.Response) -> Mapping[str, Any]:
        name = self.source.name
        if response.status_code == 401:
            raise FeedError(
                f"{name}: Upwork refused a freshly refreshed access token (HTTP 401);"
                f" run `bidflow connect upwork --feed {name}`"
            )
        if response.is_error:
            raise FeedError(
                f"{name}: Upwork API answered HTTP {response.status_code}"
                f" {response.reason_phrase}: {' '.join(response.text.split())[:200]}"
            )
        try:
            payload = response.json()
        except ValueError:
            raise FeedError(
                f"{name}: Upwork API answered with something that is not JSON"
            ) from None
        errors = payload.get("errors") if isinstance(payload, Mapping) else None
        if errors:
            listed = errors if isinstance(errors, list) else [errors]
            messages = [e.get("message", e) if isinstance(e, Mapping) else e for e in listed]
            raise FeedError(f"{name}: Upwork API error: {'; '.join(map(str, messages))}")
        data = payload.get("data") if isinstance(payload, Mapping) else None
        connection = data.get("marketplaceJobPostingsSearch") if isinstance(data, Mapping) else None
        if not isinstance(connection, Mapping):
            raise FeedError(f"{name}: Upwork API answer has no marketplaceJobPostingsSearch")
        return connection


def search_filter(search: UpworkSearch, *, after: str | None, first: int) -> dict[str, Any]:
    """The ``MarketplaceJobPostingsSearchFilter`` for one page of a saved search. Fields the
    search leaves empty are left out: Upwork reads a missing field as "any"."""
    named = {
        "searchExpression_eq": search.query,
        "titleExpression_eq": search.title,
        "skillExpression_eq": search.skills,
        "categoryIds_any": search.category_ids or None,
        "jobType_eq": search.job_type,
        "verifiedPaymentOnly_eq": search.verified_payment_only,
    }
    result: dict[str, Any] = {key: value for key, value in named.items() if value is not None}
    result.update(search.filters)
    result["pagination_eq"] = {"first": first} | ({"after": after} if after else {})
    return result


def node_to_job(node: Any, *, source: str) -> tuple[JobBase, list[str]]:
    """One search result node as a Job, and a note for each field dropped for its JSON type.

    Fields a node lacks stay None (a node without dates has an unknown ``posted_at``, not the
    poll's time). The client's hire rate is not a field: Upwork does not expose it, and triage
    derives it as ``client_hires / client_jobs_posted``. Raises ValueError when the node cannot
    be a job at all (no ciphertext or id, no title).
    """
    if not isinstance(node, Mapping):
        raise ValueError(f"expected a job object, got {type(node).__name__}")
    read = _Fields(node)
    key = _node_key(node)
    if not key:
        raise ValueError("has neither ciphertext nor id")
    title = " ".join((read.text("title") or "").split())
    if not title:
        raise ValueError(f"{key} has no title")
    description = tidy_text(read.text("description") or "")
    ciphertext = read.text("ciphertext")
    low, high = read.money("hourlyBudgetMin"), read.money("hourlyBudgetMax")
    budget = read.money("amount")
    job_type = _job_type(read.text("hourlyBudgetType"), hourly=bool(low or high), fixed=budget)
    applicants = read.whole("totalApplicants")
    level = read.text("experienceLevel")
    verification = read.text("client.verificationStatus")
    category = " > ".join(filter(None, (read.text("category"), read.text("subcategory"))))
    job = JobBase(
        source=source,
        external_id=key,
        url=f"{JOB_URL}{ciphertext}" if ciphertext else None,
        title=title,
        description=description,
        category=category or None,
        skills=read.skills(),
        job_type=job_type,
        budget=budget,
        hourly_min=low,
        hourly_max=high,
        experience_level=_LEVELS.get(level, level)[:32] if level else None,
        posted_at=read.when("publishedDateTime") or read.when("createdDateTime"),
        proposals_count=applicants,
        proposals_bucket=proposals_bucket(applicants),
        client_payment_verified=None if verification is None else verification == "VERIFIED",
        client_country=read.text("client.location.country"),
        client_timezone=read.text("client.location.timezone"),
        client_total_spent=read.number("client.totalSpent.rawValue"),
        client_hires=read.whole("client.totalHires"),
        client_jobs_posted=read.whole("client.totalPostedJobs"),
        client_feedback=read.number("client.totalFeedback"),
        client_reviews=read.whole("client.totalReviews"),
        client_member_since=read.when("client.memberSinceDateTime"),
        content_hash=content_hash(title, description),
        raw=dict(node),
    )
    return job, list(dict.fromkeys(read.notes))


def proposals_bucket(applicants: int | None) -> str | None:
    """The marketplace's proposals bucket ("Less than 5" … "50+") for a count of applicants."""
    if applicants is None or applicants < 0:
        return None
    return next(bucket for floor, bucket in reversed(_BUCKET_FLOORS) if applicants >= floor)


def _job_type(stated: str | None, *, hourly: bool, fixed: float | None) -> str | None:
    """ "hourly" or "fixed": as the node states it, else as its budget fields show."""
    if stated and stated.upper() in ("HOURLY", "FIXED"):
        return stated.lower()
    return "hourly" if hourly else "fixed" if fixed else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _node_key(node: Any) -> str | None:
    """The id a node is stored under: its ciphertext (the key in its URL), else its id."""
    if not isinstance(node, Mapping):
        return None
    for name in ("ciphertext", "id"):
        value = node.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()[:255]
    return None


class _Fields:
    """Typed reads of one node by dotted path; a value of the wrong JSON type reads as None
    and leaves a note in ``notes``."""

    def __init__(self, node: Mapping[str, Any]) -> None:
        self.node = node
        self.notes: list[str] = []

    def get(self, path: str) -> Any:
        value: Any = self.node
        parts = path.split(".")
        for depth, part in enumerate(parts):
            if value is not None and not isinstance(value, Mapping):
                self._note(".".join(parts[:depth]), value, "an object")
                return None
            value = None if value is None else value.get(part)
        return value

    def text(self, path: str) -> str | None:
        value = self.get(path)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return str(value).strip() or None
        if value is not None:
            self._note(path, value, "text")
        return None

    def number(self, path: str) -> float | None:
        value = self.get(path)
        try:
            number = float(value) if isinstance(value, str | int | float) else math.nan
        except ValueError:
            number = math.nan
        if math.isfinite(number) and not isinstance(value, bool):
            return number
        if value is not None:
            self._note(path, value, "a number")
        return None

    def whole(self, path: str) -> int | None:
        number = self.number(path)
        return None if number is None else int(number)

    def money(self, path: str) -> float | None:
        """A Money's amount; zero counts as none (Upwork sends 0.0 for a budget not set)."""
        return self.number(f"{path}.rawValue") or None

    def when(self, path: str) -> datetime | None:
        value = self.text(path)
        moment = parse_datetime(value)
        if value is not None and moment is None:
            self._note(path, value, "a date")
        return moment

    def skills(self) -> list[str]:
        value = self.get("skills")
        if not isinstance(value, list):
            if value is not None:
                self._note("skills", value, "a list")
            return []
        names = (
            s.get("prettyName") or s.get("name") if isinstance(s, Mapping) else s for s in value
        )
        return [name.strip() for name in names if isinstance(name, str) and name.strip()]

    def _note(self, path: str, value: Any, expected: str) -> None:
        self.notes.append(
            f"field '{path}' = {str(value)[:60]!r} is not {expected}; stored without it"
        )
