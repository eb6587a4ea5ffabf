"""Realistic ``marketplaceJobPostingsSearch`` result nodes, every field UPWORK_API.md lists."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

# Far enough in the future that no real clock ever makes these look stale to a test.
BASE_TIME = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
_numbers = itertools.count(1)


def money(raw: str, currency: str = "USD") -> dict[str, str]:
    """A Money object: the amount as a decimal string, its currency and how Upwork shows it."""
    return {"rawValue": raw, "currency": currency, "displayValue": f"${float(raw):,.2f}"}


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_node(*, hourly: bool = False, **overrides: Any) -> dict[str, Any]:
    """One job posting as the API returns it; each call is a newer, different job."""
    number = next(_numbers)
    posted = BASE_TIME + timedelta(minutes=number)
    node: dict[str, Any] = {
        "id": str(1_790_000_000_000_000_000 + number),
        "ciphertext": f"~01{number:018x}",
        "title": f"Django REST API for a clinic booking app #{number}",
        "description": (
            f"We need a Python developer for job {number}.\n\n\n"
            "  Build   endpoints for bookings  \nand payments.   "
        ),
        "category": "Web, Mobile & Software Dev",
        "subcategory": "Web Development",
        "skills": [
            {"name": "python", "prettyName": "Python"},
            {"name": "django-framework", "prettyName": "Django"},
            {"name": "postgresql", "prettyName": None},
        ],
        "experienceLevel": "EXPERT",
        "duration": "MONTH",
        "durationLabel": "1 to 3 months",
        "engagement": "Less than 30 hrs/week",
        "amount": money("0.0" if hourly else "1500.0"),
        "hourlyBudgetType": "HOURLY" if hourly else None,
        "hourlyBudgetMin": money("35.0") if hourly else None,
        "hourlyBudgetMax": money("60.0") if hourly else None,
        "weeklyBudget": money("0.0"),
        "totalApplicants": 7,
        "freelancersToHire": 1,
        "premium": False,
        "enterprise": False,
        "applied": False,
        "createdDateTime": iso(posted - timedelta(minutes=2)),
        "publishedDateTime": iso(posted),
        "renewedDateTime": None,
        "relevance": {
            "effectiveCandidates": 3,
            "uniqueImpressions": 41,
            "hoursInactive": 0,
            "publishTime": iso(posted),
        },
        "client": {
            "totalHires": 12,
            "totalPostedJobs": 15,
            "totalSpent": {"rawValue": "25300.5", "currency": "USD"},
            "verificationStatus": "VERIFIED",
            "totalReviews": 9,
            "totalFeedback": 4.85,
            "location": {"country": "United States", "city": "Austin", "timezone": "UTC-06:00"},
            "memberSinceDateTime": "2019-03-04T00:00:00.000Z",
            "hasFinancialPrivacy": False,
        },
    }
    node.update(overrides)
    return node


def make_nodes(count: int, **overrides: Any) -> list[dict[str, Any]]:
    """``count`` jobs, newest first (as the search returns them)."""
    return list(reversed([make_node(**overrides) for _ in range(count)]))
