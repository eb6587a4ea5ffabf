"""Putting a proposal prompt together in an order that provider-side prompt caching can use:
everything stable for a bidder first (policy, profile), the job last."""

from __future__ import annotations

from dataclasses import dataclass

from bidflow.config import AgencyConfig, BidderConfig
from bidflow.models import JobBase
from prompts import render
from prompts.proof import relevant_portfolio
from rules.checks import skill_matches


@dataclass(frozen=True)
class ProposalPrompt:
    """The chat messages for one proposal, and the inputs of its offline letter."""

    system: str
    user: str
    offline_variables: dict[str, object]


def proposal_prompt(job: JobBase, bidder: BidderConfig, agency: AgencyConfig) -> ProposalPrompt:
    """The prompt for ``bidder``'s proposal to ``job``."""
    portfolio = relevant_portfolio(job, bidder.portfolio)
    system = "\n".join(
        (
            render("system.j2", agency=agency.agency),
            render("bidder_profile.j2", bidder=bidder, portfolio=portfolio),
        )
    )
    return ProposalPrompt(
        system=system,
        user=render("proposal.j2", job=job),
        offline_variables={
            "job": job,
            "bidder": bidder,
            "portfolio": portfolio,
            "matched_skills": skill_matches(job, bidder.skills),
        },
    )
