"""Notification emails polled from a real IMAP server and stored in a real SQLite database:
each is matched to the sent proposal of the job it links and moves it on; polling again, or
after the mailbox was renumbered, stores nothing twice; the inbox poller saves the cursor."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from bidflow import db
from bidflow.config import AgencyConfig
from bidflow.models import Bidder, Message, Proposal, ProposalStatus, SourceState
from bidflow.settings import Settings
from bidflow.store.jobs import store_jobs
from bidflow.types import utcnow
from connectors.inbox.base import InboxBatch
from connectors.inbox.polling import poll_inbox, source_key
from connectors.inbox.storing import StoredMessages, store_items
from tests.connectors.email.alert_mails import newsletter_mail
from tests.connectors.email.conftest import PASSWORD_ENV
from tests.connectors.email.imap_server import ImapServer
from tests.connectors.email.inbox_helpers import SOURCE, inbox_source, poll
from tests.connectors.email.notification_mails import (
    CLIENT,
    REPLY,
    VIEWED,
    Notification,
    message_id,
    notification_mail,
)
from tests.factories import agency_dict, make_job

SENT = datetime(2026, 11, 18, 9, tzinfo=UTC)
# The client posted the job twice and the agency bid on both: the titles are the same, so only
# the job's link tells the proposals apart. The view is about the first, the reply the second.
REPOSTED = replace(REPLY, ciphertext="~02aa11bb22cc33dd44ee")


def _sent_proposal(session: Session, note: Notification) -> int:
    """A proposal of Ana's sent for the job ``note`` links, its job stored with the feeds' URL
    and an id of the API's own (so only the link can match it)."""
    bidder = session.exec(select(Bidder)).first()
    if bidder is None:
        bidder = Bidder(name="Ana", title="Python backend engineer", hourly_rate=60)
        session.add(bidder)
        session.flush()
    assert bidder.id is not None
    job = make_job(
        source="api",
        external_id=f"api-{note.ciphertext}",
        url=note.job_url,
        title=note.title,
        description=f"Clinic booking API, posting {note.ciphertext}.",  # a repost is reworded
    )
    (job_id,) = store_jobs(session=session, jobs=[job]).new_ids
    proposal = Proposal(
        job_id=job_id,
        bidder_id=bidder.id,
        status=ProposalStatus.SENT,
        draft_text="Hi Maya, we have built booking APIs for two clinic chains.",
        model="offline",
        sent_at=SENT,
    )
    session.add(proposal)
    session.flush()
    assert proposal.id is not None
    return proposal.id


def _store(url: str, batch: InboxBatch) -> StoredMessages:
    assert batch.problems == [] or "renumbered" in batch.problems[0]
    with db.session_scope(url) as session:
        return store_items(session=session, source=SOURCE, items=batch.items)


def _statuses(url: str, *proposal_ids: int) -> list[str]:
    with db.session_scope(url) as session:
        proposals = [session.get(Proposal, number) for number in proposal_ids]
        return [proposal.status if proposal else "missing" for proposal in proposals]


def test_notifications_move_their_sent_proposals_on(
    imap_server: ImapServer, sqlite_url: str
) -> None:
    with db.session_scope(sqlite_url) as session:
        viewed_one = _sent_proposal(session, VIEWED)
        replied_one = _sent_proposal(session, REPOSTED)
    imap_server.add(notification_mail(VIEWED))
    imap_server.add(notification_mail(REPOSTED))
    source = inbox_source(imap_server)

    first = poll(source)
    stored = _store(sqlite_url, first)

    assert (stored.new, stored.matched, stored.unmatched) == (2, 2, [])
    assert _statuses(sqlite_url, viewed_one, replied_one) == ["viewed", "replied"]
    with db.session_scope(sqlite_url) as session:
        messages = session.exec(select(Message).order_by(col(Message.id))).all()
        assert [(m.proposal_id, m.kind, m.source) for m in messages] == [
            (viewed_one, "viewed", SOURCE),
            (replied_one, "reply", SOURCE),
        ]
        assert messages[1].external_id == message_id(REPOSTED)
        assert messages[1].body == REPOSTED.body and messages[1].sender == CLIENT

    assert _store(sqlite_url, poll(source, first)).new == 0  # nothing new arrived
    imap_server.renumber()
    again = _store(sqlite_url, poll(source, first))
    assert (again.new, again.duplicates) == (0, 2)  # re-read, recognised by Message-ID
    assert _statuses(sqlite_url, viewed_one, replied_one) == ["viewed", "replied"]


def test_the_inbox_poll_stores_notifications_and_remembers_the_mailbox(
    imap_server: ImapServer, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = {
        "kind": "email",
        "name": SOURCE,
        "host": "127.0.0.1",
        "port": imap_server.port,
        "tls": "none",
        "username": imap_server.username,
        "password_env": PASSWORD_ENV,
    }
    agency = AgencyConfig.model_validate(agency_dict(inbox=[entry]))
    settings = Settings(home=tmp_path, database_url=sqlite_url)
    with db.session_scope(sqlite_url) as session:
        proposal = _sent_proposal(session, VIEWED)
    imap_server.add(notification_mail(VIEWED))
    imap_server.add(newsletter_mail())

    first = poll_inbox(agency.inbox[0], agency, settings, sqlite_url, utcnow())
    imap_server.add(notification_mail(REPLY))
    second = poll_inbox(agency.inbox[0], agency, settings, sqlite_url, utcnow())

    assert first.error is None and (first.fetched, first.new, first.matched) == (1, 1, 1)
    assert second.error is None and (second.fetched, second.new, second.matched) == (1, 1, 1)
    assert _statuses(sqlite_url, proposal) == ["replied"]
    with db.session_scope(sqlite_url) as session:
        state = session.get(SourceState, source_key(agency.inbox[0]))
        assert state is not None and state.cursor == {"uidvalidity": 1000, "last_uid": 3}
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    refused = poll_inbox(agency.inbox[0], agency, settings, sqlite_url, utcnow())
    assert refused.error is not None and "refused the login" in refused.error
