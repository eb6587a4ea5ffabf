"""Realistic inbox payloads for the fake Upwork: the agency's proposals (``vendorProposals``
nodes), their message rooms and the stories (messages) in them, and the people who write."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from tests.connectors.upwork.nodes import BASE_TIME, iso, money

# The poll's "now": a day after the jobs of ``nodes.make_node`` were posted.
NOW = BASE_TIME + timedelta(days=1)

# Who writes in the rooms. The token belongs to the agency's lead (the fake's ``user``); the
# freelancer a proposal was sent for posts under his own organization; a colleague posts for
# the agency's organization (the fake's ``organization``).
AGENCY_LEAD = {"id": "1017", "name": "Ana Lead"}
AGENCY_ORG = {"id": "7001", "name": "Acme Dev Agency"}
FREELANCER = {"id": "1018", "name": "Ben Builder"}
FREELANCER_ORG = {"id": "7100", "name": "Ben Builder"}
COLLEAGUE = {"id": "1019", "name": "Dee Sales"}
CLIENT = {"id": "4242", "name": "Carla Client"}
CLIENT_ORG = {"id": "9100", "name": "Carla's Clinic"}

_numbers = itertools.count(1)


def date_time(moment: datetime) -> dict[str, str]:
    """An Upwork DateTime object: epoch milliseconds as text, and how Upwork shows it."""
    return {
        "rawValue": str(int(moment.timestamp() * 1000)),
        "displayValue": moment.strftime("%b %d, %Y %H:%M"),
    }


def make_proposal(
    job: dict[str, Any],
    status: str,
    *,
    changed: datetime,
    created: datetime | None = None,
    viewed: bool = False,
    reason: str | None = None,
) -> dict[str, Any]:
    """The agency's proposal for ``job`` (a search node) as ``vendorProposals`` returns it."""
    number = next(_numbers)
    return {
        "id": str(1_480_000_000_000_000_000 + number),
        "user": FREELANCER,
        "organization": AGENCY_ORG,
        "marketplaceJobPosting": {
            "id": job["id"],
            "content": {"title": job["title"], "description": job["description"]},
        },
        "terms": {
            "chargeRate": money("45.0"),
            "estimatedDuration": {"id": "3", "label": "1 to 3 months"},
            "upfrontPaymentPercent": None,
        },
        "coverLetter": "Hi, I have built three booking APIs in Django.",
        "proposalCoverLetter": "Hi, I have built three booking APIs in Django.",
        "status": {
            "status": status,
            "reason": {"id": "90", "reason": reason, "description": None} if reason else None,
        },
        "viewedByClient": viewed,
        "auditDetails": {
            "createdByUser": FREELANCER,
            "modifiedByUser": None,
            "createdDateTime": date_time(created or changed - timedelta(hours=2)),
            "modifiedDateTime": date_time(changed),
        },
        "annotations": [],
    }


def make_room(proposal: dict[str, Any] | None, *, name: str = "Carla Client") -> dict[str, Any]:
    """The message room of ``proposal`` (None: a room that is no proposal's)."""
    number = next(_numbers)
    return {
        "id": f"room_{number:08x}",
        "roomName": name,
        "topic": proposal["marketplaceJobPosting"]["content"]["title"] if proposal else None,
        "roomType": "INTERVIEW" if proposal else "ONE_ON_ONE",
        "public": False,
        "numUnread": 1,
        "vendorProposal": proposal,
    }


def make_story(
    text: str | None,
    *,
    at: datetime,
    user: dict[str, Any] | None = CLIENT,
    organization: dict[str, Any] | None = CLIENT_ORG,
) -> dict[str, Any]:
    """A story (message) as ``roomStories`` returns it; no user makes it a system story."""
    number = next(_numbers)
    return {
        "id": f"story_{number:010d}",
        "createdDateTime": iso(at),
        "updatedDateTime": iso(at),
        "message": text,
        "user": user,
        "organization": organization,
        "attachments": [],
    }
