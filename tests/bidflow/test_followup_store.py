"""Follow-ups in the store, on SQLite and PostgreSQL: scheduled once, stopped by any answer or
status change, and each due one claimed by exactly one worker."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from bidflow import db
from bidflow.errors import NotFoundError
from bidflow.models import Bidder, Event, FollowUp, Message, Proposal
from bidflow.store.events import events_for
from bidflow.store.followups import (
    CANCELLED,
    DRAFTING,
    SCHEDULED,
    cancel_follow_ups,
    claim_due_follow_up,
    claim_due_follow_ups,
    due_follow_ups,
    follow_ups_of,
    schedule_follow_ups,
    stop_follow_ups_on_message,
    stop_follow_ups_on_status,
)
from bidflow.store.jobs import store_jobs
from bidflow.store.proposals import transition
from tests.factories import make_job

SENT = datetime(2026, 6, 1, 10, tzinfo=UTC)
PLAN = [SENT + timedelta(days=2), SENT + timedelta(days=5), SENT + timedelta(days=9)]
_messages = itertools.count(1)


def _bidder_id(session: Session) -> int:
    bidder = session.exec(select(Bidder).where(Bidder.name == "Ana")).first()
    if bidder is None:
        bidder = Bidder(name="Ana", title="Dev", hourly_rate=50)
        session.add(bidder)
        session.flush()
    assert bidder.id is not None
    return bidder.id


def _sent_proposal(url: str, *, status: str = "sent", plan: list[datetime] | None = None) -> int:
    """A proposal sent at SENT, with ``plan`` scheduled when given."""
    with db.session_scope(url) as session:
        job_id = store_jobs(session=session, jobs=[make_job()]).new_ids[0]
        proposal = Proposal(
            job_id=job_id,
            bidder_id=_bidder_id(session),
            draft_text="Hi",
            model="offline",
            status=status,
            sent_at=SENT,
        )
        session.add(proposal)
        session.flush()
        assert proposal.id is not None
        if plan:
            schedule_follow_ups(session=session, proposal_id=proposal.id, due_times=plan)
        return proposal.id


def _message(url: str, proposal_id: int, received: datetime, kind: str = "reply") -> None:
    with db.session_scope(url) as session:
        session.add(
            Message(
                proposal_id=proposal_id,
                source="upwork-mail",
                external_id=f"m-{next(_messages)}",
                kind=kind,
                sender="client",
                body="Thanks, let's talk",
                received_at=received,
            )
        )


def _statuses(url: str, proposal_id: int) -> list[str]:
    with db.session_scope(url) as session:
        return [f.status for f in follow_ups_of(session=session, proposal_id=proposal_id)]


def _due_ids(url: str, now: datetime) -> list[int]:
    with db.session_scope(url) as session:
        return [f.proposal_id for f in due_follow_ups(session=session, now=now, limit=50)]


def test_scheduling_twice_does_not_duplicate(database_url: str) -> None:
    proposal_id = _sent_proposal(database_url)
    with db.session_scope(database_url) as session:
        first = schedule_follow_ups(session=session, proposal_id=proposal_id, due_times=PLAN[:2])
    with db.session_scope(database_url) as session:
        later = [due + timedelta(hours=1) for due in PLAN]
        again = schedule_follow_ups(session=session, proposal_id=proposal_id, due_times=later)
    assert (first, again) == (2, 1)  # only the third is new
    with db.session_scope(database_url) as session:
        rows = follow_ups_of(session=session, proposal_id=proposal_id)
        assert [(f.sequence, f.due_at, f.status) for f in rows] == [
            (1, PLAN[0], SCHEDULED),  # a stored follow-up keeps its due time
            (2, PLAN[1], SCHEDULED),
            (3, later[2], SCHEDULED),
        ]
        scheduled = [
            e.data
            for e in events_for(session=session, entity="proposal", entity_id=proposal_id)
            if e.action == "follow_ups_scheduled"
        ]
        assert scheduled == [
            {"due": {"1": PLAN[0].isoformat(), "2": PLAN[1].isoformat()}},
            {"due": {"3": later[2].isoformat()}},
        ]


def test_nothing_is_scheduled_for_an_answered_or_unsent_proposal(database_url: str) -> None:
    replied = _sent_proposal(database_url, status="replied")
    answered = _sent_proposal(database_url)
    _message(database_url, answered, SENT + timedelta(hours=3))
    viewed = _sent_proposal(database_url, status="viewed")
    with db.session_scope(database_url) as session:
        for proposal_id, expected in ((replied, 0), (answered, 0), (viewed, 3)):
            added = schedule_follow_ups(session=session, proposal_id=proposal_id, due_times=PLAN)
            assert added == expected, proposal_id
        with pytest.raises(NotFoundError, match="proposal 9999 not found"):
            schedule_follow_ups(session=session, proposal_id=9999, due_times=PLAN)
        with pytest.raises(ValueError, match="strictly increasing"):
            schedule_follow_ups(session=session, proposal_id=viewed, due_times=PLAN[::-1])


def test_follow_ups_become_due_at_their_time_one_at_a_time(database_url: str) -> None:
    proposal_id = _sent_proposal(database_url, plan=PLAN)
    assert _due_ids(database_url, PLAN[0] - timedelta(seconds=1)) == []
    with db.session_scope(database_url) as session:
        (first,) = due_follow_ups(session=session, now=PLAN[0], limit=10)
        assert (first.proposal_id, first.sequence) == (proposal_id, 1)
        # Long overdue, the second still waits while the first is not finished.
        (still_first,) = due_follow_ups(session=session, now=PLAN[2], limit=10)
        assert still_first.sequence == 1
        claimed = claim_due_follow_up(
            session=session, follow_up_id=first.id or 0, now=PLAN[2], actor="worker"
        )
        assert claimed is not None and claimed.status == DRAFTING
        assert due_follow_ups(session=session, now=PLAN[2], limit=10) == []
        claimed.status = "sent"  # the follow-up flow's job, later; finished either way
        session.add(claimed)
    with db.session_scope(database_url) as session:
        (second,) = due_follow_ups(session=session, now=PLAN[2], limit=10)
        assert second.sequence == 2


def test_a_reply_in_the_same_minute_as_the_due_time_means_no_follow_up(database_url: str) -> None:
    due = datetime(2026, 6, 3, 10, 0, tzinfo=UTC)
    now = due + timedelta(seconds=59)
    answered = _sent_proposal(database_url, plan=[due])
    viewed_only = _sent_proposal(database_url, plan=[due])
    untouched = _sent_proposal(database_url, plan=[due])
    assert _due_ids(database_url, now) == [answered, viewed_only, untouched]
    _message(database_url, answered, due + timedelta(seconds=30))
    _message(database_url, viewed_only, due + timedelta(seconds=30), kind="view")
    assert _due_ids(database_url, now) == [viewed_only, untouched]
    with db.session_scope(database_url) as session:
        (follow_up,) = follow_ups_of(session=session, proposal_id=answered)
        assert follow_up.id is not None
        late = claim_due_follow_up(session=session, follow_up_id=follow_up.id, now=now, actor="w")
        assert late is None
        claimed = claim_due_follow_ups(session=session, now=now, limit=10, actor="worker")
        assert sorted(f.proposal_id for f in claimed) == [viewed_only, untouched]
    assert _statuses(database_url, answered) == [SCHEDULED]


def test_a_reply_stamped_before_the_due_time_or_after_now_still_stops_it(database_url: str) -> None:
    due = datetime(2026, 6, 3, 10, 0, tzinfo=UTC)
    early = _sent_proposal(database_url, plan=[due])
    skewed = _sent_proposal(database_url, plan=[due])
    _message(database_url, early, due - timedelta(seconds=1))
    _message(database_url, skewed, due + timedelta(minutes=5))  # a clock ahead of the worker's
    assert _due_ids(database_url, due + timedelta(seconds=10)) == []


def test_leaving_sent_or_viewed_cancels_follow_ups_with_an_event(database_url: str) -> None:
    proposal_id = _sent_proposal(database_url, plan=PLAN)
    with db.session_scope(database_url) as session:
        first = claim_due_follow_ups(session=session, now=PLAN[0], limit=1, actor="worker")
        assert [f.sequence for f in first] == [1]
    at = SENT + timedelta(days=3)
    with db.session_scope(database_url) as session:
        # A view still awaits the answer: transition's own hook keeps every follow-up.
        transition(session=session, proposal_id=proposal_id, to="viewed", actor="sam")
        kept = stop_follow_ups_on_status(
            session=session, proposal_id=proposal_id, new_status="viewed", at=at, actor="sam"
        )
        assert kept == []
    assert _statuses(database_url, proposal_id) == [DRAFTING, SCHEDULED, SCHEDULED]
    with db.session_scope(database_url) as session:
        # transition cancels in its own transaction; the one being drafted too.
        transition(session=session, proposal_id=proposal_id, to="replied", actor="sam")
    assert _statuses(database_url, proposal_id) == [CANCELLED] * 3
    with db.session_scope(database_url) as session:
        events = session.exec(
            select(Event).where(Event.entity == "followup", Event.action == CANCELLED)
        ).all()
        cancelled = sorted(e.entity_id for e in events)
        assert len(cancelled) == 3
        assert {(e.actor, e.data["reason"]) for e in events} == {
            ("sam", "the proposal became replied")
        }
        assert sorted(e.data["sequence"] for e in events) == [1, 2, 3]
        # Cancelling again finds nothing left to cancel, and records nothing.
        again = cancel_follow_ups(
            session=session, proposal_id=proposal_id, reason="again", at=at, actor="sam"
        )
        assert again == []
    assert _due_ids(database_url, PLAN[2] + timedelta(days=30)) == []


@pytest.mark.parametrize(
    "status", ["interviewing", "offer", "hired", "declined", "withdrawn", "job_closed", "expired"]
)
def test_every_other_status_after_the_send_stops_follow_ups(database_url: str, status: str) -> None:
    proposal_id = _sent_proposal(database_url, plan=PLAN)
    with db.session_scope(database_url) as session:
        transition(session=session, proposal_id=proposal_id, to=status, actor="sam")
        # Even before the hook runs, the proposal's status alone keeps them from being due.
        assert due_follow_ups(session=session, now=PLAN[2], limit=10) == []
        stop_follow_ups_on_status(
            session=session, proposal_id=proposal_id, new_status=status, at=SENT, actor="sam"
        )
    assert _statuses(database_url, proposal_id) == [CANCELLED] * 3


def test_a_client_message_cancels_follow_ups_but_a_view_does_not(database_url: str) -> None:
    proposal_id = _sent_proposal(database_url, plan=PLAN)
    with db.session_scope(database_url) as session:
        viewed = stop_follow_ups_on_message(
            session=session, proposal_id=proposal_id, kind="view", at=SENT
        )
        replied = stop_follow_ups_on_message(
            session=session, proposal_id=proposal_id, kind="reply", at=SENT
        )
        assert (viewed, len(replied)) == ([], 3)
        reasons = {
            e.data["reason"]
            for e in session.exec(select(Event).where(Event.entity == "followup")).all()
        }
        assert reasons == {"the client sent a message (reply)"}


def _claim_in_turn(url: str, follow_up_id: int) -> list[FollowUp | None]:
    """Two workers claim one follow-up; the first keeps its transaction open while the second
    tries, so the two really overlap."""
    claimed_first = threading.Event()
    second_done = threading.Event()
    results: dict[str, FollowUp | None] = {}

    def first() -> None:
        with db.session_scope(url) as session:
            results["first"] = claim_due_follow_up(
                session=session, follow_up_id=follow_up_id, now=PLAN[2], actor="worker-1"
            )
            claimed_first.set()
            second_done.wait(timeout=2)  # SQLite: the second waits for the write lock

    def second() -> None:
        assert claimed_first.wait(timeout=30)
        with db.session_scope(url) as session:
            results["second"] = claim_due_follow_up(
                session=session, follow_up_id=follow_up_id, now=PLAN[2], actor="worker-2"
            )
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return [results.get("first"), results.get("second")]


def test_two_concurrent_claims_only_one_wins(database_url: str) -> None:
    proposal_id = _sent_proposal(database_url, plan=PLAN)
    with db.session_scope(database_url) as session:
        first_id = follow_ups_of(session=session, proposal_id=proposal_id)[0].id
    assert first_id is not None
    winner, loser = _claim_in_turn(database_url, first_id)
    assert winner is not None and winner.id == first_id and loser is None
    with db.session_scope(database_url) as session:
        claims = session.exec(
            select(Event.actor).where(Event.entity == "followup", Event.action == DRAFTING)
        ).all()
        assert claims == ["worker-1"]


def test_racing_workers_never_take_the_same_follow_up(database_url: str) -> None:
    proposals = [_sent_proposal(database_url, plan=PLAN) for _ in range(6)]
    start = threading.Barrier(4)
    taken: list[list[int]] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        start.wait(timeout=30)
        for _ in range(3):
            with db.session_scope(database_url) as session:
                claimed = claim_due_follow_ups(session=session, now=PLAN[0], limit=2, actor=name)
                with lock:
                    taken.append([f.proposal_id for f in claimed])

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    claimed_proposals = [proposal for batch in taken for proposal in batch]
    assert sorted(claimed_proposals) == proposals  # each first follow-up once, none twice


# However scheduling, claiming and finishing interleave, no proposal gets more follow-ups than
# its cadence has, and never two in progress at once.

NOWS = [SENT + timedelta(days=d) for d in (1, 3, 6, 10)]
_operation = st.one_of(
    st.tuples(st.just("schedule"), st.integers(min_value=1, max_value=len(PLAN))),
    st.tuples(st.just("claim_one"), st.integers(min_value=1, max_value=len(PLAN))),
    st.tuples(st.just("claim_due"), st.sampled_from(range(len(NOWS)))),
    st.tuples(st.just("finish"), st.just(0)),
)


def _apply(session: Session, proposal_id: int, operation: tuple[str, int]) -> None:
    name, value = operation
    rows = follow_ups_of(session=session, proposal_id=proposal_id)
    if name == "schedule":
        schedule_follow_ups(session=session, proposal_id=proposal_id, due_times=PLAN[:value])
    elif name == "claim_one":
        for row in rows:
            if row.sequence == value and row.id is not None:
                claim_due_follow_up(session=session, follow_up_id=row.id, now=NOWS[-1], actor="w")
    elif name == "claim_due":
        claim_due_follow_ups(session=session, now=NOWS[value], limit=10, actor="w")
    else:
        for row in rows:
            if row.status == DRAFTING:
                row.status = "sent"  # what the follow-up flow will do once the letter is out
                session.add(row)


def _check_invariants(session: Session, proposal_id: int) -> None:
    rows = follow_ups_of(session=session, proposal_id=proposal_id)
    assert len(rows) <= len(PLAN)
    assert sorted(r.sequence for r in rows) == list(range(1, len(rows) + 1))
    assert sum(r.status == DRAFTING for r in rows) <= 1
    claims = session.exec(
        select(Event.entity_id).where(
            Event.entity == "followup",
            Event.action == DRAFTING,
            col(Event.entity_id).in_([r.id for r in rows]),
        )
    ).all()
    assert len(claims) == len(set(claims)) <= len(PLAN)  # each claimed at most once
    started = [r.sequence for r in rows if r.status in (DRAFTING, "sent")]
    assert started == list(range(1, len(started) + 1))  # in order, none skipped


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(_operation, min_size=1, max_size=12))
def test_no_proposal_gets_more_follow_ups_than_its_cadence(
    database_url: str, operations: list[tuple[str, Any]]
) -> None:
    proposal_id = _sent_proposal(database_url)
    for operation in operations:
        with db.session_scope(database_url) as session:
            _apply(session, proposal_id, operation)
        with db.session_scope(database_url) as session:
            _check_invariants(session, proposal_id)
