"""Client messages from the rooms of the agency's proposals: ``roomList`` for the rooms active
since the last poll, then ``roomStories`` for each proposal room with a story it has not read.

Who is the client: a story written by the authenticated user, by the freelancer the proposal
was sent for, or posted for the agency's organization (the token's organization, or the
feed's tenant) is the agency's own and gives no item; a story without a user is Upwork's (a
system story) and gives none either. Every other story in a proposal's room is the client's.

The cursor keeps the newest story time of each room and overall. Rooms are asked for as
active since a little before the overall newest (a room Upwork lists late is still found),
and each room's stories after its own newest, so no story is read twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connectors.inbox.base import MAX_BODY_CHARS, InboxItem
from connectors.inbox.upwork_queries import (
    FIRST_POLL_LOOKBACK,
    ROOMS_QUERY,
    STORIES_QUERY,
    Ask,
    Pages,
    RoomNode,
    StoryNode,
    connection,
    cursor_times,
    iso,
    moment,
    read_room,
    read_story,
)

PAGE_SIZE = 50
OVERLAP = timedelta(minutes=10)  # how late Upwork may list a room as active
CLOCK_SLACK = timedelta(minutes=5)  # Upwork's clock may run ahead of this machine's
FORGET_ROOM_AFTER = timedelta(days=30)  # a room quiet this long is read as new again
FILES_ONLY = "(sent files without a message)"


@dataclass(frozen=True)
class Agency:
    """The agency's own people, whose stories are not client messages."""

    user_ids: frozenset[str]
    organization_ids: frozenset[str]

    def wrote(self, story: StoryNode, room: RoomNode) -> bool:
        return (
            story.user_id in self.user_ids
            or story.user_id == room.freelancer_id
            or story.organization_id in self.organization_ids
        )


@dataclass
class MessagesRead:
    """One poll's client messages, a line per room or story that could not be read, and
    the cursor."""

    items: list[InboxItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    cursor: dict[str, Any] = field(default_factory=dict)


def read_messages(
    ask: Ask,
    *,
    label: str,
    agency: Agency,
    cursor: Mapping[str, Any],
    now: datetime,
    max_pages: int,
) -> MessagesRead:
    read = MessagesRead()
    since = moment(cursor.get("since")) or now - FIRST_POLL_LOOKBACK
    newest_of_room = cursor_times(cursor.get("rooms"))
    newest = since
    listing = _rooms(ask, since - OVERLAP, label, max_pages)
    for page, nodes in listing:
        for index, node in enumerate(nodes, start=1):
            try:
                room = read_room(node)
            except ValueError as exc:
                read.problems.append(f"{label}: rooms page {page} #{index}: {exc}; skipped")
                continue
            if room.proposal_id is None:
                continue  # not a proposal's conversation
            after = newest_of_room.get(room.id, since - OVERLAP)
            if room.latest_at is not None and room.latest_at <= after:
                continue  # nothing new in it
            latest = _read_room(
                ask, room, after, agency, read, label=label, now=now, pages=max_pages
            )
            if latest is not None:
                newest_of_room[room.id] = latest
                newest = max(newest, latest)
    if listing.truncated:
        read.problems.append(
            f"{label}: more than {max_pages} pages of active message rooms; rooms beyond them"
            " were not read (raise max_pages or poll more often)"
        )
    read.cursor = {
        "since": iso(newest),
        "rooms": {
            room: iso(when)
            for room, when in newest_of_room.items()
            if when >= newest - FORGET_ROOM_AFTER
        },
    }
    return read


def _rooms(ask: Ask, active_since: datetime, label: str, pages: int) -> Pages:
    def fetch(after: str | None) -> Mapping[str, Any]:
        variables = {
            "filter": {"activeSince_eq": iso(active_since)},
            "pagination": {"first": PAGE_SIZE} | ({"after": after} if after else {}),
            "sortOrder": "DESC",
        }
        return connection(ask(ROOMS_QUERY, variables), "roomList", label)

    return Pages(fetch, pages)


def _read_room(
    ask: Ask,
    room: RoomNode,
    after: datetime,
    agency: Agency,
    read: MessagesRead,
    *,
    label: str,
    now: datetime,
    pages: int,
) -> datetime | None:
    """Items for the client's stories in ``room`` created after ``after``; the newest
    story time read (anyone's), None when there was none."""

    def fetch(cursor: str | None) -> Mapping[str, Any]:
        story_filter = {
            "storyCreatedDateTime_bt": {
                "rangeStart": iso(after),
                "rangeEnd": iso(now + CLOCK_SLACK),
            },
            "pagination": {"first": PAGE_SIZE} | ({"after": cursor} if cursor else {}),
        }
        variables = {"filter": {"roomId_eq": room.id, "storyFilter": story_filter}}
        return connection(ask(STORIES_QUERY, variables), "roomStories", label)

    newest: datetime | None = None
    listing = Pages(fetch, pages)
    for page, nodes in listing:
        for index, node in enumerate(nodes, start=1):
            try:
                story = read_story(node)
            except ValueError as exc:
                read.problems.append(
                    f"{label}: room {room.id} page {page} #{index}: {exc}; skipped"
                )
                continue
            if story is None or story.created_at <= after:
                continue
            newest = story.created_at if newest is None else max(newest, story.created_at)
            if story.user_id is not None and not agency.wrote(story, room):
                read.items.append(_reply(story, room))
    if listing.truncated:
        read.problems.append(
            f"{label}: room {room.id} has more than {pages} pages of new messages; older ones"
            " were not read (raise max_pages)"
        )
    return newest


def _reply(story: StoryNode, room: RoomNode) -> InboxItem:
    return InboxItem(
        external_id=f"story:{story.id}",
        kind="reply",
        body=(story.text or FILES_ONLY)[:MAX_BODY_CHARS],
        sender=story.user_name,
        received_at=story.created_at,
        job_id=room.job.posting_id,
        client=story.user_name,
        title=room.job.title,
    )
