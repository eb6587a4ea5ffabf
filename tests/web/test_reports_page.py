"""The Reports page: the weekly per-bidder funnel, its win-rate chart and CSV download.

The agency's calendar is New York's, and some events sit near its week boundary, so a funnel
counted in UTC gives different numbers. Expected values are counted by hand from ``seed``.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session

from bidflow.config import Role
from bidflow.db import session_scope
from bidflow.models import Bidder, Decision, Proposal
from bidflow.store.events import record_event
from bidflow.store.jobs import store_jobs
from tests.factories import agency_dict, make_job, write_config
from tests.web.desk import DeskClient
from tests.web.seed import add_bidder

WEEK = "2026-W47"  # Monday 16 to Sunday 22 November 2026


def nov(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


@pytest.fixture
def new_york(bidflow_home: Path) -> None:
    """The desk's agency config, with the agency in New York (UTC-5 in November)."""
    write_config(bidflow_home, agency_dict(agency={"name": "A", "timezone": "America/New_York"}))


def _job(session: Session) -> int:
    (job_id,) = store_jobs(session=session, jobs=[make_job()]).new_ids
    return job_id


def _proposal(session: Session, bidder: Bidder, *history: tuple[str, datetime]) -> None:
    """A proposal whose lifecycle events are ``history``: (status, when) pairs."""
    assert bidder.id is not None
    proposal = Proposal(job_id=_job(session), bidder_id=bidder.id, draft_text="Hi", model="x")
    session.add(proposal)
    session.flush()
    assert proposal.id is not None
    for action, at in history:
        record_event(
            session=session,
            entity="proposal",
            entity_id=proposal.id,
            action=action,
            actor="test",
            at=at,
        )


def _decisions(session: Session, bidder: Bidder, *outcomes: tuple[bool, datetime]) -> None:
    assert bidder.id is not None
    for passed, at in outcomes:
        session.add(
            Decision(
                job_id=_job(session),
                bidder_id=bidder.id,
                ruleset="default",
                passed=passed,
                score=1.0,
                decided_at=at,
            )
        )


def seed(url: str) -> None:
    with session_scope(url) as session:
        ana, ben, _ = (add_bidder(session, name) for name in ("Ana", "Ben", "Cy"))
        q, a, s = "queued", "approved", "sent"
        _proposal(
            session,
            ana,
            (q, nov(16, 15)),
            (a, nov(16, 16)),
            (s, nov(17, 10)),
            ("viewed", nov(18, 10)),
            ("replied", nov(19, 10)),
            ("hired", nov(21, 10)),
        )
        # A reply without a recorded view still shows the client read it.
        _proposal(
            session,
            ana,
            (q, nov(16, 15)),
            (a, nov(16, 17)),
            (s, nov(17, 11)),
            ("replied", nov(20, 10)),
        )
        _proposal(session, ana, (q, nov(17, 15)), (a, nov(17, 16)), (s, nov(18, 9)))
        _proposal(session, ana, (q, nov(18, 15)), ("rejected", nov(18, 16)))
        _proposal(session, ana, (q, nov(10, 15)), (a, nov(16, 12)))  # drafted the week before
        # 03:00 UTC Monday 23rd is 22:00 Sunday 22nd in New York: still the week.
        _proposal(session, ben, (q, nov(22, 15)), (a, nov(22, 20)), (s, nov(23, 3)))
        _proposal(session, ben, (q, nov(23, 6)))  # 01:00 Monday in New York: the next week
        _decisions(session, ana, *[(True, nov(17, 9))] * 4, *[(False, nov(20, 9))] * 2)
        _decisions(session, ana, (True, nov(16, 3)))  # 22:00 Sunday 15th in New York
        _decisions(session, ben, (True, nov(16, 9)), (False, nov(19, 9)), (False, nov(23, 4)))


EXPECTED = {
    # bidder: seen, passed, drafted, approved, sent, viewed, replied, hired
    "Ana": (6, 4, 4, 4, 3, 2, 2, 1),
    "Ben": (3, 1, 1, 1, 1, 0, 0, 0),
    "Cy": (0, 0, 0, 0, 0, 0, 0, 0),
    "All bidders": (9, 5, 5, 5, 4, 2, 2, 1),
}
STAGES = ("seen", "passed", "drafted", "approved", "sent", "viewed", "replied", "hired")
# bidder: pass, approval, view, reply, win rate, as the page shows them
EXPECTED_RATES = {
    "Ana": ("67%", "100%", "67%", "67%", "33%"),
    "Ben": ("33%", "100%", "0%", "0%", "0%"),
    "Cy": ("—", "—", "—", "—", "—"),
    "All bidders": ("56%", "100%", "50%", "50%", "25%"),
}
RATE_COLUMNS = ("pass_rate", "approval_rate", "view_rate", "reply_rate", "win_rate")


def funnel_row(page: str, bidder: str) -> dict[str, str]:
    match = re.search(rf'<tr data-bidder="{bidder}"[^>]*>(.*?)</tr>', page, re.DOTALL)
    assert match is not None, f"no funnel row for {bidder}"
    return dict(re.findall(r'<td[^>]*data-col="([a-z_]+)">([^<]*)</td>', match.group(1)))


def chart_group(page: str, bidder: str) -> str:
    match = re.search(rf'<g class="win-rate" data-bidder="{bidder}">(.*?)</g>', page, re.DOTALL)
    assert match is not None, f"no bar for {bidder}"
    return match.group(1)


def test_funnel_per_bidder_for_the_chosen_week(
    client: DeskClient, sqlite_url: str, new_york: None
) -> None:
    seed(sqlite_url)

    page = client.get("/reports", params={"week": WEEK})

    assert page.status_code == 200
    assert "Monday 2026-11-16 to Sunday" in page.text and "America/New_York" in page.text
    names = re.findall(r'<tr data-bidder="([^"]+)"', page.text)
    assert names == ["Ana", "Ben", "Cy", "All bidders"]
    for bidder, counts in EXPECTED.items():
        row = funnel_row(page.text, bidder)
        assert tuple(int(row[stage]) for stage in STAGES) == counts, bidder
        assert tuple(row[rate] for rate in RATE_COLUMNS) == EXPECTED_RATES[bidder], bidder


def test_win_rate_chart_is_inline_svg_drawn_from_the_numbers(
    client: DeskClient, sqlite_url: str, new_york: None
) -> None:
    seed(sqlite_url)

    page = client.get("/reports", params={"week": WEEK}).text

    assert "<svg" in page
    # Nothing is fetched from elsewhere: scripts, if any, are the desk's own static files.
    sources = re.findall(r'<(?:script|link|img)[^>]*(?:src|href)="([^"]*)"', page)
    assert sources and all(src.startswith("http://testserver/static/") for src in sources)
    ana = chart_group(page, "Ana")
    widths = [float(w) for w in re.findall(r'<rect class="[^"]*" [^>]*width="([\d.]+)"', ana)]
    track, bar = widths
    assert bar / track == pytest.approx(1 / 3, abs=0.01)
    assert ">33%<" in ana
    assert ">0%<" in chart_group(page, "Ben")
    cy = chart_group(page, "Cy")
    assert "no sends" in cy and 'class="bar' not in cy
    assert ">25%<" in chart_group(page, "All bidders")


def test_default_week_is_last_week_on_the_agency_calendar(
    client: DeskClient, sqlite_url: str, new_york: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(sqlite_url)
    # 04:00 UTC Monday 23rd is still Sunday 22nd (W47) in New York, so last week is W46.
    monkeypatch.setattr("web.routes.reports.utcnow", lambda: nov(23, 4))

    page = client.get("/reports").text

    assert "Week <strong>2026-W46</strong>" in page
    monkeypatch.setattr("web.routes.reports.utcnow", lambda: nov(25, 12))
    page = client.get("/reports").text
    assert "Week <strong>2026-W47</strong>" in page
    assert int(funnel_row(page, "Ana")["seen"]) == 6


def test_csv_download(client: DeskClient, sqlite_url: str, new_york: None) -> None:
    seed(sqlite_url)

    answer = client.get("/reports/funnel.csv", params={"week": WEEK})

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    disposition = answer.headers["content-disposition"]
    assert disposition == 'attachment; filename="bidflow-funnel-2026-W47.csv"'
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [row["bidder"] for row in rows] == ["Ana", "Ben", "Cy", "All bidders"]
    for row in rows:
        assert tuple(int(row[stage]) for stage in STAGES) == EXPECTED[row["bidder"]]
    ana = rows[0]
    assert float(ana["win_rate"]) == pytest.approx(1 / 3, abs=0.001)
    assert rows[2]["win_rate"] == ""  # Cy sent nothing: no rate rather than 0


def test_csv_defuses_names_a_spreadsheet_would_run(
    client: DeskClient, sqlite_url: str, new_york: None
) -> None:
    with session_scope(sqlite_url) as session:
        add_bidder(session, "=HYPERLINK(1)")

    answer = client.get("/reports/funnel.csv", params={"week": WEEK})

    assert next(csv.DictReader(io.StringIO(answer.text)))["bidder"] == "'=HYPERLINK(1)"


@pytest.mark.parametrize("week", ["2026-47", "W47", "2026-W60", "2025-W53"])
@pytest.mark.parametrize("path", ["/reports", "/reports/funnel.csv"])
def test_a_bad_week_is_refused_naming_the_parameter(
    client: DeskClient, new_york: None, path: str, week: str
) -> None:
    answer = client.get(path, params={"week": week})

    assert answer.status_code == 400
    assert "week parameter" in answer.text
    assert "2026-W47" in answer.text or "W01 to W52" in answer.text


@pytest.mark.parametrize("role", [Role.SALES_LEAD, Role.ACCOUNT_MANAGER, Role.BIDDER])
def test_only_owners_may_see_reports(client: DeskClient, new_york: None, role: Role) -> None:
    assert client.get("/reports").status_code == 200

    client.sign_in(role)

    assert client.get("/reports").status_code == 403
    assert client.get("/reports/funnel.csv", params={"week": WEEK}).status_code == 403
