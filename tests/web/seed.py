"""Seeding the review queue for web tests: a bidder, jobs, and offline drafts queued for review."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bidflow.db import session_scope
from bidflow.errors import TransitionError
from bidflow.lifecycle import check_transition
from bidflow.models import Bidder, Event, JobBase, Proposal, ProposalStatus
from bidflow.store.events import events_for
from bidflow.store.jobs import store_jobs
from bidflow.store.proposals import get_proposal, queue_proposal
from tests.factories import make_job

HOSTILE_TITLE = "<img src=x onerror=alert(1)>"
DRAFT = "Hi,\n\nI have built three booking APIs in Django. Happy to start this week.\n\nAna"


@dataclass(frozen=True)
class Seeded:
    """The ids of what was seeded: the hostile-titled job's proposal and a plain one."""

    hostile: int
    plain: int


def add_bidder(session: Session, name: str = "Ana") -> Bidder:
    bidder = Bidder(name=name, title="Python backend engineer", hourly_rate=60)
    session.add(bidder)
    session.flush()
    return bidder


def queue_drafts(
    session: Session,
    *,
    bidder: Bidder,
    jobs: Sequence[JobBase],
    flags: list[dict[str, str]] | None = None,
) -> list[int]:
    """Store ``jobs`` and queue one offline draft per job; the new proposals' ids, in order."""
    assert bidder.id is not None
    ids: list[int] = []
    for job_id in store_jobs(session=session, jobs=jobs).new_ids:
        proposal = Proposal(
            job_id=job_id,
            bidder_id=bidder.id,
            draft_text=DRAFT,
            model="offline",
            offline=True,
            flags=flags or [],
        )
        queued = queue_proposal(session=session, proposal=proposal, actor="drafter")
        assert queued is not None and queued.id is not None
        ids.append(queued.id)
    return ids


def seed_review_queue(url: str, **job_overrides: Any) -> Seeded:
    """Two queued drafts: one for a job whose title is an XSS attempt, one ordinary."""
    with session_scope(url) as session:
        bidder = add_bidder(session)
        hostile, plain = queue_drafts(
            session,
            bidder=bidder,
            jobs=[make_job(title=HOSTILE_TITLE, **job_overrides), make_job(**job_overrides)],
        )
    return Seeded(hostile=hostile, plain=plain)


def load_proposal(url: str, proposal_id: int) -> Proposal:
    """The proposal as stored now, read in a fresh session."""
    with session_scope(url) as session:
        return get_proposal(session=session, proposal_id=proposal_id)


def proposal_actions(url: str, proposal_id: int) -> list[str]:
    """The actions of the proposal's events, oldest first (e.g. ["queued", "approved"])."""
    return [event.action for event in proposal_events(url, proposal_id)]


def proposal_events(url: str, proposal_id: int) -> list[Event]:
    with session_scope(url) as session:
        return list(events_for(session=session, entity="proposal", entity_id=proposal_id))


def transition_refusal(current: str, target: str) -> str:
    """The message the lifecycle gives for a refused move, so tests don't copy its wording."""
    try:
        check_transition(current, target)
    except TransitionError as refusal:
        return str(refusal)
    raise AssertionError(f"{current} -> {target} is allowed")


def sent_proposal(session: Session, bidder: Bidder, job: JobBase, sent_at: datetime) -> int:
    """Store ``job`` and a proposal for it already sent at ``sent_at``; the proposal's id."""
    (job_id,) = store_jobs(session=session, jobs=[job]).new_ids
    assert bidder.id is not None
    proposal = Proposal(
        job_id=job_id,
        bidder_id=bidder.id,
        status=ProposalStatus.SENT,
        draft_text="Hi",
        model="offline",
        sent_at=sent_at,
    )
    session.add(proposal)
    session.flush()
    assert proposal.id is not None
    return proposal.id
