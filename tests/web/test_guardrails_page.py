"""The Guardrails page: caps used and left per bidder, Connects, the agency cap, quiet hours.

The clock is pinned to a Wednesday afternoon (UTC) so the hour, day and week windows are known;
the expected numbers below are counted by hand from the seeded proposals.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bidflow.config import Role
from bidflow.db import session_scope
from bidflow.models import Bidder, Proposal, ProposalStatus
from bidflow.store.jobs import store_jobs
from tests.factories import agency_dict, make_job, write_config
from tests.web.desk import DeskClient
from tests.web.seed import add_bidder

NOW = datetime(2026, 11, 18, 14, 30, tzinfo=UTC)  # Wednesday; 23:30 in Tokyo
MONDAY = datetime(2026, 11, 16, tzinfo=UTC)


def _bidder(name: str, timezone: str, **caps: object) -> dict[str, object]:
    return {
        "name": name,
        "title": "Developer",
        "skills": ["Python"],
        "hourly_rate": 50,
        "timezone": timezone,
        "caps": caps,
    }


CONFIG = agency_dict(
    agency={"name": "Test Agency", "timezone": "UTC", "daily_cap": 8, "connects_per_job": 16},
    bidders=[
        _bidder("Ana", "UTC", per_hour=3, per_day=5, per_week=10, connects_per_week=100),
        _bidder("Ben", "Asia/Tokyo", per_hour=2, per_day=4, per_week=12, quiet_hours="22:00-07:00"),
        _bidder("Cy", "UTC"),  # configured, never synced to the database
    ],
)


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch, bidflow_home: Path) -> None:
    """The agency config in the desk's home, and the page's clock at NOW."""
    write_config(bidflow_home, CONFIG)
    monkeypatch.setattr("web.routes.guardrails.utcnow", lambda: NOW)


def _propose(
    url: str,
    bidder: str,
    created_at: datetime,
    *,
    status: str = ProposalStatus.QUEUED,
    connects: int | None = None,
    sent_at: datetime | None = None,
) -> None:
    with session_scope(url) as session:
        bidder_row = session.exec(select(Bidder).where(Bidder.name == bidder)).one()
        (job_id,) = store_jobs(session=session, jobs=[make_job()]).new_ids
        assert bidder_row.id is not None
        session.add(
            Proposal(
                job_id=job_id,
                bidder_id=bidder_row.id,
                status=status,
                draft_text="Hello",
                model="offline",
                connects=connects,
                connects_estimate=16,
                created_at=created_at,
                updated_at=created_at,
                sent_at=sent_at,
            )
        )


def seed(url: str) -> None:
    """Ana (UTC): 2 proposals this hour, 3 today, 4 this week (one sent with 12 Connects), one
    last week and one rejected. Ben (Tokyo): one on his Wednesday (Tuesday in UTC), one on his
    Monday."""
    with session_scope(url) as session:
        add_bidder(session, "Ana")
        add_bidder(session, "Ben")
    _propose(url, "Ana", NOW - timedelta(minutes=10))
    _propose(url, "Ana", NOW - timedelta(minutes=20), status=ProposalStatus.APPROVED)
    _propose(url, "Ana", NOW - timedelta(hours=2))
    monday_send = MONDAY + timedelta(hours=10)
    _propose(
        url,
        "Ana",
        MONDAY + timedelta(hours=9),
        status=ProposalStatus.SENT,
        connects=12,
        sent_at=monday_send,
    )
    _propose(url, "Ana", MONDAY - timedelta(hours=4))  # Sunday: last week
    _propose(url, "Ana", NOW - timedelta(minutes=5), status=ProposalStatus.REJECTED)
    _propose(url, "Ben", datetime(2026, 11, 17, 16, tzinfo=UTC))  # 01:00 Wed in Tokyo
    _propose(url, "Ben", datetime(2026, 11, 16, 14, tzinfo=UTC))  # 23:00 Mon in Tokyo


def row(page: str, bidder: str) -> str:
    match = re.search(rf'<tr [^>]*data-bidder="{bidder}"[^>]*>.*?</tr>', page, re.DOTALL)
    assert match is not None, f"no row for {bidder}"
    return match.group(0)


def cell(row_html: str, column: str) -> str:
    match = re.search(rf'<td [^>]*data-col="{column}"[^>]*>(.*?)</td>', row_html, re.DOTALL)
    assert match is not None, f"no {column} cell"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_caps_used_and_left_per_bidder(client: DeskClient, sqlite_url: str, pinned: None) -> None:
    seed(sqlite_url)

    page = client.get("/guardrails")

    assert page.status_code == 200
    ana = row(page.text, "Ana")
    assert cell(ana, "hour") == "2 / 3 1 left"
    assert cell(ana, "day") == "3 / 5 2 left"
    assert cell(ana, "week") == "4 / 10 6 left"
    # 3 queued at the 16-Connect estimate + the Monday send's recorded 12.
    assert cell(ana, "connects") == "60 / 100 40 left"
    assert cell(ana, "headroom").startswith("1 more")  # the hourly cap binds first
    ben = row(page.text, "Ben")
    assert cell(ben, "hour") == "0 / 2 2 left"
    assert cell(ben, "day") == "1 / 4 3 left"  # Tokyo's Wednesday began at 15:00 UTC Tuesday
    assert cell(ben, "week") == "2 / 12 10 left"
    assert cell(ben, "connects") == "32 no weekly budget"
    assert cell(ben, "headroom").startswith("none")
    cy = row(page.text, "Cy")
    assert cell(cy, "hour") == "—"
    assert "not in the database yet" in cy


def test_agency_daily_cap_counts_every_bidder_on_the_agency_day(
    client: DeskClient, sqlite_url: str, pinned: None
) -> None:
    seed(sqlite_url)

    page = client.get("/guardrails").text

    section = re.search(r'<section class="agency-cap".*?</section>', page, re.DOTALL)
    assert section is not None
    # Ana's 3 today (UTC); Ben's Tokyo-Wednesday proposal fell on Tuesday in UTC.
    assert 'data-used="3" data-remaining="5"' in section.group(0)
    assert "3 / 8" in section.group(0)


def test_lists_who_is_in_quiet_hours_now(client: DeskClient, sqlite_url: str, pinned: None) -> None:
    seed(sqlite_url)

    page = client.get("/guardrails").text

    section = re.search(r'<section class="quiet-now".*?</section>', page, re.DOTALL)
    assert section is not None
    assert re.findall(r'<li data-bidder="([^"]+)"', section.group(0)) == ["Ben"]
    assert "22:00-07:00" in section.group(0)


def test_without_a_config_the_page_says_so(client: DeskClient) -> None:
    page = client.get("/guardrails")

    assert page.status_code == 200
    assert "The agency config cannot be read" in page.text
    assert 'data-bidder="' not in page.text


@pytest.mark.parametrize("role", [Role.ACCOUNT_MANAGER, Role.BIDDER])
def test_only_sales_leads_and_owners_may_see_it(
    client: DeskClient, pinned: None, role: Role
) -> None:
    client.sign_in(Role.SALES_LEAD)
    assert client.get("/guardrails").status_code == 200

    client.sign_in(role)

    assert client.get("/guardrails").status_code == 403
