"""Drafting under the guardrails: parking with a reason, reconsidering while fresh, expiring."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from bidflow import db
from bidflow.config import AgencyConfig
from bidflow.models import Decision, Job, Proposal
from bidflow.settings import get_settings
from bidflow.store.bidders import sync_bidders
from bidflow.store.decisions import EXPIRED
from bidflow.store.jobs import store_jobs
from bidflow.types import utcnow
from flows.context import FlowContext
from flows.draft import draft_backlog
from flows.triage import triage_backlog
from rules.triage import BidderSlot
from tests.factories import agency_dict, make_job


def _context(url: str, caps: dict[str, Any], max_age: str = "48h") -> FlowContext:
    data = agency_dict()
    data["bidders"][0]["caps"] = caps
    data["rulesets"]["default"]["freshness"] = {"max_age": max_age}
    agency = AgencyConfig.model_validate(data)
    with db.session_scope(url) as session:
        rows = sync_bidders(session=session, bidders=agency.bidders)
        slots = tuple(BidderSlot(id=rows[b.name].id or 0, config=b) for b in agency.bidders)
    return FlowContext(settings=get_settings(), agency=agency, url=url, bidders=slots)


def _triaged(context: FlowContext, posted: datetime, clients: list[str | None]) -> None:
    jobs = [make_job(posted_at=posted, client_key=client) for client in clients]
    with db.session_scope(context.url) as session:
        store_jobs(session=session, jobs=jobs)
    assert triage_backlog(context).routed == len(clients)  # all to Ana, the Python bidder


def _routed(url: str) -> list[tuple[Decision, bool]]:
    with db.session_scope(url) as session:
        decisions = session.exec(select(Decision).where(col(Decision.routed))).all()
        drafted = set(session.exec(select(Proposal.job_id)).all())
    return [(d, d.job_id in drafted) for d in decisions]


def test_parked_jobs_are_drafted_when_room_frees_and_expire_when_stale(sqlite_url: str) -> None:
    context = _context(sqlite_url, {"per_hour": 1, "per_day": 1, "per_week": 10})
    now = utcnow()
    _triaged(context, now - timedelta(hours=1), ["a", "b", "c"])

    first = draft_backlog(context, now=now)

    assert (first.drafted["Ana"], first.parked["Ana"]) == (1, 2)
    parked = [d for d, drafted in _routed(sqlite_url) if not drafted]
    assert [d.parked_reason for d in parked] == [
        "Ana's daily cap (1) is used up; resumes tomorrow 00:00 UTC"
    ] * 2
    assert all(d.parked_at == now for d in parked)

    second = draft_backlog(context, now=now + timedelta(days=1))  # a new day, still fresh

    assert second.drafted["Ana"] == 1
    rows = _routed(sqlite_url)
    assert all(d.parked_reason is None for d, drafted in rows if drafted)
    assert all(d.parked_at is None for d, drafted in rows if drafted)

    third = draft_backlog(context, now=now + timedelta(days=3))  # 73 h old, past 48 h

    assert (sum(third.drafted.values()), third.expired) == (0, 1)
    (stale,) = [d for d, drafted in _routed(sqlite_url) if not drafted]
    assert stale.parked_reason is not None and stale.parked_reason.startswith(EXPIRED)
    fourth = draft_backlog(context, now=now + timedelta(days=4))  # no longer retried
    assert (sum(fourth.drafted.values()), fourth.expired, sum(fourth.parked.values())) == (0, 0, 0)


def test_one_draft_per_client_per_run_and_unknown_clients_are_flagged(database_url: str) -> None:
    context = _context(database_url, {"per_hour": 50, "per_day": 50, "per_week": 50})
    now = utcnow()
    _triaged(context, now - timedelta(hours=1), ["acme", "acme", None])

    summary = draft_backlog(context, now=now)

    assert (summary.drafted["Ana"], summary.parked["Ana"]) == (2, 1)
    with db.session_scope(database_url) as session:
        pairs = session.exec(select(Proposal, Job).join(Job, col(Job.id) == Proposal.job_id)).all()
    flags = {job.client_key: [f["check"] for f in proposal.flags] for proposal, job in pairs}
    assert flags == {"acme": [], None: ["client_cooldown"]}
    (held,) = [d for d, drafted in _routed(database_url) if not drafted]
    assert held.parked_reason is not None and "client" in held.parked_reason
