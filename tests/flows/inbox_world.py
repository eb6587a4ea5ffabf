"""A small world for inbox tests and the reply-to-alert bench: a job at the fake Upwork with
its feed connected, the proposal the agency sent for it, an account manager with a webhook,
inbox sources on the fake API and a local IMAP mailbox, and the client's reply appearing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bidflow import db
from bidflow.config import Role
from bidflow.store.bidders import sync_bidders
from bidflow.store.users import save_user
from bidflow.types import utcnow
from connectors.feeds.upwork_api import UpworkApiSource
from connectors.feeds.upwork_nodes import JOB_URL
from flows.context import flow_context
from tests.connectors.email.imap_server import ImapServer, running
from tests.connectors.email.notification_mails import REPLY, notification_mail
from tests.connectors.notify.servers import Webhook, webhook
from tests.connectors.upwork.fake_server import FakeUpwork
from tests.connectors.upwork.inbox_nodes import (
    AGENCY_LEAD,
    AGENCY_ORG,
    make_proposal,
    make_room,
    make_story,
)
from tests.connectors.upwork.nodes import make_node
from tests.connectors.upwork.support import connect_feed, feed_config
from tests.factories import agency_dict, make_job, write_config
from tests.web.seed import sent_proposal

AM = "alex@agency.test"
FULL = (
    "Thanks for the detailed proposal. Could you start on Monday? We would want the booking"
    " endpoints first and the admin screens later."
)
IMAP_PASSWORD_ENV = "INBOX_IMAP_PASSWORD"


@contextmanager
def imap_mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[ImapServer]:
    """A running IMAP server whose password the email inbox source reads."""
    server = ImapServer()
    monkeypatch.setenv(IMAP_PASSWORD_ENV, server.password)
    with running(server):
        yield server


@contextmanager
def account_manager_hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Webhook]:
    """The account manager's alert webhook, its URL where the notify config looks."""
    with webhook() as receiver:
        monkeypatch.setenv("ALEX_HOOK", receiver.url())
        yield receiver


def agency_config_file(
    home: Path, fake: FakeUpwork, imap: ImapServer, *, poll_every: str = "1m"
) -> Path:
    """The agency: the feed "up", both inbox sources (polled every ``poll_every``), Alex the
    account manager of Ana with his webhook."""
    feed = feed_config(fake).model_dump(mode="json")
    data = agency_dict(
        feeds=[feed],
        inbox=[
            {
                "kind": "upwork_api",
                "name": "upwork-inbox",
                "feed": feed["name"],
                "poll_every": poll_every,
            },
            {
                "kind": "email",
                "poll_every": poll_every,
                "name": "upwork-mail",
                "host": "127.0.0.1",
                "port": imap.port,
                "tls": "none",
                "username": imap.username,
                "password_env": IMAP_PASSWORD_ENV,
            },
        ],
        users=[{"email": AM, "name": "Alex", "role": "account_manager", "bidders": ["Ana"]}],
        notify={"recipients": [{"email": AM, "channels": ["ALEX_HOOK"]}]},
    )
    return write_config(home, data)


def connected_job(fake: FakeUpwork, home: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A job published at the fake Upwork, the job feed connected (tokens saved)."""
    monkeypatch.setenv("UPWORK_CLIENT_SECRET", fake.client_secret)
    connect_feed(fake, UpworkApiSource.from_config(feed_config(fake)), home)
    fake.inbox.user, fake.inbox.organization = AGENCY_LEAD, AGENCY_ORG
    node = make_node()
    fake.publish(node)
    return node


def sent_for(config: Path, node: dict[str, Any]) -> int:
    context = flow_context(str(config))
    with db.session_scope(context.url) as session:
        bidders = sync_bidders(session=session, bidders=context.agency.bidders)
        save_user(
            session=session, email=AM, name="Alex", role=Role.ACCOUNT_MANAGER, manages=["Ana"]
        )
        job = make_job(
            source="up",
            external_id=node["ciphertext"],
            url=JOB_URL + node["ciphertext"],
            title=node["title"],
        )
        return sent_proposal(session, bidders["Ana"], job, utcnow() - timedelta(days=2))


def sent_job(
    fake: FakeUpwork, home: Path, imap: ImapServer, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Any], Path, int]:
    """A job at the fake Upwork with the feed connected, the agency config reading both
    inboxes, and Ana's proposal for the job sent two days ago: (node, config, proposal id)."""
    node = connected_job(fake, home, monkeypatch)
    config = agency_config_file(home, fake, imap)
    return node, config, sent_for(config, node)


def client_writes_in_the_room(fake: FakeUpwork, node: dict[str, Any], text: str) -> None:
    proposal = make_proposal(node, "Pending", changed=utcnow() - timedelta(days=2))
    room = make_room(proposal)
    fake.inbox.proposals.append(proposal)
    fake.inbox.rooms.append(room)
    story = make_story(text, at=utcnow() - timedelta(seconds=30))
    fake.inbox.stories.setdefault(room["id"], []).append(story)


def notification_of(imap: ImapServer, node: dict[str, Any], text: str) -> None:
    note = replace(
        REPLY, ciphertext=node["ciphertext"], title=node["title"], words=(text,), message_id=""
    )
    imap.add(notification_mail(note, sent_at=utcnow() - timedelta(seconds=20)))
