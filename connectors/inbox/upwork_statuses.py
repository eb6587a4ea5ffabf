"""Proposal statuses from Upwork's ``vendorProposals``: each status change that tells the agency
something becomes one item per (proposal, status), so a status reported again is no news.

``status_eq`` takes a single status, so each poll asks once per status worth reading, newest
change first, and stops at the first proposal not changed since the previous poll (the cursor
keeps the newest change seen per status). Views are not a status: ``viewedByClient`` is read
on submitted proposals of the last few days, whose views the cursor remembers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connectors.inbox.base import InboxItem
from connectors.inbox.upwork_queries import (
    FIRST_POLL_LOOKBACK,
    PROPOSALS_QUERY,
    Ask,
    Pages,
    ProposalNode,
    connection,
    cursor_times,
    iso,
    read_proposal,
)

# Upwork's proposal status (VendorProposalStatusName) and the news it is for the agency;
# None: nothing new about the client's interest.
KIND_OF_STATUS: dict[str, str | None] = {
    "Pending": None,  # submitted; Upwork is still checking it
    "Accepted": None,  # submitted and shown to the client (a view is read apart)
    "Activated": "interviewing",  # the client started a conversation: an active proposal
    "Offered": "offer",
    "Hired": "hired",
    "Declined": "declined",
    "Withdrawn": "withdrawn",
    "Archived": "job_closed",  # the job closed or expired without hiring the agency
}
NEWS_STATUSES = tuple(status for status, kind in KIND_OF_STATUS.items() if kind)
SUBMITTED = "Accepted"
PAGE_SIZE = 40  # vendorProposals refuses more per page
# Clients look at proposals within days of getting them: later first views are not looked for.
VIEWS_WINDOW = timedelta(days=3)
_KIND = {status.lower(): kind for status, kind in KIND_OF_STATUS.items()}


@dataclass
class StatusesRead:
    """One poll's status news, a line per proposal that could not be read, and the cursor."""

    items: list[InboxItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    cursor: dict[str, Any] = field(default_factory=dict)


def read_statuses(
    ask: Ask, *, label: str, cursor: Mapping[str, Any], now: datetime, max_pages: int
) -> StatusesRead:
    read = StatusesRead()
    changed = cursor_times(cursor.get("changed"))
    for status in NEWS_STATUSES:
        since = changed.get(status, now - FIRST_POLL_LOOKBACK)
        newest = _read_changes(ask, status, since, read, label=label, now=now, pages=max_pages)
        changed[status] = max(newest or since, since)
    views = {
        proposal: when
        for proposal, when in cursor_times(cursor.get("views")).items()
        if when >= now - VIEWS_WINDOW
    }
    _read_views(ask, views, read, label=label, now=now, pages=max_pages)
    read.cursor = {
        "changed": {status: iso(when) for status, when in changed.items()},
        "views": {proposal: iso(when) for proposal, when in views.items()},
    }
    return read


def _read_changes(
    ask: Ask,
    status: str,
    since: datetime,
    read: StatusesRead,
    *,
    label: str,
    now: datetime,
    pages: int,
) -> datetime | None:
    """Items for proposals in ``status`` changed after ``since``; the newest change seen."""
    newest: datetime | None = None
    listing = _listing(ask, status, "MODIFIEDDATETIME", label, pages)
    for page, nodes in listing:
        reached_old = False
        for index, node in enumerate(nodes, start=1):
            proposal = _proposal(node, read, f"{label}: '{status}' proposals page {page} #{index}")
            if proposal is None:
                continue
            changed_at = proposal.modified_at
            if changed_at is not None and changed_at <= since:
                reached_old = True
                continue
            if changed_at is not None and (newest is None or changed_at > newest):
                newest = changed_at
            _add_status(proposal, status, read, label=label, now=now)
        if reached_old:
            return newest
    if listing.truncated:
        read.problems.append(
            f"{label}: more than {pages} pages of '{status}' proposals changed since the last"
            " poll; older changes were not read (raise max_pages or poll more often)"
        )
    return newest


def _read_views(
    ask: Ask,
    views: dict[str, datetime],
    read: StatusesRead,
    *,
    label: str,
    now: datetime,
    pages: int,
) -> None:
    """Items for submitted proposals of the last VIEWS_WINDOW the client has just viewed."""
    for page, nodes in _listing(ask, SUBMITTED, "CREATEDDATETIME", label, pages):
        for index, node in enumerate(nodes, start=1):
            proposal = _proposal(node, read, f"{label}: submitted proposals page {page} #{index}")
            if proposal is None:
                continue
            if proposal.created_at is not None and proposal.created_at < now - VIEWS_WINDOW:
                return  # newest first: the rest were submitted earlier still
            if proposal.viewed and proposal.id not in views:
                views[proposal.id] = proposal.created_at or now
                read.items.append(_item(proposal, "viewed", "Upwork: the client viewed it", now))


def _listing(ask: Ask, status: str, sort: str, label: str, pages: int) -> Pages:
    def fetch(after: str | None) -> Mapping[str, Any]:
        variables = {
            "filter": {"status_eq": status},
            "sortAttribute": {"field": sort, "sortOrder": "DESC"},
            "pagination": {"first": PAGE_SIZE} | ({"after": after} if after else {}),
        }
        return connection(ask(PROPOSALS_QUERY, variables), "vendorProposals", label)

    return Pages(fetch, pages)


def _proposal(node: Any, read: StatusesRead, where: str) -> ProposalNode | None:
    try:
        return read_proposal(node)
    except ValueError as exc:
        read.problems.append(f"{where}: {exc}; skipped")
        return None


def _add_status(
    proposal: ProposalNode, asked: str, read: StatusesRead, *, label: str, now: datetime
) -> None:
    status = proposal.status or asked
    if status.lower() not in _KIND:
        read.problems.append(
            f"{label}: proposal {proposal.id} has status '{status}', which bidflow does not"
            " know; skipped"
        )
        return
    kind = _KIND[status.lower()]
    if kind is not None:
        reason = f" ({proposal.reason})" if proposal.reason else ""
        body = f"Upwork: proposal {status}{reason}"
        read.items.append(_item(proposal, kind, body, proposal.modified_at or now))


def _item(proposal: ProposalNode, kind: str, body: str, at: datetime) -> InboxItem:
    return InboxItem(
        external_id=f"proposal:{proposal.id}:{kind}",
        kind=kind,
        body=body,
        sender=None,
        received_at=at,
        job_id=proposal.job.posting_id,
        title=proposal.job.title,
    )
