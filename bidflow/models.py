"""Every table of bidflow, as SQLModel classes. Queries live in ``bidflow.store``.

Unique keys make ingesting, triaging and drafting idempotent: running a stage twice is harmless.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bidflow.types import JSONType, UTCDateTime, utcnow


def _json(**kwargs: Any) -> Any:
    return Field(sa_type=JSONType, **kwargs)


def _when(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


class JobBase(SQLModel):
    """A job posting as bidflow understands it, whatever feed it came from."""

    source: str = Field(max_length=64)
    external_id: str = Field(max_length=255)
    url: str | None = None
    title: str
    description: str = Field(default="", sa_type=Text)
    category: str | None = None
    skills: list[str] = _json(default_factory=list)
    job_type: str | None = Field(default=None, max_length=16)  # "fixed" | "hourly"
    budget: float | None = None  # fixed price, in USD
    hourly_min: float | None = None
    hourly_max: float | None = None
    experience_level: str | None = Field(default=None, max_length=32)
    posted_at: datetime | None = _when(default=None)
    proposals_bucket: str | None = Field(default=None, max_length=32)
    proposals_count: int | None = None
    interviewing: int | None = None
    invites_sent: int | None = None
    client_payment_verified: bool | None = None
    client_country: str | None = None
    client_timezone: str | None = None
    client_total_spent: float | None = None
    client_hires: int | None = None
    client_jobs_posted: int | None = None
    client_feedback: float | None = None
    client_reviews: int | None = None
    client_member_since: datetime | None = _when(default=None)
    # Who the client is, as far as a feed tells: a feed's own client id ("id:…"), else a
    # fingerprint of their country and member-since moment ("fp:…"); None when neither is
    # known. Cooldowns, blocklists and "previous client" preferences key on it.
    client_key: str | None = Field(default=None, max_length=128)
    client_name: str | None = None
    weekly_budget: float | None = None  # hourly jobs with a weekly budget, in USD
    job_hires: int | None = None  # freelancers the client already hired on this job
    content_hash: str = Field(max_length=64)
    # The marketplace's own identity of the posting (Upwork ciphertext, or the URL without
    # tracking parameters), so one job reached through two feeds is stored once.
    canonical_key: str | None = Field(default=None, max_length=512)
    # The item as the feed gave it, for re-reading; without a plain-text description, which
    # is ``description`` already.
    raw: dict[str, Any] = _json(default_factory=dict)


class Job(JobBase, table=True):
    """A stored job; (source, external_id), the canonical key and the content hash each
    identify it once."""

    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_job_source_external_id"),
        UniqueConstraint("content_hash", name="uq_job_content_hash"),
        # A unique index rather than a constraint: SQLite adds it without rebuilding the table.
        Index("uq_job_canonical_key", "canonical_key", unique=True),
        Index("ix_job_posted_at", "posted_at"),
        Index("ix_job_client_key", "client_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    first_seen_at: datetime = _when(default_factory=utcnow)


class JobAlias(SQLModel, table=True):
    """Another sighting of a stored job: the same posting through another feed ("duplicate"), or
    the client posting the same text again ("repost"). Linked, never stored twice."""

    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_alias_source_id"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="job.id", index=True)
    source: str = Field(max_length=64)
    external_id: str = Field(max_length=255)
    url: str | None = None
    kind: str = Field(max_length=16)  # "duplicate" | "repost"
    seen_at: datetime = _when(default_factory=utcnow)


class SourceState(SQLModel, table=True):
    """One feed's memory between polls (ETag, cursor, last IMAP UID) and its health."""

    name: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=32)
    cursor: dict[str, Any] = _json(default_factory=dict)
    status: str = Field(default="never_polled", max_length=32)
    last_polled_at: datetime | None = _when(default=None)
    last_success_at: datetime | None = _when(default=None)
    last_error_at: datetime | None = _when(default=None)
    last_error: str | None = Field(default=None, sa_type=Text)
    consecutive_failures: int = 0
    last_fetched: int = 0
    last_new: int = 0
    total_new: int = 0
    newest_posted_at: datetime | None = _when(default=None)


class Bidder(SQLModel, table=True):
    """A bidder from the agency config, mirrored so proposals and reports can refer to it."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    title: str
    skills: list[str] = _json(default_factory=list)
    hourly_rate: float
    timezone: str = "UTC"
    ruleset: str = "default"
    active: bool = True
    profile: dict[str, Any] = _json(default_factory=dict)  # the config entry, for prompts


class Decision(SQLModel, table=True):
    """Triage of one job for one bidder: passed or not, its score, and a reason per rule."""

    __table_args__ = (
        UniqueConstraint("job_id", "bidder_id", name="uq_decision_job_bidder"),
        Index("ix_decision_decided_at", "decided_at"),  # reports count a week's triage
    )

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="job.id", index=True)
    bidder_id: int = Field(foreign_key="bidder.id", index=True)
    ruleset: str
    passed: bool
    score: float
    routed: bool = False  # the one bidder this job goes to
    reasons: list[dict[str, str]] = _json(default_factory=list)
    decided_at: datetime = _when(default_factory=utcnow)
    # A routed job a guardrail held back (caps, Connects, cooldown, quiet hours, spacing): why,
    # and since when. Reconsidered while the job is fresh; cleared when it is drafted.
    parked_reason: str | None = Field(default=None, sa_type=Text)
    parked_at: datetime | None = _when(default=None)


class ProposalStatus(StrEnum):
    """Where a proposal is in its life; transitions are checked in ``bidflow.lifecycle``."""

    QUEUED = "queued"
    APPROVED = "approved"
    REJECTED = "rejected"
    SENT = "sent"
    VIEWED = "viewed"
    REPLIED = "replied"
    INTERVIEWING = "interviewing"
    OFFER = "offer"
    HIRED = "hired"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    JOB_CLOSED = "job_closed"
    EXPIRED = "expired"


class Proposal(SQLModel, table=True):
    """The agency's one proposal for a job: a draft until a person approves and sends it."""

    __table_args__ = (
        UniqueConstraint("job_id", name="uq_proposal_job"),
        Index("ix_proposal_status", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="job.id")
    bidder_id: int = Field(foreign_key="bidder.id", index=True)
    status: str = Field(default=ProposalStatus.QUEUED, max_length=32)
    draft_text: str = Field(sa_type=Text)
    final_text: str | None = Field(default=None, sa_type=Text)
    template_variant: str = Field(default="proposal", max_length=64)
    model: str = Field(max_length=120)  # "offline" for the offline drafter
    offline: bool = False
    tokens_in: int = 0
    tokens_out: int = 0
    tokens_cached: int = 0
    cost_usd: float = 0.0
    flags: list[dict[str, str]] = _json(default_factory=list)
    reviewer: str | None = None
    reject_reason: str | None = None
    bid_amount: float | None = None
    connects: int | None = None  # spent, as recorded when marked sent
    connects_estimate: int | None = None  # expected when queued (agency.connects_per_job)
    # What the model returned besides the letter (structured output).
    screening_answers: list[dict[str, str]] = _json(default_factory=list)  # [{question, answer}]
    client_questions: list[str] = _json(default_factory=list)
    suggested_bid: float | None = None
    rationale: str | None = Field(default=None, sa_type=Text)
    version: int = 1  # the current version of the letter (see ProposalVersion)
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)
    sent_at: datetime | None = _when(default=None)


class ProposalVersion(SQLModel, table=True):
    """One version of a proposal's letter: the first draft, each regeneration with the
    reviewer's instruction, each saved edit. The proposal's text is its latest version."""

    __table_args__ = (UniqueConstraint("proposal_id", "version", name="uq_version_proposal"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    version: int
    text: str = Field(sa_type=Text)
    kind: str = Field(max_length=16)  # "draft" | "regenerated" | "edited"
    instruction: str | None = Field(default=None, sa_type=Text)  # the reviewer's, if any
    model: str | None = Field(default=None, max_length=120)
    actor: str = Field(max_length=120)
    flags: list[dict[str, str]] = _json(default_factory=list)
    created_at: datetime = _when(default_factory=utcnow)


class FollowUp(SQLModel, table=True):
    """A follow-up message planned after a send; cancelled by any reply."""

    __table_args__ = (UniqueConstraint("proposal_id", "sequence", name="uq_followup_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    sequence: int
    due_at: datetime = _when()
    status: str = Field(default="scheduled", max_length=32)
    draft_text: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = _when(default_factory=utcnow)
    # Reviewed like a proposal's letter: the reviewer's edit, the content checks' flags, what
    # writing it cost, who reviewed it and why it was rejected (bidflow/store/followups.py).
    final_text: str | None = Field(default=None, sa_type=Text)
    flags: list[dict[str, str]] = _json(default_factory=list)
    model: str | None = Field(default=None, max_length=120)  # "offline" for the offline drafter
    offline: bool = False
    tokens_in: int = 0
    tokens_out: int = 0
    tokens_cached: int = 0
    cost_usd: float = 0.0
    reviewer: str | None = None
    reject_reason: str | None = None
    claimed_at: datetime | None = _when(default=None)  # when a drafting worker took it
    sent_at: datetime | None = _when(default=None)  # when a person sent it on the marketplace


class Message(SQLModel, table=True):
    """Something a client or the marketplace said about a proposal (reply, view, invite...)."""

    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_message_source_id"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id", index=True)
    source: str = Field(max_length=64)
    external_id: str = Field(max_length=255)
    kind: str = Field(max_length=32)
    sender: str | None = None
    body: str = Field(default="", sa_type=Text)
    received_at: datetime = _when(default_factory=utcnow)


class Alert(SQLModel, table=True):
    """A notification to a person; the dedupe key makes one message alert once."""

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=255, unique=True)
    kind: str = Field(default="reply", max_length=32)  # reply | source_failing | ...
    text: str = Field(default="", sa_type=Text)
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id")
    message_id: int | None = Field(default=None, foreign_key="message.id")
    recipient: str
    channel: str = Field(max_length=64)
    status: str = Field(default="pending", max_length=32)
    created_at: datetime = _when(default_factory=utcnow)
    sent_at: datetime | None = _when(default=None)
    acknowledged_at: datetime | None = _when(default=None)
    # Delivery across notifier runs: runs that tried it, when the next may, the last error.
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = _when(default=None)
    last_error: str | None = Field(default=None, sa_type=Text)
    # A worker delivering it (status "sending") since then; an old claim is a dead worker's.
    claimed_at: datetime | None = _when(default=None)
    digest: bool = Field(default=False)  # held for quiet hours: goes out in the digest


class User(SQLModel, table=True):
    """A team member of the review desk."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=255, unique=True)
    name: str
    role: str = Field(max_length=32)
    bidder_id: int | None = Field(default=None, foreign_key="bidder.id")
    # An account manager's bidders (ids): their clients' replies are this user's; [] means all.
    manages: list[int] = _json(default_factory=list)
    password_hash: str | None = None
    created_at: datetime = _when(default_factory=utcnow)


class Event(SQLModel, table=True):
    """An append-only record of something that happened; reports are computed from these."""

    __table_args__ = (
        Index("ix_event_entity", "entity", "entity_id"),
        Index("ix_event_at", "at"),
        # Every event of a set of proposals without reading table rows (analytics.report).
        Index("ix_event_entity_history", "entity", "entity_id", "at", "action"),
    )

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=32)
    entity_id: int
    action: str = Field(max_length=64)
    actor: str = Field(max_length=255)
    at: datetime = _when(default_factory=utcnow)
    data: dict[str, Any] = _json(default_factory=dict)


class FlowRunRecord(SQLModel, table=True):
    """How one flow run ended, written by the flows' state hooks (``flows/run_health.py``):
    ``bidflow status`` shows each flow's last run, and a run of failures alerts the owners.
    Rows are pruned as new ones are written (``bidflow/store/flow_runs.py``)."""

    __table_args__ = (Index("ix_flowrunrecord_flow_id", "flow", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    flow: str = Field(max_length=64)
    run_id: str = Field(max_length=36, unique=True)  # Prefect's flow run id
    started_at: datetime = _when()
    finished_at: datetime = _when()
    state: str = Field(max_length=32)  # Completed | Failed | Crashed
    summary: str | None = Field(default=None, sa_type=Text)  # the run's one summary line
    error: str | None = Field(default=None, sa_type=Text)
    # Carried from row to row, so a run of failures survives pruning of its first rows.
    failures_in_row: int = 0  # this run and the failed runs of the flow right before it
    failing_since: datetime | None = _when(default=None)  # when the first of them started
