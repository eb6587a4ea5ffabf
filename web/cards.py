"""Proposal cards: what the review desk shows for one proposal, already in display form.

Everything a template needs is worked out here (budget wording, "12 min ago", which links are
safe), so templates stay plain and these rules can be tested without a browser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bidflow.models import Bidder, Job, Proposal
from bidflow.store.proposals import content_flags
from bidflow.wording import ago, money
from web.links import web_link


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
    hire_rate: str  # "80% of 15 jobs", or "unknown"
    feedback: str  # "4.8 ★ (23 reviews)", or "unknown"
    proposals: str
    source: str  # the feed the job came from, as named in the agency config
    posted_ago: str
    posted_iso: str | None  # whole seconds: the page's script re-words it every minute
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
        url=web_link(job.url),
        budget=budget_text(job),
        payment=_tick(job.client_payment_verified),
        spent="unknown" if job.client_total_spent is None else money(job.client_total_spent),
        country=job.client_country or "unknown",
        hire_rate=hire_rate_text(job),
        feedback=feedback_text(job),
        proposals=job.proposals_bucket or "unknown",
        source=job.source,
        posted_ago=ago(job.posted_at, now=now),
        # Without microseconds: six fractional digits are not in the format every browser parses.
        posted_iso=job.posted_at.replace(microsecond=0).isoformat() if job.posted_at else None,
        why=[r["message"] for r in reasons if r.get("status") == "passed"],
        unknowns=[r["message"] for r in reasons if r.get("status") == "missing"],
    )


def budget_text(job: Job) -> str:
    """``$1,500`` for fixed price, ``$25–$35/hr`` for hourly, or "budget not given"."""
    if job.job_type == "hourly" or (job.job_type is None and job.budget is None):
        return _hourly(job.hourly_min, job.hourly_max)
    return money(job.budget) if job.budget is not None else "budget not given"


def hire_rate_text(job: Job) -> str:
    """How often the client hired: ``80% of 15 jobs``; "unknown" without both counts."""
    hires, posted = job.client_hires, job.client_jobs_posted
    if hires is None or not posted:
        return "unknown"
    jobs = "job" if posted == 1 else "jobs"
    return f"{round(100 * hires / posted)}% of {posted} {jobs}"


def feedback_text(job: Job) -> str:
    """The client's rating from freelancers: ``4.8 ★ (23 reviews)``, or "unknown"."""
    if job.client_feedback is None:
        return "unknown"
    rating = f"{job.client_feedback:.1f} ★"
    if job.client_reviews is None:
        return rating
    reviews = "review" if job.client_reviews == 1 else "reviews"
    return f"{rating} ({job.client_reviews} {reviews})"


def _hourly(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{money(low)}/hr" if low == high else f"{money(low)}–{money(high)}/hr"
    if low is not None:
        return f"from {money(low)}/hr"
    if high is not None:
        return f"up to {money(high)}/hr"
    return "budget not given"


def _tick(verified: bool | None) -> str:
    return "?" if verified is None else ("✓" if verified else "✗")
