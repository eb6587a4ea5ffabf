"""The inbox family's one interface: a source of client messages and proposal status news
(a polled API or mailbox), what a poll is given, and what it returns. Pushed messages (the
inbox webhook) and polled ones become the same ``InboxItem`` and are stored the same way
(``connectors.inbox.storing``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

# What an item reports: a client's message, or a status the marketplace reported.
KINDS = ("reply", "viewed", "interviewing", "offer", "hired", "declined", "withdrawn", "job_closed")
MAX_BODY_CHARS = 20_000


@dataclass(frozen=True)
class InboxItem:
    """One message or status from a source, with whatever identifies its proposal: bidflow's
    ``proposal_id``, the job's link, the marketplace's job id, or the client and the title
    (the title alone matches when exactly one sent proposal has it)."""

    external_id: str  # the source's own id for it: seeing it again changes nothing
    kind: str  # one of KINDS
    body: str
    sender: str | None
    received_at: datetime  # aware, UTC
    proposal_id: int | None = None
    job_url: str | None = None
    job_id: str | None = None
    client: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class InboxContext:
    """What a source gets for one poll."""

    now: datetime
    home: Path  # BIDFLOW_HOME: where API tokens live
    cursor: Mapping[str, Any] = field(default_factory=dict)  # saved by the previous poll


@dataclass
class InboxBatch:
    """One poll of one inbox source: the items read, a line per item that could not be read
    (naming it and what to do), how many were skipped as not for bidflow, and the cursor to
    save once the items are stored (None keeps the old one)."""

    source: str
    items: list[InboxItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    cursor: dict[str, Any] | None = None
    skipped: int = 0  # read, but not for bidflow (a newsletter in the notifications mailbox)


class InboxSource(Protocol):
    """A polled inbox source. ``fetch`` raises ``bidflow.errors.FeedError`` (with a message a
    person can act on) when the source cannot be read at all; it never sends, marks read,
    moves or deletes anything at the source."""

    name: str

    def fetch(self, context: InboxContext) -> InboxBatch: ...
