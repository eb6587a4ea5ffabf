"""The inbox flow end to end: a client's reply appears in Upwork's message room (fake Upwork
API) and, cut short, in a notification email (local IMAP server); one run of the flow stores
it once against the sent proposal, moves the proposal to replied and alerts its account
manager's webhook once, with the fuller text. A reply that appears between runs is alerted by
the very next run: its latency is at most one polling interval plus the run itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from bidflow import db
from bidflow.models import Job, Message, Proposal, SourceState
from flows.context import flow_context
from flows.inbox import inbox_flow
from tests.connectors.email.imap_server import ImapServer
from tests.connectors.notify.servers import Webhook
from tests.connectors.upwork.fake_server import FakeUpwork, fake_upwork
from tests.flows.inbox_world import (
    FULL,
    client_writes_in_the_room,
    notification_of,
    sent_job,
)

__all__ = ["fake_upwork"]


def _bodies(hook: Webhook) -> list[str]:
    return [str(payload) for payload in hook.payloads]


def test_one_reply_from_email_and_api_is_one_message_and_one_alert(
    bidflow_home: Path,
    fake_upwork: FakeUpwork,
    imap: ImapServer,
    hook: Webhook,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    node, config, proposal_id = sent_job(fake_upwork, bidflow_home, imap, monkeypatch)
    notification_of(imap, node, FULL[:60].rstrip() + "…")
    client_writes_in_the_room(fake_upwork, node, FULL)

    summaries = inbox_flow(config_path=str(config))

    # The two sources poll concurrently: whichever stores the reply first keeps it.
    assert sorted(s.source for s in summaries) == ["upwork-inbox", "upwork-mail"]
    assert [s.error for s in summaries] == [None, None]
    assert sorted((s.new, s.duplicates) for s in summaries) == [(0, 1), (1, 0)]
    url = flow_context(str(config)).url
    with db.session_scope(url) as session:
        messages = session.exec(select(Message)).all()
        assert [(m.proposal_id, m.body) for m in messages] == [(proposal_id, FULL)]
        assert session.get(Proposal, proposal_id).status == "replied"  # type: ignore[union-attr]
        states = session.exec(select(SourceState).order_by(col(SourceState.name))).all()
        assert [(s.name, s.status) for s in states if s.name.startswith("inbox:")] == [
            ("inbox:upwork-inbox", "ok"),
            ("inbox:upwork-mail", "ok"),
        ]
    assert len(hook.payloads) == 1
    assert node["title"] in _bodies(hook)[0] and "Could you start on Monday?" in _bodies(hook)[0]

    inbox_flow(config_path=str(config), only_due=False)

    assert len(hook.payloads) == 1  # polled again: nothing new, nobody alerted twice


def test_a_reply_between_runs_is_alerted_by_the_next_run(
    bidflow_home: Path,
    fake_upwork: FakeUpwork,
    imap: ImapServer,
    hook: Webhook,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    node, config, _ = sent_job(fake_upwork, bidflow_home, imap, monkeypatch)
    inbox_flow(config_path=str(config))  # the run before the reply: nothing to say
    assert hook.payloads == []

    client_writes_in_the_room(fake_upwork, node, "Are you free for a call at 3pm?")
    inbox_flow(config_path=str(config), only_due=False)

    assert len(hook.payloads) == 1
    assert "Are you free for a call at 3pm?" in _bodies(hook)[0]
    with db.session_scope(flow_context(str(config)).url) as session:
        assert session.exec(select(Job)).one().title == node["title"]
