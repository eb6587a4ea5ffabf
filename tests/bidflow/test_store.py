"""The store on SQLite and PostgreSQL: idempotent inserts, the lifecycle, events."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bidflow import db
from bidflow.errors import TransitionError
from bidflow.models import Bidder, Event, Job, JobAlias, Proposal
from bidflow.store.jobs import store_jobs, untriaged_jobs
from bidflow.store.proposals import (
    approve,
    edit_text,
    queue_proposal,
    review_queue,
    transition,
)
from tests.factories import make_job


def test_jobs_dedupe_on_source_id_and_content(database_url: str) -> None:
    first = make_job(source="rss", external_id="a")
    same_id_new_text = make_job(source="rss", external_id="a", title="Other", description="x")
    same_text_other_feed = make_job(
        source="alerts", external_id="z", title=first.title, description=first.description
    )
    with db.session_scope(database_url) as session:
        stored = store_jobs(session=session, jobs=[first, first])
        assert (len(stored.new_ids), stored.duplicates) == (1, 1)
    with db.session_scope(database_url) as session:
        again = store_jobs(session=session, jobs=[same_id_new_text, same_text_other_feed])
        assert (again.new_ids, again.duplicates, again.linked) == ([], 1, 1)
        assert len(session.exec(select(Job)).all()) == 1
        (alias,) = session.exec(select(JobAlias)).all()
        assert (alias.source, alias.external_id, alias.kind) == ("alerts", "z", "repost")
    with db.session_scope(database_url) as session:  # the alias is known from now on
        assert store_jobs(session=session, jobs=[same_text_other_feed]).duplicates == 1


def test_same_posting_through_two_feeds_is_linked_not_stored_twice(database_url: str) -> None:
    link = "https://www.upwork.com/jobs/~01abcdef0123456789?source=rss"
    from_rss = make_job(source="rss", external_id="~01abcdef0123456789", url=link)
    from_email = make_job(
        source="email",
        external_id="msg-77",
        url="https://www.upwork.com/jobs/~01abcdef0123456789",
        description="Shortened in the alert email…",
    )
    with db.session_scope(database_url) as session:
        first = store_jobs(session=session, jobs=[from_rss])
        second = store_jobs(session=session, jobs=[from_email])
        assert len(first.new_ids) == 1 and (second.new_ids, second.linked) == ([], 1)
        (alias,) = session.exec(select(JobAlias)).all()
        assert (alias.job_id, alias.kind) == (first.new_ids[0], "duplicate")
        job = session.get(Job, first.new_ids[0])
        assert job is not None and job.canonical_key == "upwork:~01abcdef0123456789"


def test_untriaged_jobs_are_the_undecided_ones(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        store_jobs(session=session, jobs=[make_job() for _ in range(3)])
        jobs = untriaged_jobs(session=session, limit=2)
        assert len(jobs) == 2 and jobs[0].id is not None and jobs[0].id < (jobs[1].id or 0)


def _queued(url: str) -> int:
    with db.session_scope(url) as session:
        job_id = store_jobs(session=session, jobs=[make_job()]).new_ids[0]
        bidder = Bidder(name="Ana", title="Dev", hourly_rate=50)
        session.add(bidder)
        session.flush()
        assert bidder.id is not None
        proposal = queue_proposal(
            session=session,
            proposal=Proposal(job_id=job_id, bidder_id=bidder.id, draft_text="Hi", model="offline"),
            actor="drafter",
        )
        assert proposal is not None and proposal.id is not None
        duplicate = queue_proposal(
            session=session,
            proposal=Proposal(job_id=job_id, bidder_id=bidder.id, draft_text="Again", model="x"),
            actor="drafter",
        )
        assert duplicate is None  # one proposal per job, however often drafting runs
        return proposal.id


def test_lifecycle_records_events_and_refuses_illegal_moves(database_url: str) -> None:
    proposal_id = _queued(database_url)
    with db.session_scope(database_url) as session:
        edit_text(session=session, proposal_id=proposal_id, text="  Better letter ", actor="sam")
        transition(session=session, proposal_id=proposal_id, to="approved", actor="sam")
    with db.session_scope(database_url) as session, pytest.raises(TransitionError) as refused:
        transition(session=session, proposal_id=proposal_id, to="hired", actor="sam")
    assert str(refused.value) == (
        "the proposal is approved and cannot become hired; it can become expired, job_closed,"
        " queued, rejected, sent"
    )
    with db.session_scope(database_url) as session:
        sent = transition(
            session=session, proposal_id=proposal_id, to="sent", actor="sam", data={"connects": 8}
        )
        assert sent.sent_at is not None
        actions = session.exec(select(Event.action).order_by(Event.id)).all()  # type: ignore[arg-type]
        assert actions == ["queued", "edited", "approved", "sent"]
        proposal = session.get(Proposal, proposal_id)
        assert proposal is not None and proposal.final_text == "Better letter"
        assert review_queue(session=session) == []


FLAG = {"check": "contact_details", "reason": "The letter shares an email address “a@b.co”."}


def _flagged(url: str, flags: list[dict[str, str]]) -> int:
    proposal_id = _queued(url)
    with db.session_scope(url) as session:
        proposal = session.get(Proposal, proposal_id)
        assert proposal is not None
        proposal.flags = flags
        session.add(proposal)
    return proposal_id


def test_a_flagged_draft_is_not_approved_without_an_override_reason(database_url: str) -> None:
    proposal_id = _flagged(database_url, [FLAG])
    for reason in (None, "   "):
        with db.session_scope(database_url) as session, pytest.raises(TransitionError) as refused:
            approve(session=session, proposal_id=proposal_id, actor="sam", override_reason=reason)
        assert "flagged (contact_details)" in str(refused.value)
        assert "reason" in str(refused.value)
    with db.session_scope(database_url) as session:
        proposal = session.get(Proposal, proposal_id)
        assert proposal is not None and proposal.status == "queued"
        assert session.exec(select(Event.action)).all() == ["queued"]


def test_an_override_approves_and_is_recorded_with_flags_reason_and_actor(
    database_url: str,
) -> None:
    proposal_id = _flagged(database_url, [FLAG])
    with db.session_scope(database_url) as session:
        approve(
            session=session,
            proposal_id=proposal_id,
            actor="sam",
            override_reason="  The address is the client's own, quoted back. ",
        )
    with db.session_scope(database_url) as session:
        events = session.exec(select(Event).order_by(Event.id)).all()  # type: ignore[arg-type]
        assert [event.action for event in events] == ["queued", "approved", "override"]
        override = events[-1]
        assert override.actor == "sam"
        assert override.data == {
            "flags": [FLAG],
            "reason": "The address is the client's own, quoted back.",
        }
        proposal = session.get(Proposal, proposal_id)
        assert proposal is not None and proposal.status == "approved"


def test_the_offline_flag_alone_does_not_block_approval(database_url: str) -> None:
    proposal_id = _flagged(database_url, [{"check": "offline", "reason": "no LLM configured"}])
    with db.session_scope(database_url) as session:
        approve(session=session, proposal_id=proposal_id, actor="sam")
        actions = session.exec(select(Event.action).order_by(Event.id)).all()  # type: ignore[arg-type]
        assert actions == ["queued", "approved"]
