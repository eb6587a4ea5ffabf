"""Scheduling a proposal's follow-ups when it is sent, from its bidder's ruleset."""

from __future__ import annotations

from sqlmodel import Session

from bidflow.config import AgencyConfig
from bidflow.models import Bidder
from bidflow.store.followups import schedule_follow_ups
from bidflow.store.jobs import get_job
from bidflow.store.proposals import get_proposal
from rules.followups import client_zone, plan_follow_ups


def schedule_for_sent(
    *, session: Session, proposal_id: int, agency: AgencyConfig, actor: str
) -> int:
    """Plan and store the follow-ups of a sent proposal (its bidder's ruleset's cadence, in the
    client's business hours); how many were stored. Nothing when the bidder has left the config
    or its ruleset has no follow-ups; scheduling again adds nothing."""
    proposal = get_proposal(session=session, proposal_id=proposal_id)
    bidder_row = session.get(Bidder, proposal.bidder_id)
    bidder = next((b for b in agency.bidders if bidder_row and b.name == bidder_row.name), None)
    if bidder is None or proposal.sent_at is None:
        return 0
    rules = agency.rulesets[bidder.ruleset].followups
    if not rules.after:
        return 0
    job = get_job(session=session, job_id=proposal.job_id)
    due = plan_follow_ups(proposal.sent_at, rules, client_zone(job, bidder, agency))
    return schedule_follow_ups(session=session, proposal_id=proposal_id, due_times=due, actor=actor)
