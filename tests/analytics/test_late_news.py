"""News this week on a proposal sent long before the weeks the report reads (its trend's
weeks): it counts in this week's activity, grouped by what its send recorded and the hour it
went out, both read from its own sent event."""

from __future__ import annotations

from analytics.report import build_weekly_report
from bidflow.db import session_scope
from bidflow.models import Bidder, Proposal
from bidflow.store.events import record_event
from bidflow.store.jobs import store_jobs
from tests.analytics.report_log import BERLIN, NOW, W13, cells, rows, utc
from tests.factories import make_job


def test_late_news_is_grouped_by_its_old_send(database_url: str) -> None:
    with session_scope(database_url) as session:
        bidder = Bidder(name="Ana", title="Engineer", hourly_rate=50)
        session.add(bidder)
        session.flush()
        job = make_job(proposals_bucket="50+", client_total_spent=50_000.0)
        (job_id,) = store_jobs(session=session, jobs=[job]).new_ids
        assert bidder.id is not None
        proposal = Proposal(job_id=job_id, bidder_id=bidder.id, draft_text="Hi", model="m")
        session.add(proposal)
        session.flush()
        assert proposal.id is not None
        sent = {"connects": 12, "proposals_bucket": "15 to 20", "client_total_spent": 500.0}
        for action, at, data in (
            ("queued", utc(1, 5, 8), {}),
            ("approved", utc(1, 5, 9), {}),
            ("sent", utc(1, 5, 10), sent),  # 11:00 in Berlin (winter time), 2026-W02
            ("replied", utc(3, 25, 9), {}),  # W13
        ):
            record_event(session=session, entity="proposal", entity_id=proposal.id,
                         action=action, actor="t", at=at, data=data)  # fmt: skip
    with session_scope(database_url) as session:
        report = build_weekly_report(session=session, week=W13, timezone=BERLIN, now=NOW)
    funnel = rows(report, "funnel_by_bidder")
    stages = ["drafted", "sent", "viewed", "replied", "cohort_replied"]
    assert cells(funnel, "Ana", stages) == [0, 0, 1, 1, 0]  # a reply shows the view
    hours = rows(report, "funnel_by_send_hour")["replied"]
    assert {hour: int(n) for hour, n in hours.items() if n} == {"11:00": 1, "All": 1}
    assert rows(report, "funnel_by_proposals_bucket").at["15 to 20", "replied"] == 1
    assert rows(report, "funnel_by_client_spend").at["< $1k", "replied"] == 1
