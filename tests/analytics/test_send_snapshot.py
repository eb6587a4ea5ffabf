"""A send records the job's competition and the client's spend as they stood then, and the
report groups the send by them even after the job's values change."""

from __future__ import annotations

from datetime import timedelta

from analytics.report import build_weekly_report
from analytics.weekly import week_of
from bidflow.db import session_scope
from bidflow.models import Job, Proposal
from bidflow.store.events import events_for
from bidflow.store.proposals import approve, mark_sent
from tests.analytics.report_log import rows
from tests.factories import make_job
from tests.web.seed import add_bidder, queue_drafts


def test_the_sent_event_keeps_the_job_as_it_was(sqlite_url: str) -> None:
    with session_scope(sqlite_url) as session:
        bidder = add_bidder(session)
        job = make_job(proposals_bucket="Less than 5", client_total_spent=800.0)
        (proposal_id,) = queue_drafts(session, bidder=bidder, jobs=[job])
        approve(session=session, proposal_id=proposal_id, actor="lead")
        mark_sent(session=session, proposal_id=proposal_id, actor="lead", bid=450.0, connects=16)
    with session_scope(sqlite_url) as session:
        proposal = session.get(Proposal, proposal_id)
        assert proposal is not None
        stored = session.get(Job, proposal.job_id)
        assert stored is not None
        stored.proposals_bucket, stored.client_total_spent = "50+", 250_000.0  # a later refresh
        session.add(stored)
        sent = events_for(session=session, entity="proposal", entity_id=proposal_id)[-1]
        assert sent.data == {
            "bid": 450.0,
            "connects": 16,
            "proposals_bucket": "Less than 5",
            "client_total_spent": 800.0,
        }
        sent_at = sent.at

    with session_scope(sqlite_url) as session:
        report = build_weekly_report(
            session=session,
            week=week_of(sent_at.date()),
            timezone="UTC",
            now=sent_at + timedelta(days=8),
        )
    buckets = rows(report, "funnel_by_proposals_bucket")["sent"]
    assert buckets.to_dict() == {"Less than 5": 1, "All": 1}
    spend = rows(report, "funnel_by_client_spend")["sent"]
    assert (spend["< $1k"], spend["$100k+"]) == (1, 0)
