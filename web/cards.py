"""Proposal cards: what the review desk shows for one proposal, already in display form.

Everything a template needs is worked out here (budget wording, "12 min ago", which links are
safe), so templates stay plain and these rules can be tested without a browser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from bidflow.models import Bidder, Job, Proposal
from bidflow.store.proposals import content_flags
from bidflow.wording import ago, money


@dataclass(frozen=True)
class Flag:
    """A check the draft failed (e.g. a placeholder left in), and why; shown in red."""

    check: str
    reason: str


@dataclass(frozen=True)
class ProposalCard:
    """One proposal under review with its job and bidder, as strings ready to show."""

    id: int
    status: str
    letter: str  # the reviewer's edit if there is one, else the draft
    offline: bool  # drafted by the offline drafter, not a language model
    flags: list[Flag]
    blocking: bool  # a flag other than a notice: approving needs an override reason
    bidder: str
    title: str
    url: str | None  # only http(s) links; a job's own "javascript:" URL must never be clickable
    budget: str
    payment: str  # "✓", "✗" or "?"
    spent: str
    country: str
    proposals: str
    posted_ago: str
    posted_iso: str | None
    why: list[str]  # triage rules the job passed, in plain words
    unknowns: list[str]  # rules the job's data could not answer


def build_card(
    proposal: Proposal,
    job: Job,
    bidder: Bidder,
    *,
    now: datetime,
    reasons: Sequence[Mapping[str, str]] = (),
) -> ProposalCard:
    """The card for one (Proposal, Job, Bidder) row of the review queue, as seen at ``now``;
    ``reasons`` are the stored triage reasons of that job for that bidder."""

    if proposal.id is None:
        raise ValueError("only stored proposals have cards")
    return ProposalCard(
        id=proposal.id,
        status=proposal.status,
        letter=proposal.final_text or proposal.draft_text,
        offline=proposal.offline,
        flags=[
            Flag(check=str(flag.get("check", "check")), reason=str(flag.get("reason", "")))
            for flag in proposal.flags
        ],
        blocking=bool(content_flags(proposal)),
        bidder=bidder.name,
        title=job.title,
        url=_web_link(job.url),
        budget=budget_text(job),
        payment=_tick(job.client_payment_verified),
        spent="unknown" if job.client_total_spent is None else money(job.client_total_spent),
        country=job.client_country or "unknown",
        proposals=job.proposals_bucket or "unknown",
        posted_ago=ago(job.posted_at, now=now),
        posted_iso=job.posted_at.isoformat() if job.posted_at else None,
        why=[r["message"] for r in reasons if r.get("status") == "passed"],
        unknowns=[r["message"] for r in reasons if r.get("status") == "missing"],
    )


def budget_text(job: Job) -> str:
    """``$1,500`` for fixed price, ``$25–$35/hr`` for hourly, or "budget not given"."""
    if job.job_type == "hourly" or (job.job_type is None and job.budget is None):
        return _hourly(job.hourly_min, job.hourly_max)
    return money(job.budget) if job.budget is not None else "budget not given"


def _hourly(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{money(low)}/hr" if low == high else f"{money(low)}–{money(high)}/hr"
    if low is not None:
        return f"from {money(low)}/hr"
    if high is not None:
        return f"up to {money(high)}/hr"
    return "budget not given"


def _web_link(url: str | None) -> str | None:
    try:
        scheme = urlsplit(url).scheme if url else ""
    except ValueError:  # e.g. "http://[" from a careless feed
        return None
    return url if scheme in ("http", "https") else None


def _tick(verified: bool | None) -> str:
    return "?" if verified is None else ("✓" if verified else "✗")
