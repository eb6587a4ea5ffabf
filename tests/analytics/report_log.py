"""A hand-built event log around 2026-W13 on Berlin's calendar, whose numbers are worked out
by hand in the tests.

W13 runs from Monday 23 March 00:00 CET (22 March 23:00 UTC) to Monday 30 March 00:00 CEST
(29 March 22:00 UTC): Berlin moves its clocks forward on Sunday 29 March, so the week is 167
hours long, and an event at 29 March 22:00 UTC already belongs to W14.

    P1 Ana  proposal        drafted, approved, sent (Mon 12:00 CET), viewed, replied in W13;
                            hired in W14 with a $2,000 contract value: sent one week, hired the next
    P2 Ana  proposal_short  sent in W13 (posted exactly 1 h before), then withdrawn
    P3 Ben  proposal        drafted, approved, sent at 23:59:59 CEST on Sunday (the last second
                            of W13); replied at 00:00 CEST Monday: W14
    P4 Ben  proposal        drafted in the last second of W12, approved in the first of W13,
                            sent, declined; its job has no posting time
    P5 Ana  proposal        drafted in W13, regenerated ($0.004 recorded), rejected
    P6 Ana  proposal_short  drafted and sent in W13; a reply without a view event, interview
    P7 Ben  proposal        sent in W12; replied and hired (no contract value) in W13
    Cy      never drafts: listed everywhere with zeros and NaN rates
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlmodel import Session

from analytics.report import build_weekly_report
from analytics.report_model import WeeklyReport
from analytics.weekly import IsoWeek
from bidflow.db import session_scope
from bidflow.models import Bidder, Decision, Proposal
from bidflow.store.events import record_event
from bidflow.store.jobs import store_jobs
from tests.factories import make_job

BERLIN = "Europe/Berlin"
W13 = IsoWeek(2026, 13)
W12 = IsoWeek(2026, 12)


def utc(month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


NOW = utc(4, 6, 8)  # Monday after W14: every outcome above has happened
END_OF_W13 = utc(3, 29, 22)  # a report made the moment W13 ends sees none of W14


def build(url: str, week: IsoWeek = W13, now: datetime = NOW) -> WeeklyReport:
    """The report of ``week`` on Berlin's calendar, as of ``now``."""
    with session_scope(url) as session:
        return build_weekly_report(session=session, week=week, timezone=BERLIN, now=now)


def rows(report: WeeklyReport, slug: str) -> pd.DataFrame:
    """A table of the report indexed by its group column."""
    frame = report.table(slug).frame
    return frame.set_index(frame.columns[0])


def cells(table: pd.DataFrame, row: str, columns: Sequence[str]) -> list[Any]:
    return [table.at[row, column] for column in columns]


def isnan(value: Any) -> bool:
    return math.isnan(float(value))


def _job(session: Session, **fields: Any) -> int:
    (job_id,) = store_jobs(session=session, jobs=[make_job(**fields)]).new_ids
    return job_id


def _proposal(
    session: Session,
    job_id: int,
    bidder: Bidder,
    variant: str,
    cost: float,
    *history: tuple[str, datetime, dict[str, Any]],
) -> int:
    assert bidder.id is not None
    proposal = Proposal(
        job_id=job_id,
        bidder_id=bidder.id,
        draft_text="Hello",
        model="m",
        template_variant=variant,
        cost_usd=cost,
    )
    session.add(proposal)
    session.flush()
    assert proposal.id is not None
    for action, at, data in history:
        record_event(
            session=session,
            entity="proposal",
            entity_id=proposal.id,
            action=action,
            actor="test",
            at=at,
            data=data,
        )
    return proposal.id


def _decide(session: Session, job_id: int, bidder: Bidder, passed: bool, at: datetime) -> None:
    assert bidder.id is not None
    session.add(
        Decision(
            job_id=job_id,
            bidder_id=bidder.id,
            ruleset="default",
            passed=passed,
            score=0.5,
            decided_at=at,
        )
    )


def _bidders(session: Session) -> tuple[Bidder, Bidder, Bidder]:
    made = [Bidder(name=name, title="Engineer", hourly_rate=50) for name in ("Ben", "Cy", "Ana")]
    session.add_all(made)
    session.flush()
    ben, cy, ana = made
    return ana, ben, cy


def seed(url: str) -> None:
    with session_scope(url) as session:
        ana, ben, cy = _bidders(session)
        web, mobile, design = "Web Development", "Mobile", "Design"
        j1 = _job(session, category=web, source="upwork_api", posted_at=utc(3, 23, 8),
                  proposals_bucket="50+", client_total_spent=150_000.0)  # fmt: skip
        j2 = _job(session, category=mobile, source="rss", posted_at=utc(3, 24, 7),
                  proposals_bucket="Less than 5", client_total_spent=0.0)  # fmt: skip
        j3 = _job(session, category=web, source="upwork_api", posted_at=utc(3, 29, 21, 50),
                  proposals_bucket="20 to 50", client_total_spent=None)  # fmt: skip
        j4 = _job(session, category=web, source="email", posted_at=None,
                  proposals_bucket=None, client_total_spent=500.0)  # fmt: skip
        j5 = _job(session, category=design, source="rss", posted_at=utc(3, 25, 9),
                  proposals_bucket="5 to 10", client_total_spent=999.99)  # fmt: skip
        j6 = _job(session, category=mobile, source="upwork_api", posted_at=utc(3, 26, 11, 30),
                  proposals_bucket="5 to 10", client_total_spent=1_000.0)  # fmt: skip
        j7 = _job(session, category=web, source="upwork_api", posted_at=utc(3, 18, 9),
                  proposals_bucket="15 to 20", client_total_spent=100_000.0)  # fmt: skip
        j8, j9, j10 = (_job(session, category=c, source="rss") for c in (design, web, web))
        j11 = _job(session, category=mobile, source="email")

        _proposal(session, j1, ana, "proposal", 0.01,
                  ("queued", utc(3, 23, 9), {}), ("approved", utc(3, 23, 10), {}),
                  ("sent", utc(3, 23, 11), {"bid": 500, "connects": 16,
                   "proposals_bucket": "10 to 15", "client_total_spent": 8_000.0}),
                  ("viewed", utc(3, 24, 9), {}), ("replied", utc(3, 25, 9), {}),
                  ("hired", utc(4, 2, 10), {"contract_value_usd": 2_000.0}))  # fmt: skip
        _proposal(session, j2, ana, "proposal_short", 0.02,
                  ("queued", utc(3, 24, 7, 10), {}), ("approved", utc(3, 24, 7, 30), {}),
                  ("sent", utc(3, 24, 8), {"bid": 300, "connects": 12}),
                  ("withdrawn", utc(3, 26, 10), {}))  # fmt: skip
        _proposal(session, j3, ben, "proposal", 0.03,
                  ("queued", utc(3, 29, 21), {}), ("approved", utc(3, 29, 21, 30), {}),
                  ("sent", utc(3, 29, 21, 59, 59), {"bid": 900, "connects": 10,
                   "proposals_bucket": "20 to 50", "client_total_spent": None}),
                  ("replied", utc(3, 29, 22), {}))  # fmt: skip
        _proposal(session, j4, ben, "proposal", 0.04,
                  ("queued", utc(3, 22, 22, 59, 59), {}), ("approved", utc(3, 22, 23), {}),
                  ("sent", utc(3, 23, 2), {"bid": 400, "connects": 20}),
                  ("declined", utc(3, 27, 9), {}))  # fmt: skip
        _proposal(session, j5, ana, "proposal", 0.05,
                  ("queued", utc(3, 25, 10), {}),
                  ("regenerated", utc(3, 25, 10, 30), {"version": 2, "cost_usd": 0.004}),
                  ("rejected", utc(3, 25, 11), {"reason": "off-topic"}))  # fmt: skip
        _proposal(session, j6, ana, "proposal_short", 0.06,
                  ("queued", utc(3, 26, 10), {}), ("approved", utc(3, 26, 11), {}),
                  ("sent", utc(3, 26, 12), {"bid": 700, "connects": 14}),
                  ("replied", utc(3, 27, 8), {}), ("interviewing", utc(3, 28, 9), {}))  # fmt: skip
        _proposal(session, j7, ben, "proposal", 0.07,
                  ("queued", utc(3, 17, 9, 30), {}), ("approved", utc(3, 17, 12), {}),
                  ("sent", utc(3, 18, 10), {"bid": 800, "connects": 18,
                   "proposals_bucket": "10 to 15", "client_total_spent": 99_999.0}),
                  ("replied", utc(3, 24, 10), {}), ("hired", utc(3, 26, 10), {}))  # fmt: skip

        for job, bidder, passed, at in (
            (j1, ana, True, utc(3, 23, 8, 30)),
            (j1, ben, False, utc(3, 23, 8, 30)),
            (j2, ana, True, utc(3, 24, 7, 5)),
            (j3, ben, True, utc(3, 29, 20, 30)),
            (j4, ben, True, utc(3, 22, 22)),  # W12
            (j5, ana, True, utc(3, 25, 9, 30)),
            (j6, ana, True, utc(3, 26, 11, 40)),
            (j7, ben, True, utc(3, 17, 9, 10)),  # W12
            (j8, cy, False, utc(3, 24, 12)),
            (j9, cy, True, utc(3, 25, 12)),
            (j10, cy, False, utc(3, 29, 22)),  # the first instant of W14
            (j11, cy, True, utc(3, 22, 23)),  # the first instant of W13
        ):
            _decide(session, job, bidder, passed, at)
