"""How a card words budgets, money and job age."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bidflow.models import Bidder, Job, Proposal
from bidflow.wording import ago, money
from tests.factories import make_job
from web.cards import budget_text, build_card

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def job(**overrides: object) -> Job:
    return Job.model_validate(make_job(**overrides).model_dump())


@pytest.mark.parametrize(
    ("amount", "shown"), [(1500, "$1,500"), (12.5, "$12.50"), (0, "$0"), (1_250_000, "$1,250,000")]
)
def test_money(amount: float, shown: str) -> None:
    assert money(amount) == shown


@pytest.mark.parametrize(
    ("overrides", "shown"),
    [
        ({"job_type": "fixed", "budget": 1500.0}, "$1,500"),
        ({"job_type": "fixed", "budget": None}, "budget not given"),
        ({"job_type": "hourly", "budget": None, "hourly_min": 25, "hourly_max": 35}, "$25–$35/hr"),
        ({"job_type": "hourly", "budget": None, "hourly_min": 40, "hourly_max": 40}, "$40/hr"),
        ({"job_type": "hourly", "budget": None, "hourly_min": 30}, "from $30/hr"),
        ({"job_type": "hourly", "budget": None, "hourly_max": 30}, "up to $30/hr"),
        ({"job_type": "hourly", "budget": None}, "budget not given"),
        ({"job_type": None, "budget": None}, "budget not given"),
        ({"job_type": None, "budget": 800.0}, "$800"),
    ],
)
def test_budget_text(overrides: dict[str, object], shown: str) -> None:
    assert budget_text(job(**overrides)) == shown


@pytest.mark.parametrize(
    ("age", "shown"),
    [
        (timedelta(seconds=20), "just now"),
        (timedelta(seconds=-30), "just now"),
        (timedelta(minutes=14), "14 min ago"),
        (timedelta(minutes=59, seconds=59), "59 min ago"),
        (timedelta(hours=3, minutes=20), "3 h ago"),
        (timedelta(hours=47), "47 h ago"),
        (timedelta(days=5), "5 d ago"),
    ],
)
def test_ago(age: timedelta, shown: str) -> None:
    assert ago(NOW - age, now=NOW) == shown


def test_ago_without_a_posting_time() -> None:
    assert ago(None, now=NOW) == "posting time unknown"


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://example.test/jobs/1", True),
        ("HTTP://example.test/jobs/1", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("http://[broken", False),
        (None, False),
    ],
)
def test_only_web_links_are_clickable(url: str | None, linked: bool) -> None:
    proposal = Proposal(id=1, job_id=1, bidder_id=1, draft_text="Hi", model="offline")
    bidder = Bidder(id=1, name="Ana", title="Engineer", hourly_rate=60)
    card = build_card(proposal, job(url=url), bidder, now=NOW)
    assert card.url == (url if linked else None)
