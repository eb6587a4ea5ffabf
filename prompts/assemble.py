"""Putting prompts together in an order that provider-side prompt caching can use.

The system message is everything stable for one bidder (policy, agency, the full profile and
portfolio catalogue), byte-identical across that bidder's drafts; the user message starts with
the variant's instructions (stable too), and only then the job-specific parts: the proof chosen
for this job, the fenced job, and a reviewer's instruction when regenerating.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bidflow.config import AgencyConfig, BidderConfig, PortfolioItem
from bidflow.models import JobBase
from prompts import job_posting, render
from prompts.proof import relevant_portfolio
from prompts.variants import check_variant, choose_variant
from rules.checks import skill_matches


@dataclass(frozen=True)
class ProposalPrompt:
    """The chat messages for one proposal, the inputs of its offline letter, and which
    proposal template variant wrote the instructions."""

    system: str
    user: str
    offline_variables: dict[str, object]
    variant: str = "proposal"


@dataclass(frozen=True)
class FollowUpPrompt:
    """The chat messages for one follow-up to a proposal that got no reply."""

    system: str
    user: str


@dataclass(frozen=True)
class Revision:
    """A reviewer's request for a new version: their instruction and the letter they read."""

    instruction: str
    previous: str


def bidder_system(bidder: BidderConfig, agency: AgencyConfig) -> str:
    """The system message shared by every prompt for ``bidder``: policy, house style, then
    the profile and the whole portfolio."""
    return "\n".join(
        (
            render("system.j2", agency=agency.agency),
            render("guide.j2"),
            render("bidder_profile.j2", bidder=bidder),
        )
    )


def proposal_prompt(
    job: JobBase,
    bidder: BidderConfig,
    agency: AgencyConfig,
    *,
    variant: str | None = None,
    revision: Revision | None = None,
    proof: Sequence[PortfolioItem] | None = None,
) -> ProposalPrompt:
    """The prompt for ``bidder``'s proposal to ``job``; ``variant`` defaults to the one this
    (bidder, client) is assigned among the agency's configured variants. ``proof`` is the
    portfolio items already chosen for the job (by embeddings); without it, word overlap picks."""
    chosen = check_variant(variant or choose_variant(agency.prompts.variants, bidder.name, job))
    portfolio = list(proof) if proof is not None else relevant_portfolio(job, bidder.portfolio)
    parts = [render(f"{chosen}.j2"), render("proof.j2", portfolio=portfolio), job_posting(job)]
    if revision is not None:
        parts.append(
            render("reviewer.j2", instruction=revision.instruction, previous=revision.previous)
        )
    return ProposalPrompt(
        system=bidder_system(bidder, agency),
        user="\n".join(parts),
        offline_variables={
            "job": job,
            "bidder": bidder,
            "portfolio": portfolio,
            "matched_skills": skill_matches(job, bidder.skills),
        },
        variant=chosen,
    )


def followup_prompt(
    job: JobBase,
    bidder: BidderConfig,
    agency: AgencyConfig,
    *,
    letter: str,
    sent_at: datetime,
    now: datetime,
) -> FollowUpPrompt:
    """The prompt for a follow-up to ``letter``, sent at ``sent_at`` and unanswered by ``now``;
    its system message is the bidder's proposal one, so the cache serves both."""
    days = max(0, (now - sent_at).days)
    user = render("followup.j2", job=job, bidder=bidder, sent_days_ago=days, letter=letter)
    return FollowUpPrompt(system=bidder_system(bidder, agency), user=user)
