"""The Inbox page: client messages and status changes of sent proposals, acknowledgements, and
follow-ups due."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from bidflow.config import Role
from bidflow.db import session_scope
from bidflow.models import Bidder, Event, FollowUp, Job, Message, Proposal
from bidflow.store.events import record_event
from bidflow.store.jobs import store_jobs
from bidflow.store.users import save_user
from bidflow.types import utcnow
from tests.factories import make_job
from tests.web.desk import EMAILS, DeskClient
from tests.web.seed import add_bidder, sent_proposal

HOSTILE_BODY = "Can you start Monday? <script>alert(1)</script>"
LONG_BODY = "We loved the proposal. " * 40


@dataclass(frozen=True)
class Seeded:
    hostile_message: str  # inbox keys, as the page and the acknowledge URL name them
    long_message: str
    viewed: str
    due_follow_up: int
    booking: int  # proposal ids
    shop: int


def _sent_proposal(
    session: Session, bidder: Bidder, *, title: str, client: str, sent: datetime
) -> int:
    job = make_job(title=title, client_name=client, url=f"https://example.test/{client}")
    return sent_proposal(session, bidder, job, sent)


def _message(session: Session, proposal_id: int, body: str, received: datetime) -> str:
    message = Message(
        proposal_id=proposal_id,
        source="upwork-mail",
        external_id=f"m-{received.timestamp()}",
        kind="reply",
        sender="client",
        body=body,
        received_at=received,
    )
    session.add(message)
    session.flush()
    return f"message-{message.id}"


def _follow_up(
    session: Session, proposal_id: int, sequence: int, due: datetime, status: str
) -> int:
    follow_up = FollowUp(proposal_id=proposal_id, sequence=sequence, due_at=due, status=status)
    session.add(follow_up)
    session.flush()
    assert follow_up.id is not None
    return follow_up.id


def seed(url: str) -> Seeded:
    """Two sent proposals (Ana's booking API for Acme, Ben's shop for Globex); replies 2 h and
    30 min ago, a view 3 h ago, and status changes that are not inbox news."""
    now = utcnow()
    with session_scope(url) as session:
        ana, ben = add_bidder(session, "Ana"), add_bidder(session, "Ben")
        booking = _sent_proposal(
            session, ana, title="Booking API", client="Acme", sent=now - timedelta(days=1)
        )
        shop = _sent_proposal(
            session, ben, title="Shopify shop", client="Globex", sent=now - timedelta(days=1)
        )
        hostile = _message(session, booking, HOSTILE_BODY, now - timedelta(hours=2))
        long = _message(session, shop, LONG_BODY, now - timedelta(minutes=30))
        viewed = record_event(
            session=session,
            entity="proposal",
            entity_id=booking,
            action="viewed",
            actor="connector",
            at=now - timedelta(hours=3),
        )
        # A draft that expired unsent, and the desk's own doings: not news from a client.
        (unsent_job,) = store_jobs(session=session, jobs=[make_job(title="Never sent")]).new_ids
        unsent = Proposal(job_id=unsent_job, bidder_id=ben.id or 0, draft_text="Hi", model="x")
        session.add(unsent)
        session.flush()
        assert unsent.id is not None
        record_event(
            session=session, entity="proposal", entity_id=unsent.id, action="expired", actor="x"
        )
        record_event(
            session=session, entity="proposal", entity_id=shop, action="approved", actor="x"
        )
        session.flush()
        due = _follow_up(session, booking, 1, now - timedelta(hours=1), "scheduled")
        _follow_up(session, shop, 2, now + timedelta(days=1), "scheduled")
        _follow_up(session, shop, 1, now - timedelta(hours=5), "cancelled")
    return Seeded(hostile, long, f"event-{viewed.id}", due, booking, shop)


def unacknowledged(page: str) -> str:
    match = re.search(r'<section [^>]*id="inbox-unacknowledged".*?</section>', page, re.DOTALL)
    assert match is not None
    return match.group(0)


def keys(section: str) -> list[str]:
    return re.findall(r'<article class="inbox-item[^"]*" id="inbox-([a-z]+-\d+)"', section)


def item(page: str, key: str) -> str:
    match = re.search(rf'<article [^>]*id="inbox-{key}".*?</article>', page, re.DOTALL)
    assert match is not None, f"no item {key}"
    return match.group(0)


def test_lists_messages_and_status_changes_newest_first(
    client: DeskClient, sqlite_url: str
) -> None:
    seeded = seed(sqlite_url)

    page = client.get("/inbox")

    assert page.status_code == 200
    assert keys(unacknowledged(page.text)) == [
        seeded.long_message,
        seeded.hostile_message,
        seeded.viewed,
    ]
    reply = item(page.text, seeded.hostile_message)
    assert "Booking API" in reply and "Acme" in reply and "Ana" in reply
    assert "2 h ago" in reply
    other = item(page.text, seeded.long_message)
    assert "Shopify shop" in other and "Globex" in other and "Ben" in other
    assert "30 min ago" in other
    view = item(page.text, seeded.viewed)
    assert "now viewed" in view and "3 h ago" in view
    assert "approved" not in unacknowledged(page.text)
    assert "Never sent" not in page.text


def test_an_excerpt_is_escaped_and_shortened(client: DeskClient, sqlite_url: str) -> None:
    seeded = seed(sqlite_url)

    page = client.get("/inbox").text

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in item(page, seeded.hostile_message)
    excerpt = re.search(r'<p class="excerpt">(.*?)</p>', item(page, seeded.long_message))
    assert excerpt is not None
    assert excerpt.group(1).endswith("…") and len(excerpt.group(1)) < len(LONG_BODY) / 2


def test_a_job_link_that_is_not_a_web_address_is_not_linked(
    client: DeskClient, sqlite_url: str
) -> None:
    seeded = seed(sqlite_url)
    with session_scope(sqlite_url) as session:
        job = session.exec(select(Job).where(Job.title == "Booking API")).one()
        job.url = "javascript:alert(1)"
        session.add(job)

    page = client.get("/inbox").text

    assert "javascript:" not in page
    assert "Booking API" in item(page, seeded.hostile_message)


def test_acknowledging_records_who_and_when_and_removes_the_item(
    client: DeskClient, sqlite_url: str
) -> None:
    seeded = seed(sqlite_url)
    client.sign_in(Role.ACCOUNT_MANAGER)
    page = client.get("/inbox").text
    assert 'name="csrf_token"' in item(page, seeded.hostile_message)
    before = utcnow()

    answer = client.submit(f"/inbox/{seeded.hostile_message}/acknowledge")

    assert answer.status_code == 303
    with session_scope(sqlite_url) as session:
        acks = session.exec(select(Event).where(Event.action == "message_acknowledged")).all()
        assert [(ack.entity, f"message-{ack.entity_id}") for ack in acks] == [
            ("message", seeded.hostile_message)
        ]
        assert acks[0].actor == EMAILS[Role.ACCOUNT_MANAGER]
        assert before <= acks[0].at <= utcnow()
    page = client.get("/inbox").text
    assert keys(unacknowledged(page)) == [seeded.long_message, seeded.viewed]
    done = item(page, seeded.hostile_message)  # now under "Recently acknowledged"
    assert EMAILS[Role.ACCOUNT_MANAGER] in done and "Acknowledge</button>" not in done


def test_a_status_change_is_acknowledged_the_same_way_and_only_once(
    client: DeskClient, sqlite_url: str
) -> None:
    seeded = seed(sqlite_url)
    client.get("/inbox")

    first = client.submit(f"/inbox/{seeded.viewed}/acknowledge", htmx=True)
    again = client.submit(f"/inbox/{seeded.viewed}/acknowledge", htmx=True)

    assert first.status_code == again.status_code == 200
    assert first.text == ""  # htmx swaps the item out for nothing
    with session_scope(sqlite_url) as session:
        acks = session.exec(
            select(Event).where(Event.action == "message_acknowledged", Event.entity == "event")
        ).all()
    assert len(acks) == 1 and acks[0].actor == EMAILS[Role.OWNER]
    assert seeded.viewed not in keys(unacknowledged(client.get("/inbox").text))


@pytest.mark.parametrize("key", ["message-999", "event-999", "proposal-1", "message-x"])
def test_acknowledging_an_unknown_item_is_not_found(
    client: DeskClient, sqlite_url: str, key: str
) -> None:
    seed(sqlite_url)
    client.get("/inbox")

    assert client.submit(f"/inbox/{key}/acknowledge").status_code == 404


def test_a_non_inbox_event_cannot_be_acknowledged(client: DeskClient, sqlite_url: str) -> None:
    seed(sqlite_url)
    with session_scope(sqlite_url) as session:
        approved = session.exec(select(Event).where(Event.action == "approved")).one()
    client.get("/inbox")

    assert client.submit(f"/inbox/event-{approved.id}/acknowledge").status_code == 404


def test_follow_ups_due_now_are_listed(client: DeskClient, sqlite_url: str) -> None:
    seeded = seed(sqlite_url)

    page = client.get("/inbox").text

    section = re.search(r'<section [^>]*id="follow-ups".*?</section>', page, re.DOTALL)
    assert section is not None
    listed = re.findall(r'<tr id="follow-up-(\d+)"', section.group(0))
    assert listed == [str(seeded.due_follow_up)]
    assert f"#{seeded.booking}" in section.group(0)
    assert 'href="https://example.test/Acme"' in section.group(0)


@pytest.mark.parametrize("role", [Role.ACCOUNT_MANAGER, Role.SALES_LEAD])
def test_account_managers_and_sales_leads_see_every_item(
    client: DeskClient, sqlite_url: str, role: Role
) -> None:
    seeded = seed(sqlite_url)
    client.sign_in(role)

    page = client.get("/inbox")

    assert page.status_code == 200
    assert len(keys(unacknowledged(page.text))) == 3
    assert seeded.hostile_message in page.text


def test_bidders_may_not_use_the_inbox(client: DeskClient, sqlite_url: str) -> None:
    seeded = seed(sqlite_url)
    client.sign_in(Role.BIDDER)

    assert client.get("/inbox").status_code == 403
    assert client.submit(f"/inbox/{seeded.hostile_message}/acknowledge").status_code == 403
    with session_scope(sqlite_url) as session:
        acks = session.exec(select(Event).where(col(Event.action) == "message_acknowledged"))
        assert acks.all() == []


def test_an_account_manager_sees_the_clients_of_their_bidders(
    client: DeskClient, sqlite_url: str
) -> None:
    seeded = seed(sqlite_url)
    with session_scope(sqlite_url) as session:
        unmatched = Message(
            source="upwork-mail",
            external_id="m-unmatched",
            kind="reply",
            sender="someone",
            body="Who sent me this?",
            received_at=utcnow(),
        )
        session.add(unmatched)
        session.flush()
        unmatched_key = f"message-{unmatched.id}"
        save_user(
            session=session,
            email=EMAILS[Role.ACCOUNT_MANAGER],
            name="Alex",
            role=Role.ACCOUNT_MANAGER,
            manages=["Ben"],
        )
    client.switch_to(Role.ACCOUNT_MANAGER)

    page = client.get("/inbox").text

    # Ben's client (Globex) and the unmatched message; not Ana's client (Acme) nor its follow-up.
    assert sorted(keys(unacknowledged(page))) == sorted([seeded.long_message, unmatched_key])
    assert "Showing the clients of the bidders assigned to you" in page
    assert f"#{seeded.booking}" not in page

    client.switch_to(Role.SALES_LEAD)  # everyone else sees every client's
    everything = keys(unacknowledged(client.get("/inbox").text))
    assert seeded.hostile_message in everything and seeded.viewed in everything
