"""Bidders: mirrored from the agency config so proposals and reports can refer to them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from bidflow.config import BidderConfig
from bidflow.models import Bidder


def sync_bidders(*, session: Session, bidders: Sequence[BidderConfig]) -> dict[str, Bidder]:
    """Create or update a row per configured bidder; bidders no longer configured go inactive.

    Rows are never deleted: their proposals and history stay reportable.
    """
    existing = {bidder.name: bidder for bidder in session.exec(select(Bidder)).all()}
    configured: dict[str, Bidder] = {}
    for entry in bidders:
        row = existing.get(entry.name) or Bidder(name=entry.name, title=entry.title, hourly_rate=1)
        row.title = entry.title
        row.skills = list(entry.skills)
        row.hourly_rate = entry.hourly_rate
        row.timezone = entry.timezone
        row.ruleset = entry.ruleset
        row.active = True
        row.profile = entry.model_dump(mode="json")
        session.add(row)
        configured[entry.name] = row
    for name, row in existing.items():
        if name not in configured:
            row.active = False
            session.add(row)
    session.flush()
    return configured


def active_bidders(*, session: Session) -> Sequence[Bidder]:
    query = select(Bidder).where(col(Bidder.active)).order_by(col(Bidder.name))
    return session.exec(query).all()
