"""The notify flow's pass: a reply stored in the database reaches its account manager's webhook
once, however often the flow runs (it runs every minute), and a failing feed reaches the owner."""

from __future__ import annotations

from pathlib import Path

import pytest

from bidflow import db
from bidflow.config import Role
from bidflow.models import Message
from bidflow.settings import get_settings
from bidflow.store.bidders import sync_bidders
from bidflow.store.sources import FAILING_AFTER, record_failure
from bidflow.store.users import save_user
from bidflow.types import utcnow
from flows.context import flow_context
from flows.notify import notify_once
from tests.connectors.notify.servers import webhook
from tests.factories import agency_dict, make_job, write_config
from tests.web.seed import sent_proposal

AM = "alex@agency.test"
OWNER = "olga@agency.test"


def test_a_reply_alerts_its_account_manager_once(
    bidflow_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = agency_dict()
    data["users"] = [{"email": AM, "name": "Alex", "role": "account_manager", "bidders": ["Ana"]}]
    data["notify"] = {"recipients": [{"email": AM, "channels": [{"url_env": "ALEX_HOOK"}]}]}
    config = write_config(bidflow_home, data)
    context = flow_context(str(config))
    with webhook() as hook:
        monkeypatch.setenv("ALEX_HOOK", hook.url())
        with db.session_scope(context.url) as session:
            bidders = sync_bidders(session=session, bidders=context.agency.bidders)
            save_user(
                session=session, email=AM, name="Alex", role=Role.ACCOUNT_MANAGER, manages=["Ana"]
            )
            proposal_id = sent_proposal(
                session, bidders["Ana"], make_job(title="Booking API"), utcnow()
            )
            session.add(
                Message(
                    proposal_id=proposal_id,
                    source="upwork-api",
                    external_id="room-1",
                    kind="reply",
                    sender="client",
                    body="Can we talk tomorrow?",
                    received_at=utcnow(),
                )
            )

        first = notify_once(context)
        again = notify_once(context)

        assert (first.queued, first.sent) == (1, 1)
        assert (again.queued, again.sent) == (0, 0)
        assert len(hook.payloads) == 1
        body = str(hook.payloads[0])
        assert "Can we talk tomorrow?" in body and "Booking API" in body
        assert f"{get_settings().web_port}/inbox" in body


def test_a_failing_feed_alerts_the_owner_once(
    bidflow_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = agency_dict()
    data["users"] = [{"email": OWNER, "name": "Olga", "role": "owner"}]
    data["notify"] = {"recipients": [{"email": OWNER, "channels": ["OLGA_HOOK"]}]}
    context = flow_context(str(write_config(bidflow_home, data)))
    with webhook() as hook:
        monkeypatch.setenv("OLGA_HOOK", hook.url())
        with db.session_scope(context.url) as session:
            save_user(session=session, email=OWNER, name="Olga", role=Role.OWNER)
        for _ in range(FAILING_AFTER):
            with db.session_scope(context.url) as session:
                record_failure(session=session, name="upwork-rss", kind="rss", error="HTTP 503")

        first = notify_once(context)
        again = notify_once(context)

        assert (first.queued, first.sent, again.sent) == (1, 1, 0)
        (payload,) = hook.payloads
        assert payload["title"] == "Feed failing"
        assert "Feed 'upwork-rss' has failed 3 polls in a row" in payload["message"]
        assert payload["message"].endswith(f"{get_settings().web_port}/sources")
