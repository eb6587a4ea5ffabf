"""What the Upwork inbox asks Upwork's GraphQL API, and reading what comes back, node by node.

The real fields relied on (Upwork's schema as published by third-party clients generated from
it, and notes of projects that ran these queries against the live API):

- ``user { id name }`` and ``organization { id }``: the authenticated person and the
  organization the token acts for (the agency when the tenant header names it).
- ``vendorProposals(filter: {status_eq}, sortAttribute: {field, sortOrder}, pagination:
  {first, after})``: ``status_eq`` takes one status (Pending, Accepted, Activated, Offered,
  Hired, Declined, Withdrawn, Archived); pages hold at most 40. Node: ``id``, ``status {
  status reason { id reason } }``, ``viewedByClient``, ``auditDetails { createdDateTime
  modifiedDateTime }`` (DateTime objects; ``rawValue`` read as epoch milliseconds or ISO),
  ``marketplaceJobPosting { id content { title } }`` (``id`` is the numeric job id, not the
  ciphertext in the job's link).
- ``roomList(filter: {activeSince_eq}, pagination, sortOrder)``: rooms with ``id``,
  ``latestStory { createdDateTime }`` and ``vendorProposal { id user { id }
  marketplaceJobPosting { ... } }`` (set on a proposal's room).
- ``roomStories(filter: {roomId_eq, storyFilter: {storyCreatedDateTime_bt: {rangeStart
  rangeEnd}, pagination}})``: stories with ``id``, ``createdDateTime`` (ISO 8601),
  ``message`` (null when only files were sent), ``user { id name }`` (missing on system
  stories) and ``organization { id }`` (the organization it was posted for).
- ``marketplaceJobPostingsContents(ids)``: ``{ id ciphertext }`` for numeric job ids.

Least certain, to re-check first against a live answer: ``viewedByClient`` (queried by
clients that ran against the API, absent from the generated schema) and the time format of
``activeSince_eq`` and ``storyCreatedDateTime_bt`` (sent as ISO 8601, the format Upwork's
DateTime fields are documented in).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bidflow.errors import FeedError
from connectors.feeds.parsing import html_to_text, parse_datetime

# One GraphQL request: the query and its variables in, the answer's ``data`` out.
Ask = Callable[[str, Mapping[str, Any]], Mapping[str, Any]]

# How far back a source's first poll looks: news older than this is history, not news.
FIRST_POLL_LOOKBACK = timedelta(days=30)

VIEWER_QUERY = """
query bidflowInboxViewer {
  user { id name }
  organization { id }
}
"""

_JOB = "marketplaceJobPosting { id content { title } }"

PROPOSALS_QUERY = f"""
query bidflowInboxProposals(
  $filter: VendorProposalFilter!
  $sortAttribute: VendorProposalSortAttribute!
  $pagination: Pagination!
) {{
  vendorProposals(filter: $filter, sortAttribute: $sortAttribute, pagination: $pagination) {{
    totalCount
    edges {{
      cursor
      node {{
        id
        status {{ status reason {{ id reason }} }}
        viewedByClient
        auditDetails {{
          createdDateTime {{ rawValue displayValue }}
          modifiedDateTime {{ rawValue displayValue }}
        }}
        {_JOB}
      }}
    }}
    pageInfo {{ endCursor hasNextPage }}
  }}
}}
"""

ROOMS_QUERY = f"""
query bidflowInboxRooms($filter: RoomFilter, $pagination: Pagination, $sortOrder: SortOrder) {{
  roomList(filter: $filter, pagination: $pagination, sortOrder: $sortOrder) {{
    totalCount
    edges {{
      node {{
        id
        roomName
        latestStory {{ id createdDateTime }}
        vendorProposal {{ id user {{ id }} {_JOB} }}
      }}
    }}
    pageInfo {{ endCursor hasNextPage }}
  }}
}}
"""

STORIES_QUERY = """
query bidflowInboxStories($filter: RoomStoryFilter) {
  roomStories(filter: $filter) {
    totalCount
    edges {
      cursor
      node { id createdDateTime message user { id name } organization { id } }
    }
    pageInfo { endCursor hasNextPage }
  }
}
"""

JOB_KEYS_QUERY = """
query bidflowInboxJobKeys($ids: [ID!]!) {
  marketplaceJobPostingsContents(ids: $ids) { id ciphertext }
}
"""


@dataclass(frozen=True)
class JobRef:
    """The job a proposal or room is about: Upwork's numeric job id and the job's title."""

    posting_id: str | None
    title: str | None


@dataclass(frozen=True)
class ProposalNode:
    id: str
    status: str | None  # Upwork's status name, as sent
    reason: str | None
    viewed: bool
    created_at: datetime | None
    modified_at: datetime | None
    job: JobRef


@dataclass(frozen=True)
class RoomNode:
    id: str
    latest_at: datetime | None
    proposal_id: str | None  # None: not a proposal's room (a contract, a direct chat...)
    freelancer_id: str | None  # who applied: one of the agency's people
    job: JobRef


@dataclass(frozen=True)
class StoryNode:
    id: str
    created_at: datetime
    text: str  # plain text; empty when only files were sent
    user_id: str | None  # None: a system story, written by nobody
    user_name: str | None
    organization_id: str | None


class Pages:
    """A connection read page by page through ``fetch(after)``, at most ``max_pages`` pages;
    ``truncated`` tells whether pages were left unread for that limit."""

    def __init__(self, fetch: Callable[[str | None], Mapping[str, Any]], max_pages: int) -> None:
        self.fetch, self.max_pages = fetch, max_pages
        self.truncated = False

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        after: str | None = None
        for number in range(1, self.max_pages + 1):
            connection = self.fetch(after)
            edges = connection.get("edges")
            nodes = [e.get("node") if isinstance(e, Mapping) else e for e in _list(edges)]
            yield number, nodes
            info = connection.get("pageInfo")
            info = info if isinstance(info, Mapping) else {}
            after = _id(info.get("endCursor"))
            if not info.get("hasNextPage") or after is None:
                return
        self.truncated = True


def connection(data: Mapping[str, Any], root: str, label: str) -> Mapping[str, Any]:
    """The connection under ``data[root]``; FeedError when the answer has none."""
    found = data.get(root)
    if not isinstance(found, Mapping):
        raise FeedError(f"{label}: Upwork API answer has no {root}")
    return found


def read_proposal(node: Any) -> ProposalNode:
    """A ``vendorProposals`` node; ValueError saying what is wrong with it."""
    node = _object(node, "proposal")
    proposal_id = _required_id(node, "proposal")
    status = _mapping(node.get("status"))
    return ProposalNode(
        id=proposal_id,
        status=_text(status.get("status")),
        reason=_text(_mapping(status.get("reason")).get("reason")),
        viewed=node.get("viewedByClient") is True,
        created_at=moment(_mapping(node.get("auditDetails")).get("createdDateTime")),
        modified_at=moment(_mapping(node.get("auditDetails")).get("modifiedDateTime")),
        job=_job(node.get("marketplaceJobPosting")),
    )


def read_room(node: Any) -> RoomNode:
    """A ``roomList`` node; ValueError saying what is wrong with it."""
    node = _object(node, "room")
    proposal = _mapping(node.get("vendorProposal"))
    return RoomNode(
        id=_required_id(node, "room"),
        latest_at=moment(_mapping(node.get("latestStory")).get("createdDateTime")),
        proposal_id=_id(proposal.get("id")),
        freelancer_id=_id(_mapping(proposal.get("user")).get("id")),
        job=_job(proposal.get("marketplaceJobPosting")),
    )


def read_story(node: Any) -> StoryNode | None:
    """A ``roomStories`` node (None for the empty nodes Upwork sends for some system
    stories); ValueError saying what is wrong with it."""
    if node is None:
        return None
    node = _object(node, "story")
    story_id = _required_id(node, "story")
    raw_time = node.get("createdDateTime")
    created_at = moment(raw_time)
    if created_at is None:
        raise ValueError(f"story {story_id}: createdDateTime {str(raw_time)[:40]!r} is not a date")
    message = node.get("message")
    if message is not None and not isinstance(message, str):
        raise ValueError(f"story {story_id}: message is {type(message).__name__}, not text")
    user = _mapping(node.get("user"))
    return StoryNode(
        id=story_id,
        created_at=created_at,
        text=html_to_text(message or ""),
        user_id=_id(user.get("id")),
        user_name=_text(user.get("name")),
        organization_id=_id(_mapping(node.get("organization")).get("id")),
    )


def moment(value: Any) -> datetime | None:
    """An aware UTC time from an Upwork DateTime: an object holding ``rawValue``, epoch
    milliseconds (or seconds), or ISO 8601 text; None when it is none of them."""
    if isinstance(value, Mapping):
        value = value.get("rawValue")
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    if text.isdigit():
        number = int(text)
        # Twelve digits or more are milliseconds (seconds reach that in the year 5138).
        return datetime.fromtimestamp(number / 1000 if number >= 10**11 else number, UTC)
    return parse_datetime(text) if isinstance(value, str) else None


def cursor_times(value: Any) -> dict[str, datetime]:
    """A cursor's {key: ISO time} map, without entries that are not one."""
    entries = value.items() if isinstance(value, Mapping) else []
    return {str(key): when for key, raw in entries if (when := moment(raw)) is not None}


def iso(value: datetime) -> str:
    """How bidflow writes a time to Upwork and to its cursor: ISO 8601 UTC, milliseconds."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _job(value: Any) -> JobRef:
    job = _mapping(value)
    title = _text(_mapping(job.get("content")).get("title"))
    return JobRef(posting_id=_id(job.get("id")), title=" ".join(title.split()) if title else None)


def _object(node: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(node, Mapping):
        raise ValueError(f"expected a {what} object, got {type(node).__name__}")
    return node


def _required_id(node: Mapping[str, Any], what: str) -> str:
    found = _id(node.get("id"))
    if found is None:
        raise ValueError(f"{what} has no id")
    return found


def _id(value: Any) -> str | None:
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()[:200]
    return None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
