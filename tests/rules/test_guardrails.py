"""Each volume guardrail on its own: what it counts, in which calendar, and the reason it gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlmodel import Session, col, select

from bidflow import db
from bidflow.config import AgencyConfig
from bidflow.models import Bidder, Decision, Proposal
from bidflow.store.jobs import get_job, store_jobs
from bidflow.store.proposals import queue_proposal
from rules.guardrails import Capacity, bidder_capacity, queue_within_guardrails
from tests.factories import agency_dict, make_job

BIG = {"per_hour": 100, "per_day": 100, "per_week": 100}


def _agency(caps: dict[str, Any], **agency: Any) -> AgencyConfig:
    data = agency_dict()
    week = caps.setdefault("per_week", BIG["per_week"])
    day = caps.setdefault("per_day", min(BIG["per_day"], week))
    caps.setdefault("per_hour", min(BIG["per_hour"], day))  # the config keeps hour <= day <= week
    data["bidders"][0]["caps"] = caps
    data["bidders"][0]["timezone"] = agency.pop("bidder_timezone", "UTC")
    data["agency"].update(agency)
    return AgencyConfig.model_validate(data)


def _bidder(session: Session, name: str = "Ana") -> int:
    bidder = Bidder(name=name, title="Dev", hourly_rate=50)
    session.add(bidder)
    session.flush()
    assert bidder.id is not None
    return bidder.id


def _queued(
    session: Session, bidder_id: int, at: datetime, client: str | None = None, **fields: Any
) -> int:
    job_id = store_jobs(session=session, jobs=[make_job(client_key=client)]).new_ids[0]
    proposal = Proposal(
        job_id=job_id, bidder_id=bidder_id, draft_text="Hi", model="offline", created_at=at
    )
    for name, value in fields.items():
        setattr(proposal, name, value)
    queued = queue_proposal(session=session, proposal=proposal, actor="test")
    assert queued is not None
    return job_id


def _capacity(session: Session, bidder_id: int, agency: AgencyConfig, now: datetime) -> Capacity:
    return bidder_capacity(
        session=session, bidder_id=bidder_id, bidder=agency.bidders[0], agency=agency, now=now
    )


def test_hourly_cap_is_a_rolling_hour(sqlite_url: str) -> None:
    agency = _agency({"per_hour": 2})
    now = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)
    with db.session_scope(sqlite_url) as session:
        ana = _bidder(session)
        _queued(session, ana, now - timedelta(minutes=61))
        _queued(session, ana, now - timedelta(minutes=50))
        assert _capacity(session, ana, agency, now).remaining == 1
        _queued(session, ana, now - timedelta(minutes=20))
        capacity = _capacity(session, ana, agency, now)
    assert (capacity.remaining, capacity.binding) == (0, "hourly cap")
    assert capacity.reason == "Ana's hourly cap (2) is used up; resumes at 12:10 UTC"


def test_daily_cap_counts_the_bidders_local_day(database_url: str) -> None:
    now = datetime(2024, 5, 6, 18, 0, tzinfo=UTC)  # 7 May, 03:00 in Tokyo
    with db.session_scope(database_url) as session:
        ana = _bidder(session)
        _queued(session, ana, datetime(2024, 5, 6, 14, 30, tzinfo=UTC))  # 6 May 23:30 Tokyo
        _queued(session, ana, datetime(2024, 5, 6, 15, 30, tzinfo=UTC))  # 7 May 00:30 Tokyo
        _queued(session, ana, datetime(2024, 5, 6, 16, 0, tzinfo=UTC))
        roomy = _capacity(session, ana, _agency({"per_day": 3}, bidder_timezone="Asia/Tokyo"), now)
        full = _capacity(session, ana, _agency({"per_day": 2}, bidder_timezone="Asia/Tokyo"), now)
    assert roomy.remaining == 1
    assert (full.remaining, full.binding) == (0, "daily cap")
    assert full.reason == "Ana's daily cap (2) is used up; resumes tomorrow 00:00 Asia/Tokyo"


def test_weekly_cap_counts_the_bidders_local_week(sqlite_url: str) -> None:
    zone = "America/Los_Angeles"
    now = datetime(2024, 5, 8, 17, 0, tzinfo=UTC)  # Wednesday 10:00 in Los Angeles
    with db.session_scope(sqlite_url) as session:
        ana = _bidder(session)
        _queued(session, ana, datetime(2024, 5, 6, 6, 0, tzinfo=UTC))  # Sunday 23:00 there
        _queued(session, ana, datetime(2024, 5, 6, 15, 0, tzinfo=UTC))  # Monday 08:00
        _queued(session, ana, datetime(2024, 5, 7, 15, 0, tzinfo=UTC))  # Tuesday 08:00
        roomy = _capacity(session, ana, _agency({"per_week": 3}, bidder_timezone=zone), now)
        full = _capacity(session, ana, _agency({"per_week": 2}, bidder_timezone=zone), now)
    assert roomy.remaining == 1
    assert (full.remaining, full.binding) == (0, "weekly cap")
    assert full.reason.endswith("resumes Monday 00:00 America/Los_Angeles")


def test_connects_budget_counts_spent_or_estimated_and_frees_rejected(sqlite_url: str) -> None:
    agency = _agency({"connects_per_week": 40}, connects_per_job=16)
    now = datetime(2024, 5, 8, 12, 0, tzinfo=UTC)
    with db.session_scope(sqlite_url) as session:
        ana = _bidder(session)
        earlier = now - timedelta(hours=3)
        _queued(session, ana, earlier, connects_estimate=16)
        _queued(session, ana, earlier, status="sent", connects=8, connects_estimate=16)
        _queued(session, ana, earlier, status="rejected", connects_estimate=16)
        assert _capacity(session, ana, agency, now).remaining == 1  # 40 - 16 - 8 = 16 left
        _queued(session, ana, earlier, connects_estimate=16)
        capacity = _capacity(session, ana, agency, now)
    assert (capacity.remaining, capacity.binding) == (0, "weekly Connects")
    assert "weekly Connects budget (40) has 0 left" in capacity.reason


def test_agency_daily_cap_counts_every_bidder(sqlite_url: str) -> None:
    agency = _agency({}, daily_cap=2, timezone="Europe/Berlin")
    now = datetime(2024, 5, 8, 12, 0, tzinfo=UTC)
    with db.session_scope(sqlite_url) as session:
        ana, ben = _bidder(session), _bidder(session, "Ben")
        _queued(session, ben, datetime(2024, 5, 7, 21, 30, tzinfo=UTC))  # 8 May 23:30 Berlin
        _queued(session, ben, datetime(2024, 5, 7, 23, 0, tzinfo=UTC))
        assert _capacity(session, ana, agency, now).remaining == 1
        _queued(session, ben, now - timedelta(hours=1))
        capacity = _capacity(session, ana, agency, now)
    assert (capacity.remaining, capacity.binding) == (0, "agency daily cap")
    assert capacity.reason == (
        "the agency's daily cap (2) is used up; resumes tomorrow 00:00 Europe/Berlin"
    )


@pytest.mark.parametrize(
    ("local", "quiet"),
    [("23:30", True), ("02:00", True), ("06:59", True), ("07:00", False), ("21:59", False)],
)
def test_quiet_hours_span_midnight_in_the_bidders_timezone(
    sqlite_url: str, local: str, quiet: bool
) -> None:
    agency = _agency({"quiet_hours": "22:00-07:00"}, bidder_timezone="Europe/Berlin")
    hour, minute = (int(part) for part in local.split(":"))
    now = datetime(2024, 5, 8, hour, minute, tzinfo=UTC) - timedelta(hours=2)  # Berlin is +2
    with db.session_scope(sqlite_url) as session:
        capacity = _capacity(session, _bidder(session), agency, now)
    assert (capacity.remaining == 0) is quiet
    if quiet:
        assert capacity.reason == (
            "Ana's quiet hours (22:00-07:00 Europe/Berlin); resumes at 07:00 Europe/Berlin"
        )


@pytest.mark.parametrize("window", ["22-07", "22:00-25:00", "7:00-7:00", "22:00 to 07:00"])
def test_a_malformed_quiet_hours_window_is_refused(window: str) -> None:
    with pytest.raises(ValidationError, match="quiet"):
        _agency({"quiet_hours": window})


def test_spacing_between_one_bidders_drafts(sqlite_url: str) -> None:
    agency = _agency({"min_spacing": "10m"})
    now = datetime(2024, 5, 8, 12, 0, tzinfo=UTC)
    with db.session_scope(sqlite_url) as session:
        ana = _bidder(session)
        _queued(session, ana, now - timedelta(minutes=11))
        assert _capacity(session, ana, agency, now).remaining == 1
        _queued(session, ana, now - timedelta(minutes=4))
        capacity = _capacity(session, ana, agency, now)
    assert (capacity.remaining, capacity.binding) == (0, "spacing")
    assert capacity.reason == (
        "Ana's drafts are spaced 10 min apart; the next may be queued at 12:06 UTC"
    )


def _routed(session: Session, bidder_id: int, client: str | None) -> tuple[Decision, Any]:
    job_id = store_jobs(session=session, jobs=[make_job(client_key=client)]).new_ids[0]
    decision = Decision(
        job_id=job_id, bidder_id=bidder_id, ruleset="default", passed=True, score=1.0, routed=True
    )
    session.add(decision)
    session.flush()
    return decision, get_job(session=session, job_id=job_id)


def _attempt(
    session: Session, agency: AgencyConfig, bidder_id: int, client: str | None, now: datetime
) -> Proposal | str | None:
    decision, job = _routed(session, bidder_id, client)
    proposal = Proposal(job_id=job.id, bidder_id=bidder_id, draft_text="Hi", model="offline")
    return queue_within_guardrails(
        session=session,
        decision=decision,
        job=job,
        bidder=agency.bidders[0],
        agency=agency,
        proposal=proposal,
        actor="test",
        now=now,
    )


def test_client_cooldown_across_bidders_and_rejections(database_url: str) -> None:
    agency = _agency({}, client_cooldown_days=30)
    now = datetime(2024, 5, 8, 12, 0, tzinfo=UTC)
    with db.session_scope(database_url, write=True) as session:
        ana, ben = _bidder(session), _bidder(session, "Ben")
        _queued(session, ben, now - timedelta(days=10), client="acme")
        _queued(session, ben, now - timedelta(days=31), client="old")
        _queued(session, ben, now - timedelta(days=2), client="declined", status="rejected")
        held = _attempt(session, agency, ana, "acme", now)
        assert isinstance(held, str)
        assert "the 30-day client cooldown ends 2024-05-28 12:00 UTC" in held
        assert isinstance(_attempt(session, agency, ana, "old", now), Proposal)
        assert isinstance(_attempt(session, agency, ana, "declined", now), Proposal)
        assert isinstance(_attempt(session, agency, ana, None, now), Proposal)


def test_queueing_rechecks_and_parks_when_the_room_was_taken(database_url: str) -> None:
    agency = _agency({"per_hour": 1, "per_day": 1})
    now = datetime(2024, 5, 8, 12, 0, tzinfo=UTC)
    with db.session_scope(database_url, write=True) as session:
        ana = _bidder(session)
        first = _attempt(session, agency, ana, None, now)
        second = _attempt(session, agency, ana, None, now)
        parked = session.exec(select(Decision).where(col(Decision.parked_reason).isnot(None))).all()
    assert isinstance(first, Proposal) and first.connects_estimate == 16
    assert second == "Ana's daily cap (1) is used up; resumes tomorrow 00:00 UTC"
    assert [d.parked_reason for d in parked] == [second]
    assert parked[0].parked_at == now
