"""Follow-ups in the desk: marking a proposal sent schedules its ruleset's cadence; recording a
reply (or any later status) cancels what was scheduled, in the same transaction."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from bidflow.config import Role
from bidflow.db import session_scope
from bidflow.models import Event, FollowUp
from bidflow.settings import Settings
from tests.factories import agency_dict, make_job, write_config
from tests.web.desk import DeskClient, add_users
from tests.web.seed import add_bidder, queue_drafts
from web.app import create_app


@pytest.fixture
def desk(sqlite_url: str, tmp_path: Path) -> Iterator[DeskClient]:
    data = agency_dict()
    data["rulesets"]["default"]["followups"] = {"after": ["2d", "5d"]}
    settings = Settings(database_url=sqlite_url, config=write_config(tmp_path / "cfg", data))
    add_users(sqlite_url)
    with DeskClient(create_app(settings)) as client:
        client.sign_in(Role.SALES_LEAD)
        yield client


def _follow_ups(url: str, proposal_id: int) -> list[tuple[int, str]]:
    with session_scope(url) as session:
        rows = session.exec(
            select(FollowUp)
            .where(FollowUp.proposal_id == proposal_id)
            .order_by(col(FollowUp.sequence))
        ).all()
        return [(row.sequence, row.status) for row in rows]


def test_sending_schedules_and_a_reply_cancels(desk: DeskClient, sqlite_url: str) -> None:
    with session_scope(sqlite_url) as session:
        (proposal_id,) = queue_drafts(session, bidder=add_bidder(session, "Ana"), jobs=[make_job()])
    desk.submit(f"/proposals/{proposal_id}/approve")

    assert desk.submit(f"/proposals/{proposal_id}/mark-sent", bid="400").status_code == 303
    assert _follow_ups(sqlite_url, proposal_id) == [(1, "scheduled"), (2, "scheduled")]
    desk.submit(f"/proposals/{proposal_id}/mark-sent", bid="400")  # refused: already sent
    assert len(_follow_ups(sqlite_url, proposal_id)) == 2

    desk.submit(f"/proposals/{proposal_id}/outcome", status="replied", message="Let's talk")

    assert _follow_ups(sqlite_url, proposal_id) == [(1, "cancelled"), (2, "cancelled")]
    with session_scope(sqlite_url) as session:
        cancelled = session.exec(
            select(Event).where(Event.entity == "followup", Event.action == "cancelled")
        ).all()
    assert len(cancelled) == 2 and all("replied" in e.data["reason"] for e in cancelled)
