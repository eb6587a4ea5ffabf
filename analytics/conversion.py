"""Per-bidder conversion: drafted → approved → sent → replied → hired, from the event log, and
what the drafts cost in LLM tokens."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session, col

from bidflow.lifecycle import REACHED_BEFORE
from bidflow.models import Bidder, Event, Proposal, ProposalStatus

STAGES: tuple[str, ...] = ("drafted", "approved", "sent", "replied", "hired")
_STAGE_OF_ACTION = {
    ProposalStatus.QUEUED.value: "drafted",
    ProposalStatus.APPROVED.value: "approved",
    ProposalStatus.SENT.value: "sent",
    ProposalStatus.REPLIED.value: "replied",
    ProposalStatus.HIRED.value: "hired",
}
# Reaching a later status implies the earlier ones: a hire was also a reply and a send.
_IMPLIED = {
    status.value: [_STAGE_OF_ACTION[s.value] for s in before if s.value in _STAGE_OF_ACTION]
    for status, before in REACHED_BEFORE.items()
}


def conversion_by_bidder(
    *, session: Session, since: datetime | None = None, until: datetime | None = None
) -> pd.DataFrame:
    """One row per bidder: counts per stage, the approval, reply and hire rates, and the LLM
    cost and (cached) input tokens of the drafts written in the window.

    A proposal counts in a stage if an event put it there within [since, until); bidders with no
    proposals still get a row of zeros, so nobody disappears from the report.
    """
    query = (
        select(col(Event.entity_id), col(Event.action), col(Proposal.bidder_id))
        .join(Proposal, col(Proposal.id) == col(Event.entity_id))
        .where(col(Event.entity) == "proposal")
    )
    if since is not None:
        query = query.where(col(Event.at) >= since)
    if until is not None:
        query = query.where(col(Event.at) < until)
    events = pd.DataFrame(session.execute(query).all(), columns=["proposal", "action", "bidder_id"])
    bidders = pd.DataFrame(
        session.execute(select(col(Bidder.id), col(Bidder.name))).all(),
        columns=["bidder_id", "bidder"],
    )
    stages = _stages_reached(events)
    counts = stages.groupby("bidder_id")[list(STAGES)].sum() if len(stages) else None
    table = bidders.set_index("bidder_id")
    table = table.join(counts) if counts is not None else table.assign(**dict.fromkeys(STAGES, 0))
    table[list(STAGES)] = table[list(STAGES)].fillna(0).astype(int)
    table["approval_rate"] = _rate(table["approved"], table["drafted"])
    table["reply_rate"] = _rate(table["replied"], table["sent"])
    table["hire_rate"] = _rate(table["hired"], table["sent"])
    table = table.join(_llm_spend(session, since, until))
    table[list(_SPEND)] = table[list(_SPEND)].fillna(0)
    table["tokens_in"] = table["tokens_in"].astype(int)
    table["tokens_cached"] = table["tokens_cached"].astype(int)
    table["llm_cost_usd"] = table["llm_cost_usd"].round(4)
    return table.sort_values("bidder").reset_index(drop=True)


_SPEND = ("llm_cost_usd", "tokens_in", "tokens_cached")


def _llm_spend(session: Session, since: datetime | None, until: datetime | None) -> pd.DataFrame:
    """Per bidder, what the drafts written in [since, until) cost, and how many of their input
    tokens the provider served from its prompt cache (billed at the cached price)."""
    query = select(
        col(Proposal.bidder_id),
        col(Proposal.cost_usd),
        col(Proposal.tokens_in),
        col(Proposal.tokens_cached),
    )
    if since is not None:
        query = query.where(col(Proposal.created_at) >= since)
    if until is not None:
        query = query.where(col(Proposal.created_at) < until)
    rows = pd.DataFrame(session.execute(query).all(), columns=["bidder_id", *_SPEND])
    return rows.groupby("bidder_id")[list(_SPEND)].sum()


def _stages_reached(events: pd.DataFrame) -> pd.DataFrame:
    """One row per proposal with a 0/1 column per stage it reached."""
    if events.empty:
        return pd.DataFrame(columns=["proposal", "bidder_id", *STAGES])
    direct = events.assign(stage=events["action"].map(_STAGE_OF_ACTION))
    implied = events.assign(stage=events["action"].map(_IMPLIED)).explode("stage")
    reached = pd.concat([direct, implied]).dropna(subset=["stage"])
    flags = pd.crosstab([reached["proposal"], reached["bidder_id"]], reached["stage"]).clip(upper=1)
    return flags.reindex(columns=list(STAGES), fill_value=0).reset_index()


def _rate(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return (numerator / denominator.where(denominator > 0)).round(3)
