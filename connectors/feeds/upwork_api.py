"""Upwork's official GraphQL API as a feed: every saved search, newest first, read page by page
until the first job already stored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bidflow.config.feeds import UpworkApiFeedConfig, UpworkSearch
from bidflow.errors import FeedError
from connectors.feeds.base import FeedBatch, FetchContext
from connectors.feeds.upwork_graphql import UpworkEndpoint, UpworkGraphQL
from connectors.feeds.upwork_nodes import node_key, node_to_job

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


@dataclass
class UpworkApiSource:
    """A feed of the official API: one poll reads all of ``searches`` and yields each job once."""

    name: str
    searches: Sequence[UpworkSearch]
    endpoint: UpworkEndpoint
    page_size: int = 50
    max_pages: int = 10

    @classmethod
    def from_config(cls, feed: UpworkApiFeedConfig) -> UpworkApiSource:
        return cls(
            name=feed.name,
            searches=feed.searches,
            endpoint=UpworkEndpoint.from_feed(feed),
            page_size=feed.page_size,
            max_pages=feed.max_pages,
        )

    def fetch(self, context: FetchContext) -> FeedBatch:
        # The cursor only informs people; which jobs are new is decided by ``context.known``.
        previous = context.cursor.get("newest")
        poll = _Poll(context, FeedBatch(source=self.name), dict(previous or {}))
        with self.endpoint.poll(self.name, home=context.home, token_feed=self.name) as graphql:
            api = _Api(self.name, graphql)
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
            keys = [node_key(node) for node in nodes]
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
    """One poll's job searches, through the GraphQL call every Upwork reader shares."""

    def __init__(self, name: str, graphql: UpworkGraphQL) -> None:
        self.name = name
        self.graphql = graphql

    def search(self, search_filter: dict[str, Any]) -> Mapping[str, Any]:
        """The ``marketplaceJobPostingsSearch`` connection for one page."""
        data = self.graphql.data(SEARCH_QUERY, {"filter": search_filter})
        connection = data.get("marketplaceJobPostingsSearch")
        if not isinstance(connection, Mapping):
            raise FeedError(f"{self.name}: Upwork API answer has no marketplaceJobPostingsSearch")
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


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
