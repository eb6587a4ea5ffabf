"""Builders for the Upwork inbox tests: an inbox source on the fake Upwork reusing the
connected feed "up", polls, and a database holding the sent proposals its items are about."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from bidflow.config.inbox import UpworkInboxConfig
from bidflow.db import session_scope
from bidflow.models import Bidder, Job, JobBase, Proposal, ProposalStatus
from bidflow.store.jobs import store_jobs
from connectors.feeds.upwork_api import UpworkApiSource
from connectors.inbox.base import InboxBatch, InboxContext
from connectors.inbox.storing import StoredMessages, store_items
from connectors.inbox.upwork import UpworkInboxSource
from tests.connectors.upwork.fake_server import FakeUpwork
from tests.connectors.upwork.inbox_nodes import AGENCY_LEAD, AGENCY_ORG, NOW
from tests.connectors.upwork.support import context, feed_config

SOURCE = "inbox:up-inbox"  # what the inbox poller stores its messages under


def inbox_source(fake: FakeUpwork, **overrides: Any) -> UpworkInboxSource:
    """The inbox entry "up-inbox", reading through the feed "up" (which must be connected),
    whose token belongs to the agency's lead."""
    fake.inbox.user, fake.inbox.organization = AGENCY_LEAD, AGENCY_ORG
    entry = UpworkInboxConfig.model_validate(
        {"kind": "upwork_api", "name": "up-inbox", "feed": "up"} | overrides
    )
    return UpworkInboxSource.from_config(entry, feed_config(fake))


def poll(
    source: UpworkInboxSource,
    home: Path,
    cursor: Mapping[str, Any] | None = None,
    now: datetime = NOW,
) -> InboxBatch:
    return source.fetch(InboxContext(now=now, home=home, cursor=cursor or {}))


def feed_jobs(feed: UpworkApiSource, home: Path) -> list[JobBase]:
    """The jobs the upwork_api feed reads from the fake, exactly as it would store them."""
    return feed.fetch(context(home)).jobs


def store_sent_proposals(url: str, jobs: Iterable[JobBase]) -> dict[str, int]:
    """Store ``jobs`` with a proposal sent for each; proposal id by job external id."""
    with session_scope(url, write=True) as session:
        bidder = Bidder(name="Ben", title="Python backend engineer", hourly_rate=45)
        session.add(bidder)
        session.flush()
        assert bidder.id is not None
        stored = list(jobs)
        assert len(store_jobs(session=session, jobs=stored).new_ids) == len(stored)
        ids: dict[str, int] = {}
        for job in stored:
            row = session.exec(select(Job).where(Job.external_id == job.external_id)).one()
            assert row.id is not None
            proposal = Proposal(
                job_id=row.id,
                bidder_id=bidder.id,
                status=ProposalStatus.SENT,
                draft_text="Hi",
                model="offline",
                sent_at=NOW - timedelta(days=2),
            )
            session.add(proposal)
            session.flush()
            assert proposal.id is not None
            ids[job.external_id] = proposal.id
        return ids


def store_batch(url: str, batch: InboxBatch) -> StoredMessages:
    with session_scope(url, write=True) as session:
        return store_items(session=session, source=SOURCE, items=batch.items)


def statuses_of(url: str, proposal_ids: Iterable[int]) -> list[str]:
    with session_scope(url) as session:
        proposals = [session.get(Proposal, pid) for pid in proposal_ids]
        return [p.status if p is not None else "missing" for p in proposals]
