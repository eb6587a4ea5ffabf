"""The agency's Upwork inbox through the official GraphQL API: the status of its proposals
(``connectors.inbox.upwork_statuses``) and its clients' messages in the proposals' rooms
(``connectors.inbox.upwork_messages``), read with the app credentials and saved tokens of an
``upwork_api`` job feed. Queries only: nothing at Upwork is changed, sent or marked read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bidflow.config.feeds import UpworkApiFeedConfig
from bidflow.config.inbox import UpworkInboxConfig
from bidflow.errors import FeedError
from connectors.feeds.upwork_graphql import (
    KEYS_PAGE,
    UpworkEndpoint,
    UpworkGraphQL,
    UpworkPermissionError,
)
from connectors.inbox.base import InboxBatch, InboxContext
from connectors.inbox.upwork_jobs import link_jobs
from connectors.inbox.upwork_messages import Agency, read_messages
from connectors.inbox.upwork_queries import VIEWER_QUERY, Ask
from connectors.inbox.upwork_statuses import read_statuses

# The API key permissions ("scopes", granted to the key in Upwork's API Center) each read needs.
COMMON_SCOPE = "Common Entities - Read-Only Access"
PROPOSALS_SCOPE = "read access to freelancer and agency proposals (vendorProposals)"
MESSAGES_SCOPE = "read-only access to rooms and messages"
JOBS_SCOPE = "Read marketplace Job Postings"
_PARTS = ("statuses", "messages")  # each keeps its own cursor
# Types every query touches, covered by the common permission (Upwork names blocked fields
# as Type.field: a refusal listing only these is about that permission).
_COMMON_TYPES = frozenset(
    ("User", "GenericUser", "CurrentUser", "Organization", "GenericOrganization")
    + ("CurrentOrganization", "Money", "DateTime", "PageInfo", "Query.user", "Query.organization")
)


@dataclass
class UpworkInboxSource:
    """An ``inbox`` entry of kind ``upwork_api``: one poll reads what changed since the
    cursor the previous poll returned."""

    name: str
    feed: str  # the upwork_api feed whose token file is used (and refreshed)
    endpoint: UpworkEndpoint
    statuses: bool = True
    messages: bool = True
    max_pages: int = 10

    @classmethod
    def from_config(cls, entry: UpworkInboxConfig, feed: UpworkApiFeedConfig) -> UpworkInboxSource:
        return cls(
            name=entry.name,
            feed=feed.name,
            endpoint=UpworkEndpoint.from_feed(feed),
            statuses=entry.statuses,
            messages=entry.messages,
            max_pages=entry.max_pages,
        )

    def fetch(self, context: InboxContext) -> InboxBatch:
        batch = InboxBatch(source=self.name)
        # A part switched off keeps its cursor, so switching it back on reads from there.
        cursor = {key: value for key, value in context.cursor.items() if key in _PARTS}
        with self.endpoint.poll(self.name, home=context.home, token_feed=self.feed) as graphql:
            if self.statuses:
                statuses = read_statuses(
                    self._asking(graphql, PROPOSALS_SCOPE),
                    label=self.name,
                    cursor=_part(context.cursor, "statuses"),
                    now=context.now,
                    max_pages=self.max_pages,
                )
                batch.items += statuses.items
                batch.problems += statuses.problems
                cursor["statuses"] = statuses.cursor
            if self.messages:
                messages = read_messages(
                    self._asking(graphql, MESSAGES_SCOPE),
                    label=self.name,
                    agency=self._agency(self._asking(graphql, COMMON_SCOPE)),
                    cursor=_part(context.cursor, "messages"),
                    now=context.now,
                    max_pages=self.max_pages,
                )
                batch.items += messages.items
                batch.problems += messages.problems
                cursor["messages"] = messages.cursor
            batch.items = link_jobs(batch.items, self._asking(graphql, JOBS_SCOPE))
        batch.cursor = cursor
        return batch

    def _agency(self, ask: Ask) -> Agency:
        """The authenticated user and the organizations the agency posts for."""
        data = ask(VIEWER_QUERY, {})
        user, organization = data.get("user"), data.get("organization")
        user_id = user.get("id") if isinstance(user, Mapping) else None
        organization_id = organization.get("id") if isinstance(organization, Mapping) else None
        if not isinstance(user_id, str | int):
            raise FeedError(f"{self.name}: Upwork did not say who the feed's token belongs to")
        organizations = {str(o) for o in (organization_id, self.endpoint.tenant_id) if o}
        return Agency(frozenset({str(user_id)}), frozenset(organizations))

    def _asking(self, graphql: UpworkGraphQL, scope: str) -> Ask:
        """GraphQL requests whose refusal for a missing permission names the one to grant."""

        def ask(query: str, variables: Mapping[str, Any]) -> Mapping[str, Any]:
            try:
                return graphql.data(query, variables)
            except UpworkPermissionError as refused:
                raise FeedError(self._refusal(refused.fields, scope)) from None

        return ask

    def _refusal(self, fields: tuple[str, ...], scope: str) -> str:
        common = all(f in _COMMON_TYPES or f.split(".")[0] in _COMMON_TYPES for f in fields)
        needed = COMMON_SCOPE if common else scope
        return (
            f"{self.name}: Upwork refused {', '.join(fields)}: the API key of feed"
            f" '{self.feed}' lacks the permission \"{needed}\". Grant it to the key at"
            f" {KEYS_PAGE}, then run `bidflow connect upwork --feed {self.feed}` (a token"
            " carries only the permissions the key had when it was issued)"
        )


def _part(cursor: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = cursor.get(key)
    return value if isinstance(value, Mapping) else {}
