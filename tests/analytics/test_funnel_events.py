"""What the database reads for a week, on SQLite and PostgreSQL: a stage counts once per
proposal, in the week the log first shows it; other entities' events and non-lifecycle events
never count; moments are exact to the microsecond at a week's edge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Float, cast, literal, select
from sqlmodel import Session

from analytics.event_queries import proposal_history
from analytics.funnel_spec import Window, actions_showing
from analytics.groups import spend_tier
from analytics.week_rows import totals_by_variant, week_rows
from analytics.weekly import IsoWeek
from bidflow.db import session_scope
from bidflow.models import Bidder, Proposal
from bidflow.store.events import record_event
from bidflow.store.jobs import store_jobs
from tests.factories import make_job

W47 = IsoWeek(2026, 47)  # Monday 16 to Sunday 22 November 2026, on UTC's calendar here
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def nov(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def _proposal(session: Session, bidder_id: int, *history: tuple[str, datetime]) -> int:
    (job_id,) = store_jobs(session=session, jobs=[make_job()]).new_ids
    proposal = Proposal(job_id=job_id, bidder_id=bidder_id, draft_text="Hi", model="m")
    session.add(proposal)
    session.flush()
    assert proposal.id is not None
    for action, at in history:
        record_event(session=session, entity="proposal", entity_id=proposal.id,
                     action=action, actor="t", at=at)  # fmt: skip
    return proposal.id


def test_actions_showing_each_stage() -> None:
    assert actions_showing("hired") == ("hired",)
    assert actions_showing("interviewed") == ("hired", "interviewing", "offer")
    assert actions_showing("viewed") == ("hired", "interviewing", "offer", "replied", "viewed")
    # Declined and withdrawn follow only a send; a closed or expired job may come before it.
    assert "withdrawn" in actions_showing("sent") and "job_closed" not in actions_showing("sent")
    assert "rejected" in actions_showing("drafted") and "edited" not in actions_showing("drafted")


def test_a_stage_counts_once_in_the_week_it_was_first_reached(database_url: str) -> None:
    with session_scope(database_url) as session:
        bidder = Bidder(name="Ana", title="Engineer", hourly_rate=50)
        session.add(bidder)
        session.flush()
        assert bidder.id is not None
        # Approved in W46, regenerated back to the queue and approved again in W47, sent.
        requeued = _proposal(
            session,
            bidder.id,
            *[("queued", nov(10)), ("approved", nov(11)), ("queued", nov(17))],
            *[("approved", nov(17, 13)), ("sent", nov(18))],
        )
        fresh = _proposal(session, bidder.id, ("queued", nov(16)), ("edited", nov(16, 13)))
        # A follow-up's "sent" event shares the proposal's number but is another entity.
        record_event(session=session, entity="followup", entity_id=fresh, action="sent",
                     actor="t", at=nov(19))  # fmt: skip
        only_edited = _proposal(session, bidder.id, ("queued", nov(9)), ("edited", nov(20)))
    window = Window(*W47.bounds("UTC"), now=NOW)
    with session_scope(database_url) as session:
        history = proposal_history(session, window.start, NOW)
    found = week_rows(history, window).set_index("proposal_id")
    columns = ["drafted", "approved", "sent", "cohort_approved", "cohort_replied"]
    assert [found.at[requeued, c] for c in columns] == [0, 0, 1, 0, 0]
    assert [found.at[fresh, c] for c in columns] == [1, 0, 0, 0, 0]
    # Its only event in the week is an edit: not even read.
    assert only_edited not in set(history["proposal_id"]) and only_edited not in found.index
    totals = totals_by_variant(week_rows(history, window))
    assert totals[["drafted", "approved", "sent"]].iloc[0].tolist() == [1, 0, 1]


def test_moments_are_exact_to_the_microsecond_at_the_week_edge(database_url: str) -> None:
    edge = datetime(2026, 11, 23, tzinfo=UTC)  # W47 ends here on UTC's calendar
    with session_scope(database_url) as session:
        bidder = Bidder(name="Ana", title="Engineer", hourly_rate=50)
        session.add(bidder)
        session.flush()
        assert bidder.id is not None
        last = _proposal(session, bidder.id, ("queued", edge - timedelta(microseconds=1)))
        first = _proposal(session, bidder.id, ("queued", edge))
    w47, w48 = (Window(*week.bounds("UTC"), now=NOW) for week in (W47, W47.shifted(1)))
    with session_scope(database_url) as session:
        history = proposal_history(session, w47.start, NOW).set_index("proposal_id")
    assert history.loc[last, "drafted_at"] == pytest.approx(edge.timestamp() - 1e-6, abs=1e-7)
    assert list(week_rows(history.reset_index(), w47)["proposal_id"]) == [last]
    assert list(week_rows(history.reset_index(), w48)["proposal_id"]) == [first]


@pytest.mark.parametrize(
    ("spent", "tier"),
    [
        (None, "unknown"),
        (0.0, "$0"),
        (0.01, "< $1k"),
        (999.99, "< $1k"),
        (1_000.0, "$1k–$10k"),
        (10_000.0, "$10k–$100k"),
        (99_999.99, "$10k–$100k"),
        (100_000.0, "$100k+"),
    ],
)
def test_client_spend_tiers(database_url: str, spent: float | None, tier: str) -> None:
    with session_scope(database_url) as session:
        assert (
            session.execute(select(spend_tier(cast(literal(spent, Float), Float)))).scalar_one()
            == tier
        )
