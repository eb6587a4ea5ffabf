"""A seeded agency for alert tests: bidders Ana and Ben with a sent proposal each, an account
manager for Ana, one for every client, a sales lead and an owner, and a notifier whose
channels point at real local receivers (or, through a local proxy, at faked chat services)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from bidflow.config import Role
from bidflow.config.notify import NotifyConfig
from bidflow.db import session_scope
from bidflow.models import Alert, Bidder, Event, Message
from bidflow.store.sources import record_failure
from bidflow.store.users import save_user
from connectors.notify import Notifier, RunSummary, run_notifier
from tests.factories import make_job
from tests.web.seed import sent_proposal

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)  # a Monday noon, UTC
SENT = T0 - timedelta(hours=3)
ANA_AM = "ana-am@agency.test"
ANY_AM = "any-am@agency.test"
LEAD = "lead@agency.test"
OWNER = "owner@agency.test"
ANA_JOB = "Booking API for a clinic chain"
BEN_JOB = "Shopify storefront rebuild"


@dataclass
class Agency:
    """The seeded database and what a test needs to drive the notifier at chosen moments."""

    url: str
    proposals: dict[str, int]  # bidder name -> their sent proposal's id
    sleeps: list[float] = field(default_factory=list)
    _messages: int = 0

    def notifier(
        self, config: dict[str, Any], environ: dict[str, str], **overrides: Any
    ) -> Notifier:
        """A notifier whose waits are only noted (``sleeps``), not slept."""
        settings: dict[str, Any] = {"sleep": self.sleeps.append, "environ": environ}
        return Notifier(
            config=NotifyConfig.model_validate(config),
            desk_url="https://desk.agency.test",
            **settings | overrides,
        )

    def reply(self, bidder: str, body: str, *, at: datetime, source: str = "upwork-api") -> int:
        """A client's reply on the bidder's proposal, as a connector would store it."""
        self._messages += 1
        with session_scope(self.url) as session:
            message = Message(
                proposal_id=self.proposals[bidder],
                source=source,
                external_id=f"{source}-{self._messages}",
                kind="reply",
                sender="client",
                body=body,
                received_at=at,
            )
            session.add(message)
            session.flush()
            assert message.id is not None
            return message.id

    def run(self, notifier: Notifier, now: datetime) -> RunSummary:
        return run_notifier(url=self.url, notifier=notifier, now=now)

    def fail_feed(self, name: str, *, polls: int, at: datetime) -> None:
        """``polls`` failed polls of feed ``name`` in a row, as the poller records them."""
        for _ in range(polls):
            with session_scope(self.url) as session:
                record_failure(
                    session=session, name=name, kind="rss", error="HTTP 503 from feeds.test", now=at
                )
                # The alert is stamped with the wall clock; these tests live at T0.
                for alert in session.exec(select(Alert).where(col(Alert.created_at) > at)):
                    alert.created_at = at
                    session.add(alert)

    def alerts(self) -> list[Alert]:
        """Every alert row, oldest first."""
        with session_scope(self.url) as session:
            return list(session.exec(select(Alert).order_by(col(Alert.id))).all())

    def events(self, action: str) -> list[Event]:
        with session_scope(self.url) as session:
            query = select(Event).where(Event.action == action).order_by(col(Event.id))
            return list(session.exec(query).all())


def _sent_proposal(session: Session, bidder: Bidder, title: str) -> int:
    return sent_proposal(session, bidder, make_job(title=title), SENT)


@pytest.fixture
def agency(sqlite_url: str) -> Agency:
    return seed_agency(sqlite_url)


def seed_agency(url: str) -> Agency:
    """Bidders Ana and Ben with a sent proposal each, and the team, in the database at ``url``."""
    with session_scope(url) as session:
        ana = Bidder(name="Ana", title="Python engineer", hourly_rate=60)
        ben = Bidder(name="Ben", title="Shopify developer", hourly_rate=50)
        session.add_all([ana, ben])
        session.flush()
        save_user(
            session=session,
            email=ANA_AM,
            name="Ana's AM",
            role=Role.ACCOUNT_MANAGER,
            manages=["Ana"],
        )
        save_user(session=session, email=ANY_AM, name="Any AM", role=Role.ACCOUNT_MANAGER)
        save_user(session=session, email=LEAD, name="Lead", role=Role.SALES_LEAD)
        save_user(session=session, email=OWNER, name="Owner", role=Role.OWNER)
        proposals = {
            "Ana": _sent_proposal(session, ana, ANA_JOB),
            "Ben": _sent_proposal(session, ben, BEN_JOB),
        }
    return Agency(url, proposals)


def recipients(**channels: str) -> list[dict[str, Any]]:
    """Notify recipients, one channel each: ``recipients(ANA_AM="ANA_URL")`` style is awkward
    with dots in emails, so keys are the module constants' names."""
    emails = {"ANA_AM": ANA_AM, "ANY_AM": ANY_AM, "LEAD": LEAD, "OWNER": OWNER}
    return [{"email": emails[who], "channels": [{"url_env": env}]} for who, env in channels.items()]
